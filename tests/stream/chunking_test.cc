// Chunk invariance and backend agreement (docs/design.md "Chunk invariance",
// "Canonical form") on whole realistic streams, beyond the per-case runs
// every other test does: many seeds, every chunk size up to 17, and the
// public ParseAll/ParseSplit helpers against the test runner.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::stream {
namespace {

using namespace streamtest;
using C = xml::Condition;

// A client session: header, SASL, restart, bind, traffic with every kind of
// content the XML layer handles, and the close.
const std::string kSession =
    "\xEF\xBB\xBF" + kH +
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM</auth>"
    "\n" + kH +
    "<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>"
    " \t\r\n"
    "<message to='romeo@example.net/orchard' type='chat' xml:lang='en' id='m1'>"
    "<body>Wherefore art thou, Romeo? &lt;3 &amp; &#x263A; \xE2\x9C\x93 <![CDATA[<b>bold</b> ]] > ]]></body>"
    "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p style=\"font-weight:bold\">hi</p></body></html>"
    "<x:data xmlns:x='urn:x' x:attr=\"a&#9;b&#10;c\" plain='&quot;q&quot;'/>"
    "</message>\r\n"
    "<presence><show>away</show><status>line1\r\nline2</status></presence>"
    "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"
    "<r xmlns='urn:xmpp:sm:3'/>" +
    kClose + "\n";

TEST(Chunking, SessionAgreesEverywhere) {
  std::vector<std::string> lines = AgreedLines(kSession);
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines[0], kOpen);
  EXPECT_EQ(lines[2], kOpen);
  EXPECT_EQ(lines[8], "stream-close");
  EXPECT_EQ(lines[4],
            Stanza("<message xmlns=\"jabber:client\" id=\"m1\" to=\"romeo@example.net/orchard\" type=\"chat\" xml:lang=\"en\">"
                   "<body>Wherefore art thou, Romeo? &lt;3 &amp; \xE2\x98\xBA \xE2\x9C\x93 &lt;b&gt;bold&lt;/b&gt; ]] &gt; </body>"
                   "<html xmlns=\"http://jabber.org/protocol/xhtml-im\"><body xmlns=\"http://www.w3.org/1999/xhtml\"><p style=\"font-weight:bold\">hi</p></body></html>"
                   "<data xmlns=\"urn:x\" xmlns:n0=\"urn:x\" plain=\"&quot;q&quot;\" n0:attr=\"a&#9;b&#10;c\"/>"
                   "</message>"));
  EXPECT_EQ(lines[5], Stanza("<presence xmlns=\"jabber:client\"><show>away</show><status>line1&#10;line2</status></presence>"));
}

// Every fixed chunk size up to 17 and 200 random splits give the whole-input
// lines, on both backends.
TEST(Chunking, ManySplits) {
  for (xml::Backend backend : xml::kBackends) {
    Options options;
    options.backend = backend;
    const std::vector<std::string> whole = Play(options, kSession, Split{"whole", 0, 0});
    for (size_t n = 1; n <= 17; ++n) {
      ASSERT_EQ(Play(options, kSession, Split{"fixed", n, 0}), whole) << xml::BackendName(backend) << " chunk " << n;
    }
    for (uint32_t seed = 1; seed <= 200; ++seed) {
      ASSERT_EQ(Play(options, kSession, Split{"random", 0, seed}), whole) << xml::BackendName(backend) << " seed " << seed;
    }
  }
}

// Every possible cut into two pieces, and into three around each byte.
TEST(Chunking, EveryTwoAndThreePieceCut) {
  for (xml::Backend backend : xml::kBackends) {
    Options options;
    options.backend = backend;
    const std::vector<std::string> whole = ParseAll(options, kSession);
    for (size_t cut = 1; cut < kSession.size(); ++cut) {
      ASSERT_EQ(ParseSplit(options, kSession, {cut}), whole) << xml::BackendName(backend) << " cut " << cut;
      ASSERT_EQ(ParseSplit(options, kSession, {cut - 1, 1}), whole) << xml::BackendName(backend) << " cut " << cut;
    }
  }
}

