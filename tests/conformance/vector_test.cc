// The .vec format (conformance/runner/vector.h): the input escape language,
// every field of a vector, outcomes as text, the FILE:LINE errors for
// malformed files, and loading a suite directory.
#include "conformance/runner/vector.h"
#include "tests/conformance/outcomes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace xmppfuzz::conform {
namespace {

using C = xml::Condition;
using Kind = Outcome::Kind;

// Decode returns the bytes |text| stands for, failing the test on an error.
std::string Decode(std::string_view text) {
  std::string out, error;
  EXPECT_TRUE(DecodeInput(text, &out, &error)) << error;
  return out;
}

// DecodeError returns the error DecodeInput reports for |text|.
std::string DecodeError(std::string_view text, size_t max_bytes = 64u << 20) {
  std::string out, error;
  EXPECT_FALSE(DecodeInput(text, &out, &error, max_bytes)) << "decoded to " << out.size() << " bytes";
  return error;
}

// --- DecodeInput: single escapes ---------------------------------------------

TEST(DecodeInput, PlainTextIsUnchanged) { EXPECT_EQ(Decode("<message to='a@b'/>"), "<message to='a@b'/>"); }

TEST(DecodeInput, EmptyIsEmpty) { EXPECT_EQ(Decode(""), ""); }

TEST(DecodeInput, Backslash) { EXPECT_EQ(Decode(R"(a\\b)"), "a\\b"); }

TEST(DecodeInput, LineFeedCarriageReturnTab) { EXPECT_EQ(Decode(R"(\n\r\t)"), "\n\r\t"); }

TEST(DecodeInput, Braces) { EXPECT_EQ(Decode(R"(\{x\})"), "{x}"); }

TEST(DecodeInput, HexByteNul) { EXPECT_EQ(Decode(R"(a\x00b)"), std::string("a\0b", 3)); }

TEST(DecodeInput, HexByteHighAndMixedCase) { EXPECT_EQ(Decode(R"(\xFF\xfe\xAb)"), "\xFF\xFE\xAB"); }

TEST(DecodeInput, HexByteFollowedByHexDigit) { EXPECT_EQ(Decode(R"(\x41A)"), "AA"); }

TEST(DecodeInput, CodePointAscii) { EXPECT_EQ(Decode(R"(\u{41})"), "A"); }

TEST(DecodeInput, CodePointTwoBytes) { EXPECT_EQ(Decode(R"(\u{E9})"), "\xC3\xA9"); }

TEST(DecodeInput, CodePointThreeBytes) { EXPECT_EQ(Decode(R"(\u{20AC})"), "\xE2\x82\xAC"); }

TEST(DecodeInput, CodePointFourBytes) { EXPECT_EQ(Decode(R"(\u{1F600})"), "\xF0\x9F\x98\x80"); }

TEST(DecodeInput, CodePointHighest) { EXPECT_EQ(Decode(R"(\u{10FFFF})"), "\xF4\x8F\xBF\xBF"); }

// Surrogates are allowed so that a vector can write invalid UTF-8.
TEST(DecodeInput, CodePointSurrogate) { EXPECT_EQ(Decode(R"(\u{D800})"), "\xED\xA0\x80"); }

TEST(DecodeInput, CodePointZero) { EXPECT_EQ(Decode(R"(\u{0})"), std::string(1, '\0')); }

TEST(DecodeInput, CodePointBoundaries) {
  EXPECT_EQ(Decode(R"(\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000})"),
            "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80");
}

// --- DecodeInput: \repeat ------------------------------------------------------

TEST(DecodeInput, Repeat) { EXPECT_EQ(Decode(R"(<\repeat{3}{ab}>)"), "<ababab>"); }

TEST(DecodeInput, RepeatZeroTimes) { EXPECT_EQ(Decode(R"(a\repeat{0}{xyz}b)"), "ab"); }

TEST(DecodeInput, RepeatEmptyBody) { EXPECT_EQ(Decode(R"(a\repeat{5}{}b)"), "ab"); }

TEST(DecodeInput, RepeatBodyWithEscapes) { EXPECT_EQ(Decode(R"(\repeat{2}{\x00\n})"), std::string("\0\n\0\n", 4)); }

TEST(DecodeInput, RepeatBodyWithEscapedBraces) { EXPECT_EQ(Decode(R"(\repeat{2}{\{\}})"), "{}{}"); }

TEST(DecodeInput, RepeatNested) { EXPECT_EQ(Decode(R"(\repeat{2}{a\repeat{3}{b}c})"), "abbbcabbbc"); }

TEST(DecodeInput, RepeatLarge) {
  std::string out = Decode(R"(<a>\repeat{100000}{<b/>}</a>)");
  EXPECT_EQ(out.size(), 3 + 100000 * 4 + 4u);
  EXPECT_EQ(out.substr(0, 11), "<a><b/><b/>");
  EXPECT_EQ(out.substr(out.size() - 8), "<b/></a>");
}

// "\repeat" not followed by '{' is the \r escape and the letters "epeat".
TEST(DecodeInput, RepeatWithoutBraceIsCarriageReturn) { EXPECT_EQ(Decode(R"(\repeat)"), "\repeat"); }

TEST(DecodeInput, RepeatExactlyAtTheLimit) {
  std::string out, error;
  EXPECT_TRUE(DecodeInput(R"(\repeat{50}{ab})", &out, &error, 100)) << error;
  EXPECT_EQ(out.size(), 100u);
}

TEST(DecodeInput, RepeatOverTheLimit) {
  EXPECT_EQ(DecodeError(R"(x\repeat{50}{ab})", 100), "input larger than 100 bytes (at input character 16)");
}

TEST(DecodeInput, PlainTextOverTheLimit) {
  EXPECT_EQ(DecodeError("abcdef", 5), "input larger than 5 bytes (at input character 0)");
}

TEST(DecodeInput, NestedRepeatOverTheLimit) {
  EXPECT_EQ(DecodeError(R"(\repeat{1000}{\repeat{1000}{ab}})", 1000000),
            "input larger than 1000000 bytes (at input character 32)");
}

// --- DecodeInput: errors -------------------------------------------------------

TEST(DecodeInputError, UnknownEscape) {
  EXPECT_EQ(DecodeError(R"(ab\q)"), "unknown escape '\\q' (at input character 4)");
}

TEST(DecodeInputError, LoneBackslashAtEnd) {
  EXPECT_EQ(DecodeError("ab\\"), "lone '\\' at the end (at input character 3)");
}

const std::string kHexError = "'\\x' needs two hex digits (at input character 2)";

TEST(DecodeInputError, HexOneDigit) { EXPECT_EQ(DecodeError(R"(\x4)"), kHexError); }

TEST(DecodeInputError, HexNotHex) { EXPECT_EQ(DecodeError(R"(\xZZ)"), kHexError); }

TEST(DecodeInputError, HexSecondDigitNotHex) { EXPECT_EQ(DecodeError(R"(\x4g)"), kHexError); }

TEST(DecodeInputError, CodePointWithoutBraces) {
  EXPECT_EQ(DecodeError(R"(\u0041)"), "'\\u' needs {HEX} (at input character 2)");
}

TEST(DecodeInputError, CodePointEmpty) {
  EXPECT_EQ(DecodeError(R"(\u{})"), "'\\u{...}' needs 1 to 6 hex digits (at input character 2)");
}

TEST(DecodeInputError, CodePointTooManyDigits) {
  EXPECT_EQ(DecodeError(R"(\u{0000041})"), "'\\u{...}' needs 1 to 6 hex digits (at input character 2)");
}

TEST(DecodeInputError, CodePointNotHex) {
  EXPECT_EQ(DecodeError(R"(\u{4G})"), "'\\u{...}' needs hex digits (at input character 2)");
}

TEST(DecodeInputError, CodePointAboveUnicode) {
  EXPECT_EQ(DecodeError(R"(\u{110000})"), "'\\u{...}' above 10FFFF (at input character 2)");
}

TEST(DecodeInputError, CodePointUnclosed) {
  EXPECT_EQ(DecodeError(R"(\u{41)"), "'\\u{...}' needs 1 to 6 hex digits (at input character 2)");
}

TEST(DecodeInputError, UnescapedOpenBrace) {
  EXPECT_EQ(DecodeError("a{b"), "unescaped '{' (write \\{) (at input character 1)");
}

TEST(DecodeInputError, UnescapedCloseBrace) {
  EXPECT_EQ(DecodeError("ab}"), "unescaped '}' (write \\}) (at input character 2)");
}

TEST(DecodeInputError, RepeatCountNotDecimal) {
  EXPECT_EQ(DecodeError(R"(\repeat{x}{a})"), "'\\repeat{N}' needs a decimal count (at input character 8)");
}

TEST(DecodeInputError, RepeatCountNegative) {
  EXPECT_EQ(DecodeError(R"(\repeat{-1}{a})"), "'\\repeat{N}' needs a decimal count (at input character 8)");
}

TEST(DecodeInputError, RepeatCountEmpty) {
  EXPECT_EQ(DecodeError(R"(\repeat{}{a})"), "'\\repeat{N}' needs a decimal count (at input character 8)");
}

TEST(DecodeInputError, RepeatCountUnclosed) {
  EXPECT_EQ(DecodeError(R"(\repeat{12)"), "'\\repeat{N}' needs a decimal count (at input character 8)");
}

TEST(DecodeInputError, RepeatWithoutBody) {
  EXPECT_EQ(DecodeError(R"(\repeat{3}abc)"), "'\\repeat{N}' must be followed by {BODY} (at input character 10)");
}

TEST(DecodeInputError, RepeatAtEndWithoutBody) {
  EXPECT_EQ(DecodeError(R"(\repeat{3})"), "'\\repeat{N}' must be followed by {BODY} (at input character 10)");
}

TEST(DecodeInputError, RepeatBodyUnclosed) {
  EXPECT_EQ(DecodeError(R"(\repeat{3}{abc)"), "'\\repeat' body not closed with '}' (at input character 14)");
}

TEST(DecodeInputError, ErrorInsideRepeatBody) {
  EXPECT_EQ(DecodeError(R"(\repeat{3}{a\qb})"), "unknown escape '\\q' (at input character 14)");
}

TEST(DecodeInputError, BraceInsideRepeatBody) {
  EXPECT_EQ(DecodeError(R"(\repeat{3}{a{b})"), "unescaped '{' (write \\{) (at input character 12)");
}

// --- Outcome text --------------------------------------------------------------

using testing::Of;
using testing::Refused;

TEST(OutcomeText, EveryKind) {
  EXPECT_EQ(Of(Kind::kAccepted).Text(), "accepted");
  EXPECT_EQ(Refused(C::kRestrictedXml).Text(), "refused restricted-xml");
  EXPECT_EQ(Of(Kind::kStanzaError).Text(), "stanza-error");
  EXPECT_EQ(Of(Kind::kStanzaError, {"bad-request", "jid-malformed"}).Text(), "stanza-error bad-request+jid-malformed");
  EXPECT_EQ(Of(Kind::kClosed).Text(), "closed");
  EXPECT_EQ(Of(Kind::kNoAnswer).Text(), "no-answer");
  EXPECT_EQ(Of(Kind::kCrashed).Text(), "crashed");
  EXPECT_EQ(Of(Kind::kExpanded).Text(), "expanded");
  EXPECT_EQ(Of(Kind::kDropped).Text(), "dropped");
}

TEST(OutcomeText, OffsetAsObservationAndAsExpectation) {
  EXPECT_EQ(Refused(C::kPolicyViolation, 12).Text(), "refused policy-violation at 12");
  EXPECT_EQ(Refused(C::kPolicyViolation, 12).Text(/*expectation=*/true), "refused policy-violation at-or-before 12");
  EXPECT_EQ(Refused(C::kPolicyViolation, 0).Text(true), "refused policy-violation at-or-before 0");
}

TEST(ParseOutcome, RoundTripsWithoutOffset) {
  for (const char* text : {"accepted", "refused restricted-xml", "refused not-well-formed", "stanza-error",
                           "stanza-error bad-request", "stanza-error bad-request+jid-malformed", "closed", "no-answer",
                           "crashed", "expanded", "dropped"}) {
    auto o = ParseOutcome(text, /*with_offset=*/false);
    ASSERT_TRUE(o) << text;
    EXPECT_EQ(o->Text(), text);
  }
}

// The -default parser targets' outcomes take no argument.
TEST(ParseOutcome, ExpandedAndDropped) {
  EXPECT_EQ(ParseOutcome("expanded", false)->kind, Kind::kExpanded);
  EXPECT_EQ(ParseOutcome("dropped", true)->kind, Kind::kDropped);
  EXPECT_FALSE(ParseOutcome("expanded e", false));
  EXPECT_FALSE(ParseOutcome("dropped comment", false));
  EXPECT_FALSE(ParseOutcome("expand", false));
}

TEST(ParseOutcome, RefusedWithOffset) {
  auto o = ParseOutcome("refused invalid-namespace at-or-before 42", /*with_offset=*/true);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, Kind::kRefused);
  EXPECT_EQ(o->condition, C::kInvalidNamespace);
  EXPECT_EQ(o->offset, 42);
}

