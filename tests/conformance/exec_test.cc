// Exec targets (conformance/runner/exec.h): the answer and handshake
// parsers, and real adapter processes under tests/conformance/exec_adapters/
// (a correct one wrapping `xmppfuzz parse`, and programs that hang, flood,
// crash, print garbage or never handshake).
#include "conformance/runner/exec.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>

#include "conformance/runner/inproc.h"

namespace xmppfuzz::conform {
namespace {

using C = xml::Condition;
using Kind = Outcome::Kind;
using Clock = std::chrono::steady_clock;

const std::string kAdapters = std::string(XMPPFUZZ_SOURCE_DIR) + "/tests/conformance/exec_adapters/";
const std::string kXmppfuzz = XMPPFUZZ_BIN;

// --- ParseExecTargetName --------------------------------------------------------------

TEST(ConformExecName, Modes) {
  ExecConfig c;
  std::string error;
  ASSERT_TRUE(ParseExecTargetName("exec:cat -u", &c, &error));
  EXPECT_EQ(error, "");
  EXPECT_FALSE(c.persistent);
  EXPECT_EQ(c.command, "cat -u");
  ASSERT_TRUE(ParseExecTargetName("exec-persistent:./run --x", &c, &error));
  EXPECT_EQ(error, "");
  EXPECT_TRUE(c.persistent);
  EXPECT_EQ(c.command, "./run --x");
  EXPECT_FALSE(ParseExecTargetName("inproc:expat", &c, &error));
  EXPECT_FALSE(ParseExecTargetName("execx:foo", &c, &error));
}

TEST(ConformExecName, EmptyCommandIsAnError) {
  for (const char* spec : {"exec:", "exec-persistent:", "exec:   "}) {
    ExecConfig c;
    std::string error;
    ASSERT_TRUE(ParseExecTargetName(spec, &c, &error)) << spec;
    EXPECT_NE(error.find("names no command"), std::string::npos) << error;
    EXPECT_EQ(MakeExecTarget(c, &error), nullptr);
  }
}

// --- ParseExecAnswer -----------------------------------------------------------------------

TEST(ConformExecAnswer, EventsErrorAndOffset) {
  ExecAnswer a;
  ASSERT_EQ(ParseExecAnswer("stream-open <stream:stream/>\nstanza <message/>\nerror restricted-xml offset=42\n", &a),
            "");
  EXPECT_EQ(a.events, (std::vector<std::string>{"stream-open <stream:stream/>", "stanza <message/>"}));
  EXPECT_TRUE(a.refused);
  EXPECT_EQ(a.condition, C::kRestrictedXml);
  ASSERT_TRUE(a.offset.has_value());
  EXPECT_EQ(*a.offset, 42u);
}

TEST(ConformExecAnswer, ErrorWithoutOffset) {
  ExecAnswer a;
  ASSERT_EQ(ParseExecAnswer("error not-well-formed\n", &a), "");
  EXPECT_TRUE(a.refused);
  EXPECT_EQ(a.condition, C::kNotWellFormed);
  EXPECT_FALSE(a.offset.has_value());
}

TEST(ConformExecAnswer, EmptyAnswerIsAccepted) {
  ExecAnswer a;
  ASSERT_EQ(ParseExecAnswer("", &a), "");
  EXPECT_FALSE(a.refused);
  EXPECT_TRUE(a.events.empty());
}

TEST(ConformExecAnswer, RoutedAndLog) {
  ExecAnswer a;
  ASSERT_EQ(ParseExecAnswer("log started\nstanza <a/>\nrouted <a xmlns='jabber:client'>\\x0a\\\\</a>\nstream-close\n"
                            "log \x1b end\n",
                            &a),
            "");
  EXPECT_EQ(a.events, (std::vector<std::string>{"stanza <a/>", "stream-close"}));
  ASSERT_EQ(a.routed.size(), 1u);
  EXPECT_EQ(a.routed[0].first, 0u);
  EXPECT_EQ(a.routed[0].second, "<a xmlns='jabber:client'>\n\\</a>");
  EXPECT_EQ(a.logs, (std::vector<std::string>{"started", "\x1b end"}));
}

// Each malformed answer is refused with its line number; the bad line is
// quoted escaped.
TEST(ConformExecAnswer, ProtocolErrors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"stanza <a/>\n\n", "line 2: blank line (not allowed)"},
      {"stanza <a/>", "line 1: the last line has no newline: 'stanza <a/>'"},
      {"stream-close\r\n", "line 1: the line ends with CR (lines end with LF alone): 'stream-close\\x0D'"},
      {"\x1b[31mevil\xff\n", "line 1: not an answer line (stream-open, stanza, stream-close, error, routed, log): "
                             "'\\x1B[31mevil\\xFF'"},
      {"stanza\n", "line 1: stanza needs canonical XML ('<...>') after one space: 'stanza'"},
      {"stanza  <a/>\n", "line 1: stanza needs canonical XML ('<...>') after one space: 'stanza  <a/>'"},
      {"stream-open x\n", "line 1: stream-open needs canonical XML ('<...>') after one space: 'stream-open x'"},
      {"stream-close extra\n", "line 1: not an answer line (stream-open, stanza, stream-close, error, routed, log): "
                               "'stream-close extra'"},
      {"error\n", "line 1: error needs an RFC 6120 stream error condition: 'error'"},
      {"error no-such-thing\n", "line 1: error needs an RFC 6120 stream error condition: 'error no-such-thing'"},
      {"error bad-format offset=x\n", "line 1: error takes 'error CONDITION [offset=N]': 'error bad-format offset=x'"},
      {"error bad-format at=3\n", "line 1: error takes 'error CONDITION [offset=N]': 'error bad-format at=3'"},
      {"error bad-format offset=-1\n", "line 1: error takes 'error CONDITION [offset=N]': 'error bad-format offset=-1'"},
      {"error bad-format\nstanza <a/>\n", "line 2: an event after the error line: 'stanza <a/>'"},
      {"error bad-format\nerror bad-format\n", "line 2: an event after the error line: 'error bad-format'"},
      {"routed <a/>\n", "line 1: a routed line must follow a stanza line: 'routed <a/>'"},
      {"stream-close\nrouted <a/>\n", "line 2: a routed line must follow a stanza line: 'routed <a/>'"},
      {"stanza <a/>\nrouted <a/>\nrouted <a/>\n", "line 3: a routed line must follow a stanza line: 'routed <a/>'"},
      {"stanza <a/>\nrouted\n", "line 2: routed without bytes: 'routed'"},
      {"stanza <a/>\nrouted \\q\n",
       "line 2: routed: bad escape at byte 0 (\\\\ or \\xHH with lower-case hex digits): 'routed \\x5Cq'"},
      {"stanza <a/>\nrouted \\x0A\n",
       "line 2: routed: bad escape at byte 0 (\\\\ or \\xHH with lower-case hex digits): 'routed \\x5Cx0A'"},
      {"stanza <a/>\nrouted a\tb\n", "line 2: routed: raw control byte \\x09 at byte 1 (write it as \\xHH): 'routed a\\x09b'"},
      {"done\n", "line 1: 'done' is not the last line: 'done'"},
  };
  for (const Case& c : cases) {
    ExecAnswer a;
    EXPECT_EQ(ParseExecAnswer(c.text, &a), c.message) << base::EscapeBytes(c.text);
  }
}

