// SASL exchange vectors (kind: sasl): the placeholder language, the fields
// and FILE:LINE errors of the format, the SASL outcomes, judging them, and
// the in-process player (conformance/runner/sasl_exchange.h) on both
// backends, including vectors it must fail (RFC 5802, RFC 7677).
#include "conformance/runner/sasl_exchange.h"

#include <gtest/gtest.h>

#include "conformance/runner/inproc.h"
#include "conformance/runner/live.h"
#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::conform {
namespace {

using Kind = Outcome::Kind;

// --- ParseTemplate ---------------------------------------------------------------------

std::vector<TemplatePart> Parts(std::string_view text) {
  std::vector<TemplatePart> parts;
  std::string error;
  EXPECT_TRUE(ParseTemplate(text, &parts, &error)) << error;
  return parts;
}

std::string TemplateError(std::string_view text) {
  std::vector<TemplatePart> parts;
  std::string error;
  EXPECT_FALSE(ParseTemplate(text, &parts, &error)) << "parsed " << parts.size() << " parts";
  return error;
}

TEST(ParseTemplate, LiteralOnly) {
  auto p = Parts("n,,n=user,r=abc");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].placeholder);
  EXPECT_EQ(p[0].text, "n,,n=user,r=abc");
}

TEST(ParseTemplate, EmptyHasNoParts) { EXPECT_TRUE(Parts("").empty()); }

TEST(ParseTemplate, PlaceholdersBetweenLiterals) {
  auto p = Parts("r={client-nonce}{server-nonce},s={salt}");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].text, "r=");
  EXPECT_TRUE(p[1].placeholder);
  EXPECT_EQ(p[1].text, "client-nonce");
  EXPECT_TRUE(p[2].placeholder);
  EXPECT_EQ(p[2].text, "server-nonce");
  EXPECT_EQ(p[3].text, ",s=");
  EXPECT_EQ(p[4].text, "salt");
}

TEST(ParseTemplate, Modifiers) {
  auto p = Parts("p={proof:flip-bit},v={server-signature:truncated},c={cbind-data:flip-bit}");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[1].text, "proof");
  EXPECT_EQ(p[1].modifier, "flip-bit");
  EXPECT_EQ(p[3].modifier, "truncated");
  EXPECT_EQ(p[5].text, "cbind-data");
}

TEST(ParseTemplate, EscapesDecodeAndBracesInsideThemAreNotPlaceholders) {
  auto p = Parts(R"(\x00u\u{E9}\{x\}\repeat{3}{ab}{nonce})");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].text, std::string("\0u\xC3\xA9{x}ababab", 13));
  EXPECT_EQ(p[1].text, "nonce");
}

TEST(ParseTemplate, UnknownPlaceholder) { EXPECT_EQ(TemplateError("r={nonces}"), "unknown placeholder '{nonces}'"); }

TEST(ParseTemplate, ModifierNotAllowed) {
  EXPECT_EQ(TemplateError("r={nonce:flip-bit}"), "placeholder {nonce} takes no modifier 'flip-bit'");
  EXPECT_EQ(TemplateError("c={cbind-data:truncated}"), "placeholder {cbind-data} takes no modifier 'truncated'");
}

TEST(ParseTemplate, UnclosedBrace) {
  EXPECT_EQ(TemplateError("r={nonce"), "'{' starts a placeholder that is not closed with '}' (write \\{ for a brace)");
}

TEST(ParseTemplate, LoneClosingBrace) { EXPECT_EQ(TemplateError("r=}"), "unescaped '}' (write \\})"); }

TEST(ParseTemplate, BadEscapeInLiteral) {
  EXPECT_EQ(TemplateError(R"(a\q)"), "unknown escape '\\q' (at input character 3)");
}

// --- ParseOutcome: SASL outcomes ---------------------------------------------------------

TEST(SaslOutcome, Success) {
  auto o = ParseOutcome("success", false);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, Kind::kSuccess);
  EXPECT_EQ(o->Text(), "success");
}

TEST(SaslOutcome, FailureForms) {
  auto a = ParseOutcome("failure", false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, Kind::kFailure);
  EXPECT_EQ(a->Text(), "failure");
  auto b = ParseOutcome("failure not-authorized e=invalid-proof", false);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->sasl_condition, "not-authorized");
  EXPECT_EQ(b->server_error, "invalid-proof");
  EXPECT_EQ(b->Text(), "failure not-authorized e=invalid-proof");
  auto c = ParseOutcome("failure e=unknown-user", false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sasl_condition, "");
  EXPECT_EQ(c->server_error, "unknown-user");
}

