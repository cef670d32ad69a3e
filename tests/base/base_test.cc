// Tests of targets/base/base.h: the span reader and writer, UTF-8, the byte
// escaper and the chunk splitter.
#include "targets/base/base.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace xmppfuzz::base {
namespace {

// --- SpanReader: getters succeed and advance, or fail and stay put ----------

TEST(SpanReader, ReadsBigEndianIntegers) {
  SpanReader r(std::string_view("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A", 10));
  uint8_t a;
  uint16_t b;
  uint32_t c, d;
  ASSERT_TRUE(r.GetU8(&a) && r.GetU16(&b) && r.GetU24(&c) && r.GetU32(&d));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(c, 0x040506u);
  EXPECT_EQ(d, 0x0708090Au);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.offset(), 10u);
}

TEST(SpanReader, ShortReadFailsWithoutAdvancing) {
  SpanReader r(std::string_view("\x01\x02\x03", 3));
  uint32_t v = 77;
  EXPECT_FALSE(r.GetU32(&v));
  EXPECT_EQ(v, 77u);
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.offset(), 0u);
  Bytes b;
  EXPECT_FALSE(r.GetBytes(4, &b));
  EXPECT_FALSE(r.Skip(4));
  EXPECT_EQ(r.size(), 3u);
  EXPECT_TRUE(r.Skip(3));
  uint8_t x;
  EXPECT_FALSE(r.GetU8(&x));
  EXPECT_FALSE(r.PeekU8(&x));
}

TEST(SpanReader, PeekDoesNotConsume) {
  SpanReader r(std::string_view("\x2A", 1));
  uint8_t v = 0;
  ASSERT_TRUE(r.PeekU8(&v));
  EXPECT_EQ(v, 0x2A);
  EXPECT_EQ(r.size(), 1u);
}

TEST(SpanReader, LengthPrefixedSubReaderKeepsAbsoluteOffsets) {
  // 3 bytes of padding, then a u16-prefixed body "abc", then "Z".
  SpanReader r(std::string_view("...\x00\x03" "abcZ", 9), 100);
  ASSERT_TRUE(r.Skip(3));
  SpanReader body;
  ASSERT_TRUE(r.GetU16LengthPrefixed(&body));
  EXPECT_EQ(body.offset(), 105u);  // 100 + 3 padding + 2 length bytes
  EXPECT_EQ(AsString(body.rest()), "abc");
  EXPECT_EQ(r.offset(), 108u);
  uint8_t z;
  ASSERT_TRUE(r.GetU8(&z));
  EXPECT_EQ(z, 'Z');
}

TEST(SpanReader, LengthPrefixLongerThanBodyConsumesNothing) {
  SpanReader r(std::string_view("\x05" "abc", 4));
  SpanReader body;
  EXPECT_FALSE(r.GetU8LengthPrefixed(&body));
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(r.offset(), 0u);
}

TEST(SpanReader, TruncatedLengthPrefixConsumesNothing) {
  SpanReader r(std::string_view("\x00\x00", 2));
  SpanReader body;
  EXPECT_FALSE(r.GetU24LengthPrefixed(&body));
  EXPECT_EQ(r.size(), 2u);
}

TEST(SpanReader, EmptyLengthPrefixedBody) {
  SpanReader r(std::string_view("\x00", 1));
  SpanReader body;
  ASSERT_TRUE(r.GetU8LengthPrefixed(&body));
  EXPECT_TRUE(body.empty());
  EXPECT_TRUE(r.empty());
}

TEST(SpanReader, GetSubNarrows) {
  SpanReader r(std::string_view("abcdef", 6), 10);
  SpanReader sub;
  ASSERT_TRUE(r.GetSub(4, &sub));
  EXPECT_EQ(sub.size(), 4u);
  EXPECT_EQ(sub.offset(), 10u);
  EXPECT_EQ(r.offset(), 14u);
  EXPECT_FALSE(r.GetSub(3, &sub));
  EXPECT_EQ(sub.size(), 4u);  // untouched on failure
}

// --- SpanWriter --------------------------------------------------------------

TEST(SpanWriter, WritesWhatTheReaderReads) {
  std::vector<uint8_t> out;
  SpanWriter w(&out);
  w.AddU8(1);
  w.AddU16(0x0203);
  ASSERT_TRUE(w.AddU24LengthPrefixed([](SpanWriter& body) {
    body.AddU32(0xDEADBEEF);
    return body.AddU8LengthPrefixed([](SpanWriter& inner) {
      inner.AddBytes(AsBytes("hi"));
      return true;
    });
  }));
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3, 0, 0, 7, 0xDE, 0xAD, 0xBE, 0xEF, 2, 'h', 'i'}));
  SpanReader r(Bytes(out.data(), out.size()));
  uint8_t a;
  uint16_t b;
  SpanReader body, inner;
  uint32_t magic;
  ASSERT_TRUE(r.GetU8(&a) && r.GetU16(&b) && r.GetU24LengthPrefixed(&body) && body.GetU32(&magic) &&
              body.GetU8LengthPrefixed(&inner));
  EXPECT_EQ(magic, 0xDEADBEEFu);
  EXPECT_EQ(AsString(inner.rest()), "hi");
}

