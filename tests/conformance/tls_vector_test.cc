// TLS vectors (kind: tls, kind: starttls, kind: tls-policy): the fields and
// FILE:LINE errors of the format, the TLS outcomes and their judging (exact offsets and bounds),
// live targets marking them n/a, and the in-process players on vectors they
// must pass and vectors they must fail (RFC 8446, RFC 6066, RFC 6120 5).
#include "conformance/runner/tls_vectors.h"

#include <gtest/gtest.h>

#include "conformance/runner/cert_identity.h"
#include "conformance/runner/inproc.h"
#include "conformance/runner/live.h"
#include "conformance/runner/tls_policy.h"
#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::conform {
namespace {

using Kind = Outcome::Kind;

std::vector<Vector> ParseOk(std::string_view text) {
  std::vector<Vector> out;
  std::string error;
  EXPECT_TRUE(ParseVectorFile("tls.vec", text, "tls-x", &out, &error)) << error;
  return out;
}

std::string ParseErr(std::string_view text) {
  std::vector<Vector> out;
  std::string error;
  EXPECT_FALSE(ParseVectorFile("tls.vec", text, "tls-x", &out, &error)) << "parsed " << out.size();
  return error;
}

// A zero-length alert record: refused at its length field (RFC 8446 5.1).
const char kEmptyAlert[] =
    "[tls-x/empty-alert]\n"
    "kind: tls\n"
    "description: a zero-length alert record\n"
    "source: RFC 8446 section 5.1\n"
    "input:\n"
    "  \\x15\\x03\\x03\\x00\\x00\n"
    "expect: refused-tls empty-record at 3\n";

// A warning close_notify alert: accepted, one record line.
const char kCloseNotify[] =
    "[tls-x/close-notify]\n"
    "kind: tls\n"
    "description: close_notify\n"
    "source: RFC 8446 section 6.1\n"
    "input:\n"
    "  \\x15\\x03\\x03\\x00\\x02\\x01\\x00\n"
    "expect: accepted\n"
    "events:\n"
    "  record alert version=TLS 1.2 length=2 offset=0\n";

const char kServerHeader[] =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "from='example.com' id='s1' version='1.0'>";
const char kOurClientHeader[] =
    "send <?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.com' version='1.0'>";

std::string StarttlsVector(std::string_view role, std::string_view input, std::string_view expect,
                           std::string_view events, std::string_view extra = "") {
  return "[tls-x/v]\nkind: starttls\ndescription: d\nsource: RFC 6120 section 5\nrole: " + std::string(role) + "\n" +
         std::string(extra) + "input:\n  " + std::string(input) + "\nexpect: " + std::string(expect) + "\n" +
         (events.empty() ? std::string() : "events:\n" + std::string(events));
}

// --- The format -----------------------------------------------------------------------

TEST(TlsVectorFile, RefusedTlsVector) {
  auto v = ParseOk(kEmptyAlert);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, VectorKind::kTls);
  EXPECT_EQ(v[0].input, std::string("\x15\x03\x03\x00\x00", 5));
  EXPECT_EQ(v[0].expect.kind, Kind::kRefusedTls);
  EXPECT_EQ(v[0].expect.tls_code, "empty-record");
  EXPECT_EQ(v[0].expect.offset, 3);
  EXPECT_TRUE(v[0].expect.exact);
  EXPECT_FALSE(v[0].events_given);
  EXPECT_EQ(v[0].tls.record_size_limit, 0);
}

TEST(TlsVectorFile, EventsAreTakenLiterally) {
  std::string text = std::string(kCloseNotify) + "  client-hello compression=\\x00\n";
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  ASSERT_EQ(v[0].events.size(), 2u);
  EXPECT_EQ(v[0].events[0], "record alert version=TLS 1.2 length=2 offset=0");
  EXPECT_EQ(v[0].events[1], "client-hello compression=\\x00");  // not decoded: the Inspector's own escape
}