TEST(SaslOutcome, ObservedCheckIsShownOnlyOutsideExpectations) {
  Outcome o;
  o.kind = Kind::kFailure;
  o.sasl_condition = "not-authorized";
  o.check = "proof-mismatch";
  EXPECT_EQ(o.Text(), "failure not-authorized check=proof-mismatch");
  EXPECT_EQ(o.Text(true), "failure not-authorized");
}

TEST(SaslOutcome, Malformed) {
  EXPECT_FALSE(ParseOutcome("failure not-a-condition", false));
  EXPECT_FALSE(ParseOutcome("failure not-authorized e=not-a-value", false));
  EXPECT_FALSE(ParseOutcome("failure e=", false));
  EXPECT_FALSE(ParseOutcome("failure not-authorized e=invalid-proof extra", false));
  EXPECT_FALSE(ParseOutcome("success now", false));
}

// --- ParseVectorFile: kind: sasl ---------------------------------------------------------

constexpr std::string_view kRfc5802Server =
    "# the RFC 5802 section 5 exchange\n"
    "[sasl-x/rfc5802]\n"
    "kind: sasl\n"
    "description: RFC 5802 example\n"
    "source: RFC 5802 section 5\n"
    "role: server\n"
    "user: user\n"
    "password: pencil\n"
    "salt: QSXCR+Q6sek8bf92\n"
    "iterations: 4096\n"
    "client-nonce: fyko+d2lbbFgONRv9qkxdawL\n"
    "server-nonce: 3rfcNHYJY1ZVvWVs7j\n"
    "exchange:\n"
    "  auth SCRAM-SHA-1: n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL\n"
    "  challenge: r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096\n"
    "  response: c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=\n"
    "  success: v=rmF9pqV8S7suAoZWja4dJRkFsKQ=\n"
    "expect: success\n";

std::vector<Vector> ParseOk(std::string_view text) {
  std::vector<Vector> out;
  std::string error;
  EXPECT_TRUE(ParseVectorFile("sasl.vec", text, "sasl-x", &out, &error)) << error;
  return out;
}

std::string ParseErr(std::string_view text) {
  std::vector<Vector> out;
  std::string error;
  EXPECT_FALSE(ParseVectorFile("sasl.vec", text, "sasl-x", &out, &error)) << "parsed " << out.size();
  return error;
}

// A minimal server-role vector with |extra| fields before the exchange and
// |exchange| lines.
std::string Minimal(std::string_view extra, std::string_view exchange = "  auth PLAIN: \\x00user\\x00pencil\n",
                    std::string_view expect = "expect: failure not-authorized\n") {
  return "[sasl-x/v]\n"
         "kind: sasl\n"
         "description: d\n"
         "source: s\n"
         "role: server\n"
         "user: user\n"
         "password: pencil\n"
         "salt: QSXCR+Q6sek8bf92\n"
         "iterations: 4096\n" +
         std::string(extra) + "exchange:\n" + std::string(exchange) + std::string(expect);
}

