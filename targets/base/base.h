// Byte-level building blocks every component shares: a bounds-checked span
// reader and writer for wire formats (in the manner of BoringSSL's CBS/CBB),
// strict UTF-8 decoding and encoding, one escaper for bytes that came from a
// peer or a fuzzer, and one seeded chunk splitter for chunk-invariance checks.
//
// Nothing here allocates behind the caller's back except the std::string and
// std::vector results, and nothing keeps global state.
#ifndef XMPPFUZZ_TARGETS_BASE_BASE_H_
#define XMPPFUZZ_TARGETS_BASE_BASE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xmppfuzz::base {

using Bytes = std::span<const uint8_t>;

// AsBytes views the characters of |s| as bytes.
inline Bytes AsBytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// AsString views |b| as characters.
inline std::string_view AsString(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// ---------------------------------------------------------------------------
// SpanReader: a non-owning cursor over bytes. Every getter either succeeds and
// advances, or returns false and leaves the reader exactly where it was, so a
// parser can chain getters with && / || into one error exit. A sub-reader
// taken with GetSub or a Get*LengthPrefixed call remembers its absolute
// offset, so errors found deep inside a structure still carry the offset of
// the byte in the original input.
class SpanReader {
 public:
  SpanReader() = default;
  // |base_offset| is the absolute offset of data[0] in the whole input.
  explicit SpanReader(Bytes data, size_t base_offset = 0) : data_(data), offset_(base_offset) {}
  explicit SpanReader(std::string_view data, size_t base_offset = 0) : SpanReader(AsBytes(data), base_offset) {}

  // size is the number of unread bytes; empty is size() == 0.
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  // offset is the absolute offset of the next unread byte.
  size_t offset() const { return offset_; }
  // rest views the unread bytes without consuming them.
  Bytes rest() const { return data_; }

  // GetU8/U16/U24/U32 read a big-endian integer (network order).
  bool GetU8(uint8_t* out) { return GetUint(1, out); }
  bool GetU16(uint16_t* out) { return GetUint(2, out); }
  bool GetU24(uint32_t* out) { return GetUint(3, out); }
  bool GetU32(uint32_t* out) { return GetUint(4, out); }
  // PeekU8 reads the next byte without consuming it.
  bool PeekU8(uint8_t* out) const;

  // GetBytes takes the next |n| bytes as a view.
  bool GetBytes(size_t n, Bytes* out);
  // GetSub takes the next |n| bytes as a reader of their own.
  bool GetSub(size_t n, SpanReader* out);
  // Skip drops the next |n| bytes.
  bool Skip(size_t n);
  // Get*LengthPrefixed read a 1/2/3-byte big-endian length, then that many
  // bytes as a sub-reader. On failure (short length or short body) nothing
  // is consumed.
  bool GetU8LengthPrefixed(SpanReader* out) { return GetLengthPrefixed(1, out); }
  bool GetU16LengthPrefixed(SpanReader* out) { return GetLengthPrefixed(2, out); }
  bool GetU24LengthPrefixed(SpanReader* out) { return GetLengthPrefixed(3, out); }

 private:
  template <typename T>
  bool GetUint(size_t n, T* out);
  bool GetLengthPrefixed(size_t length_bytes, SpanReader* out);

  Bytes data_;
  size_t offset_ = 0;
};

// SpanWriter appends wire data to a vector. Length-prefixed blocks are
// written by a callback; the prefix is filled in afterwards and the block is
// refused (the writer is rolled back, false returned) when its body does not
// fit the prefix or the callback returns false.
class SpanWriter {
 public:
  explicit SpanWriter(std::vector<uint8_t>* out) : out_(out) {}

  void AddU8(uint8_t v) { AddUint(v, 1); }
  void AddU16(uint16_t v) { AddUint(v, 2); }
  void AddU24(uint32_t v) { AddUint(v, 3); }
  void AddU32(uint32_t v) { AddUint(v, 4); }
  void AddBytes(Bytes b) { out_->insert(out_->end(), b.begin(), b.end()); }

  using BodyWriter = std::function<bool(SpanWriter&)>;
  bool AddU8LengthPrefixed(const BodyWriter& body) { return AddLengthPrefixed(1, body); }
  bool AddU16LengthPrefixed(const BodyWriter& body) { return AddLengthPrefixed(2, body); }
  bool AddU24LengthPrefixed(const BodyWriter& body) { return AddLengthPrefixed(3, body); }

  size_t size() const { return out_->size(); }

 private:
  void AddUint(uint64_t v, size_t n);
  bool AddLengthPrefixed(size_t length_bytes, const BodyWriter& body);

  std::vector<uint8_t>* out_;
};

// ---------------------------------------------------------------------------
// UTF-8 (RFC 3629). Well-formed means shortest form, no surrogates, nothing
// above U+10FFFF; the bytes C0, C1 and F5-FF never occur.

// Utf8Decoder takes one byte at a time (for scanners that see a stream in
// arbitrary chunks). It refuses overlong forms, surrogates, code points
// above U+10FFFF, bytes C0, C1 and F5-FF, and a continuation byte where a
// lead byte is due, at the first byte that makes the sequence impossible.
class Utf8Decoder {
 public:
  enum Result { kChar, kNeedMore, kInvalid };

  Result Push(uint8_t b) {
    if (need_ == 0) {
      if (b < 0x80) {
        cp_ = b;
        return kChar;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        cp_ = b & 0x1F;
        need_ = 1;
        lo_ = 0x80;
        hi_ = 0xBF;
        return kNeedMore;
      }
      if (b >= 0xE0 && b <= 0xEF) {
        cp_ = b & 0x0F;
        need_ = 2;
        lo_ = b == 0xE0 ? 0xA0 : 0x80;  // no overlongs
        hi_ = b == 0xED ? 0x9F : 0xBF;  // no surrogates
        return kNeedMore;
      }
      if (b >= 0xF0 && b <= 0xF4) {
        cp_ = b & 0x07;
        need_ = 3;
        lo_ = b == 0xF0 ? 0x90 : 0x80;  // no overlongs
        hi_ = b == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
        return kNeedMore;
      }
      return kInvalid;
    }
    if (b < lo_ || b > hi_) return kInvalid;
    lo_ = 0x80;
    hi_ = 0xBF;
    cp_ = (cp_ << 6) | (b & 0x3F);
    return --need_ == 0 ? kChar : kNeedMore;
  }

  uint32_t code_point() const { return cp_; }
  bool idle() const { return need_ == 0; }
  void Reset() { need_ = 0; }

 private:
  uint32_t cp_ = 0;
  uint8_t need_ = 0;
  uint8_t lo_ = 0x80;
  uint8_t hi_ = 0xBF;
};

// DecodeUtf8 decodes the character that starts at |s[pos]| into |*cp| and
// returns its length in bytes (1-4), or 0 when the bytes there are not a
// complete well-formed sequence (a stray continuation byte, an overlong
// form, a surrogate, a value above U+10FFFF, or a sequence cut short by the
// end of |s|). |pos| must be below s.size().
inline size_t DecodeUtf8(std::string_view s, size_t pos, uint32_t* cp) {
  const uint8_t lead = static_cast<uint8_t>(s[pos]);
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  size_t length;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    *cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    *cp = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    *cp = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;  // no overlong forms
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // 80..BF continuation, C0/C1 always overlong, F5..FF unused
  }
  if (s.size() - pos < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const uint8_t b = static_cast<uint8_t>(s[pos + k]);
    if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  return length;
}

// FirstInvalidUtf8 returns the offset of the first byte of the first
// ill-formed sequence in |s|, or npos when all of |s| is well-formed UTF-8.
size_t FirstInvalidUtf8(std::string_view s);

// Utf8Length is the number of bytes AppendUtf8 writes for |cp|.
inline size_t Utf8Length(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

// AppendUtf8 appends the UTF-8 form of |cp| (at most U+10FFFF) to |out|. It
// encodes whatever it is given, surrogates included, so tests and vectors can
// also build the invalid forms a parser must refuse.
void AppendUtf8(std::string& out, uint32_t cp);

// ---------------------------------------------------------------------------
// EscapeBytes renders bytes from a peer, a file or a fuzzer so they are safe
// to print on a terminal or in a log: printable ASCII stays as it is, every
// other byte (and the backslash) becomes \xHH. When there are more than |max|
// bytes, the head and the tail (max/2 bytes each) are kept with a marker
// "...(N bytes in all)..." between them, so a long reply still shows where it
// ended.
inline constexpr size_t kNoLimit = static_cast<size_t>(-1);
std::string EscapeBytes(std::string_view bytes, size_t max = kNoLimit);

// ---------------------------------------------------------------------------
// ChunkSplitter yields pseudo-random chunk lengths fixed by a seed: three in
// four are 1..|small_max| bytes (cutting tokens apart), the others
// 1..|large_max|. The same seed and ranges give the same sequence on every
// platform (std::mt19937_64 is specified exactly).
class ChunkSplitter {
 public:
  explicit ChunkSplitter(uint64_t seed, size_t small_max = 16, size_t large_max = 4096)
      : rng_(seed), small_max_(small_max), large_max_(large_max) {}

  // Next returns the next chunk length (at least 1).
  size_t Next() { return rng_() % 4 != 0 ? 1 + rng_() % small_max_ : 1 + rng_() % large_max_; }

 private:
  std::mt19937_64 rng_;
  size_t small_max_;
  size_t large_max_;
};

// SplitLengths is ChunkSplitter's lengths up to the first that reaches
// |total| bytes in all (the last may run past the end; callers clamp it).
std::vector<size_t> SplitLengths(uint64_t seed, size_t total, size_t small_max = 16, size_t large_max = 4096);

}  // namespace xmppfuzz::base

#endif  // XMPPFUZZ_TARGETS_BASE_BASE_H_