TEST(ConformExecAnswer, DecodeRouted) {
  std::string out, error;
  ASSERT_TRUE(DecodeRouted("a\\\\b\\x00\\x7f\xc3\xa9", &out, &error)) << error;
  EXPECT_EQ(out, std::string("a\\b\0\x7f\xc3\xa9", 7));
  EXPECT_FALSE(DecodeRouted("\\x0", &out, &error));
  EXPECT_FALSE(DecodeRouted("\x7f", &out, &error));
  EXPECT_FALSE(DecodeRouted("\\", &out, &error));
}

// --- ParseExecHandshake -------------------------------------------------------------------

TEST(ConformExecHandshake, Version1) {
  std::string name;
  EXPECT_EQ(ParseExecHandshake("xmppfuzz-exec 1 prosody-util.xmppstream", &name), "");
  EXPECT_EQ(name, "prosody-util.xmppstream");
}

TEST(ConformExecHandshake, Refused) {
  std::string name;
  EXPECT_EQ(ParseExecHandshake("xmppfuzz-exec 2 x", &name), "the adapter speaks protocol version 2; xmppfuzz speaks 1");
  EXPECT_EQ(ParseExecHandshake("hello", &name), "expected the handshake 'xmppfuzz-exec 1 NAME', got 'hello'");
  EXPECT_EQ(ParseExecHandshake("xmppfuzz-exec 1", &name),
            "expected the handshake 'xmppfuzz-exec 1 NAME', got 'xmppfuzz-exec 1'");
  EXPECT_EQ(ParseExecHandshake("xmppfuzz-exec 1 a b", &name),
            "expected the handshake 'xmppfuzz-exec 1 NAME' (NAME printable ASCII without spaces), got "
            "'xmppfuzz-exec 1 a b'");
  EXPECT_EQ(ParseExecHandshake("xmppfuzz-exec 1 a\x1b", &name),
            "expected the handshake 'xmppfuzz-exec 1 NAME' (NAME printable ASCII without spaces), got "
            "'xmppfuzz-exec 1 a\\x1B'");
  EXPECT_EQ(ParseExecHandshake("xmppfuzz-exec x1 a", &name),
            "expected the handshake 'xmppfuzz-exec 1 NAME', got 'xmppfuzz-exec x1 a'");
}