TEST(TlsVectorFile, RecordSizeLimit) {
  std::string text = kEmptyAlert;
  text.insert(text.find("input:"), "record-size-limit: 512\n");
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tls.record_size_limit, 512);
}

TEST(TlsVectorFile, RecordSizeLimitRange) {
  std::string text = kEmptyAlert;
  text.insert(text.find("input:"), "record-size-limit: 63\n");
  EXPECT_EQ(ParseErr(text), "tls.vec:5: record-size-limit is a decimal count from 64 to 16385");
}

TEST(TlsVectorFile, AtOrBeforeIsABound) {
  std::string text = kEmptyAlert;
  text.replace(text.find(" at 3"), 5, " at-or-before 7");
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].expect.exact);
  EXPECT_EQ(v[0].expect.Text(true), "refused-tls empty-record at-or-before 7");
}

TEST(TlsVectorFile, UnknownTlsError) {
  std::string text = kEmptyAlert;
  text.replace(text.find("empty-record"), 12, "empty-records");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:7: a TLS vector expects accepted or 'refused-tls <tls-error> at|at-or-before <offset>'");
}

TEST(TlsVectorFile, RefusedTlsNeedsAnOffset) {
  std::string text = kEmptyAlert;
  text.replace(text.find(" at 3"), 5, "");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:7: a TLS vector expects accepted or 'refused-tls <tls-error> at|at-or-before <offset>'");
}

TEST(TlsVectorFile, StarttlsOutcomeNotForTls) {
  std::string text = kEmptyAlert;
  text.replace(text.find("refused-tls empty-record at 3"), 29, "start-tls");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:7: a TLS vector expects accepted or 'refused-tls <tls-error> at|at-or-before <offset>'");
}

TEST(TlsVectorFile, XmlOutcomeNotForTls) {
  std::string text = kEmptyAlert;
  text.replace(text.find("refused-tls empty-record at 3"), 29, "refused restricted-xml at-or-before 3");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:7: a TLS vector expects accepted or 'refused-tls <tls-error> at|at-or-before <offset>'");
}

TEST(TlsVectorFile, AcceptedNeedsEvents) {
  std::string text = kCloseNotify;
  text.erase(text.find("events:"));
  EXPECT_EQ(ParseErr(text), "tls.vec:1: vector 'tls-x/close-notify' is accepted but lists no events (write 'events: none')");
}

TEST(TlsVectorFile, ErrorLineBelongsInExpect) {
  std::string text = std::string(kCloseNotify) + "  error truncated offset=0\n";
  EXPECT_EQ(ParseErr(text),
            "tls.vec:10: vector 'tls-x/close-notify': the error goes in expect: (refused-tls CODE at N), not in events:");
}

TEST(TlsVectorFile, EventsArePrintableAscii) {
  std::string text = std::string(kCloseNotify) + "  alpn caf\xc3\xa9\n";
  EXPECT_EQ(ParseErr(text), "tls.vec:10: vector 'tls-x/close-notify': TLS and STARTTLS events are printable ASCII");
}

TEST(TlsVectorFile, SideBelongsToXml) {
  std::string text = kEmptyAlert;
  text.insert(text.find("input:"), "side: c2s\n");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:5: 'side:' belongs to XML vectors; a tls vector's input is TLS bytes from the start");
}

TEST(TlsVectorFile, RoleIsForStarttls) {
  std::string text = kEmptyAlert;
  text.insert(text.find("input:"), "role: client\n");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:5: unknown field 'role' (a tls vector has record-size-limit:, input:, events:, expect:)");
}

TEST(TlsVectorFile, BadInputEscape) {
  std::string text = kEmptyAlert;
  text.replace(text.find("\\x00\\x00"), 8, "\\xZZ");
  EXPECT_EQ(ParseErr(text), "tls.vec:6: vector 'tls-x/empty-alert': '\\x' needs two hex digits (at input character 14)");
}