TEST(SaslVectorFile, EveryFieldOfTheExample) {
  auto vs = ParseOk(kRfc5802Server);
  ASSERT_EQ(vs.size(), 1u);
  const Vector& v = vs[0];
  EXPECT_EQ(v.kind, VectorKind::kSasl);
  EXPECT_EQ(v.id, "sasl-x/rfc5802");
  EXPECT_EQ(v.line, 2);
  const SaslSpec& s = v.sasl;
  EXPECT_EQ(s.role, SaslRole::kServer);
  EXPECT_EQ(s.user, "user");
  EXPECT_EQ(s.password, "pencil");
  EXPECT_EQ(s.salt, "QSXCR+Q6sek8bf92");
  EXPECT_EQ(s.iterations, 4096u);
  EXPECT_EQ(s.client_nonce, "fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(s.server_nonce, "3rfcNHYJY1ZVvWVs7j");
  ASSERT_EQ(s.exchange.size(), 4u);
  EXPECT_EQ(s.exchange[0].element, sasl::ElementKind::kAuth);
  EXPECT_EQ(s.exchange[0].mechanism, "SCRAM-SHA-1");
  EXPECT_TRUE(s.exchange[0].has_data);
  EXPECT_EQ(s.exchange[0].payload, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(s.exchange[0].line, 14);
  EXPECT_EQ(s.exchange[1].element, sasl::ElementKind::kChallenge);
  EXPECT_EQ(s.exchange[2].element, sasl::ElementKind::kResponse);
  EXPECT_EQ(s.exchange[3].element, sasl::ElementKind::kSuccess);
  EXPECT_EQ(v.expect.kind, Kind::kSuccess);
}

TEST(SaslVectorFile, OptionalFields) {
  auto vs = ParseOk(Minimal(
      "peer-password: pencil\\x20\n"
      "authzid: admin\n"
      "offered: SCRAM-SHA-256 SCRAM-SHA-256-PLUS PLAIN\n"
      "cb-types: tls-exporter tls-server-end-point\n"
      "peer-offered: SCRAM-SHA-256\n"
      "peer-cb-types: none\n"
      "binding: tls-exporter 00ff10\n"
      "binding: tls-unique\n"
      "tls: yes\n"
      "policy: xep-0474 max-iterations=10000 pinned=SCRAM-SHA-256+PLAIN\n"
      "extensions: ,x=1\n",
      "  auth PLAIN: \\x00user\\x00pencil\n",
      "expect: failure not-authorized e=invalid-proof\ncheck: plain-bad-credentials\n"));
  ASSERT_EQ(vs.size(), 1u);
  const SaslSpec& s = vs[0].sasl;
  EXPECT_EQ(s.peer_password, "pencil ");
  EXPECT_EQ(s.authzid, "admin");
  EXPECT_EQ(*s.offered, (std::vector<std::string>{"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "PLAIN"}));
  EXPECT_EQ(*s.cb_types, (std::vector<std::string>{"tls-exporter", "tls-server-end-point"}));
  EXPECT_EQ(*s.peer_offered, (std::vector<std::string>{"SCRAM-SHA-256"}));
  ASSERT_TRUE(s.peer_cb_types);
  EXPECT_TRUE(s.peer_cb_types->empty());
  ASSERT_EQ(s.bindings.size(), 2u);
  EXPECT_EQ(s.bindings[0].type, "tls-exporter");
  EXPECT_EQ(s.bindings[0].data, std::string("\x00\xff\x10", 3));
  EXPECT_EQ(s.bindings[1].data, "");
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.policy, (std::vector<std::string>{"xep-0474", "max-iterations=10000", "pinned=SCRAM-SHA-256+PLAIN"}));
  EXPECT_EQ(s.extensions, ",x=1");
  EXPECT_EQ(s.check, "plain-bad-credentials");
  EXPECT_EQ(vs[0].expect.server_error, "invalid-proof");
}

TEST(SaslVectorFile, ExchangeLineForms) {
  auto vs = ParseOk(Minimal("",
                            "  auth SCRAM-SHA-256\n"
                            "  challenge:\n"
                            "  response base64: biws\n"
                            "  failure not-authorized\n"
                            "  abort\n"));
  ASSERT_EQ(vs.size(), 1u);
  const auto& ex = vs[0].sasl.exchange;
  ASSERT_EQ(ex.size(), 5u);
  EXPECT_FALSE(ex[0].has_data);
  EXPECT_TRUE(ex[1].has_data);
  EXPECT_EQ(ex[1].payload, "");
  EXPECT_TRUE(ex[2].raw);
  EXPECT_EQ(ex[2].payload, "biws");
  EXPECT_EQ(ex[3].condition, "not-authorized");
  EXPECT_EQ(ex[4].element, sasl::ElementKind::kAbort);
  EXPECT_TRUE(ex[4].FromClient());
  EXPECT_FALSE(ex[3].FromClient());
}

TEST(SaslVectorFile, ExchangeNone) {
  auto vs = ParseOk(
      "[sasl-x/v]\nkind: sasl\ndescription: d\nsource: s\nrole: client\noffered: DIGEST-MD5\nuser: u\npassword: p\n"
      "salt: QSXCR+Q6sek8bf92\niterations: 4096\nexchange: none\nexpect: failure\ncheck: weak-mechanism\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_TRUE(vs[0].sasl.exchange.empty());
  EXPECT_EQ(vs[0].sasl.role, SaslRole::kClient);
}

TEST(SaslVectorFile, KindMustComeFirst) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\ndescription: d\nkind: sasl\n"), "sasl.vec:3: 'kind:' must be the first field of a vector");
}

TEST(SaslVectorFile, UnknownKind) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: smtp\n"), "sasl.vec:2: kind is xml (the default), sasl, tls, starttls, tls-policy, cert-identity, protocol or client");
}

TEST(SaslVectorFile, XmlFieldInSaslVector) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nside: c2s\n"),
            "sasl.vec:3: 'side:' belongs to XML vectors; a SASL vector has role: and exchange:");
}

TEST(SaslVectorFile, UnknownField) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nnonce: x\n"), "sasl.vec:3: unknown field 'nonce'");
}

