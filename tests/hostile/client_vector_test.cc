// Unit tests of the hostile-server parts that need no sandbox (issue 15):
// the kind: client vector format, the client outcomes, the server script
// words, driver lines, the reference comparison of the smuggling check and
// the bounds of a driver run (exit, signal, wall clock, CPU, memory).
#include <gtest/gtest.h>

#include <csignal>

#include <string>
#include <vector>

#include "conformance/hostile/hostile.h"
#include "conformance/hostile/server.h"
#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::hostile {
namespace {

using conform::Outcome;
using conform::ParseOutcome;
using conform::ParseVectorFile;
using conform::Vector;

const char* kGood =
    "[client-x/one]\n"
    "kind: client\n"
    "description: a test\n"
    "source: RFC 6120 section 11.1\n"
    "requires: close the stream\n"
    "server: scram=normal mechanisms=SCRAM-SHA-1\n"
    "transport: tcp\n"
    "header: <?xml version='1.0'?>\\x20\n"
    "input:\n"
    "  <!-- c -->\n"
    "check: closes-on-restricted-xml\n"
    "finding: accepted-comment\n"
    "expect: safe\n";

TEST(ClientVector, ParsesEveryField) {
  std::vector<Vector> v;
  std::string error;
  ASSERT_TRUE(ParseVectorFile("t.vec", kGood, "client-x", &v, &error)) << error;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, conform::VectorKind::kClient);
  EXPECT_EQ(v[0].client.requirement, "close the stream");
  EXPECT_EQ(v[0].client.server, (std::vector<std::string>{"scram=normal", "mechanisms=SCRAM-SHA-1"}));
  EXPECT_TRUE(v[0].client.tcp_only);
  EXPECT_EQ(v[0].client.header, "<?xml version='1.0'?> ");
  EXPECT_EQ(v[0].input, "<!-- c -->");
  EXPECT_EQ(v[0].client.check, "closes-on-restricted-xml");
  EXPECT_EQ(v[0].client.finding, "accepted-comment");
  EXPECT_EQ(v[0].expect.kind, Outcome::Kind::kSafe);
}

TEST(ClientVector, InputIsOptional) {
  std::string text = kGood;
  text.erase(text.find("input:\n"), std::string("input:\n  <!-- c -->\n").size());
  std::vector<Vector> v;
  std::string error;
  ASSERT_TRUE(ParseVectorFile("t.vec", text, "client-x", &v, &error)) << error;
  EXPECT_EQ(v[0].input, "");
}

TEST(ClientVector, MissingRequires) {
  std::string text = kGood;
  text.erase(text.find("requires:"), std::string("requires: close the stream\n").size());
  std::vector<Vector> v;
  std::string error;
  EXPECT_FALSE(ParseVectorFile("t.vec", text, "client-x", &v, &error));
  EXPECT_EQ(error, "t.vec:1: vector 'client-x/one' has no requires");
}

TEST(ClientVector, ExpectsSafeOnly) {
  std::string text = kGood;
  text.replace(text.find("expect: safe"), 12, "expect: accepted");
  std::vector<Vector> v;
  std::string error;
  EXPECT_FALSE(ParseVectorFile("t.vec", text, "client-x", &v, &error));
  EXPECT_EQ(error, "t.vec:13: a client vector expects safe");
}

TEST(ClientVector, BadServerWord) {
  std::string text = kGood;
  text.replace(text.find("scram=normal"), 12, "scram=<x>");
  std::vector<Vector> v;
  std::string error;
  EXPECT_FALSE(ParseVectorFile("t.vec", text, "client-x", &v, &error));
  EXPECT_EQ(error, "t.vec:6: server is a list of script words like starttls=none cert=expired");
}

TEST(ClientVector, UnknownField) {
  std::string text = kGood;
  text.insert(text.find("expect:"), "side: s2c\n");
  std::vector<Vector> v;
  std::string error;
  EXPECT_FALSE(ParseVectorFile("t.vec", text, "client-x", &v, &error));
  EXPECT_EQ(error.rfind("t.vec:13: unknown field 'side'", 0), 0u) << error;
}

TEST(ClientOutcome, RoundTrips) {
  for (const char* text : {"safe", "vulnerable plain-in-cleartext", "hung", "cpu-bound", "memory", "crashed"}) {
    auto o = ParseOutcome(text, false);
    ASSERT_TRUE(o) << text;
    EXPECT_EQ(o->Text(), text);
  }
  auto v = ParseOutcome("vulnerable smuggled-stanza", false);
  EXPECT_EQ(v->kind, Outcome::Kind::kVulnerable);
  EXPECT_EQ(v->check, "smuggled-stanza");
  EXPECT_FALSE(ParseOutcome("vulnerable", false));
  EXPECT_FALSE(ParseOutcome("vulnerable Bad_Name", false));
  EXPECT_FALSE(ParseOutcome("vulnerable a b", false));
}

