// tls_client_hello_fuzzer: the ClientHello parser (targets/tls) on hostile
// message bodies. Properties: a parsed hello rebuilds byte for byte
// (parse -> build -> memcmp, as BoringSSL's der_roundtrip); every extension
// lies inside the input at its offset; the decoded SNI and ALPN names are
// the bytes of their extensions; and parsing the rebuilt bytes decodes the
// same fields.
#include <string>

#include "harnesses/harness.h"
#include "targets/tls/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppfuzz;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  tls::ClientHello hello;
  tls::Failure failure;
  if (!tls::ParseClientHello(body, 0, &hello, &failure)) {
    if (failure.offset > size) harness::Fail("error offset past the input: " + tls::Describe(failure), body);
    return 0;
  }
  if (tls::BuildClientHello(hello) != body) harness::Fail("rebuilt ClientHello differs from the input", body);
  for (const tls::Extension& e : hello.extensions) {
    if (e.offset + 4 + e.body.size() > size || body.substr(e.offset + 4, e.body.size()) != e.body) {
      harness::Fail("extension is not where its offset says", body);
    }
  }
  if (hello.server_name) {
    const tls::Extension* sni = hello.Find(tls::ExtensionType::kServerName);
    if (sni == nullptr || sni->body.substr(5) != *hello.server_name) harness::Fail("SNI is not its extension's name", body);
  }
  if (!hello.alpn.empty()) {
    const tls::Extension* alpn = hello.Find(tls::ExtensionType::kAlpn);
    std::string names;
    for (const std::string& p : hello.alpn) names += static_cast<char>(p.size()) + p;
    if (alpn == nullptr || alpn->body.substr(2) != names) harness::Fail("ALPN names are not the extension's", body);
  }
  tls::ClientHello again;
  if (!tls::ParseClientHello(tls::BuildClientHello(hello), 0, &again, &failure) ||
      again.server_name != hello.server_name || again.alpn != hello.alpn ||
      again.supported_versions != hello.supported_versions || again.key_shares != hello.key_shares ||
      again.extensions != hello.extensions) {
    harness::Fail("reparsing the rebuilt hello decodes other fields", body);
  }
  return 0;
}
