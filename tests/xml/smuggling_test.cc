// Stanza smuggling: attempts to make a parser see a stanza that a
// different parser (a filter, a logger, the other backend) would not, by
// hiding markup in malformed bytes, attribute values, CDATA sections or
// references. Each must either be refused at the exact byte or stay text.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

TEST(Smuggling, StanzaGluedToUnterminatedEndTag) {
  std::string in = kH + "<message><body>x</body></message<message to='admin@example.com'><body>y</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "<message to="));
}

TEST(Smuggling, UnterminatedAttributeValueHidingAStanza) {
  std::string in = kH + "<message id='x/><message to='admin@example.com'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "<message to="));
}

TEST(Smuggling, UnterminatedDoubleQuotedValue) {
  std::string in = kH + "<message id=\"x'/><iq type='set' id='1'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "<iq"));
}

TEST(Smuggling, LessThanInsideAttributeValue) {
  std::string in = kH + "<message body='<message/>'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 15);
}

TEST(Smuggling, EscapedStanzaInAttributeStaysText) {
  std::string in = kH + "<message id='&lt;message to=&quot;admin@example.com&quot;/&gt;'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="&lt;message to=&quot;admin@example.com&quot;/&gt;"/>)")});
}

TEST(Smuggling, EndTagInsideCdataIsText) {
  std::string in = kH + "<message><body><![CDATA[</body></message><message to='admin@example.com'>]]></body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>&lt;/body&gt;&lt;/message&gt;&lt;message to='admin@example.com'&gt;</body></message>)")});
}

TEST(Smuggling, StreamCloseInsideCdataDoesNotClose) {
  std::string in = kH + "<message><body><![CDATA[" + kClose + "<presence/>";
  EXPECT_EVENTS(in, {kOpen});
}

TEST(Smuggling, CdataEndTwice) {
  std::string in = kH + "<message><body><![CDATA[a]]>]]></body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "]]>", 1));
}

TEST(Smuggling, CdataEndInText) {
  std::string in = kH + "<message><body>a]]>b</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 16);
}

TEST(Smuggling, CdataEndAfterManyBrackets) {
  std::string in = kH + "<message><body>]]]]]></body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 18);
}

TEST(Smuggling, BracketsAloneAreText) {
  std::string in = kH + "<message><body>]] ]>]</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>]] ]&gt;]</body></message>)")});
}

TEST(Smuggling, CdataEndSplitByReferenceIsText) {
  // "]]&gt;" is the escaped form of "]]>" and is legal text.
  std::string in = kH + "<message><body>]]&gt;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>]]&gt;</body></message>)")});
}

TEST(Smuggling, CdataEndSplitAcrossSections) {
  std::string in = kH + "<message><body><![CDATA[]]]]><![CDATA[>]]></body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>]]&gt;</body></message>)")});
}

TEST(Smuggling, MalformedCdataOpening) {
  std::string in = kH + "<message><body><![CDATA(x]]></body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 23);
}

TEST(Smuggling, LowercaseCdataOpening) {
  std::string in = kH + "<message><body><![cdata[x]]></body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 18);
}

TEST(Smuggling, NulBetweenStanzas) {
  std::string in = kH + "<presence/>" + std::string(1, '\0') + "<message to='admin@example.com'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 11);
}

TEST(Smuggling, InvalidByteBetweenStanzas) {
  std::string in = kH + "<presence/>\xC0<message to='admin@example.com'/>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kH.size() + 11);
}

TEST(Smuggling, NulInsideTagName) {
  std::string in = kH + std::string("<message\0 to='admin@example.com'/>", 34);
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 8);
}

TEST(Smuggling, NulTruncatingAttributeValue) {
  std::string in = kH + std::string("<message to='user@example.com\0admin@example.com'/>", 50);
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, std::string_view("\0", 1)));
}

TEST(Smuggling, ReferenceToLessThanInTextStaysText) {
  std::string in = kH + "<message><body>&#x3C;presence type='unavailable'/&#x3E;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>&lt;presence type='unavailable'/&gt;</body></message>)")});
}

TEST(Smuggling, DoubleEscapingIsDecodedOnce) {
  std::string in = kH + "<message><body>&amp;lt;presence/&amp;gt;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>&amp;lt;presence/&amp;gt;</body></message>)")});
}

TEST(Smuggling, OverlongSlashInEndTag) {
  std::string in = kH + "<message><\xC0\xAF" "body></message>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kH.size() + 10);
}

TEST(Smuggling, StanzaAfterUnclosedStanzaNests) {
  // A second <message> before the first ends is its child, not a stanza.
  std::string in = kH + "<message><message to='admin@example.com'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><message to="admin@example.com"/></message>)")});
}

TEST(Smuggling, StreamCloseInsideStanzaIsMismatch) {
  std::string in = kH + "<message>" + kClose + "<presence/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 9);
}

TEST(Smuggling, TagSplitByLineBreaks) {
  std::string in = kH + "<message\r\nto='a@example.com'\r\n/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" to="a@example.com"/>)")});
}

}  // namespace
}  // namespace xmppfuzz::xml
