#include "conformance/runner/oracle.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace xmppfuzz::conform::oracle {
namespace {

const EVP_MD* Md(sasl::Hash h) {
  switch (h) {
    case sasl::Hash::kSha1: return EVP_sha1();
    case sasl::Hash::kSha256: return EVP_sha256();
    case sasl::Hash::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

std::string Hmac(sasl::Hash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Md(hash), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Digest(sasl::Hash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, Md(hash), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Pbkdf2(sasl::Hash hash, std::string_view password, std::string_view salt, uint32_t iterations) {
  std::string out(static_cast<size_t>(EVP_MD_get_size(Md(hash))), '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    static_cast<int>(iterations), Md(hash), static_cast<int>(out.size()),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string Xor(std::string a, std::string_view b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i]);
  return a;
}

std::string XmlAttr(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace xmppfuzz::conform::oracle
