// Tests for targets/jid: RFC 7622 JID parsing. Every refusal is checked for
// its exact error code and byte offset.
#include "targets/jid/jid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace xmppfuzz::jid {
namespace {

using Code = JidError::Code;
using namespace std::string_view_literals;

// ParseExact parses a copy of |input| held in a heap block of exactly its
// size, so that AddressSanitizer reports any read past the end. It also
// checks that Valid() gives the same verdict and the same error, so every
// test below covers both.
std::optional<Jid> ParseExact(std::string_view input, JidError* error) {
  auto copy = std::make_unique<char[]>(input.size());
  if (!input.empty()) std::memcpy(copy.get(), input.data(), input.size());
  const std::string_view view(copy.get(), input.size());
  JidError valid_error{Code::kForbiddenChar, 77};
  const bool valid = Valid(view, &valid_error);
  JidError parse_error{Code::kForbiddenChar, 77};
  std::optional<Jid> jid = Parse(view, &parse_error);
  EXPECT_EQ(valid, jid.has_value()) << "Valid() and Parse() disagree on " << input;
  EXPECT_EQ(valid_error.code, parse_error.code) << input;
  EXPECT_EQ(valid_error.offset, parse_error.offset) << input;
  if (error != nullptr) *error = parse_error;
  return jid;
}

// Accepted checks that |input| parses to exactly these parts.
::testing::AssertionResult Accepted(std::string_view input,
                                    std::string_view local,
                                    std::string_view domain,
                                    std::string_view resource) {
  JidError error{Code::kBadDomain, 99};
  const std::optional<Jid> jid = ParseExact(input, &error);
  if (!jid) {
    return ::testing::AssertionFailure()
           << "refused with " << JidErrorName(error.code) << " at "
           << error.offset;
  }
  if (error.code != Code::kNone || error.offset != 0) {
    return ::testing::AssertionFailure() << "accepted, but error not reset";
  }
  if (jid->local != local || jid->domain != domain ||
      jid->resource != resource) {
    return ::testing::AssertionFailure()
           << "parsed as local=\"" << jid->local << "\" domain=\""
           << jid->domain << "\" resource=\"" << jid->resource << "\"";
  }
  return ::testing::AssertionSuccess();
}

// Refused checks that |input| is refused with |code| at |offset|.
::testing::AssertionResult Refused(std::string_view input, Code code,
                                   size_t offset) {
  JidError error;
  if (const std::optional<Jid> jid = ParseExact(input, &error)) {
    return ::testing::AssertionFailure() << "accepted as " << jid->Format();
  }
  if (error.code != code || error.offset != offset) {
    return ::testing::AssertionFailure()
           << "refused with " << JidErrorName(error.code) << " at "
           << error.offset << ", want " << JidErrorName(code) << " at "
           << offset;
  }
  return ::testing::AssertionSuccess();
}

// DnsName returns an |octets|-long domain name of 62-octet labels, ending in
// a letter, so that only the total length limit is in play.
std::string DnsName(size_t octets) {
  std::string name;
  for (size_t i = 0; i < octets; ++i) name.push_back(i % 63 == 62 ? '.' : 'a');
  return name;
}

// --- Valid forms -----------------------------------------------------------

TEST(JidValid, DomainOnly) {
  EXPECT_TRUE(Accepted("example.com", "", "example.com", ""));
}

TEST(JidValid, LocalAndDomain) {
  EXPECT_TRUE(Accepted("juliet@example.com", "juliet", "example.com", ""));
}

TEST(JidValid, DomainAndResource) {
  EXPECT_TRUE(Accepted("example.com/balcony", "", "example.com", "balcony"));
}

TEST(JidValid, FullJid) {
  EXPECT_TRUE(Accepted("juliet@example.com/balcony", "juliet", "example.com",
                       "balcony"));
}

TEST(JidValid, SingleLabelDomain) {
  EXPECT_TRUE(Accepted("localhost", "", "localhost", ""));
}

TEST(JidValid, HyphensAndDigitsInsideLabels) {
  EXPECT_TRUE(Accepted("my-host.2nd.example", "", "my-host.2nd.example", ""));
}

TEST(JidValid, NumericLabelBesideLetters) {
  EXPECT_TRUE(Accepted("123.example", "", "123.example", ""));
}

TEST(JidValid, LocalpartPermittedSymbols) {
  EXPECT_TRUE(Accepted("a+b.c_d!#$%*=?^`{|}~@example.com",
                       "a+b.c_d!#$%*=?^`{|}~", "example.com", ""));
}

// --- Splitting (RFC 7622 3.1) ----------------------------------------------

TEST(JidSplit, ResourceMayHoldAt) {
  EXPECT_TRUE(Accepted("juliet@example.com/a@b", "juliet", "example.com",
                       "a@b"));
}

TEST(JidSplit, ResourceMayHoldSlash) {
  EXPECT_TRUE(Accepted("juliet@example.com/a/b/", "juliet", "example.com",
                       "a/b/"));
}

TEST(JidSplit, AtAfterFirstSlashBelongsToResource) {
  EXPECT_TRUE(Accepted("example.com/juliet@x", "", "example.com", "juliet@x"));
}

TEST(JidSplit, SlashBeforeAtEndsDomain) {
  // The '/' comes first, so "a" is the domainpart and there is no localpart.
  EXPECT_TRUE(Accepted("a/b@example.com", "", "a", "b@example.com"));
}

TEST(JidSplit, ResourceKeepsSpacesAndMarkup) {
  EXPECT_TRUE(Accepted("a@b/ Romeo & <Juliet> ", "a", "b",
                       " Romeo & <Juliet> "));
}

TEST(JidSplit, SecondAtFallsInDomain) {
  EXPECT_TRUE(Refused("a@b@example.com", Code::kBadDomain, 3));
}

// --- Case and trailing dot (RFC 7622 3.2) ----------------------------------

TEST(JidDomainForm, UppercaseDomainLowered) {
  EXPECT_TRUE(Accepted("Juliet@EXAMPLE.Com/Balcony", "Juliet", "example.com",
                       "Balcony"));
}

TEST(JidDomainForm, TrailingDotStripped) {
  EXPECT_TRUE(Accepted("juliet@example.com./r", "juliet", "example.com", "r"));
}

TEST(JidDomainForm, OnlyOneTrailingDotStripped) {
  EXPECT_TRUE(Refused("example.com..", Code::kBadDomain, 12));
}

TEST(JidDomainForm, LoneDotIsEmptyDomain) {
  EXPECT_TRUE(Refused("juliet@.", Code::kEmpty, 7));
}

TEST(JidDomainForm, TrailingDotOnIpv4Stripped) {
  EXPECT_TRUE(Accepted("192.0.2.1.", "", "192.0.2.1", ""));
}

// --- Non-ASCII text --------------------------------------------------------

TEST(JidUnicode, Localpart) {
  EXPECT_TRUE(Accepted("джульетта@example.com", "джульетта", "example.com",
                       ""));
}

TEST(JidUnicode, FourOctetLocalpart) {
  EXPECT_TRUE(Accepted("\xF0\x9F\x98\x80@example.com", "\xF0\x9F\x98\x80",
                       "example.com", ""));
}

TEST(JidUnicode, Domain) {
  EXPECT_TRUE(Accepted("juliet@bücher.example", "juliet", "bücher.example",
                       ""));
}

TEST(JidUnicode, DomainOfUlabelsOnly) {
  EXPECT_TRUE(Accepted("例え.テスト", "", "例え.テスト", ""));
}

TEST(JidUnicode, OnlyAsciiLettersLowered) {
  // No Unicode case tables: Ü stays as given.
  EXPECT_TRUE(Accepted("BÜCHER.Example", "", "bÜcher.example", ""));
}

TEST(JidUnicode, ResourceKeepsNonAsciiSpace) {
  EXPECT_TRUE(Accepted("a@b/x\u00A0y", "a", "b", "x\u00A0y"));
}

TEST(JidUnicode, HighestCodePointInResource) {
  EXPECT_TRUE(Accepted("a@b/\xF4\x8F\xBF\xBF", "a", "b", "\xF4\x8F\xBF\xBF"));
}

// --- IP literals -----------------------------------------------------------

TEST(JidIp, Ipv4) {
  EXPECT_TRUE(Accepted("juliet@192.0.2.1/r", "juliet", "192.0.2.1", "r"));
}

TEST(JidIp, Ipv6) {
  EXPECT_TRUE(Accepted("juliet@[2001:db8::1]/r", "juliet", "[2001:db8::1]",
                       "r"));
}

TEST(JidIp, Ipv6HexLowered) {
  EXPECT_TRUE(Accepted("[2001:DB8::A]", "", "[2001:db8::a]", ""));
}

TEST(JidIp, Ipv4MappedIpv6) {
  EXPECT_TRUE(Accepted("[::ffff:192.0.2.1]", "", "[::ffff:192.0.2.1]", ""));
}

TEST(JidIp, Ipv4OctetOutOfRange) {
  EXPECT_TRUE(Refused("a@192.0.2.256", Code::kBadDomain, 2));
}

TEST(JidIp, Ipv4TooFewOctets) {
  EXPECT_TRUE(Refused("192.0.2", Code::kBadDomain, 0));
}

TEST(JidIp, Ipv4LeadingZero) {
  EXPECT_TRUE(Refused("192.0.2.01", Code::kBadDomain, 0));
}

TEST(JidIp, AllDigitsIsNotAName) {
  EXPECT_TRUE(Refused("a@123", Code::kBadDomain, 2));
}

TEST(JidIp, Ipv6MissingCloseBracket) {
  EXPECT_TRUE(Refused("a@[::1", Code::kBadDomain, 2));
}

TEST(JidIp, Ipv6EmptyBrackets) {
  EXPECT_TRUE(Refused("[]", Code::kBadDomain, 0));
}

TEST(JidIp, Ipv6LoneOpenBracket) {
  EXPECT_TRUE(Refused("a@[/r", Code::kBadDomain, 2));
}

TEST(JidIp, Ipv6Unbracketed) {
  EXPECT_TRUE(Refused("::1", Code::kBadDomain, 0));
}

TEST(JidIp, Ipv6WithPort) {
  EXPECT_TRUE(Refused("[::1]:5222", Code::kBadDomain, 0));
}

TEST(JidIp, Ipv6ZoneIdentifier) {
  EXPECT_TRUE(Refused("[fe80::1%eth0]", Code::kBadDomain, 0));
}

TEST(JidIp, IpvFutureRefused) {
  EXPECT_TRUE(Refused("[v1.fe80::1]", Code::kBadDomain, 0));
}

TEST(JidIp, Ipv4InBrackets) {
  EXPECT_TRUE(Refused("[192.0.2.1]", Code::kBadDomain, 0));
}

// --- Length limits (RFC 7622 3.2, 3.3, 3.4) --------------------------------

TEST(JidLength, Localpart1023) {
  const std::string local(1023, 'a');
  EXPECT_TRUE(Accepted(local + "@x", local, "x", ""));
}

TEST(JidLength, Localpart1024) {
  EXPECT_TRUE(Refused(std::string(1024, 'a') + "@x",
                      Code::kLocalpartTooLong, 1023));
}

TEST(JidLength, LocalpartCountsOctets) {
  std::string local;
  for (int i = 0; i < 342; ++i) local += "€";  // 3 octets each: 1026
  EXPECT_TRUE(Refused(local + "@x", Code::kLocalpartTooLong, 1023));
}

TEST(JidLength, Domainpart1023) {
  const std::string domain = DnsName(1023);
  EXPECT_TRUE(Accepted("a@" + domain, "a", domain, ""));
}

TEST(JidLength, Domainpart1024) {
  EXPECT_TRUE(Refused("a@" + DnsName(1024), Code::kDomainpartTooLong, 1025));
}

TEST(JidLength, Domainpart1023PlusTrailingDot) {
  const std::string domain = DnsName(1023);
  EXPECT_TRUE(Accepted(domain + ".", "", domain, ""));
}

TEST(JidLength, Resourcepart1023) {
  const std::string resource(1023, 'r');
  EXPECT_TRUE(Accepted("x/" + resource, "", "x", resource));
}

TEST(JidLength, Resourcepart1024) {
  EXPECT_TRUE(Refused("x/" + std::string(1024, 'r'),
                      Code::kResourcepartTooLong, 1025));
}

TEST(JidLength, EveryPartAtItsLimit) {
  const std::string local(1023, 'l'), resource(1023, 'r');
  const std::string domain = DnsName(1023);
  EXPECT_TRUE(Accepted(local + "@" + domain + "/" + resource, local, domain,
                       resource));
}

TEST(JidLength, Label63) {
  const std::string label(63, 'a');
  EXPECT_TRUE(Accepted(label + ".example", "", label + ".example", ""));
}

TEST(JidLength, Label64) {
  EXPECT_TRUE(Refused("a@example." + std::string(64, 'b'), Code::kBadDomain,
                      10 + 63));
}

TEST(JidLength, LengthCheckedBeforeContent) {
  EXPECT_TRUE(Refused("<" + std::string(1023, 'a') + "@x",
                      Code::kLocalpartTooLong, 1023));
}

// --- Empty parts -----------------------------------------------------------

TEST(JidEmpty, EmptyInput) {
  EXPECT_TRUE(Refused("", Code::kEmpty, 0));
}

TEST(JidEmpty, LoneAt) {
  EXPECT_TRUE(Refused("@", Code::kEmpty, 0));
}

TEST(JidEmpty, EmptyLocalpart) {
  EXPECT_TRUE(Refused("@example.com", Code::kEmpty, 0));
}

TEST(JidEmpty, EmptyDomainAfterAt) {
  EXPECT_TRUE(Refused("juliet@", Code::kEmpty, 7));
}

TEST(JidEmpty, EmptyDomainBeforeSlash) {
  EXPECT_TRUE(Refused("/balcony", Code::kEmpty, 0));
}

TEST(JidEmpty, EmptyDomainBetweenAtAndSlash) {
  EXPECT_TRUE(Refused("juliet@/balcony", Code::kEmpty, 7));
}

TEST(JidEmpty, EmptyResource) {
  EXPECT_TRUE(Refused("example.com/", Code::kEmpty, 12));
}

TEST(JidEmpty, EmptyResourceAfterFullBareJid) {
  EXPECT_TRUE(Refused("a@b/", Code::kEmpty, 4));
}

// --- Localpart forbidden characters (RFC 7622 3.3.1) -----------------------

TEST(JidLocalpart, DoubleQuote) {
  EXPECT_TRUE(Refused("a\"b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, Ampersand) {
  EXPECT_TRUE(Refused("a&b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, SingleQuote) {
  EXPECT_TRUE(Refused("a'b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, Colon) {
  EXPECT_TRUE(Refused("a:b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, LessThan) {
  EXPECT_TRUE(Refused("a<b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, GreaterThan) {
  EXPECT_TRUE(Refused("a>b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, Space) {
  EXPECT_TRUE(Refused("a b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, FirstOctet) {
  EXPECT_TRUE(Refused("'ab@example.com", Code::kForbiddenLocalChar, 0));
}

TEST(JidLocalpart, NoBreakSpace) {
  EXPECT_TRUE(Refused("a\u00A0b@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidLocalpart, IdeographicSpace) {
  EXPECT_TRUE(Refused("ab\u3000@example.com", Code::kForbiddenLocalChar, 2));
}

TEST(JidLocalpart, LineSeparator) {
  EXPECT_TRUE(Refused("\u2028@example.com", Code::kForbiddenLocalChar, 0));
}

// --- Invalid UTF-8 (RFC 3629) ----------------------------------------------

TEST(JidUtf8, OverlongTwoOctetNul) {
  EXPECT_TRUE(Refused("a\xC0\x80@example.com", Code::kInvalidUtf8, 1));
}

TEST(JidUtf8, OverlongThreeOctet) {
  EXPECT_TRUE(Refused("example.com/\xE0\x80\xAF", Code::kInvalidUtf8, 12));
}

TEST(JidUtf8, OverlongFourOctet) {
  EXPECT_TRUE(Refused("ex\xF0\x80\x80\xAF", Code::kInvalidUtf8, 2));
}

TEST(JidUtf8, Surrogate) {
  EXPECT_TRUE(Refused("a@b/\xED\xA0\x80", Code::kInvalidUtf8, 4));
}

TEST(JidUtf8, AboveMaxCodePoint) {
  EXPECT_TRUE(Refused("a@b/\xF4\x90\x80\x80", Code::kInvalidUtf8, 4));
}

TEST(JidUtf8, LeadByteF5) {
  EXPECT_TRUE(Refused("a@\xF5\x80\x80\x80", Code::kInvalidUtf8, 2));
}

TEST(JidUtf8, ByteFF) {
  EXPECT_TRUE(Refused("\xFF@example.com", Code::kInvalidUtf8, 0));
}

TEST(JidUtf8, StrayContinuation) {
  EXPECT_TRUE(Refused("a\x80@example.com", Code::kInvalidUtf8, 1));
}

TEST(JidUtf8, TruncatedAtEnd) {
  EXPECT_TRUE(Refused("example.com/\xC3", Code::kInvalidUtf8, 12));
}

TEST(JidUtf8, TruncatedBeforeAscii) {
  EXPECT_TRUE(Refused("\xE2\x82@example.com", Code::kInvalidUtf8, 0));
}

TEST(JidUtf8, TruncatedFourOctet) {
  EXPECT_TRUE(Refused("a@b/\xF0\x9F\x98", Code::kInvalidUtf8, 4));
}

TEST(JidUtf8, CheckedBeforeEmptyParts) {
  EXPECT_TRUE(Refused("@\xFF", Code::kInvalidUtf8, 1));
}

// --- Control characters (RFC 8264 9.12) -----------------------------------

TEST(JidControl, NulInLocalpart) {
  EXPECT_TRUE(Refused("a\0b@example.com"sv, Code::kForbiddenLocalChar, 1));
}

TEST(JidControl, NulInDomain) {
  EXPECT_TRUE(Refused("a@exa\0mple.com"sv, Code::kForbiddenChar, 5));
}

TEST(JidControl, NulInResource) {
  EXPECT_TRUE(Refused("a@b/r\0"sv, Code::kForbiddenChar, 5));
}

TEST(JidControl, NewlineInLocalpart) {
  EXPECT_TRUE(Refused("a\nb@example.com", Code::kForbiddenLocalChar, 1));
}

TEST(JidControl, TabInResource) {
  EXPECT_TRUE(Refused("a@b/x\ty", Code::kForbiddenChar, 5));
}

TEST(JidControl, DeleteInDomain) {
  EXPECT_TRUE(Refused("exam\x7Fple.com", Code::kForbiddenChar, 4));
}

TEST(JidControl, C1NextLineInResource) {
  EXPECT_TRUE(Refused("a@b/x\xC2\x85", Code::kForbiddenChar, 5));
}

TEST(JidControl, C1LastInLocalpart) {
  EXPECT_TRUE(Refused("\xC2\x9F@example.com", Code::kForbiddenLocalChar, 0));
}

TEST(JidControl, C1InUlabel) {
  EXPECT_TRUE(Refused("a@b\xC2\x80", Code::kForbiddenChar, 3));
}

// --- Domain labels (RFC 7622 3.2, RFC 5890, RFC 5891 4.2.3.1) --------------

TEST(JidLabel, LeadingHyphen) {
  EXPECT_TRUE(Refused("-a.example", Code::kBadDomain, 0));
}

TEST(JidLabel, LeadingHyphenInLaterLabel) {
  EXPECT_TRUE(Refused("x@a.-b", Code::kBadDomain, 4));
}

TEST(JidLabel, TrailingHyphen) {
  EXPECT_TRUE(Refused("x@ab-.example", Code::kBadDomain, 4));
}

TEST(JidLabel, EmptyLabel) {
  EXPECT_TRUE(Refused("a..b", Code::kBadDomain, 2));
}

TEST(JidLabel, LeadingDot) {
  EXPECT_TRUE(Refused(".example", Code::kBadDomain, 0));
}

TEST(JidLabel, Underscore) {
  EXPECT_TRUE(Refused("a_b.example", Code::kBadDomain, 1));
}

TEST(JidLabel, Space) {
  EXPECT_TRUE(Refused("a@exa mple", Code::kBadDomain, 5));
}

TEST(JidLabel, Bracket) {
  EXPECT_TRUE(Refused("a]", Code::kBadDomain, 1));
}

TEST(JidLabel, UlabelLeadingHyphen) {
  EXPECT_TRUE(Refused("-ü.example", Code::kBadDomain, 0));
}

TEST(JidLabel, UlabelNoBreakSpace) {
  EXPECT_TRUE(Refused("bü\u00A0cher.example", Code::kBadDomain, 3));
}

TEST(JidLabel, UlabelAsciiSymbol) {
  EXPECT_TRUE(Refused("bü!cher.example", Code::kBadDomain, 3));
}

TEST(JidLabel, IdeographicFullStop) {
  EXPECT_TRUE(Refused("example\u3002com", Code::kBadDomain, 7));
}

TEST(JidLabel, FullwidthFullStop) {
  EXPECT_TRUE(Refused("example\uFF0Ecom", Code::kBadDomain, 7));
}

// --- Every listed code point and its neighbours ----------------------------
// The tests above pick one code point of each class; these walk every code
// point the parser lists (RFC 8264 9.12 controls, 9.14 spaces; RFC 3490 3.1
// full stops) and the ones on either side, so that a list that loses or
// gains a member, or a range that moves by one, is caught.

// Utf8 is an independent UTF-8 encoder (RFC 3629 3) for these tests.
std::string Utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

// The non-ASCII White_Space code points that are not controls (Unicode's
// PropList.txt), which RFC 8264 9.14 disallows in IdentifierClass.
constexpr char32_t kNonAsciiSpaces[] = {
    0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
// The ideographic, fullwidth and halfwidth ideographic full stops (RFC 3490
// 3.1).
constexpr char32_t kFullStops[] = {0x3002, 0xFF0E, 0xFF61};

bool Listed(const char32_t* first, const char32_t* last, char32_t cp) {
  return std::find(first, last, cp) != last;
}
bool IsSpaceCp(char32_t cp) {
  return Listed(std::begin(kNonAsciiSpaces), std::end(kNonAsciiSpaces), cp);
}
bool IsFullStopCp(char32_t cp) {
  return Listed(std::begin(kFullStops), std::end(kFullStops), cp);
}
bool IsControlCp(char32_t cp) { return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F); }

// Neighbours: every listed code point and the ones just below and above.
std::vector<char32_t> WithNeighbours(const char32_t* first, const char32_t* last) {
  std::vector<char32_t> out;
  for (const char32_t* cp = first; cp != last; ++cp) {
    out.insert(out.end(), {*cp - 1, *cp, *cp + 1});
  }
  return out;
}

TEST(JidCodePoints, SpacesRefusedInLocalpartNeighboursAccepted) {
  for (char32_t cp : WithNeighbours(std::begin(kNonAsciiSpaces), std::end(kNonAsciiSpaces))) {
    SCOPED_TRACE(::testing::Message() << "U+" << std::hex << static_cast<uint32_t>(cp));
    const std::string local = "a" + Utf8(cp) + "b";
    if (IsSpaceCp(cp) || IsControlCp(cp)) {
      EXPECT_TRUE(Refused(local + "@example.com", Code::kForbiddenLocalChar, 1));
    } else {
      EXPECT_TRUE(Accepted(local + "@example.com", local, "example.com", ""));
    }
  }
}

TEST(JidCodePoints, SpacesAndFullStopsRefusedInUlabelNeighboursAccepted) {
  std::vector<char32_t> cps = WithNeighbours(std::begin(kNonAsciiSpaces), std::end(kNonAsciiSpaces));
  const std::vector<char32_t> stops = WithNeighbours(std::begin(kFullStops), std::end(kFullStops));
  cps.insert(cps.end(), stops.begin(), stops.end());
  for (char32_t cp : cps) {
    SCOPED_TRACE(::testing::Message() << "U+" << std::hex << static_cast<uint32_t>(cp));
    const std::string label = "b" + Utf8(cp) + "c";
    if (IsControlCp(cp)) {
      EXPECT_TRUE(Refused(label + ".example", Code::kForbiddenChar, 1));
    } else if (IsSpaceCp(cp) || IsFullStopCp(cp)) {
      EXPECT_TRUE(Refused(label + ".example", Code::kBadDomain, 1));
    } else {
      EXPECT_TRUE(Accepted(label + ".example", "", label + ".example", ""));
    }
  }
}

TEST(JidCodePoints, FullStopsAllowedInLocalpartAndResource) {
  // RFC 7622 3.3 and 3.4 do not treat the full stops as separators.
  for (char32_t cp : kFullStops) {
    const std::string text = "a" + Utf8(cp) + "b";
    EXPECT_TRUE(Accepted(text + "@example.com/" + text, text, "example.com", text));
  }
}

TEST(JidCodePoints, LdhLabelBoundaries) {
  // RFC 7622 3.2 with RFC 5890 2.3.1: an ASCII label holds letters, digits
  // and inner hyphens. The ends of each range are accepted, the octets just
  // outside them refused where they reach a label ('/' and '@' split the JID).
  for (char c : {'0', '9', 'a', 'z', 'A', 'Z'}) {
    SCOPED_TRACE(c);
    const std::string label = std::string("x") + c + "y";
    std::string lowered = label;
    for (char& l : lowered) l = static_cast<char>(std::tolower(static_cast<unsigned char>(l)));
    EXPECT_TRUE(Accepted(label + ".example", "", lowered + ".example", ""));
    EXPECT_TRUE(Accepted(std::string(1, c) + ".example", "", lowered.substr(1, 1) + ".example", ""));
  }
  for (char c : {',', ':', '`', '{', '['}) {
    SCOPED_TRACE(c);
    EXPECT_TRUE(Refused(std::string("x") + c + "y.example", Code::kBadDomain, 1));
  }
}

TEST(JidCodePoints, ResourceRefusesExactlyTheControls) {
  // RFC 7622 3.4: the resourcepart (OpaqueString, RFC 8265 4.2) keeps
  // spaces; only the controls (RFC 8264 9.12) are refused.
  for (char32_t cp : {0x00, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0x2028, 0x3000}) {
    SCOPED_TRACE(::testing::Message() << "U+" << std::hex << static_cast<uint32_t>(cp));
    const std::string resource = "r" + Utf8(cp);
    if (IsControlCp(cp)) {
      EXPECT_TRUE(Refused("example.com/" + resource, Code::kForbiddenChar, 13));
    } else {
      EXPECT_TRUE(Accepted("example.com/" + resource, "", "example.com", resource));
    }
  }
}

// --- Format and the round trip (the jid_fuzzer property) -------------------

TEST(JidFormat, OmitsAbsentParts) {
  EXPECT_EQ((Jid{"", "example.com", ""}).Format(), "example.com");
  EXPECT_EQ((Jid{"a", "example.com", ""}).Format(), "a@example.com");
  EXPECT_EQ((Jid{"", "example.com", "r"}).Format(), "example.com/r");
}

TEST(JidFormat, CanonicalForm) {
  const std::optional<Jid> jid = Parse("Juliet@EXAMPLE.com./Balcony");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->Format(), "Juliet@example.com/Balcony");
}

TEST(JidFormat, RoundTripIsStable) {
  const std::string_view samples[] = {
      "example.com", "juliet@example.com", "example.com/balcony",
      "juliet@example.com/balcony", "Juliet@EXAMPLE.COM./Balcony",
      "a@b/c@d/e/", "x/@", "example.com/juliet@x", "a/b@example.com",
      "juliet@192.0.2.1./r", "[2001:DB8::1]/r", "[::ffff:192.0.2.1]",
      "джульетта@bücher.example/телефон", "例え.テスト/\xF4\x8F\xBF\xBF",
      "a+b.c_d!#$%*=?^`{|}~@x", "a@b/ Romeo & <Juliet> ",
  };
  for (std::string_view sample : samples) {
    SCOPED_TRACE(sample);
    const std::optional<Jid> first = Parse(sample);
    ASSERT_TRUE(first);
    const std::optional<Jid> second = Parse(first->Format());
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, *first);
    EXPECT_EQ(second->Format(), first->Format());
  }
}

TEST(JidFormat, RoundTripAtEveryLimit) {
  const std::string full = std::string(1023, 'L') + "@" + DnsName(1023) +
                           "./" + std::string(1023, '/');
  const std::optional<Jid> first = Parse(full);
  ASSERT_TRUE(first);
  EXPECT_EQ(Parse(first->Format()), first);
}

// An IP literal is checked without a heap copy: a text too long to be any
// address (RFC 4291 2.2 forms are at most 45 characters) is bad-domain at
// the domainpart's first byte, like any other invalid literal.
TEST(JidDomain, OverlongIpLiteralIsBadDomain) {
  JidError error;
  const std::string v6 = "a@[" + std::string(60, ':') + "1234]";
  EXPECT_FALSE(ParseExact(v6, &error));
  EXPECT_EQ(error.code, Code::kBadDomain);
  EXPECT_EQ(error.offset, 2u);
  const std::string v4 = "1.2.3.4" + std::string(70, '.') + "5";
  EXPECT_FALSE(ParseExact(v4, &error));
  EXPECT_EQ(error.code, Code::kBadDomain);
  EXPECT_EQ(error.offset, 0u);
  EXPECT_TRUE(ParseExact("[::ffff:255.255.255.255]", &error));
  EXPECT_TRUE(ParseExact("[1111:2222:3333:4444:5555:6666:255.255.255.255]", &error));
}

// --- Error names -----------------------------------------------------------

TEST(JidErrorNames, KebabCase) {
  EXPECT_EQ(JidErrorName(Code::kNone), "none");
  EXPECT_EQ(JidErrorName(Code::kEmpty), "empty");
  EXPECT_EQ(JidErrorName(Code::kInvalidUtf8), "invalid-utf8");
  EXPECT_EQ(JidErrorName(Code::kLocalpartTooLong), "localpart-too-long");
  EXPECT_EQ(JidErrorName(Code::kDomainpartTooLong), "domainpart-too-long");
  EXPECT_EQ(JidErrorName(Code::kResourcepartTooLong), "resourcepart-too-long");
  EXPECT_EQ(JidErrorName(Code::kForbiddenLocalChar), "forbidden-local-char");
  EXPECT_EQ(JidErrorName(Code::kBadDomain), "bad-domain");
  EXPECT_EQ(JidErrorName(Code::kForbiddenChar), "forbidden-char");
}

TEST(JidErrorNames, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(Parse("@", nullptr));
  EXPECT_TRUE(Parse("a@b", nullptr));
}

}  // namespace
}  // namespace xmppfuzz::jid