TEST(ParseOutcome, ExtraSpacesBetweenWords) {
  auto o = ParseOutcome("  refused   bad-format   at-or-before   7  ", true);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->Text(true), "refused bad-format at-or-before 7");
}

TEST(ParseOutcome, AcceptedNeedsNoOffset) {
  auto o = ParseOutcome("accepted", true);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->kind, Kind::kAccepted);
  EXPECT_FALSE(o->offset);
}

TEST(ParseOutcome, StanzaErrorConditionsInOrder) {
  auto o = ParseOutcome("stanza-error service-unavailable+bad-request", false);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->stanza_conditions, (std::vector<std::string>{"service-unavailable", "bad-request"}));
}

TEST(ParseOutcome, Malformed) {
  for (const char* text : {"", "   ", "refused", "refused none", "refused no-such-condition", "accepted now",
                           "closed early", "stanza-error a+", "stanza-error +a", "stanza-error a++b",
                           "stanza-error Bad-Request", "stanza-error a b", "refused restricted-xml at 3",
                           "refused restricted-xml at-or-before 3", "Accepted", "timeout"}) {
    EXPECT_FALSE(ParseOutcome(text, /*with_offset=*/false)) << "'" << text << "'";
  }
}

TEST(ParseOutcome, MalformedOffset) {
  for (const char* text : {"refused restricted-xml", "refused restricted-xml at-or-before",
                           "refused restricted-xml at-or-before -1", "refused restricted-xml at-or-before x",
                           "refused restricted-xml at-or-before 1.5", "refused restricted-xml at 3",
                           "refused restricted-xml at-or-before 3 4",
                           "refused restricted-xml at-or-before 99999999999999"}) {
    EXPECT_FALSE(ParseOutcome(text, /*with_offset=*/true)) << "'" << text << "'";
  }
}