TEST(SpanWriter, BodyTooLongForItsPrefixIsRolledBack) {
  std::vector<uint8_t> out;
  SpanWriter w(&out);
  w.AddU8(9);
  std::string big(256, 'x');
  EXPECT_FALSE(w.AddU8LengthPrefixed([&](SpanWriter& body) {
    body.AddBytes(AsBytes(big));
    return true;
  }));
  EXPECT_EQ(out, std::vector<uint8_t>{9});
}

TEST(SpanWriter, FailingBodyIsRolledBack) {
  std::vector<uint8_t> out;
  SpanWriter w(&out);
  EXPECT_FALSE(w.AddU16LengthPrefixed([](SpanWriter& body) {
    body.AddU8(1);
    return false;
  }));
  EXPECT_TRUE(out.empty());
}

// --- UTF-8 (RFC 3629) ----------------------------------------------------------

struct Utf8Case {
  const char* name;
  std::string bytes;
  size_t length;  // what DecodeUtf8 returns at offset 0
  uint32_t cp;
};

TEST(Utf8, DecodeTable) {
  const Utf8Case cases[] = {
      {"ascii", "A", 1, 0x41},
      {"nul", std::string(1, '\0'), 1, 0},
      {"two-byte min", "\xC2\x80", 2, 0x80},
      {"two-byte max", "\xDF\xBF", 2, 0x7FF},
      {"three-byte min", "\xE0\xA0\x80", 3, 0x800},
      {"before surrogates", "\xED\x9F\xBF", 3, 0xD7FF},
      {"after surrogates", "\xEE\x80\x80", 3, 0xE000},
      {"U+FFFF", "\xEF\xBF\xBF", 3, 0xFFFF},
      {"four-byte min", "\xF0\x90\x80\x80", 4, 0x10000},
      {"max", "\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
      {"overlong C0", "\xC0\xAF", 0, 0},
      {"overlong C1", "\xC1\xBF", 0, 0},
      {"overlong three-byte", "\xE0\x9F\xBF", 0, 0},
      {"overlong four-byte", "\xF0\x8F\xBF\xBF", 0, 0},
      {"high surrogate", "\xED\xA0\x80", 0, 0},
      {"low surrogate", "\xED\xBF\xBF", 0, 0},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0, 0},
      {"lead F5", "\xF5\x80\x80\x80", 0, 0},
      {"byte FF", "\xFF", 0, 0},
      {"lone continuation", "\x80", 0, 0},
      {"truncated two-byte", "\xC3", 0, 0},
      {"truncated four-byte", "\xF0\x9F\x98", 0, 0},
      {"bad second continuation", "\xE2\x82\x41", 0, 0},
  };
  for (const Utf8Case& c : cases) {
    uint32_t cp = 0;
    EXPECT_EQ(DecodeUtf8(c.bytes, 0, &cp), c.length) << c.name;
    if (c.length != 0) {
      EXPECT_EQ(cp, c.cp) << c.name;
    }
  }
}

// The one-shot and the incremental decoder agree on every sequence of up to
// three bytes and on every four-byte sequence with an F0-F4 lead.
TEST(Utf8, IncrementalAndOneShotAgree) {
  auto incremental = [](const std::string& s, uint32_t* cp) -> size_t {
    Utf8Decoder d;
    for (size_t i = 0; i < s.size(); ++i) {
      switch (d.Push(static_cast<uint8_t>(s[i]))) {
        case Utf8Decoder::kInvalid: return 0;
        case Utf8Decoder::kChar: *cp = d.code_point(); return i + 1;
        case Utf8Decoder::kNeedMore: break;
      }
    }
    return 0;
  };
  size_t checked = 0;
  auto check = [&](const std::string& s) {
    uint32_t a = 0, b = 0;
    size_t la = DecodeUtf8(s, 0, &a), lb = incremental(s, &b);
    if (la == s.size() || lb == s.size()) {  // a complete character of this length
      ASSERT_EQ(la, lb) << EscapeBytes(s);
      if (la != 0) {
        ASSERT_EQ(a, b) << EscapeBytes(s);
      }
    }
    ++checked;
  };
  for (int b0 = 0; b0 < 256; ++b0) {
    check(std::string(1, static_cast<char>(b0)));
    for (int b1 = 0x70; b1 < 0xD0; ++b1) {
      check({static_cast<char>(b0), static_cast<char>(b1)});
      for (int b2 = 0x70; b2 < 0xD0; b2 += 3) check({static_cast<char>(b0), static_cast<char>(b1), static_cast<char>(b2)});
    }
  }
  for (int b0 = 0xF0; b0 <= 0xF4; ++b0)
    for (int b1 = 0x80; b1 < 0xC0; ++b1) check({static_cast<char>(b0), static_cast<char>(b1), '\x80', '\xBF'});
  EXPECT_EQ(checked, 256u + 256u * 96 + 256u * 96 * 32 + 5u * 64);  // every case above ran
}