TEST(SaslVectorFile, BadRole) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nrole: both\n"),
            "sasl.vec:3: role is server (our server receives the client messages) or client");
}

TEST(SaslVectorFile, BadIterations) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\niterations: 4096x\n"),
            "sasl.vec:3: iterations is a decimal count up to 4294967295");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\niterations: 4294967296\n"),
            "sasl.vec:3: iterations is a decimal count up to 4294967295");
}

TEST(SaslVectorFile, BadBinding) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nbinding: tls-exporter 0g\n"),
            "sasl.vec:3: binding data is hex digits, two per byte");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nbinding: tls-exporter abc\n"),
            "sasl.vec:3: binding data is hex digits, two per byte");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nbinding: a b c\n"),
            "sasl.vec:3: binding is '<cb-type> <hex data>' (or '<cb-type>' for none)");
}

TEST(SaslVectorFile, BadPolicyWord) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\npolicy: xep-0474 lax\n"), "sasl.vec:3: unknown policy word 'lax'");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\npolicy: max-iterations=\n"),
            "sasl.vec:3: unknown policy word 'max-iterations='");
}

TEST(SaslVectorFile, BadTls) { EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\ntls: maybe\n"), "sasl.vec:3: tls is yes or no"); }

TEST(SaslVectorFile, BadEscapeInField) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\npassword: a\\q\n"),
            "sasl.vec:3: password: unknown escape '\\q' (at input character 3)");
}

TEST(SaslVectorFile, BadExpect) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nexpect: accepted\n"),
            "sasl.vec:3: a SASL vector expects 'success' or 'failure [<rfc6120-condition>] "
            "[e=<rfc5802-server-error>]'");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nexpect: failure bad-request\n"),
            "sasl.vec:3: a SASL vector expects 'success' or 'failure [<rfc6120-condition>] "
            "[e=<rfc5802-server-error>]'");
}

TEST(SaslVectorFile, BadCheck) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\ncheck: wrong-proof\n"),
            "sasl.vec:3: check names a sasl::Error ('proof-mismatch', ...), not 'wrong-proof'");
}

TEST(SaslVectorFile, BadDowngradeStatus) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\ndowngrade-status: ok\n"),
            "sasl.vec:3: downgrade-status is not-offered, not-checked, verified or old-form");
}

TEST(SaslVectorFile, UnknownElement) {
  EXPECT_EQ(ParseErr(Minimal("", "  auth PLAIN: x\n  proceed\n")),
            "sasl.vec:12: unknown element 'proceed' (auth, challenge, response, success, failure, abort)");
}

TEST(SaslVectorFile, AuthWithoutMechanism) {
  EXPECT_EQ(ParseErr(Minimal("", "  auth: biws\n")),
            "sasl.vec:11: 'auth' needs the mechanism name: auth SCRAM-SHA-256: ...");
}

TEST(SaslVectorFile, FailureNeedsOneCondition) {
  EXPECT_EQ(ParseErr(Minimal("", "  failure\n")),
            "sasl.vec:11: 'failure' takes one RFC 6120 section 6.5 condition and no data: failure not-authorized");
  EXPECT_EQ(ParseErr(Minimal("", "  failure bad-request\n")),
            "sasl.vec:11: 'failure' takes one RFC 6120 section 6.5 condition and no data: failure not-authorized");
}

TEST(SaslVectorFile, AbortTakesNoData) {
  EXPECT_EQ(ParseErr(Minimal("", "  abort: x\n")), "sasl.vec:11: 'abort' takes no data");
}

TEST(SaslVectorFile, SpaceAfterColon) {
  EXPECT_EQ(ParseErr(Minimal("", "  response:biws\n")), "sasl.vec:11: write one space after ':' in an exchange line");
}