// --- Vector files: fields --------------------------------------------------------

struct Parsed {
  bool ok = false;
  std::vector<Vector> vectors;
  std::string error;
};

Parsed ParseText(std::string_view text, const std::string& category = "cat") {
  Parsed p;
  p.ok = ParseVectorFile("dir/cat/f.vec", text, category, &p.vectors, &p.error);
  return p;
}

// Vectors parses |text|, failing the test on an error.
std::vector<Vector> Vectors(std::string_view text) {
  Parsed p = ParseText(text);
  EXPECT_TRUE(p.ok) << p.error;
  return p.vectors;
}

std::string ErrorOf(std::string_view text) {
  Parsed p = ParseText(text);
  EXPECT_FALSE(p.ok) << "parsed " << p.vectors.size() << " vectors";
  return p.error;
}

// A refused vector with every field given, on known lines.
constexpr std::string_view kFull =
    "# a comment\n"                                              // 1
    "\n"                                                         // 2
    "[cat/every-field]\n"                                        // 3
    "description: all the fields at once\n"                      // 4
    "source: RFC 6120 section 4.9.3.18\n"                        // 5
    "side: s2c\n"                                                // 6
    "profile: raw\n"                                             // 7
    "input:\n"                                                   // 8
    "  <a>\\x00\n"                                               // 9
    "  b\\nc\n"                                                  // 10
    "expect: refused restricted-xml at-or-before 3\n"            // 11
    "events:\n"                                                  // 12
    "  stream-open <x/>\n"                                       // 13
    "  stanza <y a=\"\\u{E9}\"/>\n"                              // 14
    "acceptable: closed -- the peer may just hang up\n"          // 15
    "acceptable: stanza-error bad-request -- RFC 6120 8.3\n"     // 16
    "live: skip -- needs something a server lacks\n";            // 17

TEST(VectorFile, EveryField) {
  auto vs = Vectors(kFull);
  ASSERT_EQ(vs.size(), 1u);
  const Vector& v = vs[0];
  EXPECT_EQ(v.id, "cat/every-field");
  EXPECT_EQ(v.category, "cat");
  EXPECT_EQ(v.description, "all the fields at once");
  EXPECT_EQ(v.source, "RFC 6120 section 4.9.3.18");
  EXPECT_EQ(v.side, Side::kServerToClient);
  EXPECT_EQ(v.profile, Profile::kRaw);
  EXPECT_EQ(v.input, std::string("<a>\0b\nc", 7));
  EXPECT_EQ(v.expect.kind, Kind::kRefused);
  EXPECT_EQ(v.expect.condition, C::kRestrictedXml);
  EXPECT_EQ(v.expect.offset, 3);
  EXPECT_TRUE(v.events_given);
  EXPECT_EQ(v.events, (std::vector<std::string>{"stream-open <x/>", "stanza <y a=\"\xC3\xA9\"/>"}));
  ASSERT_EQ(v.acceptable.size(), 2u);
  EXPECT_EQ(v.acceptable[0].outcome.kind, Kind::kClosed);
  EXPECT_EQ(v.acceptable[0].reason, "the peer may just hang up");
  EXPECT_EQ(v.acceptable[1].outcome.Text(), "stanza-error bad-request");
  EXPECT_EQ(v.acceptable[1].reason, "RFC 6120 8.3");
  EXPECT_EQ(v.live_skip, "needs something a server lacks");
  EXPECT_EQ(v.file, "dir/cat/f.vec");
  EXPECT_EQ(v.line, 3);
}

constexpr std::string_view kMinimalAccepted =
    "[cat/minimal]\n"
    "description: d\n"
    "source: s\n"
    "input:\n"
    "  <message/>\n"
    "expect: accepted\n"
    "events: none\n";