// An error deep in the session is reported at the same offset at every cut.
TEST(Chunking, ErrorOffsetAtEveryCut) {
  std::string in = kSession.substr(0, kSession.find("<presence>")) + "<presence><show>x&bogus;</show></presence>";
  const uint64_t at = in.find("&bogus;");
  for (xml::Backend backend : xml::kBackends) {
    Options options;
    options.backend = backend;
    for (size_t cut = 1; cut < in.size(); ++cut) {
      std::vector<std::string> lines = ParseSplit(options, in, {cut});
      ASSERT_FALSE(lines.empty());
      ASSERT_EQ(lines.back(), ErrorLine(C::kRestrictedXml, at)) << xml::BackendName(backend) << " cut " << cut;
      ASSERT_EQ(lines.size(), 6u);
    }
  }
}

// Empty Feed() calls between bytes change nothing.
TEST(Chunking, EmptyFeedsAreNeutral) {
  for (xml::Backend backend : xml::kBackends) {
    Options options;
    options.backend = backend;
    Parser parser(options);
    std::vector<std::string> lines;
    for (char c : kSession) {
      EXPECT_NE(parser.Feed(std::string_view()), xml::Status::kError);
      parser.Feed(std::string_view(&c, 1));
    }
    for (const Event& e : parser.TakeEvents()) lines.push_back(e.Line());
    EXPECT_EQ(lines, ParseAll(options, kSession)) << xml::BackendName(backend);
  }
}

TEST(Chunking, ParseAllMatchesTheTestRunner) {
  for (xml::Backend backend : xml::kBackends) {
    Options options;
    options.backend = backend;
    for (size_t n : {0, 1, 2, 64}) {
      Split split{"x", n, 0};
      EXPECT_EQ(ParseAll(options, kSession, n), Play(options, kSession, split));
    }
  }
}

TEST(Chunking, ParseSplitFeedsTheRestLast) {
  Options options;
  EXPECT_EQ(ParseSplit(options, kH + "<presence/>", {3, 1000, 5}), (std::vector<std::string>{kOpen, Stanza(R"(<presence xmlns="jabber:client"/>)")}));
  EXPECT_EQ(ParseSplit(options, kH + "<presence/>", {}), ParseAll(options, kH + "<presence/>"));
  EXPECT_TRUE(ParseSplit(options, "", {1, 2}).empty());
}

// The two backends also agree on hostile input: a batch of mutations of the
// session (one byte replaced) gives identical lines on both, whatever they
// are.
TEST(Chunking, BackendsAgreeOnMutations) {
  std::mt19937 rng(6120);
  static constexpr char kBytes[] = "<>&;'\"/!?[]=: \n\x00\x01\x80\xC3\xFF";
  const std::string replacements(kBytes, sizeof(kBytes) - 1);
  for (int i = 0; i < 300; ++i) {
    std::string in = kSession;
    in[rng() % in.size()] = replacements[rng() % replacements.size()];
    Options expat, libxml2, native;
    libxml2.backend = xml::Backend::kLibxml2;
    native.backend = xml::Backend::kNative;
    std::vector<std::string> a = ParseAll(expat, in), b = ParseAll(libxml2, in);
    ASSERT_EQ(a, b) << "mutation " << i << ": " << Printable(in);
    ASSERT_EQ(ParseAll(expat, in, 1), a) << "mutation " << i << ": " << Printable(in);
    ASSERT_EQ(ParseAll(native, in), a) << "native, mutation " << i << ": " << Printable(in);
    ASSERT_EQ(ParseAll(native, in, 1), a) << "native byte by byte, mutation " << i << ": " << Printable(in);
  }
}

}  // namespace
}  // namespace xmppfuzz::stream