TEST(SaslVectorFile, Base64WordNeedsData) {
  EXPECT_EQ(ParseErr(Minimal("", "  response base64\n")), "sasl.vec:11: 'base64' needs the element text after ':'");
}

TEST(SaslVectorFile, ExtraWord) {
  EXPECT_EQ(ParseErr(Minimal("", "  response now: biws\n")), "sasl.vec:11: unexpected 'now' in an exchange line");
}

TEST(SaslVectorFile, BadPlaceholderReportsItsLine) {
  EXPECT_EQ(ParseErr(Minimal("", "  auth SCRAM-SHA-1: n,,n=user,r={cnonce}\n")),
            "sasl.vec:11: unknown placeholder '{cnonce}'");
}

TEST(SaslVectorFile, EmptyExchangeBlock) {
  EXPECT_EQ(ParseErr(Minimal("", "")),
            "sasl.vec:10: 'exchange:' has no indented line under it (write 'exchange: none' for none)");
}

TEST(SaslVectorFile, MissingFieldsNamed) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\ndescription: d\nsource: s\nuser: u\n"),
            "sasl.vec:1: vector 'sasl-x/v' has no role");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\ndescription: d\nsource: s\nrole: server\npassword: p\n"),
            "sasl.vec:1: vector 'sasl-x/v' has no user");
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\ndescription: d\nsource: s\nrole: server\nuser: u\npassword: p\n"
                     "salt: QSXCR+Q6sek8bf92\niterations: 1\nexpect: success\n"),
            "sasl.vec:1: vector 'sasl-x/v' has no exchange");
  EXPECT_EQ(ParseErr(Minimal("", "  auth PLAIN: x\n", "")), "sasl.vec:1: vector 'sasl-x/v' has no expect");
}

TEST(SaslVectorFile, ServerFailureNeedsACondition) {
  EXPECT_EQ(ParseErr(Minimal("", "  auth PLAIN: x\n", "expect: failure\n")),
            "sasl.vec:1: vector 'sasl-x/v': a server-role failure names the RFC 6120 condition");
}

TEST(SaslVectorFile, ClientFailureNamesNoCondition) {
  std::string text = Minimal("", "  auth PLAIN: x\n");
  text.replace(text.find("role: server"), 12, "role: client\nmechanism: PLAIN");
  EXPECT_EQ(ParseErr(text),
            "sasl.vec:1: vector 'sasl-x/v': a client-role failure names no condition (the client refuses and "
            "aborts); write 'failure' or 'failure e=<value>'");
}

TEST(SaslVectorFile, ClientNeedsMechanismOrOffer) {
  std::string text = Minimal("", "  auth PLAIN: x\n", "expect: success\n");
  text.replace(text.find("role: server"), 12, "role: client");
  EXPECT_EQ(ParseErr(text), "sasl.vec:1: vector 'sasl-x/v': a client-role vector needs mechanism: or offered:");
}

TEST(SaslVectorFile, SuccessHasNoCheck) {
  EXPECT_EQ(ParseErr(Minimal("", "  auth PLAIN: x\n", "expect: success\ncheck: proof-mismatch\n")),
            "sasl.vec:1: vector 'sasl-x/v': check: names the check that refuses; a success has none");
}

TEST(SaslVectorFile, BindingMayRepeatOtherFieldsMayNot) {
  EXPECT_EQ(ParseErr("[sasl-x/v]\nkind: sasl\nuser: a\nuser: b\n"), "sasl.vec:4: field 'user' given twice");
}

// --- Judge ---------------------------------------------------------------------------------

Vector SaslVector(std::string_view expect, std::string check = "") {
  Vector v;
  v.kind = VectorKind::kSasl;
  v.id = "sasl-x/j";
  v.category = "sasl-x";
  v.expect = *ParseOutcome(expect, false);
  v.sasl.check = std::move(check);
  return v;
}

Observation Failed(std::string condition, std::string e, std::string check) {
  Observation obs;
  obs.outcome.kind = Kind::kFailure;
  obs.outcome.sasl_condition = std::move(condition);
  obs.outcome.server_error = std::move(e);
  obs.outcome.check = std::move(check);
  return obs;
}

TEST(SaslJudge, FailureWithConditionValueAndCheckPasses) {
  Vector v = SaslVector("failure not-authorized e=invalid-proof", "proof-mismatch");
  EXPECT_EQ(Judge(v, Failed("not-authorized", "invalid-proof", "proof-mismatch"), false, nullptr).verdict,
            Verdict::kPass);
}