TEST(VectorFile, DefaultsAreClientToServerAuthenticated) {
  auto vs = Vectors(kMinimalAccepted);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].side, Side::kClientToServer);
  EXPECT_EQ(vs[0].profile, Profile::kAuthenticated);
  EXPECT_EQ(vs[0].input, "<message/>");
  EXPECT_EQ(vs[0].expect.kind, Kind::kAccepted);
  EXPECT_FALSE(vs[0].expect.offset);
  EXPECT_TRUE(vs[0].acceptable.empty());
  EXPECT_TRUE(vs[0].live_skip.empty());
}

TEST(VectorFile, EventsNoneIsGivenAndEmpty) {
  auto vs = Vectors(kMinimalAccepted);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_TRUE(vs[0].events_given);
  EXPECT_TRUE(vs[0].events.empty());
}

TEST(VectorFile, RefusedWithoutEventsLeavesThemUnchecked) {
  auto vs = Vectors("[cat/r]\ndescription: d\nsource: s\ninput:\n  x\nexpect: refused bad-format at-or-before 0\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_FALSE(vs[0].events_given);
  EXPECT_TRUE(vs[0].events.empty());
}

TEST(VectorFile, SideAndProfileValues) {
  auto vs = Vectors(
      "[cat/a]\ndescription: d\nsource: s\nside: c2s\nprofile: opened\ninput: none\nexpect: accepted\nevents: none\n"
      "\n"
      "[cat/b]\ndescription: d\nsource: s\nside: s2c\nprofile: authenticated\ninput: none\nexpect: accepted\n"
      "events: none\n");
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_EQ(vs[0].side, Side::kClientToServer);
  EXPECT_EQ(vs[0].profile, Profile::kOpened);
  EXPECT_EQ(vs[1].side, Side::kServerToClient);
  EXPECT_EQ(vs[1].profile, Profile::kAuthenticated);
}

TEST(VectorFile, InputNoneIsEmpty) {
  auto vs = Vectors("[cat/e]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].input, "");
}

// The lines of an input block join without a line feed: a line feed in the
// input is written \n.
TEST(VectorFile, MultiLineInputJoinsWithoutLineFeeds) {
  auto vs = Vectors(
      "[cat/m]\ndescription: d\nsource: s\ninput:\n  <message>\n    <body>x</body>\n  </message>\\n\n"
      "expect: accepted\nevents: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].input, "<message>  <body>x</body></message>\n");
}

// An escape may not be split across lines... but the lines are joined
// before decoding, so a \repeat body may span them.
TEST(VectorFile, RepeatBodySpansInputLines) {
  auto vs = Vectors("[cat/m]\ndescription: d\nsource: s\ninput:\n  \\repeat{2}{<a>\n  </a>}\nexpect: accepted\n"
                    "events: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].input, "<a></a><a></a>");
}

TEST(VectorFile, InputBlockKeepsLeadingSpacesBeyondTheIndent) {
  auto vs = Vectors("[cat/m]\ndescription: d\nsource: s\ninput:\n     x\nexpect: accepted\nevents: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].input, "   x");
}

TEST(VectorFile, InputBlockKeepsHashLines) {
  auto vs = Vectors("[cat/m]\ndescription: d\nsource: s\ninput:\n  # not a comment\nexpect: accepted\nevents: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].input, "# not a comment");
}

TEST(VectorFile, EventsSplitAtDecodedLineFeeds) {
  auto vs = Vectors(
      "[cat/ev]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents:\n"
      "  \\repeat{3}{stanza <m/>\\n}\n"
      "  stream-close\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].events, (std::vector<std::string>{"stanza <m/>", "stanza <m/>", "stanza <m/>", "stream-close"}));
}

TEST(VectorFile, EventsUseInputEscapes) {
  auto vs = Vectors("[cat/ev]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents:\n"
                    "  stanza <b>\\u{1F600}\\\\\\{\\}</b>\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].events, (std::vector<std::string>{"stanza <b>\xF0\x9F\x98\x80\\{}</b>"}));
}

TEST(VectorFile, DescriptionKeepsColonsAndTrimsSpaces) {
  auto vs = Vectors("[cat/c]\ndescription:    a: b -- c\nsource: XEP-0001: x\ninput: none\nexpect: accepted\n"
                    "events: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].description, "a: b -- c");
  EXPECT_EQ(vs[0].source, "XEP-0001: x");
}

TEST(VectorFile, SeveralVectorsWithTheirLines) {
  std::string text = std::string(kMinimalAccepted) + "\n# next\n" +
                     "[cat/second]\ndescription: d2\nsource: s2\ninput:\n  <presence/>\nexpect: refused "
                     "not-well-formed at-or-before 5\n";
  auto vs = Vectors(text);
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_EQ(vs[0].id, "cat/minimal");
  EXPECT_EQ(vs[0].line, 1);
  EXPECT_EQ(vs[1].id, "cat/second");
  EXPECT_EQ(vs[1].line, 10);
  EXPECT_EQ(vs[1].input, "<presence/>");
  EXPECT_EQ(vs[1].expect.condition, C::kNotWellFormed);
  EXPECT_EQ(vs[1].expect.offset, 5);
}

TEST(VectorFile, NoTrailingLineFeed) {
  auto vs = Vectors("[cat/n]\ndescription: d\nsource: s\ninput:\n  abc\nexpect: refused bad-format at-or-before 1");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].input, "abc");
}

TEST(VectorFile, EmptyFileHasNoVectors) {
  EXPECT_TRUE(Vectors("").empty());
  EXPECT_TRUE(Vectors("# only a comment\n\n").empty());
}

TEST(VectorFile, IdCharacters) {
  auto vs = Vectors("[cat/a-b_c.9]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents: none\n");
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].id, "cat/a-b_c.9");
}

TEST(VectorFile, AcceptableOutcomes) {
  auto vs = Vectors(
      "[cat/acc]\ndescription: d\nsource: s\ninput: none\nexpect: refused restricted-xml at-or-before 0\n"
      "acceptable: accepted -- a\n"
      "acceptable: refused not-well-formed -- b\n"
      "acceptable: stanza-error -- c\n"
      "acceptable: stanza-error bad-request+not-allowed -- d\n"
      "acceptable: closed --   e  \\x20\n");
  ASSERT_EQ(vs.size(), 1u);
  ASSERT_EQ(vs[0].acceptable.size(), 5u);
  EXPECT_EQ(vs[0].acceptable[0].outcome.Text(), "accepted");
  EXPECT_EQ(vs[0].acceptable[1].outcome.Text(), "refused not-well-formed");
  EXPECT_FALSE(vs[0].acceptable[1].outcome.offset);
  EXPECT_EQ(vs[0].acceptable[2].outcome.Text(), "stanza-error");
  EXPECT_EQ(vs[0].acceptable[3].outcome.stanza_conditions, (std::vector<std::string>{"bad-request", "not-allowed"}));
  EXPECT_EQ(vs[0].acceptable[4].outcome.Text(), "closed");
  EXPECT_EQ(vs[0].acceptable[4].reason, "e  \\x20");
}

// --- Vector files: errors, each with FILE:LINE ---------------------------------------

TEST(VectorFileError, FieldBeforeAnyVector) {
  EXPECT_EQ(ErrorOf("# c\ndescription: d\n"), "dir/cat/f.vec:2: field outside a vector (start one with [cat/name])");
}

TEST(VectorFileError, HeaderWithoutClosingBracket) {
  EXPECT_EQ(ErrorOf("[cat/x\n"), "dir/cat/f.vec:1: a vector header is '[category/name]'");
}

TEST(VectorFileError, MissingId) {
  EXPECT_EQ(ErrorOf("\n[]\n"), "dir/cat/f.vec:2: bad vector id '': use cat/name with [a-z0-9._-] in the name");
}

TEST(VectorFileError, MissingName) {
  EXPECT_EQ(ErrorOf("[cat/]\n"), "dir/cat/f.vec:1: bad vector id 'cat/': use cat/name with [a-z0-9._-] in the name");
}

TEST(VectorFileError, IdInAnotherCategory) {
  EXPECT_EQ(ErrorOf("[other/x]\n"),
            "dir/cat/f.vec:1: bad vector id 'other/x': use cat/name with [a-z0-9._-] in the name");
}

TEST(VectorFileError, IdWithUpperCase) {
  EXPECT_EQ(ErrorOf("[cat/Upper]\n"),
            "dir/cat/f.vec:1: bad vector id 'cat/Upper': use cat/name with [a-z0-9._-] in the name");
}

TEST(VectorFileError, IdWithSlashInName) {
  EXPECT_EQ(ErrorOf("[cat/a/b]\n"),
            "dir/cat/f.vec:1: bad vector id 'cat/a/b': use cat/name with [a-z0-9._-] in the name");
}

TEST(VectorFileError, MissingDescription) {
  EXPECT_EQ(ErrorOf("\n\n[cat/x]\nsource: s\ninput: none\nexpect: accepted\nevents: none\n"),
            "dir/cat/f.vec:3: vector 'cat/x' has no description");
}

TEST(VectorFileError, MissingSource) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\ninput: none\nexpect: accepted\nevents: none\n"),
            "dir/cat/f.vec:1: vector 'cat/x' has no source");
}

TEST(VectorFileError, MissingInput) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\nexpect: accepted\nevents: none\n"),
            "dir/cat/f.vec:1: vector 'cat/x' has no input");
}

TEST(VectorFileError, MissingExpect) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nevents: none\n"),
            "dir/cat/f.vec:1: vector 'cat/x' has no expect");
}

