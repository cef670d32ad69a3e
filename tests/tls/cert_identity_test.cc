// Certificate identity for XMPP (targets/tls/tls.h): one table, a row per
// rule of RFC 6125 section 6 as applied by RFC 6120 section 13.7 and RFC 7590,
// each rule passing once and failing once. Layout as in x509-limbo: the
// expected result, the reference identity and its kind (c2s / s2s), and the
// certificate's presented identifiers; certificates are issued at test time
// by a CA made for the run and verified end to end (chain + name). The last
// column says whether OpenSSL's X509_check_host must agree (plain DNS-ID and
// CN-ID rows), must disagree (a rule of ours it does not have), or does not
// apply (SRV-ID, XmppAddr).
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "targets/tls/tls.h"
#include "tests/tls/cert_builder.h"

namespace xmppfuzz::tls {
namespace {

using namespace xmppfuzz::tls::testing;
using std::string_literals::operator""s;

constexpr XmppService C2S = XmppService::kClientToServer;
constexpr XmppService S2S = XmppService::kServerToServer;

enum class Ossl { kSame, kDiffers, kNa };
constexpr bool PASS = true;
constexpr bool FAIL = false;

struct Row {
  const char* rule;  // the rule and where it is written
  bool expected;
  std::string reference;  // the JID domain the client set out to reach
  XmppService kind;
  std::vector<San> sans;
  std::vector<std::string> cns;
  Ossl openssl;
};

San SrvAs(std::string v, int type) { return {San::kSrv, std::move(v), type}; }
San XmppAs(std::string v, int type) { return {San::kXmppAddr, std::move(v), type}; }
San Email(std::string v) { return {San::kEmail, std::move(v)}; }

const std::vector<Row>& Table() {
  static const std::vector<Row> rows = {
      // DNS-ID (RFC 6125 6.4.1, RFC 6120 13.7.1.2).
      {"dns-id equal (6125 6.4.1)", PASS, "example.org", C2S, {Dns("example.org")}, {}, Ossl::kSame},
      {"dns-id equal (6125 6.4.1)", FAIL, "example.org", C2S, {Dns("example.net")}, {}, Ossl::kSame},
      {"dns-id equal (6125 6.4.1)", FAIL, "example.org", C2S, {Dns("chat.example.org")}, {}, Ossl::kSame},
      {"any one identifier may match (6125 6.3)", PASS, "example.org", C2S, {Dns("a.net"), Dns("example.org")}, {}, Ossl::kSame},
      {"any one identifier may match (6125 6.3)", FAIL, "example.org", C2S, {Dns("a.net"), Dns("b.net")}, {}, Ossl::kSame},
      {"ascii case-insensitive (6125 6.4.1)", PASS, "Example.ORG", C2S, {Dns("eXample.org")}, {}, Ossl::kSame},
      {"ascii case-insensitive (6125 6.4.1)", FAIL, "example.org", C2S, {Dns("EXAMPLE.\xE1\xB4\xBCRG")}, {}, Ossl::kSame},
      {"one trailing dot (7622 3.2)", PASS, "example.org.", C2S, {Dns("example.org")}, {}, Ossl::kSame},
      {"one trailing dot (7622 3.2)", FAIL, "example.org", C2S, {Dns("example.org.")}, {}, Ossl::kSame},
      {"nul inside a SAN (CVE-2009-2408)", FAIL, "example.org", C2S, {Dns("example.org\0.evil.com"s)}, {}, Ossl::kSame},
      {"nul inside a SAN (CVE-2009-2408)", PASS, "example.org", C2S, {Dns("evil.com\0example.org"s), Dns("example.org")}, {}, Ossl::kSame},
      {"nul inside a SAN (CVE-2009-2408)", FAIL, "example.org", C2S, {Srv("_xmpp-client.example.org\0.evil"s)}, {}, Ossl::kNa},
      {"nul inside a SAN (CVE-2009-2408)", FAIL, "example.org", C2S, {Xmpp("example.org\0evil"s)}, {}, Ossl::kNa},
      {"the JID domain, not the SRV target (6120 13.7.2.1)", FAIL, "example.org", C2S, {Dns("xmpp.hosting.net")}, {}, Ossl::kSame},
      {"the JID domain, not the SRV target (6120 13.7.2.1)", PASS, "example.org", C2S, {Dns("xmpp.hosting.net"), Srv("_xmpp-client.example.org")}, {}, Ossl::kNa},
      // Wildcards (RFC 6125 6.4.3, RFC 6120 13.7.1.2).
      {"wildcard is a whole left-most label (6125 6.4.3)", PASS, "chat.example.org", C2S, {Dns("*.example.org")}, {}, Ossl::kSame},
      {"wildcard is a whole left-most label (6125 6.4.3)", FAIL, "example.org", C2S, {Dns("*.example.org")}, {}, Ossl::kSame},
      {"wildcard stands for one label (6125 6.4.3)", PASS, "a.b.example.org", C2S, {Dns("*.b.example.org")}, {}, Ossl::kSame},
      {"wildcard stands for one label (6125 6.4.3)", FAIL, "a.b.example.org", C2S, {Dns("*.example.org")}, {}, Ossl::kSame},
      {"no partial-label wildcard (6125 6.4.3)", PASS, "foo.example.org", C2S, {Dns("*.example.org")}, {}, Ossl::kSame},
      {"no partial-label wildcard (6125 6.4.3)", FAIL, "foo.example.org", C2S, {Dns("f*.example.org")}, {}, Ossl::kSame},
      {"no partial-label wildcard (6125 6.4.3)", FAIL, "foo.example.org", C2S, {Dns("*oo.example.org")}, {}, Ossl::kSame},
      {"wildcard and A-labels (6125 6.4.3)", PASS, "xn--bcher-kva.example.org", C2S, {Dns("*.example.org")}, {}, Ossl::kSame},
      {"wildcard and A-labels (6125 6.4.3)", FAIL, "xn--bcher-kva.example.org", C2S, {Dns("xn--*.example.org")}, {}, Ossl::kSame},
      {"wildcard only in the left-most label (6125 6.4.3)", PASS, "muc.chat.example.org", C2S, {Dns("*.chat.example.org")}, {}, Ossl::kSame},
      {"wildcard only in the left-most label (6125 6.4.3)", FAIL, "a.b.example.org", C2S, {Dns("a.*.example.org")}, {}, Ossl::kSame},
      {"wildcard only in the left-most label (6125 6.4.3)", FAIL, "a.b.example.org", C2S, {Dns("*.*.example.org")}, {}, Ossl::kSame},
      {"no wildcard into a public suffix (2+ labels, libpsl)", PASS, "chat.example.co.uk", C2S, {Dns("*.example.co.uk")}, {}, Ossl::kSame},
      {"no wildcard into a public suffix (2+ labels, libpsl)", FAIL, "example.org", C2S, {Dns("*.org")}, {}, Ossl::kSame},
      {"no wildcard into a public suffix (2+ labels, libpsl)", FAIL, "example.co.uk", C2S, {Dns("*.co.uk")}, {}, Ossl::kDiffers},
      {"no wildcard into a public suffix (2+ labels, libpsl)", FAIL, "localhost", C2S, {Dns("*")}, {}, Ossl::kSame},
      // IDNs (RFC 6125 6.4.2, RFC 5891).
      {"U-label reference compared as A-label (6125 6.4.2)", PASS, "b\xC3\xBC" "cher.example", C2S, {Dns("xn--bcher-kva.example")}, {}, Ossl::kSame},
      {"U-label reference compared as A-label (6125 6.4.2)", FAIL, "bucher.example", C2S, {Dns("xn--bcher-kva.example")}, {}, Ossl::kSame},
      {"presented A-labels only (6125 6.4.2)", PASS, "xn--bcher-kva.example", C2S, {Dns("XN--BCHER-KVA.example")}, {}, Ossl::kSame},
      {"presented A-labels only (6125 6.4.2)", FAIL, "b\xC3\xBC" "cher.example", C2S, {Dns("b\xC3\xBC" "cher.example")}, {}, Ossl::kSame},
      {"presented A-labels only (6125 6.4.2)", FAIL, "b\xC3\xBC" "cher.example", C2S, {}, {"b\xC3\xBC" "cher.example"}, Ossl::kSame},
      // SRV-ID (RFC 4985, RFC 6125 6.5.1, RFC 6120 13.7.1.2).
      {"srv-id _xmpp-client for c2s (6120 13.7.1.2)", PASS, "example.org", C2S, {Srv("_xmpp-client.example.org")}, {}, Ossl::kNa},
      {"srv-id _xmpp-client for c2s (6120 13.7.1.2)", FAIL, "example.org", C2S, {Srv("_xmpp-server.example.org")}, {}, Ossl::kNa},
      {"srv-id _xmpp-client for c2s (6120 13.7.1.2)", FAIL, "example.org", C2S, {Srv("_xmpp-client.example.net")}, {}, Ossl::kNa},
      {"srv-id _xmpp-client for c2s (6120 13.7.1.2)", FAIL, "example.org", C2S, {Dns("_xmpp-client.example.org")}, {}, Ossl::kSame},
      {"srv-id _xmpp-server for s2s (6120 13.7.1.2)", PASS, "example.org", S2S, {Srv("_xmpp-server.example.org")}, {}, Ossl::kNa},
      {"srv-id _xmpp-server for s2s (6120 13.7.1.2)", FAIL, "example.org", S2S, {Srv("_xmpp-client.example.org")}, {}, Ossl::kNa},
      {"srv-id like a dns-id, no wildcard (6125 6.5.1)", PASS, "example.org", C2S, {Srv("_XMPP-Client.Example.ORG")}, {}, Ossl::kNa},
      {"srv-id like a dns-id, no wildcard (6125 6.5.1)", FAIL, "chat.example.org", C2S, {Srv("_xmpp-client.*.example.org")}, {}, Ossl::kNa},
      {"srv-id is an IA5String (4985 2)", PASS, "example.org", S2S, {SrvAs("_xmpp-server.example.org", V_ASN1_IA5STRING)}, {}, Ossl::kNa},
      {"srv-id is an IA5String (4985 2)", FAIL, "example.org", C2S, {SrvAs("_xmpp-client.example.org", V_ASN1_UTF8STRING)}, {}, Ossl::kNa},
      // XmppAddr (RFC 6120 13.7.1.4).
      {"xmppaddr of the domain (6120 13.7.1.4)", PASS, "example.org", C2S, {Xmpp("example.org")}, {}, Ossl::kNa},
      {"xmppaddr of the domain (6120 13.7.1.4)", PASS, "example.org", S2S, {Xmpp("Example.org")}, {}, Ossl::kNa},
      {"xmppaddr of the domain (6120 13.7.1.4)", FAIL, "example.org", C2S, {Xmpp("example.net")}, {}, Ossl::kNa},
      {"xmppaddr is a bare domain JID", PASS, "example.org", C2S, {Xmpp("admin@example.org"), Xmpp("example.org")}, {}, Ossl::kNa},
      {"xmppaddr is a bare domain JID", FAIL, "example.org", C2S, {Xmpp("admin@example.org")}, {}, Ossl::kNa},
      {"xmppaddr is a bare domain JID", FAIL, "example.org", C2S, {Xmpp("example.org/server")}, {}, Ossl::kNa},
      {"xmppaddr holds U-labels, compared as A-labels (6120 13.7.1.4)", PASS, "xn--bcher-kva.example", C2S, {Xmpp("b\xC3\xBC" "cher.example")}, {}, Ossl::kNa},
      {"xmppaddr holds U-labels, compared as A-labels (6120 13.7.1.4)", FAIL, "bucher.example", C2S, {Xmpp("b\xC3\xBC" "cher.example")}, {}, Ossl::kNa},
      {"xmppaddr is a UTF8String (6120 13.7.1.4)", PASS, "example.org", C2S, {XmppAs("example.org", V_ASN1_UTF8STRING)}, {}, Ossl::kNa},
      {"xmppaddr is a UTF8String (6120 13.7.1.4)", FAIL, "example.org", C2S, {XmppAs("example.org", V_ASN1_IA5STRING)}, {}, Ossl::kNa},
      {"xmppaddr takes no wildcard", PASS, "chat.example.org", C2S, {Xmpp("chat.example.org")}, {}, Ossl::kNa},
      {"xmppaddr takes no wildcard", FAIL, "chat.example.org", C2S, {Xmpp("*.example.org")}, {}, Ossl::kNa},
      // CN-ID (RFC 6125 6.4.4, RFC 6120 13.7.2).
      {"cn-id only without any subjectAltName (6125 6.4.4)", PASS, "example.org", C2S, {}, {"example.org"}, Ossl::kSame},
      {"cn-id only without any subjectAltName (6125 6.4.4)", FAIL, "example.org", C2S, {}, {"example.net"}, Ossl::kSame},
      {"cn-id only without any subjectAltName (6125 6.4.4)", FAIL, "example.org", C2S, {Dns("other.example")}, {"example.org"}, Ossl::kSame},
      {"cn-id only without any subjectAltName (6125 6.4.4)", FAIL, "example.org", C2S, {Email("admin@example.org")}, {"example.org"}, Ossl::kDiffers},
      {"cn-id only without any subjectAltName (6125 6.4.4)", FAIL, "example.org", C2S, {Srv("_xmpp-client.other.example")}, {"example.org"}, Ossl::kNa},
      {"cn-id wildcard as for dns-id (6125 6.4.3)", PASS, "chat.example.org", C2S, {}, {"*.example.org"}, Ossl::kSame},
      {"cn-id wildcard as for dns-id (6125 6.4.3)", FAIL, "a.chat.example.org", C2S, {}, {"*.example.org"}, Ossl::kSame},
      {"exactly one cn-id", PASS, "chat.example.org", S2S, {}, {"chat.example.org"}, Ossl::kSame},
      {"exactly one cn-id", FAIL, "example.org", C2S, {}, {"other.example", "example.org"}, Ossl::kDiffers},
  };
  return rows;
}

const Issued& Ca() {
  static const Issued ca = Issue(CaSpec("xmppfuzz identity CA"), nullptr);
  return ca;
}

std::string Show(const Row& row) {
  std::string s = std::string(row.expected ? "PASS " : "FAIL ") + row.rule + " | reference " +
                  base::EscapeBytes(row.reference) + (row.kind == C2S ? " c2s" : " s2s") + " | presented";
  for (const San& san : row.sans) s += " " + base::EscapeBytes(san.value);
  for (const std::string& cn : row.cns) s += " CN=" + base::EscapeBytes(cn);
  return s;
}

TEST(CertIdentity, Table) {
  std::set<std::string> passing, failing;
  for (const Row& row : Table()) {
    SCOPED_TRACE(Show(row));
    CertSpec spec = LeafSpec(row.sans);
    spec.common_names = row.cns;
    const Issued leaf = Issue(spec, &Ca());
    VerifyConfig config;
    config.reference_domain = row.reference;
    config.service = row.kind;
    config.trust_anchors_der = {Ca().der};
    config.verification_time = kNow;
    const CertFailure got = VerifyPeerCertificateDer(config, leaf.der, {});
    EXPECT_EQ(got, (row.expected ? CertFailure{} : CertFailure{CertError::kWrongName, 0})) << Describe(got);
    (row.expected ? passing : failing).insert(row.rule);

    // OpenSSL's X509_check_host on the same certificate and normalized name
    // (it reads the subject CN when there is no dNSName).
    if (row.openssl != Ossl::kNa) {
      std::string reference;
      ASSERT_EQ(NormalizeReferenceDomain(row.reference, &reference), CertError::kNone);
      const unsigned flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
      const bool openssl = X509_check_host(leaf.cert.get(), reference.data(), reference.size(), flags, nullptr) == 1;
      EXPECT_EQ(openssl, row.openssl == Ossl::kSame ? row.expected : !row.expected) << "X509_check_host";
    }
  }
  // Every rule passes at least once and fails at least once.
  EXPECT_EQ(passing, failing);
  EXPECT_EQ(passing.size(), 26u);  // the README summarises 26 rules in 67 rows
  EXPECT_EQ(Table().size(), 67u);
}

TEST(CertIdentity, PresentedIdentifiersSayWhyTheyAreRefused) {
  CertSpec spec = LeafSpec({Dns("example.org\0.evil.com"s), Dns("example.org."), Dns("b\xC3\xBC" "cher.example"),
                            SrvAs("_xmpp-client.example.org", V_ASN1_UTF8STRING), Srv("xmpp-client.example.org"),
                            Xmpp("juliet@example.org"), Xmpp("\xFF.example"), Xmpp("b\xC3\xBC" "cher.example")});
  spec.common_names = {"a.example", "b.example"};
  const Issued leaf = Issue(spec, &Ca());
  PresentedIdentifiers ids;
  ASSERT_EQ(ExtractPresentedIdentifiers(leaf.der, &ids), CertError::kNone);
  ASSERT_EQ(ids.ids.size(), 10u);
  const std::vector<IdProblem> want = {IdProblem::kNul,      IdProblem::kTrailingDot,     IdProblem::kNonAscii,
                                       IdProblem::kWrongStringType, IdProblem::kBadSrvName, IdProblem::kNotDomain,
                                       IdProblem::kBadIdn,   IdProblem::kNone,            IdProblem::kMultipleCn,
                                       IdProblem::kMultipleCn};
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(ids.ids[i].problem, want[i]) << i << " " << IdProblemName(ids.ids[i].problem);
  EXPECT_EQ(ids.ids[0].raw, "example.org\0.evil.com"s);  // the bytes as encoded, NUL included
  EXPECT_EQ(ids.ids[7].normalized, "xn--bcher-kva.example");
  EXPECT_TRUE(ids.has_subject_alt_name);
  EXPECT_EQ(ids.ids[8].kind, IdKind::kCnId);
}

// RFC 4985 2: an SRVName is "_" Service "." Name, neither part empty (an
// empty Name is a trailing dot, which every presented identifier is refused
// for first).
TEST(CertIdentity, SrvNameNeedsServiceAndName) {
  const std::vector<std::pair<std::string, IdProblem>> cases = {
      {"_xmpp-client.example.org", IdProblem::kNone}, {"_x.a", IdProblem::kNone},
      {"_xmpp-client.a", IdProblem::kNone},           {"_xmpp-client.", IdProblem::kTrailingDot},
      {"_.example.org", IdProblem::kBadSrvName},      {"_xmpp-client", IdProblem::kBadSrvName},
      {"_", IdProblem::kBadSrvName},                  {"xmpp-client.example.org", IdProblem::kBadSrvName}};
  std::vector<San> sans;
  for (const auto& c : cases) sans.push_back(Srv(c.first));
  CertSpec spec = LeafSpec(sans);
  spec.common_names = {};
  const Issued leaf = Issue(spec, &Ca());
  PresentedIdentifiers ids;
  ASSERT_EQ(ExtractPresentedIdentifiers(leaf.der, &ids), CertError::kNone);
  ASSERT_GE(ids.ids.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(ids.ids[i].kind, IdKind::kSrvId) << cases[i].first;
    EXPECT_EQ(ids.ids[i].problem, cases[i].second) << cases[i].first << ": " << IdProblemName(ids.ids[i].problem);
    EXPECT_EQ(ids.ids[i].normalized, cases[i].second == IdProblem::kNone ? cases[i].first : "") << cases[i].first;
  }
}

TEST(CertIdentity, MatchSaysWhichIdentifier) {
  const Issued leaf = Issue(LeafSpec({Dns("other.example"), Xmpp("example.org"), Srv("_xmpp-server.example.org")}), &Ca());
  PresentedIdentifiers ids;
  ASSERT_EQ(ExtractPresentedIdentifiers(leaf.der, &ids), CertError::kNone);
  IdentityMatch c2s = MatchReferenceIdentity(ids, "example.org", C2S);
  EXPECT_TRUE(c2s.matched);
  EXPECT_EQ(c2s.kind, IdKind::kXmppAddr);
  EXPECT_EQ(c2s.index, 1u);
  EXPECT_FALSE(MatchReferenceIdentity(ids, "example.net", S2S).matched);
}

TEST(CertIdentity, CnIdCanBeSwitchedOff) {
  CertSpec spec = LeafSpec({});
  spec.common_names = {"example.org"};
  const Issued leaf = Issue(spec, &Ca());
  VerifyConfig config;
  config.reference_domain = "example.org";
  config.trust_anchors_der = {Ca().der};
  config.verification_time = kNow;
  EXPECT_TRUE(VerifyPeerCertificateDer(config, leaf.der, {}).ok());
  config.allow_cn_id = false;
  EXPECT_EQ(VerifyPeerCertificateDer(config, leaf.der, {}), (CertFailure{CertError::kWrongName, 0}));
}

struct ReferenceRow {
  std::string domain;
  std::string normalized;  // empty: refused
};

TEST(CertIdentity, ReferenceIdentityNormalization) {
  const std::vector<ReferenceRow> rows = {
      {"example.org", "example.org"},
      {"EXAMPLE.Org.", "example.org"},  // RFC 7622 3.2: one trailing dot stripped
      {"localhost", "localhost"},
      {"b\xC3\xBC" "cher.example", "xn--bcher-kva.example"},  // U-labels through libidn2
      {"B\xC3\x9C" "CHER.example", "xn--bcher-kva.example"},  // UTS #46 maps case
      {"xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"", ""},
      {".", ""},
      {"example.org..", ""},
      {"a..example", ""},
      {".example.org", ""},
      {"-a.example", ""},
      {"a-.example", ""},
      {"a_b.example", ""},
      {"*.example.org", ""},
      {"192.0.2.1", ""},          // an IP literal is not a DNS name (RFC 6125 1.7.2)
      {"[2001:db8::1]", ""},
      {"example.org\0evil"s, ""},
      {std::string(64, 'a') + ".example", ""},  // a label over 63 bytes
      {"xn--zz.example", ""},     // an A-label that does not decode
      {"\xFF.example", ""},       // not UTF-8
  };
  for (const ReferenceRow& row : rows) {
    std::string out = "unchanged";
    const CertError e = NormalizeReferenceDomain(row.domain, &out);
    if (row.normalized.empty()) {
      EXPECT_EQ(e, CertError::kBadReferenceIdentity) << base::EscapeBytes(row.domain) << " -> " << out;
      EXPECT_EQ(out, "unchanged");
    } else {
      EXPECT_EQ(e, CertError::kNone) << base::EscapeBytes(row.domain);
      EXPECT_EQ(out, row.normalized) << base::EscapeBytes(row.domain);
    }
  }
}

TEST(CertIdentity, PublicSuffixes) {
  EXPECT_TRUE(IsPublicSuffix("org"));
  EXPECT_TRUE(IsPublicSuffix("co.uk"));
  EXPECT_TRUE(IsPublicSuffix("unknowntld"));  // the implicit "*" rule
  EXPECT_FALSE(IsPublicSuffix("example.org"));
  EXPECT_FALSE(IsPublicSuffix("example.co.uk"));
}

TEST(CertIdentity, BadDerIsRefused) {
  PresentedIdentifiers ids;
  EXPECT_EQ(ExtractPresentedIdentifiers("", &ids), CertError::kBadDer);
  EXPECT_EQ(ExtractPresentedIdentifiers("\x30\x03\x02\x01\x01", &ids), CertError::kBadDer);
  EXPECT_EQ(ExtractPresentedIdentifiers(Ca().der + "x", &ids), CertError::kBadDer);  // trailing bytes
  EXPECT_EQ(ExtractPresentedIdentifiers(Ca().der.substr(0, Ca().der.size() - 1), &ids), CertError::kBadDer);
  EXPECT_EQ(ExtractPresentedIdentifiers(Ca().der, &ids), CertError::kNone);
}

}  // namespace
}  // namespace xmppfuzz::tls
