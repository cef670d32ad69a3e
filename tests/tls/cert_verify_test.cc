// Chain validation and SPKI pinning (targets/tls/tls.h): one row per error
// code and its passing twin, each with a chain issued at test time and
// verified at the fixed time kNow (RFC 5280 section 6 through
// X509_verify_cert; RFC 7590 / RFC 6120 13.7.2 for the XMPP parts; RFC 7469
// section 2.4 for the SPKI digest).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include <functional>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "targets/tls/tls.h"
#include "tests/tls/cert_builder.h"

namespace xmppfuzz::tls {
namespace {

using namespace xmppfuzz::tls::testing;

// Pki is a root, an intermediate and a leaf for example.org, made once.
struct Pki {
  Issued root = Issue(CaSpec("xmppfuzz root"), nullptr);
  Issued intermediate = [this] {
    CertSpec spec = CaSpec("xmppfuzz intermediate");
    spec.serial = 10;
    return Issue(spec, &root);
  }();
  Issued leaf = Issue(LeafSpec({Dns("example.org"), Srv("_xmpp-server.example.org")}), &intermediate);
  Issued other_root = Issue(CaSpec("another root"), nullptr);
};

const Pki& P() {
  static const Pki pki;
  return pki;
}

VerifyConfig Config() {
  VerifyConfig c;
  c.reference_domain = "example.org";
  c.trust_anchors_der = {P().root.der};
  c.verification_time = kNow;
  return c;
}

std::string PinOf(const Issued& cert, PinEncoding encoding = PinEncoding::kBase64) {
  std::array<uint8_t, 32> digest;
  EXPECT_EQ(SpkiSha256(cert.der, &digest), CertError::kNone);
  return EncodePin(digest, encoding);
}

// Case is one row: what to present, with which configuration, and the
// verdict expected (code and depth).
struct Case {
  const char* name;
  std::function<void(VerifyConfig&, std::string& leaf, std::vector<std::string>& chain)> setup;
  CertError code;
  int depth;
};

// LeafUnder issues a leaf for example.org from the intermediate after |edit|.
std::string LeafUnder(const std::function<void(CertSpec&)>& edit, const Issued* issuer = nullptr) {
  CertSpec spec = LeafSpec({Dns("example.org")});
  edit(spec);
  return Issue(spec, issuer != nullptr ? issuer : &P().intermediate).der;
}

// IntermediateChain issues an intermediate from the root after |edit| and
// a normal leaf under it; returns {leaf, intermediate}.
std::pair<std::string, std::string> IntermediateChain(const std::function<void(CertSpec&)>& edit) {
  CertSpec spec = CaSpec("edited intermediate");
  spec.serial = 11;
  edit(spec);
  Issued intermediate = Issue(spec, &P().root);
  Issued leaf = Issue(LeafSpec({Dns("example.org")}), &intermediate);
  return {leaf.der, intermediate.der};
}

const std::vector<Case>& ChainCases() {
  static const std::vector<Case> cases = {
      {"root > intermediate > leaf", [](auto&, auto&, auto&) {}, CertError::kNone, -1},
      {"the leaf again in the chain (SSL_get_peer_cert_chain on a client)",
       [](auto&, auto& leaf, auto& chain) { chain.insert(chain.begin(), leaf); }, CertError::kNone, -1},
      {"leaf expired (5280 6.1.3)",
       [](auto&, auto& leaf, auto&) { leaf = LeafUnder([](CertSpec& s) { s.not_after = kNow - 1; }); },
       CertError::kExpired, 0},
      {"the same leaf, verified at a time when it was valid",
       [](auto& c, auto& leaf, auto&) {
         leaf = LeafUnder([](CertSpec& s) { s.not_after = kNow - 1; });
         c.verification_time = kNow - 2;
       },
       CertError::kNone, -1},
      {"leaf not yet valid (5280 6.1.3)",
       [](auto&, auto& leaf, auto&) { leaf = LeafUnder([](CertSpec& s) { s.not_before = kNow + kDay; }); },
       CertError::kNotYetValid, 0},
      {"intermediate expired (5280 6.1.3)",
       [](auto&, auto& leaf, auto& chain) {
         std::tie(leaf, chain[0]) = IntermediateChain([](CertSpec& s) { s.not_after = kNow - kDay; });
       },
       CertError::kExpired, 1},
      {"self-signed leaf, not trusted",
       [](auto&, auto& leaf, auto& chain) {
         leaf = Issue(LeafSpec({Dns("example.org")}), nullptr).der;
         chain.clear();
       },
       CertError::kSelfSigned, 0},
      {"self-signed leaf, trusted directly",
       [](auto& c, auto& leaf, auto& chain) {
         leaf = Issue(LeafSpec({Dns("example.org")}), nullptr).der;
         chain.clear();
         c.trust_anchors_der = {leaf};
       },
       CertError::kNone, -1},
      {"unknown issuer (another root trusted, ours not sent)",
       [](auto& c, auto&, auto& chain) {
         c.trust_anchors_der = {P().other_root.der};
         chain.pop_back();
       },
       CertError::kUnknownIssuer, 1},
      {"unknown issuer, intermediate not sent", [](auto&, auto&, auto& chain) { chain.clear(); },
       CertError::kUnknownIssuer, 0},
      {"no trust anchors at all", [](auto& c, auto&, auto& chain) {
         c.trust_anchors_der.clear();
         chain.pop_back();
       }, CertError::kUnknownIssuer, 1},
      {"untrusted self-signed root sent in the chain",
       [](auto& c, auto&, auto&) { c.trust_anchors_der = {P().other_root.der}; }, CertError::kUntrustedRoot, 2},
      {"bad signature (a flipped bit in the leaf's signature)",
       [](auto&, auto& leaf, auto&) { leaf.back() = static_cast<char>(leaf.back() ^ 1); }, CertError::kBadSignature, 0},
      {"intermediate with CA:FALSE (5280 4.2.1.9)",
       [](auto&, auto& leaf, auto& chain) {
         std::tie(leaf, chain[0]) = IntermediateChain([](CertSpec& s) { s.basic_constraints = "critical,CA:FALSE"; });
       },
       CertError::kIssuerNotCa, 1},
      {"a leaf used as a CA: no basicConstraints (5280 6.1.4 k)",
       [](auto&, auto& leaf, auto& chain) {
         std::tie(leaf, chain[0]) = IntermediateChain([](CertSpec& s) {
           s.basic_constraints.clear();
           s.key_usage = "digitalSignature";
         });
       },
       CertError::kIssuerNotCa, 1},
      {"pathLenConstraint 0 on the root (5280 6.1.4 m)",
       [](auto& c, auto& leaf, auto& chain) {
         CertSpec root = CaSpec("pathlen root");
         root.basic_constraints = "critical,CA:TRUE,pathlen:0";
         Issued r = Issue(root, nullptr);
         Issued i = Issue(CaSpec("under pathlen root"), &r);
         leaf = Issue(LeafSpec({Dns("example.org")}), &i).der;
         chain = {i.der};
         c.trust_anchors_der = {r.der};
       },
       CertError::kPathLength, 2},  // the depth of the certificate whose constraint is exceeded
      {"intermediate keyUsage without keyCertSign (5280 4.2.1.3)",
       [](auto&, auto& leaf, auto& chain) {
         std::tie(leaf, chain[0]) = IntermediateChain([](CertSpec& s) { s.key_usage = "critical,digitalSignature"; });
       },
       CertError::kIssuerKeyUsage, 1},
      {"leaf is a CA certificate",
       [](auto&, auto& leaf, auto&) { leaf = LeafUnder([](CertSpec& s) { s.basic_constraints = "critical,CA:TRUE"; }); },
       CertError::kLeafIsCa, 0},
      {"a CA certificate trusted directly as the server's own",
       [](auto& c, auto& leaf, auto& chain) {
         CertSpec s = LeafSpec({Dns("example.org")});
         s.basic_constraints = "critical,CA:TRUE";
         leaf = Issue(s, nullptr).der;
         chain.clear();
         c.trust_anchors_der = {leaf};
       },
       CertError::kNone, -1},
      {"leaf keyUsage cRLSign only: no TLS use (5280 4.2.1.3)",
       [](auto&, auto& leaf, auto&) { leaf = LeafUnder([](CertSpec& s) { s.key_usage = "critical,cRLSign"; }); },
       CertError::kBadKeyUsage, 0},
      {"leaf without keyUsage or extendedKeyUsage",
       [](auto&, auto& leaf, auto&) {
         leaf = LeafUnder([](CertSpec& s) {
           s.key_usage.clear();
           s.ext_key_usage.clear();
         });
       },
       CertError::kNone, -1},
      {"TLS server without serverAuth (5280 4.2.1.12)",
       [](auto&, auto& leaf, auto&) { leaf = LeafUnder([](CertSpec& s) { s.ext_key_usage = "clientAuth"; }); },
       CertError::kBadExtendedKeyUsage, 0},
      {"s2s initiating server (TLS client) with serverAuth only",
       [](auto& c, auto& leaf, auto&) {
         c.service = XmppService::kServerToServer;
         c.peer_role = PeerRole::kTlsClient;
         leaf = LeafUnder([](CertSpec& s) { s.ext_key_usage = "serverAuth"; });
       },
       CertError::kBadExtendedKeyUsage, 0},
      {"s2s initiating server (TLS client) with clientAuth",
       [](auto& c, auto&, auto&) {
         c.service = XmppService::kServerToServer;
         c.peer_role = PeerRole::kTlsClient;
       },
       CertError::kNone, -1},
      {"intermediate extendedKeyUsage without serverAuth",
       [](auto&, auto& leaf, auto& chain) {
         std::tie(leaf, chain[0]) = IntermediateChain([](CertSpec& s) { s.ext_key_usage = "emailProtection"; });
       },
       CertError::kBadExtendedKeyUsage, 1},
      {"more certificates than max_chain_depth", [](auto& c, auto&, auto&) { c.max_chain_depth = 2; },
       CertError::kChainTooLong, 2},
      {"chain fine, name wrong", [](auto& c, auto&, auto&) { c.reference_domain = "example.net"; },
       CertError::kWrongName, 0},
      {"a chain error comes before the name",
       [](auto& c, auto& leaf, auto&) {
         leaf = LeafUnder([](CertSpec& s) { s.not_after = kNow - 1; });
         c.reference_domain = "example.net";
       },
       CertError::kExpired, 0},
      {"reference identity not a domain", [](auto& c, auto&, auto&) { c.reference_domain = "192.0.2.1"; },
       CertError::kBadReferenceIdentity, -1},
      {"trust anchor not DER", [](auto& c, auto&, auto&) { c.trust_anchors_der.push_back("junk"); },
       CertError::kBadTrustAnchor, -1},
      {"leaf not DER", [](auto&, auto& leaf, auto&) { leaf = "\x30\x00"; }, CertError::kBadDer, 0},
      {"chain entry not DER", [](auto&, auto&, auto& chain) { chain.push_back(std::string("\x30\x01", 2)); },
       CertError::kBadDer, 3},
  };
  return cases;
}

const std::vector<Case>& PinCases() {
  static const std::vector<Case> cases = {
      {"leaf pin (base64) with the chain", [](auto& c, auto&, auto&) { c.pins = {PinOf(P().leaf)}; },
       CertError::kNone, -1},
      {"leaf pin (hex, ':' separated) with the chain",
       [](auto& c, auto&, auto&) {
         std::string hex = PinOf(P().leaf, PinEncoding::kHex), colons;
         for (size_t i = 0; i < hex.size(); i += 2) colons += (i ? ":" : "") + hex.substr(i, 2);
         c.pins = {colons};
         c.pin_encoding = PinEncoding::kHex;
       },
       CertError::kNone, -1},
      {"intermediate's key pinned, with the chain", [](auto& c, auto&, auto&) { c.pins = {PinOf(P().intermediate)}; },
       CertError::kNone, -1},
      {"backup pins: one of several matches",
       [](auto& c, auto&, auto&) { c.pins = {PinOf(P().other_root), PinOf(P().leaf)}; }, CertError::kNone, -1},
      {"wrong pin, chain fine", [](auto& c, auto&, auto&) { c.pins = {PinOf(P().other_root)}; }, CertError::kWrongPin,
       0},
      {"right pin, chain broken: the chain error",
       [](auto& c, auto& leaf, auto&) {
         Issued expired = Issue(
             [] {
               CertSpec s = LeafSpec({Dns("example.org")});
               s.not_after = kNow - 1;
               return s;
             }(),
             &P().intermediate);
         leaf = expired.der;
         c.pins = {PinOf(expired)};
       },
       CertError::kExpired, 0},
      {"pin instead of the chain: untrusted, expired, self-signed leaf",
       [](auto& c, auto& leaf, auto& chain) {
         CertSpec s = LeafSpec({Dns("example.org")});
         s.not_after = kNow - 1;
         Issued self = Issue(s, nullptr);
         leaf = self.der;
         chain.clear();
         c.trust_anchors_der.clear();
         c.pins = {PinOf(self)};
         c.pin_mode = PinMode::kInsteadOfChain;
       },
       CertError::kNone, -1},
      {"pin instead of the chain: only the leaf's key counts",
       [](auto& c, auto&, auto&) {
         c.pins = {PinOf(P().intermediate)};
         c.pin_mode = PinMode::kInsteadOfChain;
       },
       CertError::kWrongPin, 0},
      {"pin instead of the chain: the name is still checked",
       [](auto& c, auto&, auto&) {
         c.pins = {PinOf(P().leaf)};
         c.pin_mode = PinMode::kInsteadOfChain;
         c.reference_domain = "example.net";
       },
       CertError::kWrongName, 0},
      {"pin instead of the chain, name check off",
       [](auto& c, auto&, auto&) {
         c.pins = {PinOf(P().leaf)};
         c.pin_mode = PinMode::kInsteadOfChain;
         c.reference_domain = "example.net";
         c.check_name = false;
       },
       CertError::kNone, -1},
      {"pin instead of the chain without pins", [](auto& c, auto&, auto&) { c.pin_mode = PinMode::kInsteadOfChain; },
       CertError::kNoPins, -1},
      {"a re-issued certificate for the same key keeps its pin",
       [](auto& c, auto& leaf, auto&) {
         CertSpec s = LeafSpec({Dns("example.org"), Dns("chat.example.org")});
         s.serial = 99;
         Issued again = Issue(s, &P().intermediate, P().leaf.key.get());
         EXPECT_NE(again.der, P().leaf.der);
         leaf = again.der;
         c.pins = {PinOf(P().leaf)};
         c.pin_mode = PinMode::kInsteadOfChain;
       },
       CertError::kNone, -1},
      {"base64 pin one character short", [](auto& c, auto&, auto&) { c.pins = {PinOf(P().leaf).substr(1)}; },
       CertError::kBadPin, -1},
      {"base64 pin not canonical (padding bits set)",
       [](auto& c, auto&, auto&) {
         std::string pin = PinOf(P().leaf);
         const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
         pin[42] = alphabet[(alphabet.find(pin[42]) ^ 1) & 63];  // the last data character's low bit is padding
         c.pins = {pin};
       },
       CertError::kBadPin, -1},
      {"hex pin with a non-hex digit",
       [](auto& c, auto&, auto&) {
         c.pins = {std::string(63, 'a') + "g"};
         c.pin_encoding = PinEncoding::kHex;
       },
       CertError::kBadPin, -1},
      {"a hex pin read as base64",
       [](auto& c, auto&, auto&) { c.pins = {PinOf(P().leaf, PinEncoding::kHex)}; }, CertError::kBadPin, -1},
  };
  return cases;
}

void RunCases(const std::vector<Case>& cases) {
  for (const Case& row : cases) {
    SCOPED_TRACE(row.name);
    VerifyConfig config = Config();
    std::string leaf = P().leaf.der;
    std::vector<std::string> chain = {P().intermediate.der, P().root.der};
    row.setup(config, leaf, chain);
    const CertFailure got = VerifyPeerCertificateDer(config, leaf, chain);
    EXPECT_EQ(got.code, row.code) << Describe(got);
    EXPECT_EQ(got.depth, row.depth) << Describe(got);
  }
}

TEST(CertChain, Table) { RunCases(ChainCases()); }
TEST(CertPin, Table) { RunCases(PinCases()); }

TEST(CertChain, EveryChainCodeHasARow) {
  std::set<CertError> seen;
  for (const Case& c : ChainCases()) seen.insert(c.code);
  for (const Case& c : PinCases()) seen.insert(c.code);
  for (int e = 0; e <= static_cast<int>(CertError::kWrongPin); ++e) {
    const auto code = static_cast<CertError>(e);
    if (code == CertError::kChainInvalid) continue;  // OpenSSL errors we do not name
    EXPECT_TRUE(seen.count(code)) << CertErrorName(code);
  }
}

TEST(CertChain, OpenSslTypesOverload) {
  // What the session passes after a handshake: X509* and STACK_OF(X509)*.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(P().leaf.der.data());
  X509* leaf = d2i_X509(nullptr, &p, static_cast<long>(P().leaf.der.size()));
  ASSERT_NE(leaf, nullptr);
  STACK_OF(X509)* chain = sk_X509_new_null();
  sk_X509_push(chain, P().intermediate.cert.get());
  EXPECT_TRUE(VerifyPeerCertificate(Config(), leaf, chain).ok());
  EXPECT_TRUE(VerifyPeerCertificate(Config(), leaf, nullptr).code == CertError::kUnknownIssuer);
  EXPECT_EQ(VerifyPeerCertificate(Config(), nullptr, chain), (CertFailure{CertError::kBadDer, 0}));
  sk_X509_free(chain);
  X509_free(leaf);
}

TEST(CertChain, ChainErrorsCarryOpenSslsCode) {
  VerifyConfig config = Config();
  config.verification_time = kNow + 400 * kDay;
  const CertFailure f = VerifyPeerCertificateDer(config, P().leaf.der, {P().intermediate.der});
  EXPECT_EQ(f, (CertFailure{CertError::kExpired, 0, X509_V_ERR_CERT_HAS_EXPIRED}));
  EXPECT_EQ(Describe(f), "expired depth=0 (certificate has expired)");
}

TEST(CertPin, SpkiDigestIsOfTheSubjectPublicKeyInfo) {
  // The same digest from the key itself: i2d_PUBKEY re-encodes the
  // SubjectPublicKeyInfo from the EVP_PKEY (RFC 7469 2.4).
  unsigned char* spki = nullptr;
  const int n = i2d_PUBKEY(P().leaf.key.get(), &spki);
  ASSERT_GT(n, 0);
  std::array<uint8_t, 32> want;
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest(spki, static_cast<size_t>(n), want.data(), &len, EVP_sha256(), nullptr), 1);
  OPENSSL_free(spki);
  std::array<uint8_t, 32> got;
  ASSERT_EQ(SpkiSha256(P().leaf.der, &got), CertError::kNone);
  EXPECT_EQ(got, want);
  EXPECT_EQ(SpkiSha256("junk", &got), CertError::kBadDer);
}

TEST(CertPin, EncodeDecodeRoundTrip) {
  std::array<uint8_t, 32> digest{};
  for (size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<uint8_t>(i * 37 + 5);
  for (PinEncoding e : {PinEncoding::kBase64, PinEncoding::kHex}) {
    std::array<uint8_t, 32> back{};
    const std::string text = EncodePin(digest, e);
    EXPECT_EQ(text.size(), e == PinEncoding::kBase64 ? 44u : 64u);
    ASSERT_TRUE(DecodePin(text, e, &back)) << text;
    EXPECT_EQ(back, digest);
  }
  std::array<uint8_t, 32> out;
  EXPECT_FALSE(DecodePin("", PinEncoding::kBase64, &out));
  EXPECT_FALSE(DecodePin(std::string(44, '='), PinEncoding::kBase64, &out));
  EXPECT_FALSE(DecodePin(std::string(66, 'a'), PinEncoding::kHex, &out));
}

TEST(CertErrors, NamesAreDistinct) {
  std::set<std::string_view> names;
  for (int e = 0; e <= static_cast<int>(CertError::kWrongPin); ++e) names.insert(CertErrorName(static_cast<CertError>(e)));
  EXPECT_EQ(names.size(), static_cast<size_t>(CertError::kWrongPin) + 1);
  EXPECT_EQ(names.count("unknown"), 0u);
  std::set<std::string_view> problems;
  for (int p = 0; p <= static_cast<int>(IdProblem::kMultipleCn); ++p) problems.insert(IdProblemName(static_cast<IdProblem>(p)));
  EXPECT_EQ(problems.size(), static_cast<size_t>(IdProblem::kMultipleCn) + 1);
}

}  // namespace
}  // namespace xmppfuzz::tls