// The first vector's problems are found when the second one starts.
TEST(VectorFileError, MissingFieldInFirstOfTwo) {
  EXPECT_EQ(ErrorOf(std::string("[cat/x]\ndescription: d\ninput: none\nexpect: accepted\nevents: none\n\n") +
                    std::string(kMinimalAccepted)),
            "dir/cat/f.vec:1: vector 'cat/x' has no source");
}

TEST(VectorFileError, AcceptedWithoutEvents) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\n"),
            "dir/cat/f.vec:1: vector 'cat/x' is accepted but lists no events (write 'events: none')");
}

TEST(VectorFileError, UnknownCondition) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: refused no-such-thing at-or-before 3\n"),
            "dir/cat/f.vec:5: expect is 'accepted' or 'refused <rfc6120-condition> at-or-before <offset>'");
}

TEST(VectorFileError, RefusedWithoutOffset) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: refused restricted-xml\n"),
            "dir/cat/f.vec:5: expect is 'accepted' or 'refused <rfc6120-condition> at-or-before <offset>'");
}

TEST(VectorFileError, BadOffset) {
  for (const char* offset : {"-1", "x", "0x10", "1e3", "1099511627777"}) {
    EXPECT_EQ(ErrorOf(std::string("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: refused restricted-xml "
                                  "at-or-before ") + offset + "\n"),
              "dir/cat/f.vec:5: expect is 'accepted' or 'refused <rfc6120-condition> at-or-before <offset>'")
        << offset;
  }
}

TEST(VectorFileError, ExpectOnlyAcceptedOrRefused) {
  for (const char* outcome : {"closed", "stanza-error", "no-answer", "crashed"}) {
    EXPECT_EQ(ErrorOf(std::string("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: ") + outcome + "\n"),
              "dir/cat/f.vec:5: expect is 'accepted' or 'refused <rfc6120-condition> at-or-before <offset>'")
        << outcome;
  }
}

// A bad escape in an input block is reported at the block's first line.
TEST(VectorFileError, BadEscapeInInput) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n  <a>\\q</a>\nexpect: accepted\nevents: none\n"),
            "dir/cat/f.vec:5: vector 'cat/x': unknown escape '\\q' (at input character 5)");
}

TEST(VectorFileError, BadHexEscapeInInput) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n  ab\n  \\xG0\nexpect: accepted\nevents: none\n"),
            "dir/cat/f.vec:5: vector 'cat/x': '\\x' needs two hex digits (at input character 4)");
}

TEST(VectorFileError, BadEscapeInEventsNamesItsLine) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents:\n  stanza <a/>\n"
                    "  stanza \\u{110000}\n"),
            "dir/cat/f.vec:8: vector 'cat/x': '\\u{...}' above 10FFFF (at input character 9)");
}

