// Private to targets/xml: an incremental, strict UTF-8 decoder.
#ifndef XMPPFUZZ_TARGETS_XML_UTF8_H_
#define XMPPFUZZ_TARGETS_XML_UTF8_H_

#include <cstdint>

namespace xmppfuzz::xml {

// Utf8Decoder takes one byte at a time. It refuses overlong forms,
// surrogates, code points above U+10FFFF, bytes C0, C1 and F5-FF, and a
// continuation byte where a lead byte is due (RFC 3629 section 4).
class Utf8Decoder {
 public:
  enum Result { kChar, kNeedMore, kInvalid };

  Result Push(uint8_t b) {
    if (need_ == 0) {
      if (b < 0x80) {
        cp_ = b;
        return kChar;
      }
      if (b >= 0xC2 && b <= 0xDF) { cp_ = b & 0x1F; need_ = 1; lo_ = 0x80; hi_ = 0xBF; return kNeedMore; }
      if (b >= 0xE0 && b <= 0xEF) {
        cp_ = b & 0x0F; need_ = 2;
        lo_ = b == 0xE0 ? 0xA0 : 0x80;  // no overlongs
        hi_ = b == 0xED ? 0x9F : 0xBF;  // no surrogates
        return kNeedMore;
      }
      if (b >= 0xF0 && b <= 0xF4) {
        cp_ = b & 0x07; need_ = 3;
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

}  // namespace xmppfuzz::xml

#endif  // XMPPFUZZ_TARGETS_XML_UTF8_H_