TEST(StarttlsVectorFile, EveryField) {
  auto v = ParseOk(StarttlsVector("server", "<stream/>", "refused-tls peer-stream-refused at-or-before 0",
                                  "  send x\n", "require-tls: no\n"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, VectorKind::kStarttls);
  EXPECT_EQ(v[0].tls.role, SaslRole::kServer);
  EXPECT_FALSE(v[0].tls.require_tls);
  EXPECT_EQ(v[0].expect.tls_code, "peer-stream-refused");
  EXPECT_FALSE(v[0].expect.exact);
  EXPECT_EQ(v[0].events, std::vector<std::string>{"send x"});
}

TEST(StarttlsVectorFile, Outcomes) {
  for (std::string_view e : {"start-tls", "no-tls", "pending"}) {
    auto v = ParseOk(StarttlsVector("client", "x", e, "  no-tls\n"));
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].expect.Text(true), e);
  }
}

TEST(StarttlsVectorFile, NeedsRole) {
  std::string text = StarttlsVector("client", "x", "start-tls", "  start-tls discarded=0\n");
  text.erase(text.find("role: client\n"), 13);
  EXPECT_EQ(ParseErr(text), "tls.vec:1: vector 'tls-x/v' has no role");
}

TEST(StarttlsVectorFile, BadRole) {
  EXPECT_EQ(ParseErr(StarttlsVector("both", "x", "start-tls", "  x\n")),
            "tls.vec:5: role is client (our client reads the input as the server's bytes) or server");
}

TEST(StarttlsVectorFile, BadRequireTls) {
  EXPECT_EQ(ParseErr(StarttlsVector("client", "x", "start-tls", "  x\n", "require-tls: maybe\n")),
            "tls.vec:6: require-tls is yes or no");
}

TEST(StarttlsVectorFile, AcceptedIsNotAStarttlsOutcome) {
  EXPECT_EQ(ParseErr(StarttlsVector("client", "x", "accepted", "  x\n")),
            "tls.vec:8: a STARTTLS vector expects start-tls, no-tls, pending or "
            "'refused-tls <tls-error> at|at-or-before <offset>'");
}

TEST(StarttlsVectorFile, StartTlsNeedsEvents) {
  EXPECT_EQ(ParseErr(StarttlsVector("client", "x", "start-tls", "")),
            "tls.vec:1: vector 'tls-x/v' expects start-tls but lists no events");
}

TEST(StarttlsVectorFile, RecordSizeLimitIsForTls) {
  EXPECT_EQ(ParseErr(StarttlsVector("client", "x", "start-tls", "  x\n", "record-size-limit: 512\n")),
            "tls.vec:6: unknown field 'record-size-limit' (a starttls vector has role:, require-tls:, input:, "
            "events:, expect:)");
}

TEST(TlsOutcome, TextRoundTrips) {
  for (std::string_view t : {"refused-tls sni-nul at 12", "refused-tls peer-closed at-or-before 40", "start-tls",
                             "no-tls", "pending"}) {
    auto o = ParseOutcome(t, /*with_offset=*/true);
    ASSERT_TRUE(o) << t;
    EXPECT_EQ(o->Text(true), t);
  }
  auto o = ParseOutcome("refused-tls sni-nul", /*with_offset=*/false);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->Text(true), "refused-tls sni-nul");
  EXPECT_FALSE(ParseOutcome("refused-tls none at 1", true));
  EXPECT_FALSE(ParseOutcome("refused-tls sni-nul after 1", true));
  EXPECT_FALSE(ParseOutcome("refused-tls sni-nul at 1", false));
}

// --- kind: tls-policy --------------------------------------------------------------------

const char kPolicy[] =
    "[tls-x/p]\n"
    "kind: tls-policy\n"
    "description: a client limited to TLS 1.0\n"
    "source: RFC 8996 section 2\n"
    "role: server\n"
    "peer-versions: 1.0\n"
    "peer-ciphers: ALL:@SECLEVEL=0\n"
    "expect: refused-tls protocol-version\n";