TEST(VectorFileError, EmptyEvent) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents:\n  a\\n\\nb\n"),
            "dir/cat/f.vec:7: vector 'cat/x': an empty event");
}

TEST(VectorFileError, FieldGivenTwice) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\nsource: t\n"), "dir/cat/f.vec:4: field 'source' given twice");
}

TEST(VectorFileError, InputGivenTwice) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\ninput: none\nsource: s\ninput:\n  a\n"),
            "dir/cat/f.vec:5: field 'input' given twice");
}

// The fields seen are per vector: the next vector may give them again.
TEST(VectorFile, SameFieldsInTheNextVector) {
  std::string text = std::string(kMinimalAccepted) + std::string(kMinimalAccepted).replace(5, 7, "again..");
  auto vs = Vectors(text);
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_EQ(vs[1].id, "cat/again..");
}

TEST(VectorFileError, UnknownField) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescriptio: d\n"), "dir/cat/f.vec:2: unknown field 'descriptio'");
}

TEST(VectorFileError, FieldNameIsNotTrimmed) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription : d\n"), "dir/cat/f.vec:2: unknown field 'description '");
}

TEST(VectorFileError, LineWithoutColon) {
  EXPECT_EQ(ErrorOf("[cat/x]\njust words\n"), "dir/cat/f.vec:2: expected 'field: value'");
}

// A line indented by one space is not in the block, which is then empty.
TEST(VectorFileError, InputIndentedByOneSpace) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n <message/>\n"),
            "dir/cat/f.vec:4: 'input:' has no indented line under it (write 'input: none' for no bytes)");
}

// After a block's lines, one indented by a single space is no field.
TEST(VectorFileError, LineIndentedByOneSpaceAfterABlock) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n  <message/>\n <presence/>\n"),
            "dir/cat/f.vec:6: expected 'field: value'");
}

// An input block with no lines is a mistake (a tab instead of two spaces,
// a forgotten block), never an empty input: that is written 'input: none'.
TEST(VectorFileError, EmptyInputBlock) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\nexpect: accepted\nevents: none\n"),
            "dir/cat/f.vec:4: 'input:' has no indented line under it (write 'input: none' for no bytes)");
}

TEST(VectorFileError, InputBlockEndedByABlankLine) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n\n  <message/>\n"),
            "dir/cat/f.vec:4: 'input:' has no indented line under it (write 'input: none' for no bytes)");
}

TEST(VectorFileError, EmptyInputBlockAtTheEnd) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\nexpect: refused bad-format at-or-before 0\ninput:\n"),
            "dir/cat/f.vec:5: 'input:' has no indented line under it (write 'input: none' for no bytes)");
}

TEST(VectorFileError, EmptyEventsBlock) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents:\n\n[cat/y]\n"),
            "dir/cat/f.vec:6: 'events:' has no indented line under it (write 'events: none' for no events)");
}

TEST(VectorFileError, BadSide) {
  EXPECT_EQ(ErrorOf("[cat/x]\nside: both\n"), "dir/cat/f.vec:2: side is c2s or s2c");
}

TEST(VectorFileError, BadProfile) {
  EXPECT_EQ(ErrorOf("[cat/x]\nprofile: tls\n"), "dir/cat/f.vec:2: profile is raw, opened or authenticated");
}

TEST(VectorFileError, InputValueOnTheSameLine) {
  EXPECT_EQ(ErrorOf("[cat/x]\ninput: <message/>\n"),
            "dir/cat/f.vec:2: 'input:' takes an indented block on the next lines (or 'none')");
}

TEST(VectorFileError, EventsValueOnTheSameLine) {
  EXPECT_EQ(ErrorOf("[cat/x]\nevents: stream-close\n"),
            "dir/cat/f.vec:2: 'events:' takes an indented block on the next lines (or 'none')");
}

TEST(VectorFileError, AcceptableWithoutReason) {
  EXPECT_EQ(ErrorOf("[cat/x]\nacceptable: closed\n"), "dir/cat/f.vec:2: acceptable is '<outcome> -- <reason>'");
}

TEST(VectorFileError, AcceptableWithEmptyReason) {
  EXPECT_EQ(ErrorOf("[cat/x]\nacceptable: closed --\n"), "dir/cat/f.vec:2: acceptable is '<outcome> -- <reason>'");
  EXPECT_EQ(ErrorOf("[cat/x]\nacceptable: closed -- \n"),
            "dir/cat/f.vec:2: trailing whitespace (write \\x20 or \\t when a byte is meant)");
}

TEST(VectorFileError, AcceptableNoAnswerOrCrashed) {
  for (const char* outcome : {"no-answer", "crashed"}) {
    EXPECT_EQ(ErrorOf(std::string("[cat/x]\nacceptable: ") + outcome + " -- r\n"),
              "dir/cat/f.vec:2: an acceptable outcome is accepted, refused <condition>, stanza-error [<conditions>] "
              "or closed")
        << outcome;
  }
}

TEST(VectorFileError, AcceptableWithOffset) {
  EXPECT_EQ(ErrorOf("[cat/x]\nacceptable: refused restricted-xml at-or-before 3 -- r\n"),
            "dir/cat/f.vec:2: an acceptable outcome is accepted, refused <condition>, stanza-error [<conditions>] "
            "or closed");
}

TEST(VectorFileError, AcceptableUnknownCondition) {
  EXPECT_EQ(ErrorOf("[cat/x]\nacceptable: refused nonsense -- r\n"),
            "dir/cat/f.vec:2: an acceptable outcome is accepted, refused <condition>, stanza-error [<conditions>] "
            "or closed");
}

TEST(VectorFileError, LiveWithoutSkip) {
  EXPECT_EQ(ErrorOf("[cat/x]\nlive: no\n"), "dir/cat/f.vec:2: live is 'skip -- <reason>'");
  EXPECT_EQ(ErrorOf("[cat/x]\nlive: skip\n"), "dir/cat/f.vec:2: live is 'skip -- <reason>'");
}

TEST(VectorFileError, CrLineEnding) {
  EXPECT_EQ(ErrorOf("[cat/x]\r\n"), "dir/cat/f.vec:1: CR line ending (the format uses LF)");
}

TEST(VectorFileError, TrailingSpace) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d \n"),
            "dir/cat/f.vec:2: trailing whitespace (write \\x20 or \\t when a byte is meant)");
}