TEST(ClientOutcome, KnownDeviationMatchesTheFinding) {
  std::vector<Vector> v;
  std::string error;
  ASSERT_TRUE(ParseVectorFile("t.vec", kGood, "client-x", &v, &error)) << error;
  conform::Expectations known;
  ASSERT_TRUE(conform::ParseExpectations(
      "e", "client-x/one  vulnerable accepted-comment | hung  -- the library ignores comments\n", &known, &error))
      << error;
  conform::Observation obs;
  obs.outcome = *ParseOutcome("vulnerable accepted-comment", false);
  EXPECT_EQ(conform::Judge(v[0], obs, true, &known).verdict, conform::Verdict::kKnown);
  obs.outcome = *ParseOutcome("vulnerable expanded-internal-entity", false);
  EXPECT_EQ(conform::Judge(v[0], obs, true, &known).verdict, conform::Verdict::kFail);
  obs.outcome = *ParseOutcome("safe", false);
  EXPECT_EQ(conform::Judge(v[0], obs, true, nullptr).verdict, conform::Verdict::kPass);
  obs.outcome = *ParseOutcome("crashed", false);
  EXPECT_EQ(conform::Judge(v[0], obs, true, nullptr).verdict, conform::Verdict::kFail);
}

TEST(Script, Words) {
  Script s;
  std::string error;
  ASSERT_TRUE(ParseScript({"starttls=none", "mechanisms=PLAIN,SCRAM-SHA-1", "scram=iterations-1", "runs=3"}, &s, &error));
  EXPECT_EQ(s.starttls, Script::Starttls::kNone);
  EXPECT_EQ(s.mechanisms, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-1"}));
  EXPECT_EQ(s.scram, "iterations-1");
  EXPECT_EQ(s.runs, 3);
  EXPECT_FALSE(ParseScript({"starttls=maybe"}, &s, &error));
  EXPECT_EQ(error, "starttls is required, optional, none or fail");
  EXPECT_FALSE(ParseScript({"cert=nobody"}, &s, &error));
  EXPECT_EQ(error, "unknown certificate 'nobody'");
  EXPECT_FALSE(ParseScript({"runs=9"}, &s, &error));
  EXPECT_EQ(error, "runs is 1 to 8");
  EXPECT_FALSE(ParseScript({"frobnicate"}, &s, &error));
  EXPECT_EQ(error, "unknown script word 'frobnicate'");
}

TEST(DriverLine, Events) {
  DriverEvent e = ParseDriverLine(R"({"event":"iq-result","type":"result","from":"a@b/c"})");
  EXPECT_EQ(e.event, "iq-result");
  EXPECT_EQ(e.extra, "result");
  EXPECT_EQ(e.text, "a@b/c");
  e = ParseDriverLine(R"({"event":"roster","jid":"x@y","subscription":"both"})");
  EXPECT_EQ(e.text, "x@y");
  EXPECT_EQ(e.extra, "both");
  EXPECT_EQ(ParseDriverLine("Traceback (most recent call last):").event, "unparsed");
  EXPECT_EQ(ParseDriverLine(R"({"event":3})").event, "unparsed");
  EXPECT_EQ(ParseDriverLine("[1,2]").event, "unparsed");
}

TEST(Reference, CdataHidesMarkup) {
  bool after = false;
  std::string error;
  auto stanzas = ReferenceStanzas(
      "<message><body><![CDATA[</body></message><message to='victim@localhost'>]]></body></message>", &after, &error);
  EXPECT_EQ(stanzas.size(), 1u);
  EXPECT_TRUE(after);
  EXPECT_EQ(error, "");
}

TEST(Reference, CommentEndsTheStream) {
  bool after = true;
  std::string error;
  auto stanzas = ReferenceStanzas("<!-- c --><message/>", &after, &error);
  EXPECT_TRUE(stanzas.empty());
  EXPECT_FALSE(after);
  EXPECT_EQ(error.rfind("restricted-xml at ", 0), 0u) << error;
}

TEST(Reference, AddressRefusalCountsAsRead) {
  bool after = false;
  std::string error;
  auto stanzas = ReferenceStanzas("<message to='victim@localhost\r'/>", &after, &error);
  EXPECT_EQ(stanzas.size(), 1u);
  EXPECT_TRUE(after);
}

// ---- bounded runs (no sandbox needed: nothing here touches the network)

TEST(RunDriver, ExitAndEvents) {
  Limits l;
  DriverRun r = RunDriver({"/bin/sh", "-c", R"(echo '{"event":"start"}'; echo '{"event":"closed"}'; exit 0)"}, l);
  EXPECT_EQ(r.status, RunStatus::kExited);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].event, "start");
  EXPECT_EQ(r.events[1].event, "closed");
}

