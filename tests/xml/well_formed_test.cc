// Well-formedness (XML 1.0 section 2.1, 3; RFC 6120 section 11.3): tag
// syntax, matching end tags, duplicate attributes, content after the stream
// and character data between stanzas. Syntax errors point at the offending
// byte, a mismatched end tag at its '<', a repeated attribute at its name.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

const std::string kPresence = Stanza(R"(<presence xmlns="jabber:client"/>)");

// --- Tags -------------------------------------------------------------------

TEST(Tags, MismatchedEndTag) {
  std::string in = kH + "<message><body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 15);
}

TEST(Tags, MismatchedEndTagPrefix) {
  std::string in = kH + "<message></stream:message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 9);
}

TEST(Tags, EndTagWithoutStart) {
  std::string in = kH + "<presence/></presence>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 11);
}

TEST(Tags, UnclosedStanzaThenStreamClose) {
  std::string in = kH + "<message><body>x" + kClose;
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 16);
}

TEST(Tags, UnclosedChildThenStanzaClose) {
  std::string in = kH + "<message><body>x</message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 16);
}

TEST(Tags, EndTagWithTrailingSpaceAccepted) {
  std::string in = kH + "<message ><body >x</body\t></message\n>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>x</body></message>)")});
}

TEST(Tags, EndTagWithAttribute) {
  std::string in = kH + "<message></message id='1'>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 19);
}

TEST(Tags, EndTagWithoutName) {
  std::string in = kH + "<message></>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 11);
}

TEST(Tags, SpaceAfterLessThan) {
  std::string in = kH + "< message/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 1);
}

TEST(Tags, SpaceInsideEmptyTagClose) {
  std::string in = kH + "<message/ >";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 9);
}

TEST(Tags, NameStartingWithDigit) {
  std::string in = kH + "<message><1a/></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 10);
}

TEST(Tags, EmptyStanzaWrittenAsStartAndEnd) {
  EXPECT_EVENTS(kH + "<presence></presence>", {kOpen, kPresence});
}

// --- Attributes -------------------------------------------------------------

TEST(Attributes, DuplicateLiteral) {
  std::string in = kH + "<message id='a' id='b'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, in.rfind("id="));  // the second one
}

TEST(Attributes, DuplicateOnNestedElement) {
  std::string in = kH + "<message><body a='1' a='1'/></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, in.rfind("a="));
}

TEST(Attributes, DuplicateOnStreamHeader) {
  std::string in = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                   "version='1.0' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, in.rfind("version="));
}

TEST(Attributes, WithoutValue) {
  std::string in = kH + "<message id/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 11);
}

TEST(Attributes, Unquoted) {
  std::string in = kH + "<message id=1/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 12);
}

TEST(Attributes, NoWhitespaceBetween) {
  std::string in = kH + "<message a='1'b='2'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 14);
}

TEST(Attributes, SpacesAroundEquals) {
  std::string in = kH + "<message id = \"1\"\n\ttype\t=\t'chat'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="1" type="chat"/>)")});
}

TEST(Attributes, OtherQuoteInsideValue) {
  std::string in = kH + "<message id=\"it's\" type='chat' to='a\"b@c'/>";
  // '"' in a localpart is forbidden by RFC 7622, so the stanza is refused,
  // but only after it was parsed whole.
  EXPECT_STREAM_ERROR(in, C::kImproperAddressing, kH.size());
}

TEST(Attributes, GreaterThanInValueAllowed) {
  std::string in = kH + "<message id='a>b'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="a&gt;b"/>)")});
}

TEST(Attributes, CdataEndInValueIsText) {
  std::string in = kH + "<message id=']]>'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="]]&gt;"/>)")});
}

TEST(Attributes, LessThanInValueRefused) {
  std::string in = kH + "<message id='a<b'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 14);
}

// --- The stream around the stanzas ------------------------------------------

TEST(Stream, EmptyInput) { EXPECT_EVENTS("", {}); }

TEST(Stream, HeaderOnly) { EXPECT_EVENTS(kH, {kOpen}); }

TEST(Stream, OpenAndClose) { EXPECT_EVENTS(kH + kClose, {kOpen, "stream-close"}); }

TEST(Stream, SelfClosingHeader) {
  std::string in = kDecl + kStreamStart.substr(0, kStreamStart.size() - 1) + "/>";
  EXPECT_EVENTS(in, {kOpen, "stream-close"});
}

TEST(Stream, WhitespaceKeepalives) {
  std::string in = kH + " \n\t\r\n <presence/>  \n\n<presence/>\t" + kClose + "\n ";
  EXPECT_EVENTS(in, {kOpen, kPresence, kPresence, "stream-close"});
}

TEST(Stream, ContentAfterClose) {
  std::string in = kH + kClose + "<presence/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + kClose.size());
}

TEST(Stream, TextAfterClose) {
  std::string in = kH + kClose + "\nbye";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + kClose.size() + 1);
}

TEST(Stream, SecondRootAfterClose) {
  std::string in = kH + kClose + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + kClose.size());
}

TEST(Stream, TextBetweenStanzas) {
  std::string in = kH + "<presence/> hello <presence/>";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size() + 12);
}

// Only the four XML whitespace characters are keepalives.
TEST(Stream, NoBreakSpaceBetweenStanzas) {
  std::string in = kH + "<presence/> \xC2\xA0<presence/>";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size() + 12);
}

TEST(Stream, ReferenceBetweenStanzas) {
  std::string in = kH + "&amp;";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size());
}

// A reference between stanzas is character data from its '&' on, whatever
// it would name.
TEST(Stream, UndefinedEntityBetweenStanzas) {
  std::string in = kH + "<presence/>&foo;";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size() + 11);
}

TEST(Stream, MalformedReferenceBetweenStanzas) {
  std::string in = kH + "<presence/>& ";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size() + 11);
}

TEST(Stream, WhitespaceReferenceBetweenStanzas) {
  // Only literal whitespace is a keepalive (RFC 6120 section 4.6.1).
  std::string in = kH + "<presence/>&#32;";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size() + 11);
}

TEST(Stream, CdataBetweenStanzas) {
  std::string in = kH + "<![CDATA[ ]]>";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kH.size());
}

TEST(Stream, TextBeforeHeader) {
  EXPECT_STREAM_ERROR("hello" + kH, C::kNotWellFormed, 0);
}

TEST(Stream, CdataBeforeHeader) {
  EXPECT_STREAM_ERROR("<![CDATA[x]]>" + kH, C::kNotWellFormed, 0);
}

TEST(Stream, StatusAfterClose) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    stream::Parser parser(options);
    EXPECT_EQ(parser.Feed(kH + "<presence/>"), Status::kNeedMore);
    EXPECT_FALSE(parser.closed());
    EXPECT_EQ(parser.Feed(kClose), Status::kOk);
    EXPECT_TRUE(parser.closed());
    EXPECT_EQ(parser.Feed("\n"), Status::kOk);
  }
}

TEST(Stream, ErrorSticks) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    stream::Parser parser(options);
    EXPECT_EQ(parser.Feed(kH + "<!---->"), Status::kError);
    EXPECT_EQ(parser.Feed("<presence/>"), Status::kError);
    EXPECT_EQ(parser.error().condition, C::kRestrictedXml);
    EXPECT_EQ(parser.error().offset, kH.size());
    std::vector<stream::Event> events = parser.TakeEvents();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].kind, stream::Event::Kind::kError);
  }
}

}  // namespace
}  // namespace xmppfuzz::xml
