// jid_fuzzer: parse -> format -> parse is stable (targets/jid, RFC 7622).
// Any input Parse() accepts must format to a string that parses back to an
// equal Jid and formats to the same string again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "targets/jid/jid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace jid = xmppfuzz::jid;
  const auto first = jid::Parse({reinterpret_cast<const char*>(data), size});
  if (!first) return 0;
  const std::string formatted = first->Format();
  jid::JidError error;
  const auto second = jid::Parse(formatted, &error);
  const std::string reformatted = second ? second->Format() : "";
  if (!second || *second != *first || reformatted != formatted) {
    std::fprintf(stderr, "jid round trip broke\n first:  %s\n second: %s\n",
                 formatted.c_str(), reformatted.c_str());
    std::fprintf(stderr, " reparse: %s at %zu\n",
                 std::string(jid::JidErrorName(error.code)).c_str(),
                 error.offset);
    std::abort();
  }
  return 0;
}
