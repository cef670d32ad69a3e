#include "harnesses/harness.h"

#include <cstdio>
#include <cstdlib>

#include "targets/base/base.h"

namespace xmppfuzz::harness {

xml::Limits SmallLimits() {
  xml::Limits l;
  l.max_stanza_bytes = 4096;
  l.max_stanza_bytes_preauth = 1024;
  l.max_depth = 8;
  l.max_attributes = 8;
  l.max_name_bytes = 48;
  l.max_namespace_decls = 4;
  l.max_text_bytes = 2048;
  return l;
}

stream::Options StreamOptions(FuzzInput& in) {
  uint8_t b = in.Byte();
  stream::Options o;
  o.backend = (b & 1) ? xml::Backend::kLibxml2 : xml::Backend::kExpat;
  o.side = (b & 2) ? stream::Side::kClient : stream::Side::kServer;
  o.authenticated = (b & 4) != 0;
  o.limits = (b & 8) ? xml::Limits{} : SmallLimits();
  return o;
}

std::vector<size_t> SplitLengths(uint32_t seed, size_t total) { return base::SplitLengths(seed, total, 16, 512); }

void Fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\ninput (%zu bytes): %s\n", what.c_str(), input.size(),
               base::EscapeBytes(input, 4096).c_str());
  std::abort();
}

void RequireSame(const char* what, std::string_view input, const std::vector<std::string>& a,
                 const std::vector<std::string>& b) {
  if (a == b) return;
  std::string report = std::string(what) + "\n--- first:\n";
  for (const auto& line : a) report += "  " + line + "\n";
  report += "--- second:\n";
  for (const auto& line : b) report += "  " + line + "\n";
  Fail(report, input);
}

}  // namespace xmppfuzz::harness