TEST(TlsPolicyVectorFile, EveryField) {
  std::string text = std::string(kPolicy) + "";
  text.insert(text.find("expect:"), "peer-suites: TLS_AES_128_GCM_SHA256\npeer-key: ec\n");
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, VectorKind::kTlsPolicy);
  EXPECT_EQ(v[0].tls.role, SaslRole::kServer);
  EXPECT_EQ(v[0].tls.peer_min_version, 0x0301);
  EXPECT_EQ(v[0].tls.peer_max_version, 0x0301);
  EXPECT_EQ(v[0].tls.peer_ciphers, "ALL:@SECLEVEL=0");
  EXPECT_EQ(v[0].tls.peer_suites, "TLS_AES_128_GCM_SHA256");
  EXPECT_TRUE(v[0].tls.peer_key_ec);
  EXPECT_EQ(v[0].expect.Text(true), "refused-tls protocol-version");
  EXPECT_FALSE(v[0].expect.offset);
}

TEST(TlsPolicyVectorFile, VersionRange) {
  std::string text = kPolicy;
  text.replace(text.find("peer-versions: 1.0"), 18, "peer-versions: 1.0-1.2");
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tls.peer_max_version, 0x0303);
}

TEST(TlsPolicyVectorFile, BadVersions) {
  for (std::string_view bad : {"1.4", "1.2-1.0", "TLS1.2", "1.2-"}) {
    std::string text = kPolicy;
    text.replace(text.find("peer-versions: 1.0"), 18, "peer-versions: " + std::string(bad));
    EXPECT_EQ(ParseErr(text), "tls.vec:6: peer-versions is a TLS version (1.0, 1.1, 1.2, 1.3) or a range like 1.0-1.2")
        << bad;
  }
}

TEST(TlsPolicyVectorFile, OffsetIsNotPartOfAPolicyOutcome) {
  std::string text = kPolicy;
  text.replace(text.find("protocol-version"), 16, "protocol-version at 0");
  EXPECT_EQ(ParseErr(text), "tls.vec:8: a tls-policy vector expects accepted or 'refused-tls <tls-error>'");
}

TEST(TlsPolicyVectorFile, NeedsVersions) {
  std::string text = kPolicy;
  text.erase(text.find("peer-versions: 1.0\n"), 19);
  EXPECT_EQ(ParseErr(text), "tls.vec:1: vector 'tls-x/p' has no peer-versions");
}

TEST(TlsPolicyVectorFile, AcceptedNeedsEvents) {
  std::string text = kPolicy;
  text.replace(text.find("refused-tls protocol-version"), 28, "accepted");
  EXPECT_EQ(ParseErr(text), "tls.vec:1: vector 'tls-x/p' is accepted but lists no events (version and cipher)");
}

TEST(TlsPolicyVectorFile, UnknownField) {
  std::string text = kPolicy;
  text.insert(text.find("expect:"), "input: none\n");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:8: unknown field 'input' (a tls-policy vector has role:, peer-versions:, peer-ciphers:, "
            "peer-suites:, peer-key:, expect:, events:)");
}

// A weak peer really is refused, and a good one accepted with its suite.
TEST(TlsPolicyPlayer, WeakRefusedGoodAccepted) {
  auto weak = ParseOk(kPolicy);
  Observation obs = RunTlsPolicyVector(weak[0]);
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.Text(), "refused-tls protocol-version");
  EXPECT_EQ(Judge(weak[0], obs, false, nullptr).verdict, Verdict::kPass);
  std::string text = kPolicy;
  text.replace(text.find("peer-versions: 1.0"), 18, "peer-versions: 1.2");
  text.replace(text.find("ALL:@SECLEVEL=0"), 15, "ECDHE-RSA-AES128-GCM-SHA256");
  text.replace(text.find("refused-tls protocol-version"), 28,
               "accepted\nevents:\n  version TLS 1.2\n  cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  auto good = ParseOk(text);
  obs = RunTlsPolicyVector(good[0]);
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(obs.events, good[0].events);
}

