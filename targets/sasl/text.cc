// Strict base64 (RFC 4648), SCRAM saslname escaping (RFC 5802 5.1) and
// SASLprep (RFC 4013, through libidn's stringprep).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stringprep.h>

#include <cstdlib>
#include <cstring>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::Fail;

namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : 63;
}

}  // namespace

std::string Base64Encode(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  if (bytes.empty()) return out;
  // EVP_EncodeBlock writes a NUL after the output; give it room.
  out.resize(out.size() + 1);
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  return Base64Encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// Base64Decode: the strictness pass below refuses everything RFC 4648
// section 4 does not produce (EVP_DecodeBlock alone skips leading and
// trailing whitespace and ignores nonzero padding bits); what passes is
// decoded by OpenSSL.
std::optional<std::string> Base64Decode(std::string_view text, Failure* failure) {
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (++padding > 2) {
        Fail(failure, Error::kBase64BadPadding, i);
        return std::nullopt;
      }
      continue;
    }
    if (!IsBase64Char(c)) {
      Fail(failure, Error::kBase64BadChar, i);
      return std::nullopt;
    }
    if (padding != 0) {  // data after '='
      Fail(failure, Error::kBase64BadPadding, i - padding);
      return std::nullopt;
    }
  }
  if (text.size() % 4 != 0) {
    Fail(failure, Error::kBase64Length, text.size() - text.size() % 4);
    return std::nullopt;
  }
  if (text.empty()) {
    if (failure != nullptr) *failure = Failure{};
    return std::string();
  }
  // The last data character before the padding must carry no bits beyond
  // the encoded bytes (RFC 4648 3.5): 4 zero bits before "==", 2 before "=".
  if (padding != 0) {
    const size_t last = text.size() - padding - 1;
    const int mask = padding == 2 ? 0x0F : 0x03;
    if ((Base64Value(text[last]) & mask) != 0) {
      Fail(failure, Error::kBase64NonCanonical, last);
      return std::nullopt;
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) != out.size()) {
    Fail(failure, Error::kBase64BadChar, 0);  // not reached: the pass above is stricter
    return std::nullopt;
  }
  out.resize(out.size() - padding);
  if (failure != nullptr) *failure = Failure{};
  return out;
}

std::string SaslnameEncode(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> SaslnameDecode(std::string_view text, Failure* failure) {
  if (text.empty()) {
    Fail(failure, Error::kSaslnameEmpty, 0);
    return std::nullopt;
  }
  size_t bad = 0;
  if (!internal::ValidUtf8(text, &bad)) {
    Fail(failure, Error::kBadUtf8, bad);
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ',') {
      Fail(failure, Error::kSaslnameRawComma, i);
      return std::nullopt;
    }
    if (c != '=') {
      out += c;
      continue;
    }
    const std::string_view esc = text.substr(i + 1, 2);
    if (esc == "2C") {
      out += ',';
    } else if (esc == "3D") {
      out += '=';
    } else {
      Fail(failure, Error::kSaslnameBadEscape, i);
      return std::nullopt;
    }
    i += 2;
  }
  if (failure != nullptr) *failure = Failure{};
  return out;
}

std::optional<std::string> Saslprep(std::string_view in, SaslprepMode mode, Failure* failure) {
  size_t bad = 0;
  if (!internal::ValidUtf8(in, &bad)) {
    Fail(failure, Error::kBadUtf8, bad);
    return std::nullopt;
  }
  // NUL is prohibited output (RFC 4013 2.3, RFC 3454 C.2.1); libidn takes a
  // C string, so refuse it here rather than let it truncate the input.
  if (const size_t nul = in.find('\0'); nul != std::string_view::npos) {
    Fail(failure, Error::kSaslprepProhibited, nul);
    return std::nullopt;
  }
  if (in.empty()) {
    if (failure != nullptr) *failure = Failure{};
    return std::string();
  }
  internal::SecretString input{std::string(in)};
  char* out = nullptr;
  const Stringprep_profile_flags flags = mode == SaslprepMode::kStored ? STRINGPREP_NO_UNASSIGNED : static_cast<Stringprep_profile_flags>(0);
  const int rc = stringprep_profile(input.value.c_str(), &out, "SASLprep", flags);
  if (rc != STRINGPREP_OK || out == nullptr) {
    if (out != nullptr) std::free(out);
    Fail(failure, rc == STRINGPREP_MALLOC_ERROR ? Error::kNoResources : Error::kSaslprepProhibited, 0);
    return std::nullopt;
  }
  std::string result(out);
  OPENSSL_cleanse(out, result.size());
  std::free(out);
  if (result.empty()) {
    Fail(failure, Error::kSaslprepEmpty, 0);
    return std::nullopt;
  }
  if (failure != nullptr) *failure = Failure{};
  return result;
}

}  // namespace xmppfuzz::sasl