// --- Real adapters -------------------------------------------------------------------------

std::vector<Vector> Suite() {
  std::vector<Vector> all;
  std::string error;
  EXPECT_TRUE(LoadSuite(std::string(XMPPFUZZ_SOURCE_DIR) + "/conformance/vectors", &all, &error)) << error;
  return all;
}

Vector XmlVector(const std::string& id, const std::string& input, Profile profile = Profile::kAuthenticated) {
  Vector v;
  v.id = id;
  v.category = "test";
  v.side = Side::kClientToServer;
  v.profile = profile;
  v.input = input;
  return v;
}

ExecConfig Persistent(const std::string& command, int timeout_ms = 5000) {
  ExecConfig c;
  c.command = command;
  c.persistent = true;
  c.timeout_ms = timeout_ms;
  c.start_timeout_ms = 5000;
  return c;
}

std::unique_ptr<Target> Make(const ExecConfig& c) {
  std::string error;
  auto t = MakeExecTarget(c, &error);
  EXPECT_NE(t, nullptr) << error;
  EXPECT_EQ(error, "");
  return t;
}

std::string ParseWrapper(const std::string& extra = "") {
  return "/usr/bin/python3 " + kAdapters + "parse_persistent.py " + kXmppfuzz + extra;
}

// Verdicts and observed outcomes of |target| and inproc:expat must agree on
// every XML vector of the shipped suite.
void ExpectSameAsInproc(Target& target, const std::vector<Vector>& vectors) {
  auto reference = MakeInprocTarget(xml::Backend::kExpat);
  std::vector<Result> mine = RunAll(target, vectors, nullptr);
  std::vector<Vector> xml;
  for (const Vector& v : vectors) {
    if (v.kind == VectorKind::kXml) xml.push_back(v);
  }
  std::vector<Result> xml_results = RunAll(*reference, xml, nullptr);
  std::vector<Result> theirs(vectors.size());
  for (size_t i = 0, j = 0; i < vectors.size(); ++i) {
    if (vectors[i].kind == VectorKind::kXml) theirs[i] = xml_results[j++];
  }
  ASSERT_EQ(mine.size(), theirs.size());
  size_t played = 0;
  for (size_t i = 0; i < mine.size(); ++i) {
    const Vector& v = vectors[i];
    if (v.kind != VectorKind::kXml) {
      EXPECT_EQ(mine[i].verdict, Verdict::kNotApplicable) << v.id;
      EXPECT_NE(mine[i].message.find("XML vectors only"), std::string::npos) << mine[i].message;
      continue;
    }
    ++played;
    EXPECT_EQ(VerdictName(mine[i].verdict), VerdictName(theirs[i].verdict))
        << v.id << ": " << mine[i].message << " / inproc: " << theirs[i].message;
    EXPECT_EQ(mine[i].observation.outcome.Text(), theirs[i].observation.outcome.Text()) << v.id;
    EXPECT_EQ(mine[i].observation.events, theirs[i].observation.events) << v.id;
  }
  EXPECT_GT(played, vectors.size() / 3);
  EXPECT_GT(played, 150u);
}

TEST(ConformExecPersistent, ParseWrapperMatchesInprocExpatOnTheSuite) {
  auto t = Make(Persistent(ParseWrapper()));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->Name(), "exec-persistent:" + ParseWrapper());
  EXPECT_FALSE(t->Live());
  ExpectSameAsInproc(*t, Suite());
}