// A configuration this OpenSSL cannot negotiate at all proves nothing: broken.
TEST(TlsPolicyPlayer, ImpossibleConfigurationIsBroken) {
  std::string text = kPolicy;
  text.replace(text.find("ALL:@SECLEVEL=0"), 15, "NO-SUCH-CIPHER");
  auto v = ParseOk(text);
  Observation obs = RunTlsPolicyVector(v[0]);
  EXPECT_EQ(obs.broken, "this OpenSSL cannot configure the peer (versions or suite lists match nothing)");
  EXPECT_EQ(Judge(v[0], obs, false, nullptr).verdict, Verdict::kFail);
}

// --- kind: cert-identity -----------------------------------------------------------------

const char kCert[] =
    "[tls-x/c]\n"
    "kind: cert-identity\n"
    "description: d\n"
    "source: RFC 6125 section 6.4.1\n"
    "reference: example.org\n"
    "service: c2s\n"
    "presented: dns:example.org\n"
    "expect: accepted\n"
    "events:\n"
    "  match DNS-ID\n";

TEST(CertIdentityVectorFile, EveryField) {
  std::string text = kCert;
  text.insert(text.find("expect:"),
              "validity: expired\nkey-usage: critical,keyCertSign\next-key-usage: clientAuth\n"
              "basic-constraints: none\nissuer: self-signed\npin: leaf instead-of-chain\n");
  text.replace(text.find("dns:example.org"), 15, "dns:a\\x00b srv:_xmpp-client.example.org xmpp:example.org cn:x");
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  const CertIdentitySpec& c = v[0].cert;
  EXPECT_EQ(v[0].kind, VectorKind::kCertIdentity);
  ASSERT_EQ(c.presented.size(), 4u);
  EXPECT_EQ(c.presented[0].value, std::string("a\0b", 3));
  EXPECT_EQ(c.presented[1].kind, PresentedName::kSrv);
  EXPECT_EQ(c.presented[2].kind, PresentedName::kXmpp);
  EXPECT_EQ(c.presented[3].kind, PresentedName::kCn);
  EXPECT_EQ(c.validity, "expired");
  EXPECT_EQ(c.key_usage, "critical,keyCertSign");
  EXPECT_EQ(c.basic_constraints, "");
  EXPECT_EQ(c.issuer, "self-signed");
  EXPECT_EQ(c.pin, "leaf");
  EXPECT_TRUE(c.pin_instead_of_chain);
}

TEST(CertIdentityVectorFile, BadPresented) {
  std::string text = kCert;
  text.replace(text.find("dns:example.org"), 15, "ip:192.0.2.1");
  EXPECT_EQ(ParseErr(text), "tls.vec:7: a presented identifier is dns:, srv:, xmpp: or cn: and its value, not 'ip:192.0.2.1'");
}

TEST(CertIdentityVectorFile, BadExpect) {
  std::string text = kCert;
  text.replace(text.find("expect: accepted"), 16, "expect: refused-cert wrong-names");
  EXPECT_EQ(ParseErr(text), "tls.vec:8: a cert-identity vector expects accepted or 'refused-cert <cert-error>'");
}

TEST(CertIdentityVectorFile, BadPin) {
  std::string text = kCert;
  text.insert(text.find("expect:"), "pin: leaf sometimes\n");
  EXPECT_EQ(ParseErr(text),
            "tls.vec:8: pin is none, or leaf, ca or other followed by with-chain (default) or instead-of-chain");
}

TEST(CertIdentityVectorFile, NeedsReference) {
  std::string text = kCert;
  text.erase(text.find("reference: example.org\n"), 23);
  EXPECT_EQ(ParseErr(text), "tls.vec:1: vector 'tls-x/c' has no reference");
}