TEST(Utf8, AppendRoundTripsEveryScalarValue) {
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    AppendUtf8(s, cp);
    ASSERT_EQ(s.size(), Utf8Length(cp));
    uint32_t back = 0;
    ASSERT_EQ(DecodeUtf8(s, 0, &back), s.size()) << cp;
    ASSERT_EQ(back, cp);
  }
}

TEST(Utf8, AppendEncodesSurrogatesForNegativeTests) {
  std::string s;
  AppendUtf8(s, 0xD800);
  EXPECT_EQ(s, "\xED\xA0\x80");
  uint32_t cp;
  EXPECT_EQ(DecodeUtf8(s, 0, &cp), 0u);
}

TEST(Utf8, FirstInvalid) {
  EXPECT_EQ(FirstInvalidUtf8("plain"), std::string_view::npos);
  EXPECT_EQ(FirstInvalidUtf8("caf\xC3\xA9"), std::string_view::npos);
  EXPECT_EQ(FirstInvalidUtf8("ab\xC3"), 2u);
  EXPECT_EQ(FirstInvalidUtf8("\xE2\x82\xAC" "x\xFF"), 4u);
  EXPECT_EQ(FirstInvalidUtf8(""), std::string_view::npos);
}

// --- EscapeBytes -------------------------------------------------------------------

TEST(EscapeBytes, PrintableAsciiStays) { EXPECT_EQ(EscapeBytes("<iq type='get'/>"), "<iq type='get'/>"); }

TEST(EscapeBytes, ControlsNonAsciiAndBackslashAreHex) {
  EXPECT_EQ(EscapeBytes(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeBytes("\x1B[31m"), "\\x1B[31m");
  EXPECT_EQ(EscapeBytes("\\"), "\\x5C");
  EXPECT_EQ(EscapeBytes("\xC3\xA9\x7F\n"), "\\xC3\\xA9\\x7F\\x0A");
}

TEST(EscapeBytes, LongInputKeepsHeadAndTail) {
  std::string s = "HEAD" + std::string(100, '-') + "TAIL";
  EXPECT_EQ(EscapeBytes(s, 8), "HEAD...(108 bytes in all)...TAIL");
  EXPECT_EQ(EscapeBytes("12345678", 8), "12345678");
}

TEST(EscapeBytes, OutputIsBoundedByTheCap) {
  std::string s(1 << 20, '\x01');
  EXPECT_LT(EscapeBytes(s, 64).size(), 64u * 4 + 40);
}

// --- ChunkSplitter -------------------------------------------------------------------

TEST(ChunkSplitter, SameSeedSameLengths) {
  EXPECT_EQ(SplitLengths(42, 10000), SplitLengths(42, 10000));
  EXPECT_NE(SplitLengths(42, 10000), SplitLengths(43, 10000));
}

TEST(ChunkSplitter, LengthsStayInRangeAndMostlySmall) {
  ChunkSplitter s(7, 8, 64);
  size_t small = 0, total = 4000;
  for (size_t i = 0; i < total; ++i) {
    size_t n = s.Next();
    ASSERT_GE(n, 1u);
    ASSERT_LE(n, 64u);
    if (n <= 8) ++small;
  }
  EXPECT_GT(small, total * 7 / 10);  // three in four are drawn from 1..8
}

TEST(ChunkSplitter, SplitLengthsCoverTheTotal) {
  for (size_t total : {0u, 1u, 17u, 5000u}) {
    std::vector<size_t> lengths = SplitLengths(3, total, 16, 512);
    size_t sum = 0;
    for (size_t n : lengths) sum += n;
    EXPECT_GE(sum, total);
    if (!lengths.empty()) {
      EXPECT_LT(sum - lengths.back(), total);  // only the last one may run past the end
    }
  }
}

}  // namespace
}  // namespace xmppfuzz::base
