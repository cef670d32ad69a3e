// Stream restarts (RFC 6120 section 4.3.3, 5.4.3.3, 6.4.6): in-band after a
// SASL <auth/> (we are the server) or <success/> (we are the client), and
// explicit with Parser::Restart(). A second header anywhere else is refused,
// and the post-authentication stanza limit applies after a SASL restart.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::stream {
namespace {

using namespace streamtest;
using C = xml::Condition;

const std::string kAuth = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldAByMG0zMG15cjBtMzA=</auth>";
const std::string kAuthLine =
    Stanza(R"(<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGp1bGlldAByMG0zMG15cjBtMzA=</auth>)");
const std::string kPresence = Stanza(R"(<presence xmlns="jabber:client"/>)");

std::string MessageOfSize(size_t n) {
  const std::string head = "<message><body>", tail = "</body></message>";
  return head + std::string(n - head.size() - tail.size(), 'x') + tail;
}

// --- Second header without SASL ---------------------------------------------

// A second stream start tag where no restart is due is a top-level
// {streams}stream, which is no stanza: refused at its start tag (RFC 6120
// 4.3.3), since a real second header is never closed.
TEST(SecondHeader, WithoutSaslIsUnsupportedStanzaType) {
  std::string in = kH + kStreamStart + "</stream:stream>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, kH.size());
}

TEST(SecondHeader, UnclosedIsRefusedAtItsStartTag) {
  std::string in = kH + "<message/>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, kH.size() + 10);
}

// What would follow inside the stray header is never looked at: the refusal
// comes first, even before restricted markup in it.
TEST(SecondHeader, RefusedBeforeItsContent) {
  std::string in = kH + kStreamStart + "<!-- x -->";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, kH.size());
}

TEST(SecondHeader, OtherStreamsElementRefusedAtStartTag) {
  std::string in = kH + "<stream:bogus>" + std::string(100, 'x');
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, kH.size());
}

TEST(SecondHeader, StreamErrorStillWaitsForItsEnd) {
  std::string in = kH + "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
  EXPECT_EVENTS(in, {kOpen});
}

TEST(SecondHeader, WithDeclarationWithoutSaslIsRestrictedXml) {
  std::string in = kH + "<presence/>" + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 11);
}

TEST(SecondHeader, AfterNonSaslExtensionIsNoRestart) {
  std::string in = kH + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, At(in, "<?xml", 1));
}

TEST(SecondHeader, AuthInWrongNamespaceDoesNotArm) {
  std::string in = kH + "<auth xmlns='urn:example:not-sasl'/>" + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, At(in, "<?xml", 1));
}

// --- Parser::Restart() -------------------------------------------------------

// RFC 6120 4.3.3 and 5.4.3.3 (after STARTTLS): Restart() begins a new stream,
// so a parser that saw the old one closed is open again and takes a header.
TEST(ExplicitRestart, ReopensAClosedStream) {
  Parser p(Options{});
  EXPECT_EQ(p.Feed(kH + "</stream:stream>"), xml::Status::kOk);
  EXPECT_TRUE(p.closed());
  p.Restart();
  EXPECT_FALSE(p.closed());
  EXPECT_EQ(p.Feed(kH), xml::Status::kNeedMore);
  EXPECT_FALSE(p.closed());
  std::vector<Event> events = p.TakeEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Event::Kind::kStreamOpen);
  EXPECT_EQ(events[1].kind, Event::Kind::kStreamClose);
  EXPECT_EQ(events[2].kind, Event::Kind::kStreamOpen);
}

// --- In-band restart after SASL ---------------------------------------------

TEST(SaslRestart, WithXmlDeclaration) {
  std::string in = kH + kAuth + kH + "<presence/>";
  EXPECT_EVENTS(in, {kOpen, kAuthLine, kOpen, kPresence});
}

TEST(SaslRestart, WithoutXmlDeclaration) {
  std::string in = kH + kAuth + "\n" + kStreamStart + "<presence/>";
  EXPECT_EVENTS(in, {kOpen, kAuthLine, kOpen, kPresence});
}

TEST(SaslRestart, WithOtherStreamPrefix) {
  std::string in = kH + kAuth +
                   "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client' to='example.com' version='1.0'>"
                   "<presence/></s:stream>";
  EXPECT_EVENTS(in, {kOpen, kAuthLine, kOpen, kPresence, "stream-close"});
}

TEST(SaslRestart, OffsetsContinueAcrossTheRestart) {
  std::string in = kH + kAuth + kH + "<!---->";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, 2 * kH.size() + kAuth.size());
}

TEST(SaslRestart, NewHeaderIsCheckedAgain) {
  std::string in = kH + kAuth + kDecl + "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='2.0'>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedVersion, kH.size() + kAuth.size() + kDecl.size());
}

TEST(SaslRestart, OnlyOnce) {
  std::string in = kH + kAuth + kH + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, 2 * kH.size() + kAuth.size());
}

TEST(SaslRestart, SecondAuthArmsAgain) {
  std::string in = kH + kAuth + kH + kAuth + kH;
  EXPECT_EVENTS(in, {kOpen, kAuthLine, kOpen, kAuthLine, kOpen});
}