TEST(CertIdentityPlayer, MatchAndWrongName) {
  auto v = ParseOk(kCert);
  Observation obs = RunCertIdentityVector(v[0]);
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(obs.events, std::vector<std::string>{"match DNS-ID"});
  EXPECT_EQ(Judge(v[0], obs, false, nullptr).verdict, Verdict::kPass);
  std::string text = kCert;
  text.replace(text.find("dns:example.org"), 15, "dns:example.org\\x00.evil.example");  // CVE-2009-2408
  text.replace(text.find("expect: accepted\nevents:\n  match DNS-ID\n"), 39, "expect: refused-cert wrong-name\n");
  auto nul = ParseOk(text);
  obs = RunCertIdentityVector(nul[0]);
  EXPECT_EQ(obs.outcome.Text(), "refused-cert wrong-name");
  EXPECT_EQ(Judge(nul[0], obs, false, nullptr).verdict, Verdict::kPass);
  EXPECT_EQ(Judge(v[0], obs, false, nullptr).verdict, Verdict::kFail);
}

// --- Judging ----------------------------------------------------------------------------

Observation Refused(const std::string& code, int64_t offset, std::vector<std::string> events = {}) {
  Observation obs;
  obs.outcome.kind = Kind::kRefusedTls;
  obs.outcome.tls_code = code;
  obs.outcome.offset = offset;
  obs.events = std::move(events);
  return obs;
}

TEST(TlsJudge, ExactOffsetMustMatch) {
  auto v = ParseOk(kEmptyAlert);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(Judge(v[0], Refused("empty-record", 3), false, nullptr).verdict, Verdict::kPass);
  Result early = Judge(v[0], Refused("empty-record", 2), false, nullptr);
  EXPECT_EQ(early.verdict, Verdict::kFail);
  EXPECT_EQ(early.message, "expected refused-tls empty-record at 3, got refused-tls empty-record at 2");
  EXPECT_EQ(Judge(v[0], Refused("bad-alert", 3), false, nullptr).verdict, Verdict::kFail);
}

TEST(TlsJudge, BoundAllowsEarlier) {
  std::string text = kEmptyAlert;
  text.replace(text.find(" at 3"), 5, " at-or-before 3");
  auto v = ParseOk(text);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(Judge(v[0], Refused("empty-record", 1), false, nullptr).verdict, Verdict::kPass);
  EXPECT_EQ(Judge(v[0], Refused("empty-record", 4), false, nullptr).verdict, Verdict::kFail);
}

TEST(TlsJudge, EventsMustMatch) {
  auto v = ParseOk(kCloseNotify);
  ASSERT_EQ(v.size(), 1u);
  Observation obs;
  obs.outcome.kind = Kind::kAccepted;
  obs.events = {"record alert version=TLS 1.2 length=2 offset=0"};
  EXPECT_EQ(Judge(v[0], obs, false, nullptr).verdict, Verdict::kPass);
  obs.events = {"record alert version=TLS 1.2 length=2 offset=1"};
  Result r = Judge(v[0], obs, false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NE(r.message.find("the events differ"), std::string::npos) << r.message;
}

TEST(TlsJudge, LiveTargetsMarkTlsVectorsNotApplicable) {
  LiveConfig config;
  std::string error;
  ASSERT_TRUE(ParseLiveUrl("xmpp://127.0.0.1:5222/localhost", &config, &error)) << error;
  auto target = MakeLiveTarget(config);
  auto tls = ParseOk(kEmptyAlert);
  auto st = ParseOk(StarttlsVector("client", "x", "pending", "  x\n"));
  EXPECT_EQ(target->NotApplicable(tls[0]),
            "TLS vectors are read by our TLS parser in process; a live server is not sent raw TLS bytes yet");
  EXPECT_EQ(target->NotApplicable(st[0]),
            "STARTTLS vectors drive our own STARTTLS client or server in process; not replayed against live servers "
            "yet");
}

// --- The players ------------------------------------------------------------------------

TEST(TlsPlayer, RefusedWithExactOffset) {
  auto v = ParseOk(kEmptyAlert);
  Observation obs = RunTlsVector(v[0]);
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.Text(), "refused-tls empty-record at 3");
  EXPECT_TRUE(obs.events.empty());
  EXPECT_EQ(Judge(v[0], obs, false, nullptr).verdict, Verdict::kPass);
}