TEST(SaslJudge, OtherConditionFails) {
  Vector v = SaslVector("failure not-authorized");
  Result r = Judge(v, Failed("malformed-request", "", "bad-proof"), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected failure not-authorized, got failure malformed-request check=bad-proof");
}

TEST(SaslJudge, OtherServerErrorFails) {
  Vector v = SaslVector("failure not-authorized e=invalid-proof");
  Result r = Judge(v, Failed("not-authorized", "other-error", "nonce-mismatch"), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "expected failure not-authorized e=invalid-proof, got failure not-authorized e=other-error "
            "check=nonce-mismatch");
}

TEST(SaslJudge, UncheckedServerErrorIsNotCompared) {
  Vector v = SaslVector("failure not-authorized");
  EXPECT_EQ(Judge(v, Failed("not-authorized", "other-error", "x"), false, nullptr).verdict, Verdict::kPass);
}

TEST(SaslJudge, OtherCheckFailsInProcess) {
  Vector v = SaslVector("failure not-authorized", "proof-mismatch");
  Result r = Judge(v, Failed("not-authorized", "", "nonce-mismatch"), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "expected failure not-authorized by check proof-mismatch, got failure not-authorized check=nonce-mismatch");
}

TEST(SaslJudge, CheckIsIgnoredLive) {
  Vector v = SaslVector("failure not-authorized", "proof-mismatch");
  EXPECT_EQ(Judge(v, Failed("not-authorized", "", ""), true, nullptr).verdict, Verdict::kPass);
}

TEST(SaslJudge, SuccessWhenFailureExpectedFails) {
  Vector v = SaslVector("failure not-authorized", "proof-mismatch");
  Observation obs;
  obs.outcome.kind = Kind::kSuccess;
  Result r = Judge(v, obs, false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected failure not-authorized, got success");
}

TEST(SaslJudge, DivergedFailsEvenWithTheRightOutcome) {
  Vector v = SaslVector("success");
  Observation obs;
  obs.outcome.kind = Kind::kSuccess;
  obs.diverged = "line 7: expected {server-signature} = abc at byte 2 of v=abd";
  Result r = Judge(v, obs, false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "the exchange differs from the vector: line 7: expected {server-signature} = abc at byte 2 of v=abd "
            "(then success)");
}

TEST(SaslJudge, KnownDeviation) {
  Vector v = SaslVector("failure not-authorized e=invalid-proof");
  Expectations known;
  std::string error;
  ASSERT_TRUE(ParseExpectations("t.expect", "sasl-x/j failure malformed-request -- says malformed", &known, &error))
      << error;
  Result r = Judge(v, Failed("malformed-request", "", ""), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kKnown);
  EXPECT_EQ(r.message, "failure malformed-request: says malformed");
}

TEST(SaslJudge, LiveTargetsSkipSaslVectors) {
  LiveConfig config;
  std::string error;
  ASSERT_TRUE(ParseLiveUrl("xmpp://127.0.0.1:5222", &config, &error)) << error;
  auto target = MakeLiveTarget(config);
  Vector v = SaslVector("success");
  EXPECT_EQ(target->NotApplicable(v), "SASL exchange vectors are not replayed against live servers yet");
}

// --- The player ------------------------------------------------------------------------------

Result Play(std::string_view text, xml::Backend backend) {
  static std::vector<Vector> keep;  // Result points at its vector
  std::vector<Vector> vs = ParseOk(text);
  EXPECT_EQ(vs.size(), 1u);
  if (vs.empty()) return Result{};
  keep.push_back(vs[0]);
  auto target = MakeInprocTarget(backend);
  return Judge(keep.back(), target->Run(keep.back()), false, nullptr);
}

class SaslPlayer : public testing::TestWithParam<xml::Backend> {};

TEST_P(SaslPlayer, Rfc5802ServerPasses) {
  Result r = Play(kRfc5802Server, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_EQ(r.observation.outcome.kind, Kind::kSuccess);
  ASSERT_EQ(r.observation.events.size(), 4u);  // two elements each way
  EXPECT_EQ(r.observation.events[0], "auth SCRAM-SHA-1: n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(r.observation.events[1],
            "  -> challenge: r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
}

// The RFC's server signature with one character changed: the vector is
// wrong, so our (correct) server must fail it.
TEST_P(SaslPlayer, WrongExpectedServerMessageFails) {
  std::string text(kRfc5802Server);
  text.replace(text.find("v=rmF9"), 6, "v=rmF8");
  Result r = Play(text, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "the exchange differs from the vector: line 17: expected v=rmF8pqV8S7suAoZWja4dJRkFsKQ= at byte 0 of "
            "v=rmF9pqV8S7suAoZWja4dJRkFsKQ= (then success)")
      << r.message;
}

TEST_P(SaslPlayer, PlaceholdersComputeTheRfcProof) {
  // The RFC 5802 exchange with {proof} and {server-signature}: the runner's
  // own computation must give the RFC's bytes.
  std::string text(kRfc5802Server);
  text.replace(text.find("p=v0X8"), 30, "p={proof}");
  text.replace(text.find("v=rmF9"), 30, "v={server-signature}");
  Result r = Play(text, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_EQ(r.observation.events[2],
            "response: c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_EQ(r.observation.events[3], "  -> success: v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

TEST_P(SaslPlayer, FlippedProofIsRefused) {
  std::string text(kRfc5802Server);
  text.replace(text.find("p=v0X8"), 30, "p={proof:flip-bit}");
  size_t end = text.find("  success:");
  text.replace(end, text.find("expect:") - end, "");
  text.replace(text.find("expect: success"), 15, "expect: failure not-authorized e=invalid-proof\ncheck: proof-mismatch");
  Result r = Play(text, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
  EXPECT_EQ(r.observation.outcome.Text(), "failure not-authorized e=invalid-proof check=proof-mismatch");
  // Expecting success of that exchange fails the vector.
  text.replace(text.find("expect: failure"), text.size() - text.find("expect: failure"), "expect: success\n");
  EXPECT_EQ(Play(text, GetParam()).verdict, Verdict::kFail);
}

TEST_P(SaslPlayer, CapturedServerNonceIsReused) {
  // No fixed server nonce: {nonce} in the challenge captures it, and the
  // response must carry exactly that.
  std::string text(kRfc5802Server);
  text.replace(text.find("server-nonce: "), std::string("server-nonce: 3rfcNHYJY1ZVvWVs7j\n").size(), "");
  text.replace(text.find("  challenge:"), text.find("  response:") - text.find("  challenge:"),
               "  challenge: r={nonce},s={salt},i={iterations}\n");
  text.replace(text.find("  response:"), text.find("expect:") - text.find("  response:"),
               "  response: c=biws,r={nonce},p={proof}\n  success: v={server-signature}\n");
  Result r = Play(text, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
}

TEST_P(SaslPlayer, VectorEndingTooEarlyFails) {
  std::string text(kRfc5802Server);
  text.replace(text.find("  response:"), text.find("expect:") - text.find("  response:"), "");
  Result r = Play(text, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "the exchange differs from the vector: the exchange ends with our server still waiting for a message "
            "(then failure check=incomplete)");
}

TEST_P(SaslPlayer, VectorSideUnboundPlaceholderIsBroken) {
  std::string text(kRfc5802Server);
  text.replace(text.find("client-nonce: "), std::string("client-nonce: fyko+d2lbbFgONRv9qkxdawL\n").size(), "");
  text.replace(text.find("r=fyko+d2lbbFgONRv9qkxdawL\n"), 27, "r={client-nonce}\n");
  Result r = Play(text, GetParam());
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "line 13: {client-nonce} has no value here (fix it with the client-nonce: field)");
}

// A PLAIN password never reaches the transcript (reports), on either side.
TEST_P(SaslPlayer, PlainPasswordIsRedacted) {
  for (std::string_view role : {"server", "client\nmechanism: PLAIN"}) {
    std::string text = Minimal("tls: yes\n", "  auth PLAIN: \\x00user\\x00pencil\n  success\n", "expect: success\n");
    text.replace(text.find("server"), 6, role);
    Result r = Play(text, GetParam());
    EXPECT_EQ(r.verdict, Verdict::kPass) << r.message;
    ASSERT_FALSE(r.observation.events.empty());
    for (const std::string& e : r.observation.events) EXPECT_EQ(e.find("pencil"), std::string::npos) << e;
    EXPECT_NE(r.observation.events[0].find("(password)"), std::string::npos) << r.observation.events[0];
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SaslPlayer, testing::ValuesIn(xml::kBackends),
                         [](const auto& info) { return std::string(xml::BackendName(info.param)); });

}  // namespace
}  // namespace xmppfuzz::conform
