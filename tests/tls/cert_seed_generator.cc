// cert_seed_generator DIR: writes the cert_identity_fuzzer seeds, each a
// flags byte, an identifier index, a length-prefixed string and a DER
// certificate made with tests/tls/cert_builder.h (certificates only; the keys
// are thrown away). Run once by hand; the output is committed under
// corpora/cert_identity_fuzzer/.
#include <openssl/asn1.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/tls/cert_builder.h"

using namespace xmppfuzz::tls::testing;
using std::string_literals::operator""s;

namespace {

struct Seed {
  const char* name;
  uint8_t flags;  // bit 0 s2s, bits 1-3 reference op, bit 4 whole verifier
  uint8_t index;
  std::string str;
  std::vector<San> sans;
  std::vector<std::string> cns;
};

uint8_t Op(int op, bool s2s = false, bool verify = false) {
  return static_cast<uint8_t>((s2s ? 1 : 0) | op << 1 | (verify ? 16 : 0));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::vector<Seed> seeds = {
      {"dns_id_equal", Op(1, false, true), 0, "", {Dns("example.org")}, {}},
      {"dns_id_other_domain", Op(0), 0, "example.net", {Dns("example.org")}, {}},
      {"dns_id_suffix_attack", Op(7), 0, "evil", {Dns("example.org")}, {}},
      {"dns_id_case", Op(6), 0, "", {Dns("Example.Org")}, {}},
      {"dns_id_trailing_dot_presented", Op(1), 0, "", {Dns("example.org.")}, {}},
      {"dns_id_trailing_dot_reference", Op(5), 0, "", {Dns("example.org")}, {}},
      {"dns_id_nul", Op(1), 0, "", {Dns("example.org\0.evil.com"s)}, {}},
      {"dns_id_nul_then_good", Op(3), 1, "", {Dns("evil.com\0example.org"s), Dns("example.org")}, {}},
      {"wildcard_left_most", Op(2, false, true), 0, "chat", {Dns("*.example.org")}, {}},
      {"wildcard_bare_domain", Op(3), 0, "", {Dns("*.example.org")}, {}},
      {"wildcard_two_labels", Op(4), 0, "a", {Dns("*.example.org")}, {}},
      {"wildcard_partial", Op(2), 0, "foo", {Dns("f*.example.org")}, {}},
      {"wildcard_inner", Op(0), 0, "a.b.example.org", {Dns("a.*.example.org")}, {}},
      {"wildcard_public_suffix", Op(2), 0, "example", {Dns("*.org")}, {}},
      {"wildcard_public_suffix_psl", Op(2), 0, "example", {Dns("*.co.uk")}, {}},
      {"wildcard_a_label", Op(2), 0, "xn--bcher-kva", {Dns("*.example.org")}, {}},
      {"idn_u_label_reference", Op(0), 0, "b\xC3\xBC" "cher.example", {Dns("xn--bcher-kva.example")}, {}},
      {"idn_u_label_presented", Op(1), 0, "", {Dns("b\xC3\xBC" "cher.example")}, {}},
      {"srv_id_c2s", Op(3, false, true), 0, "", {Srv("_xmpp-client.example.org")}, {}},
      {"srv_id_s2s", Op(3, true), 0, "", {Srv("_xmpp-server.example.org")}, {}},
      {"srv_id_wrong_service", Op(3, true), 0, "", {Srv("_xmpp-client.example.org")}, {}},
      {"srv_id_utf8string", Op(3), 0, "", {San{San::kSrv, "_xmpp-client.example.org", V_ASN1_UTF8STRING}}, {}},
      {"srv_id_with_dns_target", Op(0), 0, "example.org", {Dns("xmpp.hosting.net"), Srv("_xmpp-client.example.org")}, {}},
      {"xmppaddr_domain", Op(1, true, true), 0, "", {Xmpp("example.org")}, {}},
      {"xmppaddr_user_jid", Op(0), 0, "example.org", {Xmpp("admin@example.org")}, {}},
      {"xmppaddr_u_label", Op(0), 0, "xn--bcher-kva.example", {Xmpp("b\xC3\xBC" "cher.example")}, {}},
      {"xmppaddr_ia5string", Op(1), 0, "", {San{San::kXmppAddr, "example.org", V_ASN1_IA5STRING}}, {}},
      {"cn_only", Op(1, false, true), 0, "", {}, {"example.org"}},
      {"cn_behind_dns_id", Op(1), 1, "", {Dns("other.example")}, {"example.org"}},
      {"cn_behind_srv_id", Op(1), 1, "", {Srv("_xmpp-client.other.example")}, {"example.org"}},
      {"cn_wildcard", Op(2), 0, "chat", {}, {"*.example.org"}},
      {"cn_multiple", Op(1), 1, "", {}, {"other.example", "example.org"}},
      {"many_identifiers", Op(2, true), 2, "muc",
       {Dns("example.org"), Dns("*.example.org"), Srv("_xmpp-server.example.org"), Srv("_xmpp-client.example.org"),
        Xmpp("example.org"), Dns("conference.example.org")},
       {"example.org"}},
  };
  const Issued ca = Issue(CaSpec("cert_identity_fuzzer seed CA"), nullptr);
  for (const Seed& s : seeds) {
    CertSpec spec = LeafSpec(s.sans);
    spec.common_names = s.cns;
    const Issued leaf = Issue(spec, &ca);
    std::string bytes;
    bytes += static_cast<char>(s.flags);
    bytes += static_cast<char>(s.index);
    bytes += static_cast<char>(s.str.size());
    bytes += s.str;
    bytes += leaf.der;
    std::ofstream out(std::string(argv[1]) + "/" + s.name, std::ios::binary);
    out << bytes;
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", s.name);
      return 1;
    }
  }
  std::printf("%zu seeds\n", seeds.size());
  return 0;
}
