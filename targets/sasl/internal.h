// Private helpers shared by the SASL sources. Not part of the public API.
#ifndef XMPPFUZZ_TARGETS_SASL_INTERNAL_H_
#define XMPPFUZZ_TARGETS_SASL_INTERNAL_H_

#include <string>
#include <string_view>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl::internal {

// Digest returns H(data).
std::string Digest(Hash hash, std::string_view data);
// Hmac returns HMAC(key, data). Empty on an OpenSSL failure.
std::string Hmac(Hash hash, std::string_view key, std::string_view data);
// Hi returns PBKDF2-HMAC(password, salt, iterations) of the hash's length
// (RFC 5802 Hi()). Empty on an OpenSSL failure.
std::string Hi(Hash hash, std::string_view password, std::string_view salt, uint32_t iterations);
// XorInto sets a ^= b (equal lengths).
void XorInto(std::string& a, std::string_view b);
// Equal compares in constant time (lengths are not secret).
bool Equal(std::string_view a, std::string_view b);
// Cleanse wipes and clears |s|.
void Cleanse(std::string& s);

// SecretString wipes itself on destruction.
struct SecretString {
  std::string value;
  SecretString() = default;
  explicit SecretString(std::string v) : value(std::move(v)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { Cleanse(value); }
};

// RandomPrintable fills |out| with |n| characters of base64 alphabet without
// ',' (always printable). Returns false when |random| fails.
bool RandomPrintable(Random& random, size_t n, std::string* out);

// IsPrintableNonce reports whether |s| is RFC 5802 printable: %x21-2B /
// %x2D-7E, non-empty. On false, |*bad| is the offset of the bad byte.
bool IsPrintableNonce(std::string_view s, size_t* bad);

// ValidUtf8 reports whether |s| is well-formed UTF-8 (no surrogates, no
// overlongs, at most U+10FFFF); on false |*bad| is the offset.
bool ValidUtf8(std::string_view s, size_t* bad);

// Fail sets *failure (when not null) and returns false.
inline bool Fail(Failure* failure, Error code, size_t offset,
                 ServerError server_error = ServerError::kNone) {
  if (failure != nullptr) *failure = Failure{code, server_error, offset};
  return false;
}

}  // namespace xmppfuzz::sasl::internal

#endif  // XMPPFUZZ_TARGETS_SASL_INTERNAL_H_
