// The scenario format (README.md, "Protocol scenarios"): kind: protocol
// vectors in .vec files, and what the parser refuses, with the line.
#include "conformance/protocol/scenario.h"

#include <gtest/gtest.h>

#include "conformance/runner/vector.h"

namespace xmppfuzz::protocol {
namespace {

// Parse runs one file's text through the .vec parser; returns its error.
std::string ParseError(const std::string& text) {
  std::vector<conform::Vector> out;
  std::string error;
  if (conform::ParseVectorFile("p/proto-x/f.vec", text, "proto-x", &out, &error)) return "";
  return error;
}

std::string Wrap(const std::string& steps, const std::string& extra = "") {
  return "[proto-x/s]\nkind: protocol\ndescription: d\nsource: RFC 6120 section 5\n" + extra + "steps:\n" + steps +
         "expect: conforms\n";
}

TEST(ScenarioFile, ParsesStepsConfigAndAcceptable) {
  std::vector<conform::Vector> out;
  std::string error;
  std::string text = Wrap("  open -> features starttls-required lacks=PLAIN\n"
                          "  starttls pipeline <a/>\\x20 -> proceed\n"
                          "  tls max=1.2 ciphers=ECDHE+AESGCM -> established\n"
                          "  auth SCRAM tamper=nonce -> failure not-authorized | stream-error\n",
                          "config: starttls-required\n") +
                     "acceptable: deviates 4 failure malformed-request -- a server may say malformed\n";
  ASSERT_TRUE(conform::ParseVectorFile("p/proto-x/f.vec", text, "proto-x", &out, &error)) << error;
  ASSERT_EQ(out.size(), 1u);
  const conform::Vector& v = out[0];
  EXPECT_EQ(v.kind, conform::VectorKind::kProtocol);
  EXPECT_EQ(v.expect.kind, conform::Outcome::Kind::kConforms);
  ASSERT_TRUE(v.scenario);
  const Scenario& s = *v.scenario;
  ASSERT_EQ(s.steps.size(), 4u);
  EXPECT_EQ(s.config, std::vector<std::string>{"starttls-required"});
  EXPECT_EQ(s.steps[0].verb, Verb::kOpen);
  EXPECT_EQ(s.steps[0].checks, (std::vector<std::string>{"starttls-required", "lacks=PLAIN"}));
  EXPECT_EQ(s.steps[0].line, 7);
  EXPECT_EQ(s.steps[1].verb, Verb::kStarttls);
  EXPECT_EQ(s.steps[1].data, "<a/>\\x20");
  std::string bytes;
  ASSERT_TRUE(DecodeStepBytes(s.steps[1].data, {}, &bytes, &error)) << error;
  EXPECT_EQ(bytes, "<a/> ");
  EXPECT_EQ(s.steps[2].Option("max"), "1.2");
  EXPECT_EQ(s.steps[2].Option("ciphers"), "ECDHE+AESGCM");
  EXPECT_EQ(s.steps[3].mechanism, "SCRAM");
  EXPECT_EQ(s.steps[3].Option("tamper"), "nonce");
  ASSERT_EQ(s.steps[3].expect.size(), 2u);
  EXPECT_EQ(s.steps[3].expect[0].Text(), "failure not-authorized");
  EXPECT_EQ(s.steps[3].expect[1].Text(), "stream-error");
  ASSERT_EQ(v.acceptable.size(), 1u);
  EXPECT_EQ(v.acceptable[0].outcome.Text(), "deviates 4 failure malformed-request");
}

TEST(ScenarioFile, UnknownVerb) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n  fly away -> closed\n")),
            "p/proto-x/f.vec:7: scenario 'proto-x/s': unknown step 'fly' (open, restart, send, starttls, tls, "
            "renegotiate, auth, bind, ping, wait, reconnect, grade, certificate, if-offered)");
}

TEST(ScenarioFile, StepWithoutOutcome) {
  EXPECT_EQ(ParseError(Wrap("  open\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': 'open' needs '-> <outcome>': what a conforming server does");
}

TEST(ScenarioFile, OutcomeOnAGuard) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n  if-offered SCRAM-PLUS -> success\n")),
            "p/proto-x/f.vec:7: scenario 'proto-x/s': 'if-offered' shows no outcome (drop '->')");
}