TEST(ConformExecOnce, ParseWrapperMatchesInprocExpat) {
  ExecConfig c;
  c.command = kAdapters + "parse_once.sh " + kXmppfuzz;
  c.timeout_ms = 10000;
  c.jobs = 2;
  auto t = Make(c);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->Jobs(), 2);
  // Every XML vector of a few categories, both sides and all profiles.
  std::vector<Vector> some;
  std::set<Profile> profiles;
  std::set<Side> sides;
  for (const Vector& v : Suite()) {
    if (v.category == "restricted-xml" || v.category == "xml-dos" || v.category == "stream-lifecycle" ||
        v.category == "namespaces" || v.side == Side::kServerToClient) {
      some.push_back(v);
      profiles.insert(v.profile);
      sides.insert(v.side);
    }
  }
  EXPECT_EQ(profiles.size(), 3u);
  EXPECT_EQ(sides.size(), 2u);
  ExpectSameAsInproc(*t, some);
}

TEST(ConformExecPersistent, EventsAfterThePreludeAndOffsetsRelativeToTheInput) {
  auto t = Make(Persistent(ParseWrapper()));
  ASSERT_NE(t, nullptr);
  Observation ok = t->Run(XmlVector("test/ok", "<message/>"));
  EXPECT_EQ(ok.broken, "");
  EXPECT_EQ(ok.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(ok.events, (std::vector<std::string>{"stanza <message xmlns=\"jabber:client\"/>"}));
  EXPECT_NE(ok.detail.find("log: played "), std::string::npos) << ok.detail;
  Observation bad = t->Run(XmlVector("test/pi", "<message/><?pi?>"));
  EXPECT_EQ(bad.broken, "");
  EXPECT_EQ(bad.outcome.kind, Kind::kRefused);
  EXPECT_EQ(bad.outcome.condition, C::kRestrictedXml);
  ASSERT_TRUE(bad.outcome.offset.has_value());
  EXPECT_EQ(*bad.outcome.offset, 10);
}

TEST(ConformExecPersistent, RoutedBytesAndTheImplementationName) {
  auto t = Make(Persistent(ParseWrapper(" --route")));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->Implementation(), "xmppfuzz-parse");
  Observation obs = t->Run(XmlVector("test/routed", "<message><body>a\\b</body></message><presence/>"));
  EXPECT_EQ(obs.broken, "");
  ASSERT_EQ(obs.events.size(), 2u);
  ASSERT_EQ(obs.routed.size(), 2u);
  // Indices count the events after the prelude's stream-open.
  EXPECT_EQ(obs.routed[0].first, 0u);
  EXPECT_EQ(obs.routed[0].second, "<message xmlns=\"jabber:client\"><body>a\\b</body></message>");
  EXPECT_EQ(obs.routed[1].first, 1u);
  EXPECT_EQ(obs.routed[1].second, "<presence xmlns=\"jabber:client\"/>");
  EXPECT_EQ("stanza " + obs.routed[1].second, obs.events[1]);
}

TEST(ConformExecPersistent, HangIsHungWithinTheDeadlineAndTheGroupIsKilled) {
  auto t = Make(Persistent(kAdapters + "hang.sh", 300));
  ASSERT_NE(t, nullptr);
  auto start = Clock::now();
  Observation obs = t->Run(XmlVector("test/hang", "<message/>"));
  auto took = Clock::now() - start;
  EXPECT_EQ(obs.outcome.kind, Kind::kHung);
  EXPECT_NE(obs.detail.find("no 'done' within 300 ms; process group killed"), std::string::npos) << obs.detail;
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
  // Restarted for the next input, which hangs again (no stuck state).
  Observation again = t->Run(XmlVector("test/hang2", "<message/>"));
  EXPECT_EQ(again.outcome.kind, Kind::kHung);
  EXPECT_NE(again.detail.find("adapter restarted before this input (start 2)"), std::string::npos) << again.detail;
  // hang.sh's sleep was in the killed group: none is left (pgrep exits 1).
  int status = 0;
  for (int i = 0; i < 50; ++i) {
    status = std::system("pgrep -f '^sleep 613$' >/dev/null");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) break;
    ::usleep(20000);
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "a sleep 613 outlived its process group";
}