TEST(SaslRestart, ArmedButNoRestartStanzasContinue) {
  std::string in = kH + kAuth + "<presence/>" + kClose;
  EXPECT_EVENTS(in, {kOpen, kAuthLine, kPresence, "stream-close"});
}

// A server-side restart after <auth/> does not prove the exchange succeeded:
// <auth/> followed at once by a new header must not buy the 256 KiB limit.
TEST(SaslRestart, ServerSideRestartKeepsPreauthLimit) {
  std::string in = kH + kAuth + kH + MessageOfSize(20000);
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, 2 * kH.size() + kAuth.size() + 10000);
}

TEST(SaslRestart, ServerSideSetAuthenticatedRaisesLimit) {
  Options options;
  options.authenticated = true;
  std::string in = kH + kAuth + kH + MessageOfSize(20000);
  std::vector<std::string> lines = AgreedLines(in, options);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3].rfind("stanza <message", 0), 0u);
}

TEST(SaslRestart, ClientSideRestartAfterSuccessRaisesLimit) {
  Options options;
  options.side = Side::kClient;
  std::string in = kH + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + kH + MessageOfSize(20000);
  std::vector<std::string> lines = AgreedLines(in, options);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3].rfind("stanza <message", 0), 0u);
}

TEST(SaslRestart, PreauthLimitAppliesBeforeRestart) {
  std::string in = kH + kAuth + MessageOfSize(20000);
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + kAuth.size() + 10000);
}

TEST(SaslRestart, ClientSideRestartsAfterSuccess) {
  Options options;
  options.side = Side::kClient;
  std::string in = kH + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + kH + "<stream:features/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>)"), kOpen,
                     Stanza(R"(<features xmlns="http://etherx.jabber.org/streams"/>)")},
                options);
}

TEST(SaslRestart, ClientSideAuthDoesNotArm) {
  Options options;
  options.side = Side::kClient;
  std::string in = kH + kAuth + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + kAuth.size(), options);
}

TEST(SaslRestart, ServerSideSuccessDoesNotArm) {
  std::string in = kH + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, At(in, "<?xml", 1));
}

// --- Explicit Parser::Restart() ---------------------------------------------

// PlayWithRestart feeds |before| in chunks, calls Restart(), then feeds
// |after| in chunks, on both backends; returns the lines of every run.
std::vector<std::vector<std::string>> PlayWithRestart(std::string_view before, std::string_view after,
                                                      const Options& base = {}) {
  std::vector<std::vector<std::string>> runs;
  for (xml::Backend backend : xml::kBackends) {
    for (size_t chunk : {0, 1, 2, 3, 4, 5}) {
      Options options = base;
      options.backend = backend;
      Parser parser(options);
      std::vector<std::string> lines;
      auto feed = [&](std::string_view bytes) {
        size_t step = chunk == 0 ? std::max<size_t>(bytes.size(), 1) : chunk;
        for (size_t pos = 0; pos < bytes.size(); pos += step) parser.Feed(bytes.substr(pos, step));
        for (const Event& e : parser.TakeEvents()) lines.push_back(e.Line());
      };
      feed(before);
      parser.Restart();
      feed(after);
      runs.push_back(lines);
    }
  }
  return runs;
}

TEST(ExplicitRestart, AfterStarttlsProceed) {
  const std::string proceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
  for (const auto& lines : PlayWithRestart(kH + proceed, kH + "<presence/>")) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, Stanza(R"(<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>)"),
                                               kOpen, kPresence}));
  }
}

TEST(ExplicitRestart, AfterAPartialStanza) {
  for (const auto& lines : PlayWithRestart(kH + "<presence/><message><body>tr", kH + "<presence/>")) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, kPresence, kOpen, kPresence}));
  }
}

TEST(ExplicitRestart, AfterStreamClose) {
  for (const auto& lines : PlayWithRestart(kH + kClose, kStreamStart + kClose)) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, "stream-close", kOpen, "stream-close"}));
  }
}

TEST(ExplicitRestart, ErrorOffsetsCountBytesBeforeTheRestart) {
  for (const auto& lines : PlayWithRestart(kH, kH + "<?pi?>")) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, kOpen, ErrorLine(C::kRestrictedXml, 2 * kH.size())}));
  }
}

TEST(ExplicitRestart, DoesNotChangeTheLimit) {
  for (const auto& lines : PlayWithRestart(kH, kH + MessageOfSize(10001))) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, kOpen, ErrorLine(C::kPolicyViolation, 2 * kH.size() + 10000)}));
  }
}

TEST(ExplicitRestart, NewDocumentMayStartWithBom) {
  for (const auto& lines : PlayWithRestart(kH, "\xEF\xBB\xBF" + kH)) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, kOpen}));
  }
}

TEST(ExplicitRestart, ErrorIsNotCleared) {
  for (const auto& lines : PlayWithRestart(kH + "<!---->", kH)) {
    EXPECT_EQ(lines, (std::vector<std::string>{kOpen, ErrorLine(C::kRestrictedXml, kH.size())}));
  }
}

}  // namespace
}  // namespace xmppfuzz::stream