TEST(VectorFileError, TrailingTabInInput) {
  EXPECT_EQ(ErrorOf("[cat/x]\ninput:\n  <a>\t\n"),
            "dir/cat/f.vec:3: trailing whitespace (write \\x20 or \\t when a byte is meant)");
}

TEST(VectorFileError, InputTooLarge) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n  \\repeat{70000000}{a}\nexpect: accepted\n"
                    "events: none\n"),
            "dir/cat/f.vec:5: vector 'cat/x': '\\repeat{N}' needs a decimal count (at input character 8)");
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: d\nsource: s\ninput:\n  \\repeat{40000000}{ab}\nexpect: accepted\n"
                    "events: none\n"),
            "dir/cat/f.vec:5: vector 'cat/x': input larger than 67108864 bytes (at input character 21)");
}

// --- LoadSuite -----------------------------------------------------------------------

class SuiteDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xmppfuzz-suite-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Write(const std::string& relative, const std::string& text) {
    std::filesystem::path p = std::filesystem::path(dir_) / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  static std::string Minimal(const std::string& id) {
    return "[" + id + "]\ndescription: d\nsource: s\ninput: none\nexpect: accepted\nevents: none\n";
  }
  std::string dir_;
};

TEST_F(SuiteDir, SortedByIdAcrossCategoriesAndFiles) {
  Write("zeta/b.vec", Minimal("zeta/one") + "\n" + Minimal("zeta/aaa"));
  Write("alpha/a.vec", Minimal("alpha/z"));
  Write("alpha/c.vec", Minimal("alpha/b"));
  std::vector<Vector> vs;
  std::string error;
  ASSERT_TRUE(LoadSuite(dir_, &vs, &error)) << error;
  std::vector<std::string> ids;
  for (const Vector& v : vs) ids.push_back(v.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"alpha/b", "alpha/z", "zeta/aaa", "zeta/one"}));
  EXPECT_EQ(vs[0].category, "alpha");
  EXPECT_EQ(vs[0].file, dir_ + "/alpha/c.vec");
  EXPECT_EQ(vs[2].category, "zeta");
  EXPECT_EQ(vs[2].line, 8);
}

TEST_F(SuiteDir, OtherFilesAreIgnored) {
  Write("cat/a.vec", Minimal("cat/a"));
  Write("cat/README.md", "[not a vector\n");
  Write("cat/a.vec.orig", "garbage\n");
  std::vector<Vector> vs;
  std::string error;
  ASSERT_TRUE(LoadSuite(dir_, &vs, &error)) << error;
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].id, "cat/a");
}

TEST_F(SuiteDir, EmptyDirectoryHasNoVectors) {
  std::vector<Vector> vs{Vector{}};
  std::string error;
  ASSERT_TRUE(LoadSuite(dir_, &vs, &error)) << error;
  EXPECT_TRUE(vs.empty());
}

// The category is the directory the file is in, so an id must match it.
TEST_F(SuiteDir, IdMustMatchDirectory) {
  Write("cat/a.vec", Minimal("other/a"));
  std::vector<Vector> vs;
  std::string error;
  EXPECT_FALSE(LoadSuite(dir_, &vs, &error));
  EXPECT_EQ(error, dir_ + "/cat/a.vec:1: bad vector id 'other/a': use cat/name with [a-z0-9._-] in the name");
}

TEST_F(SuiteDir, DuplicateIdInTwoFiles) {
  Write("cat/a.vec", Minimal("cat/x"));
  Write("cat/b.vec", "# first line\n" + Minimal("cat/x"));
  std::vector<Vector> vs;
  std::string error;
  EXPECT_FALSE(LoadSuite(dir_, &vs, &error));
  EXPECT_EQ(error, dir_ + "/cat/b.vec:2: duplicate vector id 'cat/x' (also " + dir_ + "/cat/a.vec:1)");
}

TEST_F(SuiteDir, DuplicateIdInOneFile) {
  Write("cat/a.vec", Minimal("cat/x") + "\n" + Minimal("cat/y") + "\n" + Minimal("cat/x"));
  std::vector<Vector> vs;
  std::string error;
  EXPECT_FALSE(LoadSuite(dir_, &vs, &error));
  EXPECT_EQ(error, dir_ + "/cat/a.vec:15: duplicate vector id 'cat/x' (also " + dir_ + "/cat/a.vec:1)");
}

// Among many vectors the later of two with one id is the one reported.
TEST_F(SuiteDir, DuplicateIdAmongMany) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += Minimal("cat/x") + "\n";
  Write("cat/a.vec", Minimal("cat/x") + "\n" + Minimal("cat/y") + "\n");
  Write("cat/b.vec", text);
  std::vector<Vector> vs;
  std::string error;
  EXPECT_FALSE(LoadSuite(dir_, &vs, &error));
  EXPECT_EQ(error, dir_ + "/cat/b.vec:1: duplicate vector id 'cat/x' (also " + dir_ + "/cat/a.vec:1)");
}

TEST_F(SuiteDir, ParseErrorNamesTheFile) {
  Write("cat/a.vec", Minimal("cat/a"));
  Write("cat/b.vec", "[cat/b]\nside: up\n");
  std::vector<Vector> vs;
  std::string error;
  EXPECT_FALSE(LoadSuite(dir_, &vs, &error));
  EXPECT_EQ(error, dir_ + "/cat/b.vec:2: side is c2s or s2c");
}

TEST(LoadSuite, MissingDirectory) {
  std::vector<Vector> vs;
  std::string error;
  EXPECT_FALSE(LoadSuite("/nonexistent/xmppfuzz-suite", &vs, &error));
  EXPECT_EQ(error, "suite directory '/nonexistent/xmppfuzz-suite' does not exist");
}