TEST(ConformExecPersistent, FloodIsFlooded) {
  for (const char* mode : {"lines", "line"}) {
    ExecConfig c = Persistent(kAdapters + "flood.sh " + mode, 5000);
    c.max_answer = 1 << 20;
    c.max_line = 64 << 10;
    auto t = Make(c);
    ASSERT_NE(t, nullptr);
    Observation obs = t->Run(XmlVector("test/flood", "<message/>"));
    EXPECT_EQ(obs.outcome.kind, Kind::kFlooded) << mode << ": " << obs.outcome.Text() << " " << obs.detail;
    EXPECT_NE(obs.detail.find("answer over the cap (1048576 bytes, 65536 per line)"), std::string::npos)
        << obs.detail;
  }
}

TEST(ConformExecPersistent, CrashMidAnswerThenRestartWorks) {
  // exec: the signal reaches us as the process's own, not as sh's status 139.
  auto t = Make(Persistent("exec " + ParseWrapper(" --crash-on crash-me")));
  ASSERT_NE(t, nullptr);
  Observation crashed = t->Run(XmlVector("test/crash", "<message id='crash-me'/><message/><message/>"));
  EXPECT_EQ(crashed.outcome.kind, Kind::kCrashed);
  EXPECT_NE(crashed.detail.find("killed by signal 11"), std::string::npos) << crashed.detail;
  EXPECT_NE(crashed.detail.find("before 'done'; restarted for the next input; it wrote 'stream-open "),
            std::string::npos)
      << crashed.detail;
  Observation next = t->Run(XmlVector("test/next", "<message/>"));
  EXPECT_EQ(next.broken, "");
  EXPECT_EQ(next.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(next.events, (std::vector<std::string>{"stanza <message xmlns=\"jabber:client\"/>"}));
  EXPECT_NE(next.detail.find("adapter restarted before this input (start 2)"), std::string::npos) << next.detail;
}

TEST(ConformExecPersistent, GarbageIsAProtocolErrorWithEscapedText) {
  struct Case {
    const char* mode;
    const char* broken;
  } cases[] = {
      {"blank", "adapter protocol error: line 2: blank line (not allowed) (adapter restarted for the next input)"},
      {"binary", "adapter protocol error: line 1: not an answer line (stream-open, stanza, stream-close, error, "
                 "routed, log): '\\x1B[31mevil\\x07 \\xFF' (adapter restarted for the next input)"},
      {"crlf", "adapter protocol error: line 1: the line ends with CR (lines end with LF alone): 'stream-close\\x0D' "
               "(adapter restarted for the next input)"},
      {"after-done", "adapter protocol error: output after 'done': 'stream-close\\x0A' (adapter restarted for the "
                     "next input)"},
  };
  for (const Case& c : cases) {
    auto t = Make(Persistent("/usr/bin/python3 " + kAdapters + "garbage.py " + c.mode, 3000));
    ASSERT_NE(t, nullptr);
    Observation obs = t->Run(XmlVector("test/garbage", "<message/>", Profile::kRaw));
    EXPECT_EQ(obs.broken, c.broken) << c.mode;
    Result r = Judge(XmlVector("test/garbage", "<message/>", Profile::kRaw), obs, false, nullptr);
    EXPECT_EQ(r.verdict, Verdict::kFail);
    // Restarted for the next input, which gets its own verdict.
    Observation again = t->Run(XmlVector("test/garbage2", "<message/>", Profile::kRaw));
    EXPECT_EQ(again.broken.rfind("adapter restarted before this input (start 2); adapter protocol error: ", 0), 0u)
        << c.mode << ": " << again.broken;
  }
}

TEST(ConformExecPersistent, NoHandshakeIsAClearError) {
  struct Case {
    const char* mode;
    const char* message;
  } cases[] = {
      {"silent", "the adapter did not start: no handshake line ('xmppfuzz-exec 1 NAME') within 300 ms"},
      {"wrong", "the adapter did not start: expected the handshake 'xmppfuzz-exec 1 NAME', got 'hello'"},
      {"version", "the adapter did not start: the adapter speaks protocol version 2; xmppfuzz speaks 1"},
      {"exit", "the adapter did not start: the adapter closed its stdout before the handshake and exited with status 3 "
               "(stderr: 'no parser here\\x0A')"},
  };
  for (const Case& c : cases) {
    ExecConfig config = Persistent("exec " + kAdapters + "no_handshake.sh " + c.mode);
    config.start_timeout_ms = 300;
    std::string error;
    auto start = Clock::now();
    EXPECT_EQ(MakeExecTarget(config, &error), nullptr);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(error, "exec-persistent:" + config.command + ": " + c.message) << c.mode;
  }
}

TEST(ConformExecPersistent, SigpipeDoesNotKillUs) {
  // The adapter handshakes and exits before reading a large input: the
  // write fails with EPIPE (SIGPIPE blocked and taken back).
  auto t = Make(Persistent("echo 'xmppfuzz-exec 1 quitter'; exec true"));
  ASSERT_NE(t, nullptr);
  Observation obs = t->Run(XmlVector("test/big", std::string(4 << 20, ' ')));
  EXPECT_EQ(obs.outcome.kind, Kind::kCrashed);
  EXPECT_NE(obs.detail.find("exited with status 0 before 'done'"), std::string::npos) << obs.detail;
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(ConformExecPersistent, OnlyXmlVectorsApply) {
  auto t = Make(Persistent(ParseWrapper()));
  ASSERT_NE(t, nullptr);
  Vector v = XmlVector("sasl-x/y", "");
  EXPECT_EQ(t->NotApplicable(v), "");
  v.kind = VectorKind::kSasl;
  EXPECT_EQ(t->NotApplicable(v), "exec targets play the XML vectors only (this is a kind: sasl vector)");
  v.kind = VectorKind::kTls;
  EXPECT_EQ(t->NotApplicable(v), "exec targets play the XML vectors only (this is a kind: tls vector)");
}

// --- One-shot misbehaviour -----------------------------------------------------------------

ExecConfig Once(const std::string& command, int timeout_ms = 3000) {
  ExecConfig c;
  c.command = command;
  c.timeout_ms = timeout_ms;
  return c;
}

TEST(ConformExecOnce, HangIsHung) {
  auto t = Make(Once("sleep 600", 200));
  ASSERT_NE(t, nullptr);
  auto start = Clock::now();
  Observation obs = t->Run(XmlVector("test/hang", "<message/>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kHung);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(ConformExecOnce, SignalOrOtherStatusIsCrashed) {
  auto t = Make(Once("cat >/dev/null; kill -SEGV $$"));
  ASSERT_NE(t, nullptr);
  Observation obs = t->Run(XmlVector("test/segv", "<message/>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kCrashed);
  EXPECT_NE(obs.detail.find("killed by signal 11"), std::string::npos) << obs.detail;
  auto t127 = Make(Once("no-such-adapter-xyz"));
  ASSERT_NE(t127, nullptr);
  Observation missing = t127->Run(XmlVector("test/missing", "<message/>"));
  EXPECT_EQ(missing.outcome.kind, Kind::kCrashed);
  EXPECT_NE(missing.detail.find("exited with status 127"), std::string::npos) << missing.detail;
  EXPECT_NE(missing.detail.find("not found"), std::string::npos) << missing.detail;
}

TEST(ConformExecOnce, SideAndProfileInTheEnvironment) {
  auto t = Make(Once("cat >/dev/null; echo \"log $XMPPFUZZ_SIDE $XMPPFUZZ_PROFILE\"; echo 'error bad-format'"));
  ASSERT_NE(t, nullptr);
  Vector v = XmlVector("test/env", "x", Profile::kRaw);
  v.side = Side::kServerToClient;
  Observation obs = t->Run(v);
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused);
  EXPECT_FALSE(obs.outcome.offset.has_value());
  EXPECT_EQ(obs.detail, "log: client raw");
}

TEST(ConformExecOnce, OffsetPastTheInputIsAProtocolError) {
  auto t = Make(Once("cat >/dev/null; echo 'error bad-format offset=99'"));
  ASSERT_NE(t, nullptr);
  Observation obs = t->Run(XmlVector("test/far", "x", Profile::kRaw));
  EXPECT_EQ(obs.broken, "adapter protocol error: error offset=99 is past the 1 bytes it was given");
}

TEST(ConformExecOnce, RefusedHeaderIsBroken) {
  auto t = Make(Once("cat >/dev/null; echo 'error bad-format offset=0'"));
  ASSERT_NE(t, nullptr);
  Observation obs = t->Run(XmlVector("test/header", "<message/>"));
  EXPECT_EQ(obs.broken, "the standard stream header was not accepted: first event error bad-format");
}

}  // namespace
}  // namespace xmppfuzz::conform
