// Name characters (XML 1.0 section 2.3; Namespaces in XML 1.0 section 3).
// Expat accepts the fourth edition's name characters (Appendix B), libxml2
// the fifth edition's wider set: a name only one of them accepts would be a
// parser differential, so the reference accepts the characters both accept
// and refuses any other at its first byte.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

// Child builds a stanza whose only child is the empty element <name/>.
std::string Child(std::string_view name) { return kH + "<message><" + std::string(name) + "/></message>"; }
std::string ChildLine(std::string_view name) {
  return Stanza("<message xmlns=\"jabber:client\"><" + std::string(name) + "/></message>");
}
const uint64_t kName = kH.size() + 10;  // first byte of the child's name

TEST(NameChars, AsciiPunctuationInNames) {
  EXPECT_EVENTS(Child("_a-b.c_9"), {kOpen, ChildLine("_a-b.c_9")});
}

TEST(NameChars, LatinLetterAccepted) {
  EXPECT_EVENTS(Child("\xC3\xA9t\xC3\xA9"), {kOpen, ChildLine("\xC3\xA9t\xC3\xA9")});
}

TEST(NameChars, CjkIdeographAccepted) {
  EXPECT_EVENTS(Child("\xE4\xB8\x80"), {kOpen, ChildLine("\xE4\xB8\x80")});
}

TEST(NameChars, MiddleDotAndCombiningMarkAfterFirst) {
  EXPECT_EVENTS(Child("a\xC2\xB7\xCC\x80"), {kOpen, ChildLine("a\xC2\xB7\xCC\x80")});
}

TEST(NameChars, ArabicIndicDigitAfterFirst) {
  EXPECT_EVENTS(Child("a\xD9\xA0"), {kOpen, ChildLine("a\xD9\xA0")});
}

TEST(NameChars, DigitFirst) {
  EXPECT_STREAM_ERROR(Child("9a"), C::kNotWellFormed, kName);
}

TEST(NameChars, HyphenFirst) {
  EXPECT_STREAM_ERROR(Child("-a"), C::kNotWellFormed, kName);
}

TEST(NameChars, DotFirst) {
  EXPECT_STREAM_ERROR(Child(".a"), C::kNotWellFormed, kName);
}

TEST(NameChars, CombiningMarkFirst) {
  EXPECT_STREAM_ERROR(Child("\xCC\x80" "a"), C::kNotWellFormed, kName);
}

TEST(NameChars, MiddleDotFirst) {
  EXPECT_STREAM_ERROR(Child("\xC2\xB7" "a"), C::kNotWellFormed, kName);
}

TEST(NameChars, GreekQuestionMark) {
  EXPECT_STREAM_ERROR(Child("a\xCD\xBE"), C::kNotWellFormed, kName + 1);
}

// The following are name characters in the fifth edition only: libxml2
// would accept them, Expat would not.

TEST(NameChars, IdeographicCommaFirst) {
  EXPECT_STREAM_ERROR(Child("\xE3\x80\x81"), C::kNotWellFormed, kName);
}

TEST(NameChars, SupplementaryPlaneLetterFirst) {
  EXPECT_STREAM_ERROR(Child("\xF0\x90\x80\x80"), C::kNotWellFormed, kName);
}

TEST(NameChars, ReplacementCharacterAfterFirst) {
  EXPECT_STREAM_ERROR(Child("ab\xEF\xBF\xBD"), C::kNotWellFormed, kName + 2);
}

TEST(NameChars, SuperscriptZeroFirst) {
  EXPECT_STREAM_ERROR(Child("\xE2\x81\xB0"), C::kNotWellFormed, kName);
}

TEST(NameChars, InAttributeName) {
  std::string in = kH + "<message a\xE3\x80\x81='1'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 10);
}

TEST(NameChars, InPrefix) {
  std::string in = kH + "<message><p\xF0\x90\x80\x80:x xmlns:p\xF0\x90\x80\x80='urn:x'/></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kName + 1);
}

TEST(NameChars, InEndTag) {
  std::string in = kH + "<message></message\xE3\x80\x81>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "\xE3\x80\x81"));
}

TEST(NameChars, InStreamHeader) {
  std::string in = "<stream:stream\xE3\x80\x81 xmlns:stream='http://etherx.jabber.org/streams'>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, 14);
}

}  // namespace
}  // namespace xmppfuzz::xml