TEST(RunDriver, NonZeroExitIsCrashed) {
  DriverRun r = RunDriver({"/bin/sh", "-c", "echo x >&2; exit 4"}, Limits{});
  EXPECT_EQ(r.status, RunStatus::kCrashed);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.stderr_tail, "x\n");
}

TEST(RunDriver, SignalIsCrashed) {
  DriverRun r = RunDriver({"/bin/sh", "-c", "kill -SEGV $$"}, Limits{});
  EXPECT_EQ(r.status, RunStatus::kCrashed);
  EXPECT_EQ(r.signal, SIGSEGV);
}

TEST(RunDriver, WallClock) {
  Limits l;
  l.wall_ms = 1000;
  DriverRun r = RunDriver({"/bin/sleep", "30"}, l);
  EXPECT_EQ(r.status, RunStatus::kHung);
  EXPECT_LT(r.wall_ms, 5000);
}

TEST(RunDriver, GrandchildrenAreKilled) {
  Limits l;
  l.wall_ms = 1000;
  // The child exits at once; its background sleeper holds stdout open.
  DriverRun r = RunDriver({"/bin/sh", "-c", "sleep 30 & exit 0"}, l);
  EXPECT_EQ(r.status, RunStatus::kExited);
  EXPECT_LT(r.wall_ms, 5000);
}

TEST(RunDriver, Cpu) {
  Limits l;
  l.cpu_seconds = 1;
  l.wall_ms = 30000;
  DriverRun r = RunDriver({"/bin/sh", "-c", "while :; do :; done"}, l);
  EXPECT_EQ(r.status, RunStatus::kCpuBound);
}

TEST(RunDriver, Memory) {
  Limits l;
  l.memory_bytes = 64ull << 20;
  DriverRun r = RunDriver({"/usr/bin/python3", "-c", "import time\nx = b'1' * (256 << 20)\ntime.sleep(30)"}, l);
  EXPECT_EQ(r.status, RunStatus::kMemory);
  EXPECT_GT(r.peak_rss, 64ull << 20);
}

TEST(RunDriver, NotStarted) {
  DriverRun r = RunDriver({"/nonexistent/xmppfuzz-driver"}, Limits{});
  EXPECT_EQ(r.status, RunStatus::kNotStarted);
}

TEST(LoadDriver, MissingIsSkippedNotAnError) {
  DriverSpec d;
  std::string error;
  ASSERT_TRUE(LoadDriver("/nonexistent", "libfoo", "/b", "/s", &d, &error));
  EXPECT_EQ(d.unavailable, "no driver: /nonexistent/libfoo/driver.json does not exist");
  EXPECT_FALSE(LoadDriver("/nonexistent", "../etc", "/b", "/s", &d, &error));
}

TEST(LoadDriver, TestDrivers) {
  const std::string clients = XMPPFUZZ_SOURCE_DIR "/tests/hostile/clients";
  DriverSpec d;
  std::string error;
  ASSERT_TRUE(LoadDriver(clients, "careful", "/b", XMPPFUZZ_SOURCE_DIR, &d, &error)) << error;
  EXPECT_EQ(d.unavailable, "");
  EXPECT_EQ(d.command[1], XMPPFUZZ_SOURCE_DIR "/tests/hostile/clients/test_driver.py");
  EXPECT_FALSE(d.websocket);
  ASSERT_TRUE(LoadDriver(clients, "careful-ws", "/b", XMPPFUZZ_SOURCE_DIR, &d, &error)) << error;
  EXPECT_TRUE(d.websocket);
  ASSERT_TRUE(LoadDriver(clients, "not-built", "/b", XMPPFUZZ_SOURCE_DIR, &d, &error)) << error;
  EXPECT_EQ(d.unavailable, "driver not built: libxmppfuzz-no-such-dev missing");
  ASSERT_TRUE(LoadDriver(clients, "no-package", "/b", XMPPFUZZ_SOURCE_DIR, &d, &error)) << error;
  EXPECT_EQ(d.unavailable, "package missing: python3-xmppfuzz-no-such-package (scripts/clients install)");
}

}  // namespace
}  // namespace xmppfuzz::hostile