// The shipped suite loads, and every vector is in the category its
// directory names, refused ones with an offset.
TEST(LoadSuite, ShippedSuite) {
  std::vector<Vector> vs;
  std::string error;
  ASSERT_TRUE(LoadSuite(XMPPFUZZ_SOURCE_DIR "/conformance/vectors", &vs, &error)) << error;
  EXPECT_GE(vs.size(), 300u);
  std::set<std::string> categories;
  for (const Vector& v : vs) {
    categories.insert(v.category);
    EXPECT_EQ(v.id.substr(0, v.category.size() + 1), v.category + "/") << v.id;
    if (v.expect.kind == Kind::kRefused) {
      EXPECT_TRUE(v.expect.offset) << v.id;
    }
    EXPECT_FALSE(v.description.empty()) << v.id;
    EXPECT_FALSE(v.source.empty()) << v.id;
  }
  EXPECT_EQ(categories, (std::set<std::string>{"client-origin", "client-sasl", "client-tls", "client-xml",
                                               "namespaces", "proto-mechanisms", "proto-sasl-replay", "proto-scram", "proto-starttls",
                                               "proto-tls", "restricted-xml", "sasl-channel-binding", "sasl-downgrade",
                                               "sasl-examples", "sasl-plain", "sasl-policy", "sasl-scram-client",
                                               "sasl-scram-grammar", "sasl-scram-server", "smuggling", "stanza-semantics",
                                               "stream-lifecycle", "tls-cert-identity", "tls-client-hello", "tls-policy", "tls-records",
                                               "tls-sni-alpn", "tls-starttls", "utf8-encoding", "well-formedness",
                                               "xml-dos"}));
  // A category holds one kind of vector: the sasl-* ones hold exchanges,
  // the tls-* ones TLS bytes or STARTTLS negotiations.
  for (const Vector& v : vs) {
    EXPECT_EQ(v.kind == VectorKind::kSasl, v.category.rfind("sasl-", 0) == 0) << v.id;
    EXPECT_EQ(v.kind == VectorKind::kProtocol, v.category.rfind("proto-", 0) == 0) << v.id;
    EXPECT_EQ(v.kind == VectorKind::kClient, v.category.rfind("client-", 0) == 0) << v.id;
    EXPECT_EQ(v.kind == VectorKind::kTls || v.kind == VectorKind::kStarttls || v.kind == VectorKind::kTlsPolicy ||
                  v.kind == VectorKind::kCertIdentity,
              v.category.rfind("tls-", 0) == 0)
        << v.id;
    if (v.expect.kind == Kind::kRefusedTls) {  // a policy refusal has no byte offset
      EXPECT_EQ(v.expect.offset.has_value(), v.kind != VectorKind::kTlsPolicy) << v.id;
    }
  }
}

// --- Prelude -------------------------------------------------------------------------

TEST(Prelude, RawIsEmpty) {
  EXPECT_EQ(Prelude(Profile::kRaw, Side::kClientToServer), "");
  EXPECT_EQ(Prelude(Profile::kRaw, Side::kServerToClient), "");
}

TEST(Prelude, ClientHeaderToDomain) {
  EXPECT_EQ(Prelude(Profile::kOpened, Side::kClientToServer, "example.org"),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>");
  EXPECT_EQ(Prelude(Profile::kAuthenticated, Side::kClientToServer), Prelude(Profile::kOpened, Side::kClientToServer));
}

TEST(Prelude, ServerHeaderFromDomain) {
  EXPECT_EQ(Prelude(Profile::kAuthenticated, Side::kServerToClient),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='xmppfuzz' version='1.0'>");
}

TEST(Names, SideAndProfile) {
  EXPECT_EQ(SideName(Side::kClientToServer), "c2s");
  EXPECT_EQ(SideName(Side::kServerToClient), "s2c");
  EXPECT_EQ(ProfileName(Profile::kRaw), "raw");
  EXPECT_EQ(ProfileName(Profile::kOpened), "opened");
  EXPECT_EQ(ProfileName(Profile::kAuthenticated), "authenticated");
}

// Issue 10, finding 9: a .vec file is UTF-8 text; invalid UTF-8 and NUL or
// other controls in it are refused with the line, and one \repeat in
// events: cannot make the loader take gigabytes.
TEST(VectorFileError, InvalidUtf8InTextField) {
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: caf\xC3\n"), "dir/cat/f.vec:2: invalid UTF-8 (byte 0xC3); a .vec file is UTF-8 text");
  EXPECT_EQ(ErrorOf("[cat/x]\nsource: \xED\xA0\x80\n"), "dir/cat/f.vec:2: invalid UTF-8 (byte 0xED); a .vec file is UTF-8 text");
}

TEST(VectorFileError, NulInTextField) {
  EXPECT_EQ(ErrorOf(std::string("[cat/x]\n\ndescription: a\0b\n", 24)),
            "dir/cat/f.vec:3: control byte 0x00 in the file (write bytes as \\xHH escapes)");
  EXPECT_EQ(ErrorOf("[cat/x]\ndescription: \x1B[2J\n"),
            "dir/cat/f.vec:2: control byte 0x1B in the file (write bytes as \\xHH escapes)");
}

TEST(VectorFileError, EventsRepeatIsBounded) {
  std::string text = "[cat/x]\ndescription: d\nsource: s\ninput:\n  <message/>\nevents:\n  \\repeat{1000000}{stanza <a/>\\n}\nexpect: accepted\n";
  std::string error = ErrorOf(text);
  EXPECT_NE(error.find("dir/cat/f.vec:7: vector 'cat/x': input larger than"), std::string::npos) << error;
  text = "[cat/x]\ndescription: d\nsource: s\ninput:\n  <message/>\nevents:\n  \\repeat{70000}{e\\n}\nexpect: accepted\n";
  EXPECT_EQ(ErrorOf(text), "dir/cat/f.vec:7: vector 'cat/x': more than 65536 events");
}

TEST(VectorFile, InputsCanBeDropped) {
  std::vector<Vector> out;
  std::string error;
  std::string text = "[cat/x]\ndescription: d\nsource: s\ninput:\n  \\repeat{1000}{<a/>}\nexpect: refused restricted-xml at-or-before 0\n";
  ASSERT_TRUE(ParseVectorFile("dir/cat/f.vec", text, "cat", &out, &error, /*keep_inputs=*/false)) << error;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].input.empty());
  EXPECT_EQ(out[0].input.capacity() < 1000, true);
  text[text.find("\\repeat")] = '#';  // still decoded, so still checked: '#repeat{' is an unescaped brace
  EXPECT_FALSE(ParseVectorFile("dir/cat/f.vec", text, "cat", &out, &error, false));
}

}  // namespace
}  // namespace xmppfuzz::conform
