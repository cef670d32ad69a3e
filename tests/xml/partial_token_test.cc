// Tokens cut by chunk boundaries (docs/design.md, "Chunk invariance" and "The
// native tokenizer"): what a scanner must carry from one Feed() to the next
// (a CDATA section's closing brackets, a CR whose LF may follow, a UTF-8
// character, a reference's digits, a tag's bytes) gives the same events on
// every backend and at every split, and the events XML 1.0 prescribes.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

std::string InBody(std::string_view bytes) { return kH + "<message><body>" + std::string(bytes) + "</body></message>"; }

std::string BodyStanza(std::string_view text) {
  return Stanza("<message xmlns=\"jabber:client\"><body>" + std::string(text) + "</body></message>");
}

// XML 1.0 section 2.7: a CDATA section ends at the first "]]>"; brackets
// before it are text, however the section is cut.
TEST(PartialTokens, CdataClosingBrackets) {
  EXPECT_EVENTS(InBody("<![CDATA[x]]]]]>"), {kOpen, BodyStanza("x]]]")});
  EXPECT_EVENTS(InBody("<![CDATA[]]]>y"), {kOpen, BodyStanza("]y")});
  EXPECT_EVENTS(InBody("<![CDATA[a]b]]c]]>"), {kOpen, BodyStanza("a]b]]c")});
}

// XML 1.0 section 2.11: CR LF and a lone CR are read as LF in text, however
// the pair is cut; a CR from a character reference stays a CR.
TEST(PartialTokens, LineEndsInText) {
  EXPECT_EVENTS(InBody("a\r\nb\rc\n\r\nd"), {kOpen, BodyStanza("a&#10;b&#10;c&#10;&#10;d")});
  EXPECT_EVENTS(InBody("a&#13;\nb"), {kOpen, BodyStanza("a&#13;&#10;b")});
}

// XML 1.0 section 3.3.3: in an attribute value each literal whitespace
// character (a CR LF pair counted once) is a space; references keep theirs.
TEST(PartialTokens, AttributeValueNormalisation) {
  EXPECT_EVENTS(kH + "<message><x xmlns='urn:x' a='1\r\n2\t3\n4\r5&#9;6&#10;7&#13;8'/></message>",
                {kOpen, Stanza("<message xmlns=\"jabber:client\"><x xmlns=\"urn:x\" a=\"1 2 3 4 5&#9;6&#10;7&#13;8\"/>"
                               "</message>")});
}

// RFC 6120 section 11.6 (UTF-8): characters of two, three and four bytes in
// names, values and text, cut at every byte.
TEST(PartialTokens, MultiByteCharacters) {
  EXPECT_EVENTS(kH + "<message><\xC3\xA9t xmlns='urn:x' \xC3\xA9='\xE2\x82\xAC\xF0\x9F\x98\x80'>\xC3\xA9\xE2\x82\xAC"
                     "\xF0\x9F\x98\x80</\xC3\xA9t></message>",
                {kOpen, Stanza("<message xmlns=\"jabber:client\"><\xC3\xA9t xmlns=\"urn:x\" \xC3\xA9=\"\xE2\x82\xAC\xF0\x9F"
                               "\x98\x80\">\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80</\xC3\xA9t></message>")});
}

// A character reference may have any number of leading zeros (XML 1.0
// section 4.1); its digits are not kept as bytes.
TEST(PartialTokens, LongCharacterReference) {
  EXPECT_EVENTS(InBody("&#" + std::string(300, '0') + "65;&#x" + std::string(300, '0') + "42;"),
                {kOpen, BodyStanza("AB")});
}

// A tag much longer than a chunk, and its bytes over the stanza limit.
TEST(PartialTokens, LongTag) {
  std::string value(6000, 'v');
  EXPECT_EVENTS(kH + "<message><x xmlns='urn:x' a='" + value + "' b='2'/></message>",
                {kOpen, Stanza("<message xmlns=\"jabber:client\"><x xmlns=\"urn:x\" a=\"" + value +
                               "\" b=\"2\"/></message>")});
  std::string over = kH + "<message><x a='" + std::string(20000, 'v') + "'/></message>";
  EXPECT_STREAM_ERROR(over, C::kPolicyViolation, kH.size() + 10000);  // the pre-authentication limit
}

}  // namespace
}  // namespace xmppfuzz::xml