TEST(TlsPlayer, AcceptedEvents) {
  auto v = ParseOk(kCloseNotify);
  Observation obs = RunTlsVector(v[0]);
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(obs.events, v[0].events);
}

TEST(TlsPlayer, WrongExpectationFails) {
  std::string text = kCloseNotify;
  text.replace(text.find("offset=0"), 8, "offset=5");
  auto v = ParseOk(text);
  EXPECT_EQ(Judge(v[0], RunTlsVector(v[0]), false, nullptr).verdict, Verdict::kFail);
}

TEST(TlsPlayer, RecordSizeLimitIsApplied) {
  // A 65-byte record with record_size_limit 64: refused at the length field (RFC 8449 4).
  std::string text =
      "[tls-x/v]\nkind: tls\ndescription: d\nsource: RFC 8449 section 4\nrecord-size-limit: 64\ninput:\n"
      "  \\x17\\x03\\x03\\x00\\x41\\repeat{65}{A}\nexpect: refused-tls record-size-limit at 3\n";
  auto v = ParseOk(text);
  Observation obs = RunTlsVector(v[0]);
  EXPECT_EQ(obs.outcome.Text(), "refused-tls record-size-limit at 3");
  EXPECT_EQ(obs.broken, "");
}

TEST(StarttlsPlayer, StrippedOnBothBackends) {
  std::string features = "<stream:features/>";
  auto v = ParseOk(StarttlsVector("client", std::string(kServerHeader) + features,
                                  "refused-tls starttls-stripped at " + std::to_string(sizeof kServerHeader - 1),
                                  "  " + std::string(kOurClientHeader) + "\n"));
  ASSERT_EQ(v.size(), 1u);
  for (xml::Backend b : xml::kBackends) {
    Observation obs = RunStarttlsVector(v[0], b);
    EXPECT_EQ(obs.broken, "");
    EXPECT_EQ(obs.events, v[0].events);
    EXPECT_EQ(Judge(v[0], obs, false, nullptr).verdict, Verdict::kPass) << obs.outcome.Text();
  }
}

TEST(StarttlsPlayer, PipelinedBytesAreCountedNotProcessed) {  // CVE-2011-0411 class
  const std::string header =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='example.com' version='1.0'>";
  const std::string injected = "<message><body>x</body></message>";
  auto v = ParseOk(StarttlsVector("server", header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + injected,
                                  "start-tls", "  start-tls discarded=" + std::to_string(injected.size()) + "\n"));
  Observation obs = RunStarttlsVector(v[0], xml::Backend::kExpat);
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kStartTls);
  ASSERT_EQ(obs.events.size(), 3u);
  EXPECT_EQ(obs.events[1], "send <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(obs.events[2], "start-tls discarded=" + std::to_string(injected.size()));
}

TEST(StarttlsPlayer, InprocTargetDispatches) {
  auto v = ParseOk(StarttlsVector("client", std::string(kServerHeader), "pending", "  " + std::string(kOurClientHeader) + "\n"));
  auto target = MakeInprocTarget(xml::Backend::kExpat);
  Observation obs = target->Run(v[0]);
  EXPECT_EQ(obs.outcome.kind, Kind::kPending);
  EXPECT_EQ(obs.events, v[0].events);
}

}  // namespace
}  // namespace xmppfuzz::conform