TEST(ScenarioFile, UnknownFeatureCheck) {
  EXPECT_EQ(ParseError(Wrap("  open -> features starttls-mandatory\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': unknown feature check 'starttls-mandatory'");
}

TEST(ScenarioFile, FeaturesOnlyAfterOpen) {
  EXPECT_EQ(ParseError(Wrap("  starttls -> features\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': 'features' is what open shows");
}

TEST(ScenarioFile, UnknownSaslCondition) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n  auth PLAIN -> failure bad-password\n")),
            "p/proto-x/f.vec:7: scenario 'proto-x/s': 'bad-password' is not an RFC 6120 section 6.5 condition");
}

TEST(ScenarioFile, UnknownStreamErrorCondition) {
  EXPECT_EQ(ParseError(Wrap("  open -> stream-error no-such-condition\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': 'no-such-condition' is not an RFC 6120 stream error");
}

TEST(ScenarioFile, UnknownTamper) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n  auth SCRAM tamper=sideways -> failure\n")),
            "p/proto-x/f.vec:7: scenario 'proto-x/s': unknown tamper 'sideways'");
}

TEST(ScenarioFile, BadTlsVersion) {
  EXPECT_EQ(ParseError(Wrap("  tls max=1.4 -> refused\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': TLS version '1.4' (1.0, 1.1, 1.2 or 1.3)");
}

TEST(ScenarioFile, OptionNotOfThisVerb) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n  bind tamper=nonce -> result\n")),
            "p/proto-x/f.vec:7: scenario 'proto-x/s': 'bind' has no option 'tamper'");
}

TEST(ScenarioFile, OptionTwice) {
  EXPECT_EQ(ParseError(Wrap("  tls max=1.2 max=1.3 -> refused\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': option 'max' given twice");
}

TEST(ScenarioFile, UnknownPlaceholder) {
  EXPECT_EQ(ParseError(Wrap("  send <a>{password}</a> -> closed\n")),
            "p/proto-x/f.vec:6: scenario 'proto-x/s': unknown placeholder {password} ({domain}, {user}, {jid}, {plain})");
}

TEST(ScenarioFile, BadEscapeInBytes) {
  EXPECT_EQ(ParseError(Wrap("  send \\q -> closed\n")).substr(0, 46), "p/proto-x/f.vec:6: scenario 'proto-x/s': unkno");
}

TEST(ScenarioFile, RenegotiateBeforeTls) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n  renegotiate -> refused\n")),
            "p/proto-x/f.vec:7: scenario 'proto-x/s': renegotiate comes after a tls step");
}

TEST(ScenarioFile, UnknownConfigWord) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n", "config: tls-everywhere\n")),
            "p/proto-x/f.vec:5: scenario 'proto-x/s': unknown config word 'tls-everywhere' (starttls-required, "
            "starttls-optional, direct-tls, alpn, plus, xep-0474)");
}

TEST(ScenarioFile, NoSteps) {
  EXPECT_EQ(ParseError("[proto-x/s]\nkind: protocol\ndescription: d\nsource: s\nexpect: conforms\n"),
            "p/proto-x/f.vec:1: scenario 'proto-x/s' has no steps");
}

TEST(ScenarioFile, EmptyStepsBlock) {
  EXPECT_EQ(ParseError("[proto-x/s]\nkind: protocol\ndescription: d\nsource: s\nsteps:\nexpect: conforms\n"),
            "p/proto-x/f.vec:5: 'steps:' has no indented line under it");
}

TEST(ScenarioFile, ExpectIsConforms) {
  EXPECT_EQ(ParseError("[proto-x/s]\nkind: protocol\ndescription: d\nsource: s\nsteps:\n  open -> features\n"
                       "expect: accepted\n"),
            "p/proto-x/f.vec:7: a protocol scenario expects 'conforms' (each step says what a conforming server does)");
}

TEST(ScenarioFile, AcceptableNamesAStepThatExists) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n") + "acceptable: deviates 3 closed -- no such step\n"),
            "p/proto-x/f.vec:1: scenario 'proto-x/s': an acceptable outcome names step 3 of 1");
}

TEST(ScenarioFile, AcceptableIsAScenarioOutcome) {
  EXPECT_EQ(ParseError(Wrap("  open -> features\n") + "acceptable: accepted -- no\n"),
            "p/proto-x/f.vec:8: an acceptable scenario outcome is 'deviates <step> <observed>' or 'not-offered [<what>]'");
}

TEST(ScenarioFile, XmlFieldInAScenario) {
  EXPECT_EQ(ParseError("[proto-x/s]\nkind: protocol\ninput: none\n"),
            "p/proto-x/f.vec:3: unknown field 'input' (a protocol scenario has description:, source:, config:, steps:, "
            "expect:, acceptable:, live:)");
}

TEST(ScenarioOutcome, TextRoundTrips) {
  for (const char* text : {"conforms", "deviates 4 failure not-authorized", "deviates 1 features !lacks=PLAIN",
                           "not-offered", "not-offered SCRAM-PLUS cb=tls-unique"}) {
    auto o = conform::ParseOutcome(text, false);
    ASSERT_TRUE(o) << text;
    EXPECT_EQ(o->Text(), text);
  }
  EXPECT_FALSE(conform::ParseOutcome("deviates 0 closed", false));
  EXPECT_FALSE(conform::ParseOutcome("deviates x closed", false));
  EXPECT_FALSE(conform::ParseOutcome("deviates 2", false));
}

TEST(StepBytes, PlaceholdersThenEscapes) {
  std::string bytes, error;
  ASSERT_TRUE(DecodeStepBytes("<a to='{domain}'>{user}\\x41\\{x\\}</a>", {{"domain", "ex\\{1}"}, {"user", "u"}},
                              &bytes, &error))
      << error;
  EXPECT_EQ(bytes, "<a to='ex\\{1}'>uA{x}</a>");
}

TEST(ServerConfig, Words) {
  EXPECT_TRUE(ValidConfigWord("starttls-required"));
  EXPECT_TRUE(ValidConfigWord("direct-tls"));
  EXPECT_FALSE(ValidConfigWord("tls"));
}

}  // namespace
}  // namespace xmppfuzz::protocol
