// Encoding (RFC 6120 section 11.6: UTF-8 only) and XML characters (XML 1.0
// section 2.2). Invalid UTF-8 (RFC 3629 section 3, 10) is unsupported-encoding
// at the first byte of the bad sequence; valid UTF-8 of a character XML does
// not allow is not-well-formed at that character.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

// InBody puts |bytes| into a message body; the bytes start at kBody.
std::string InBody(std::string_view bytes) { return kH + "<message><body>" + std::string(bytes) + "</body></message>"; }
const uint64_t kBody = kH.size() + 15;

std::string BodyStanza(std::string_view text) {
  return Stanza("<message xmlns=\"jabber:client\"><body>" + std::string(text) + "</body></message>");
}

// --- Invalid UTF-8 ----------------------------------------------------------

TEST(InvalidUtf8, OverlongTwoByteNul) {
  EXPECT_STREAM_ERROR(InBody("a\xC0\x80"), C::kUnsupportedEncoding, kBody + 1);
}

TEST(InvalidUtf8, OverlongTwoByteSlash) {
  EXPECT_STREAM_ERROR(InBody("\xC1\xAF"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, OverlongThreeByte) {
  EXPECT_STREAM_ERROR(InBody("ab\xE0\x80\x80"), C::kUnsupportedEncoding, kBody + 2);
}

TEST(InvalidUtf8, OverlongFourByte) {
  EXPECT_STREAM_ERROR(InBody("abc\xF0\x80\x80\x80"), C::kUnsupportedEncoding, kBody + 3);
}

// An overlong '<' must not open a tag (the classic filter bypass).
TEST(InvalidUtf8, OverlongLessThan) {
  EXPECT_STREAM_ERROR(InBody("\xC0\xBCmessage/\xC0\xBE"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, HighSurrogate) {
  EXPECT_STREAM_ERROR(InBody("x\xED\xA0\x80"), C::kUnsupportedEncoding, kBody + 1);
}

TEST(InvalidUtf8, LowSurrogate) {
  EXPECT_STREAM_ERROR(InBody("\xED\xBF\xBF"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, SurrogatePairEncodedAsCesu8) {
  EXPECT_STREAM_ERROR(InBody("\xED\xA0\xBD\xED\xB8\x80"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, AboveU10FFFF) {
  EXPECT_STREAM_ERROR(InBody("\xF4\x90\x80\x80"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, TruncatedTwoByteBeforeLessThan) {
  EXPECT_STREAM_ERROR(InBody("ok\xC3"), C::kUnsupportedEncoding, kBody + 2);
}

TEST(InvalidUtf8, TruncatedThreeByteBeforeLessThan) {
  EXPECT_STREAM_ERROR(InBody("\xE2\x82"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, TruncatedFourByteBeforeLessThan) {
  EXPECT_STREAM_ERROR(InBody("\xF0\x9F\x98"), C::kUnsupportedEncoding, kBody);
}

TEST(InvalidUtf8, TruncatedSequenceSwallowingLessThanIsStillRefused) {
  // The '<' is not a continuation byte, so it cannot be eaten by the lead.
  std::string in = kH + "<message>\xE2<body/></message>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kH.size() + 9);
}

class ForbiddenByte : public ::testing::TestWithParam<unsigned char> {};

TEST_P(ForbiddenByte, InText) {
  std::string bytes = "ab";
  bytes += static_cast<char>(GetParam());
  bytes += "\x80\x80\x80";
  EXPECT_STREAM_ERROR(InBody(bytes), C::kUnsupportedEncoding, kBody + 2);
}

INSTANTIATE_TEST_SUITE_P(InvalidUtf8, ForbiddenByte, ::testing::Values(0xF5, 0xF7, 0xF8, 0xFB, 0xFC, 0xFE, 0xFF),
                         [](const ::testing::TestParamInfo<unsigned char>& info) {
                           static const char kHex[] = "0123456789ABCDEF";
                           return std::string("Byte") + kHex[info.param >> 4] + kHex[info.param & 15];
                         });

TEST(InvalidUtf8, LoneContinuationByte) {
  EXPECT_STREAM_ERROR(InBody("abc\x80"), C::kUnsupportedEncoding, kBody + 3);
}

TEST(InvalidUtf8, ExtraContinuationByte) {
  EXPECT_STREAM_ERROR(InBody("\xC3\xA9\xA9"), C::kUnsupportedEncoding, kBody + 2);
}

TEST(InvalidUtf8, InAttributeValue) {
  std::string in = kH + "<message id='x\xFFy'/>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kH.size() + 14);
}

TEST(InvalidUtf8, InElementName) {
  std::string in = kH + "<mess\xC0\x80" "age/>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kH.size() + 5);
}

TEST(InvalidUtf8, InStreamHeader) {
  std::string in = "<stream:stream to='exa\xE9mple.com'";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, 22);
}

TEST(InvalidUtf8, BetweenStanzas) {
  std::string in = kH + "<presence/>\xFF<presence/>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kH.size() + 11);
}

TEST(InvalidUtf8, FirstByteOfStream) {
  EXPECT_STREAM_ERROR("\x80" + kH, C::kUnsupportedEncoding, 0);
}

TEST(InvalidUtf8, InCdata) {
  std::string in = InBody("<![CDATA[\xED\xA0\x80]]>");
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, kBody + 9);
}

TEST(ValidUtf8, AllLengthsAndBoundaries) {
  // U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFD, U+10000, U+10FFFF.
  std::string text = "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBD\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  EXPECT_EVENTS(InBody(text), {kOpen, BodyStanza(text)});
}

TEST(ValidUtf8, NonAsciiNamesAndValues) {
  std::string in = kH + "<message id='\xE6\x97\xA5'><b\xC3\xA9:x xmlns:b\xC3\xA9='urn:\xC3\xA9'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\" id=\"\xE6\x97\xA5\"><x xmlns=\"urn:\xC3\xA9\"/></message>")});
}

// --- UTF-16, UTF-32 and byte order marks ------------------------------------

TEST(Utf16, BigEndianBom) {
  EXPECT_STREAM_ERROR(std::string("\xFE\xFF\0<\0?", 6), C::kUnsupportedEncoding, 0);
}

TEST(Utf16, LittleEndianBom) {
  EXPECT_STREAM_ERROR(std::string("\xFF\xFE<\0?\0", 6), C::kUnsupportedEncoding, 0);
}

TEST(Utf16, BigEndianWithoutBom) {
  EXPECT_STREAM_ERROR(std::string("\0<\0?\0x\0m\0l", 10), C::kUnsupportedEncoding, 0);
}

TEST(Utf16, LittleEndianWithoutBom) {
  EXPECT_STREAM_ERROR(std::string("<\0?\0x\0m\0l\0", 10), C::kUnsupportedEncoding, 1);
}

TEST(Utf32, BigEndian) {
  EXPECT_STREAM_ERROR(std::string("\0\0\0<\0\0\0?", 8), C::kUnsupportedEncoding, 0);
}

TEST(Utf8Bom, AcceptedAtStart) {
  EXPECT_EVENTS("\xEF\xBB\xBF" + kH + "<presence/>", {kOpen, Stanza(R"(<presence xmlns="jabber:client"/>)")});
}

TEST(Utf8Bom, AcceptedBeforeHeaderWithoutDeclaration) {
  EXPECT_EVENTS("\xEF\xBB\xBF" + kStreamStart, {kOpen});
}

TEST(Utf8Bom, OffsetsCountTheBom) {
  EXPECT_STREAM_ERROR("\xEF\xBB\xBF" + kH + "<!-- -->", C::kRestrictedXml, 3 + kH.size());
}

// Only one byte order mark: a second one is character data before the root.
TEST(Utf8Bom, SecondBomRefused) {
  EXPECT_STREAM_ERROR("\xEF\xBB\xBF\xEF\xBB\xBF" + kH, C::kNotWellFormed, 3);
}

TEST(Utf8Bom, AfterWhitespaceRefused) {
  EXPECT_STREAM_ERROR(" \xEF\xBB\xBF" + kStreamStart, C::kNotWellFormed, 1);
}

// U+FEFF inside a stanza is an ordinary character.
TEST(Utf8Bom, InTextIsACharacter) {
  EXPECT_EVENTS(InBody("\xEF\xBB\xBF"), {kOpen, BodyStanza("\xEF\xBB\xBF")});
}

// --- Declared encodings -----------------------------------------------------

TEST(DeclaredEncoding, Latin1Refused) {
  std::string in = "<?xml version='1.0' encoding='ISO-8859-1'?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, At(in, "ISO-8859-1"));
}

TEST(DeclaredEncoding, Utf16Refused) {
  std::string in = "<?xml version='1.0' encoding=\"UTF-16\"?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, At(in, "UTF-16"));
}

TEST(DeclaredEncoding, AsciiRefused) {
  std::string in = "<?xml version='1.0' encoding='US-ASCII'?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kUnsupportedEncoding, At(in, "US-ASCII"));
}

TEST(DeclaredEncoding, Utf8AnyCaseAccepted) {
  EXPECT_EVENTS("<?xml version='1.0' encoding='utf-8'?>" + kStreamStart, {kOpen});
  EXPECT_EVENTS("<?xml version='1.0' encoding='UTF-8'?>" + kStreamStart, {kOpen});
}

TEST(DeclaredEncoding, Utf8WithBomAccepted) {
  EXPECT_EVENTS("\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8'?>" + kStreamStart, {kOpen});
}

// XML 1.0 fifth edition section 2.8: a 1.x version is processed as 1.0.
TEST(XmlDeclaration, Version11ProcessedAs10) {
  EXPECT_EVENTS("<?xml version='1.1'?>" + kStreamStart, {kOpen});
}

// VersionNum is '1.' [0-9]+: '1.00' is a 1.x version, read as 1.0 (issue 10,
// finding 7: the README's refusal table said otherwise).
TEST(XmlDeclaration, Version100ProcessedAs10) {
  EXPECT_EVENTS("<?xml version='1.00'?>" + kStreamStart, {kOpen});
}

TEST(XmlDeclaration, VersionWithLetterRefused) {
  std::string in = "<?xml version='1.0a'?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "1.0a"));
}

TEST(XmlDeclaration, Version20Refused) {
  std::string in = "<?xml version='2.0'?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "2.0"));
}

TEST(XmlDeclaration, VersionWithoutMinorRefused) {
  std::string in = "<?xml version='1.'?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "1.'"));
}

TEST(XmlDeclaration, EncodingBeforeVersionRefused) {
  EXPECT_STREAM_ERROR("<?xml encoding='UTF-8' version='1.0'?>" + kStreamStart, C::kNotWellFormed, 0);
}

TEST(XmlDeclaration, Unterminated) {
  EXPECT_STREAM_ERROR("<?xml version='1.0'>" + kStreamStart + "<presence/>" + std::string(300, ' '),
                      C::kNotWellFormed, 0);
}

// --- Characters XML does not allow ------------------------------------------

TEST(ForbiddenChar, NulInText) {
  EXPECT_STREAM_ERROR(InBody(std::string("a\0b", 3)), C::kNotWellFormed, kBody + 1);
}

TEST(ForbiddenChar, NulInAttribute) {
  std::string in = kH + std::string("<message id='\0'/>", 17);
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 13);
}

TEST(ForbiddenChar, NulInHeader) {
  std::string in = std::string("<stream:stream to='a\0'", 22);
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, 20);
}

TEST(ForbiddenChar, NulBetweenStanzas) {
  std::string in = kH + "<presence/>" + std::string(1, '\0') + "<presence/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 11);
}

TEST(ForbiddenChar, Control01) {
  EXPECT_STREAM_ERROR(InBody("\x01"), C::kNotWellFormed, kBody);
}

TEST(ForbiddenChar, Control1F) {
  EXPECT_STREAM_ERROR(InBody("ok\x1F"), C::kNotWellFormed, kBody + 2);
}

TEST(ForbiddenChar, VerticalTabAndFormFeed) {
  EXPECT_STREAM_ERROR(InBody("\x0B"), C::kNotWellFormed, kBody);
  EXPECT_STREAM_ERROR(InBody("\x0C"), C::kNotWellFormed, kBody);
}

TEST(ForbiddenChar, UFFFE) {
  EXPECT_STREAM_ERROR(InBody("a\xEF\xBF\xBE"), C::kNotWellFormed, kBody + 1);
}

TEST(ForbiddenChar, UFFFF) {
  EXPECT_STREAM_ERROR(InBody("a\xEF\xBF\xBF"), C::kNotWellFormed, kBody + 1);
}

TEST(ForbiddenChar, InElementName) {
  std::string in = kH + "<mes\x01sage/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 4);
}

TEST(ForbiddenChar, DelAndC1ControlsAreAllowed) {
  // U+007F and U+0085 are XML 1.0 Chars.
  EXPECT_EVENTS(InBody("\x7F\xC2\x85"), {kOpen, BodyStanza("\x7F\xC2\x85")});
}

// XML 1.0 4.1: CharRef is '&#' [0-9]+ ';' or '&#x' [0-9a-fA-F]+ ';'; the 'x'
// comes right after '#' or not at all, and hex digits need it.
TEST(MalformedCharRef, XAfterADigit) {
  EXPECT_STREAM_ERROR(InBody("ab&#1x41;"), C::kNotWellFormed, kBody + 5);
}

TEST(MalformedCharRef, HexDigitWithoutX) {
  EXPECT_STREAM_ERROR(InBody("&#4A;"), C::kNotWellFormed, kBody + 3);
}

TEST(MalformedCharRef, SecondX) {
  EXPECT_STREAM_ERROR(InBody("&#xx41;"), C::kNotWellFormed, kBody + 3);
}

TEST(ForbiddenCharRef, Nul) {
  EXPECT_STREAM_ERROR(InBody("&#0;"), C::kNotWellFormed, kBody);
}

TEST(ForbiddenCharRef, Hex1) {
  EXPECT_STREAM_ERROR(InBody("ab&#x1;"), C::kNotWellFormed, kBody + 2);
}

TEST(ForbiddenCharRef, Surrogate) {
  EXPECT_STREAM_ERROR(InBody("&#xD800;"), C::kNotWellFormed, kBody);
}

TEST(ForbiddenCharRef, UFFFE) {
  EXPECT_STREAM_ERROR(InBody("&#65534;"), C::kNotWellFormed, kBody);
}

TEST(ForbiddenCharRef, InAttribute) {
  std::string in = kH + "<message id='&#x1F;'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 13);
}

// Line ends are normalised (XML 1.0 section 2.11); CR written as a
// reference survives and is escaped in the canonical form.
TEST(LineEnds, NormalisedInText) {
  EXPECT_EVENTS(InBody("a\r\nb\rc&#13;d"), {kOpen, BodyStanza("a&#10;b&#10;c&#13;d")});
}

TEST(LineEnds, CrLfSplitAcrossChunksIsOneLineEnd) {
  // Every split of "\r\n" must still give a single LF.
  EXPECT_EVENTS(InBody("\r\n\r\n"), {kOpen, BodyStanza("&#10;&#10;")});
}

// Line ends are normalised before parsing, so inside CDATA sections too.
TEST(LineEnds, NormalisedInCdata) {
  EXPECT_EVENTS(InBody("<![CDATA[a\rb\r\nc\n\rd\r]]>"), {kOpen, BodyStanza("a&#10;b&#10;c&#10;&#10;d&#10;")});
}

// A CR ending one section and an LF opening the next are not adjacent in
// the input: two line ends.
TEST(LineEnds, CrAndLfInSeparateCdataSections) {
  EXPECT_EVENTS(InBody("<![CDATA[a\r]]><![CDATA[\nb]]>"), {kOpen, BodyStanza("a&#10;&#10;b")});
}

// XML 1.0 2.7: a CDATA section ends at the first "]]>" and nowhere else, so
// "]>" and a third ']' before the end are text.
TEST(Cdata, OnlyTwoBracketsAndGreaterThanEndIt) {
  EXPECT_EVENTS(InBody("<![CDATA[a]>b]]]>"), {kOpen, BodyStanza("a]&gt;b]")});
  EXPECT_EVENTS(InBody("<![CDATA[]>]]>"), {kOpen, BodyStanza("]&gt;")});
}

TEST(LineEnds, LongCdataWithCrLfEverywhere) {
  std::string text, expected;
  for (int i = 0; i < 700; ++i) {
    text += "ab\r\n";
    expected += "ab&#10;";
  }
  EXPECT_EVENTS(InBody("<![CDATA[" + text + "]]>"), {kOpen, BodyStanza(expected)});
}

TEST(LineEnds, NormalisedInAttribute) {
  std::string in = kH + "<message id='a\tb\nc\r\nd'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="a b c d"/>)")});
}

}  // namespace
}  // namespace xmppfuzz::xml
