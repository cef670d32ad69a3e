// Hashes, HMAC, PBKDF2 and randomness (all OpenSSL), stored credentials,
// the XEP-0474 hash, and the mechanism / channel-binding tables.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {
namespace internal {
namespace {

const EVP_MD* Md(Hash hash) {
  switch (hash) {
    case Hash::kSha1:
      return EVP_sha1();
    case Hash::kSha256:
      return EVP_sha256();
    case Hash::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

std::string Digest(Hash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, Md(hash), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hmac(Hash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(Md(hash), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len) == nullptr) {
    return {};
  }
  std::string result(reinterpret_cast<const char*>(out), len);
  OPENSSL_cleanse(out, sizeof(out));
  return result;
}

std::string Hi(Hash hash, std::string_view password, std::string_view salt, uint32_t iterations) {
  std::string out(HashSize(hash), '\0');
  if (iterations == 0 || iterations > static_cast<uint32_t>(INT32_MAX) ||
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), Md(hash), static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    Cleanse(out);
    return {};
  }
  return out;
}

void XorInto(std::string& a, std::string_view b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i]);
}

bool Equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

bool RandomPrintable(Random& random, size_t n, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(n, '\0');
  if (!random.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), n))) return false;
  out->resize(n);
  for (size_t i = 0; i < n; ++i) (*out)[i] = kAlphabet[static_cast<uint8_t>(bytes[i]) & 63];
  return true;
}

bool IsPrintableNonce(std::string_view s, size_t* bad) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x21 || c > 0x7E || c == ',') {
      *bad = i;
      return false;
    }
  }
  *bad = 0;
  return !s.empty();
}

bool ValidUtf8(std::string_view s, size_t* bad) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      *bad = i;
      return false;
    }
    if (s.size() - i < len) {
      *bad = i;
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        *bad = i;
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *bad = i;
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace internal

// --- mechanisms ------------------------------------------------------------

namespace {

struct MechanismRow {
  Mechanism mechanism;
  std::string_view name;
  int strength;
};

constexpr MechanismRow kMechanisms[] = {
    {Mechanism::kPlain, "PLAIN", 0},
    {Mechanism::kScramSha1, "SCRAM-SHA-1", 1},
    {Mechanism::kScramSha1Plus, "SCRAM-SHA-1-PLUS", 2},
    {Mechanism::kScramSha256, "SCRAM-SHA-256", 3},
    {Mechanism::kScramSha256Plus, "SCRAM-SHA-256-PLUS", 4},
    {Mechanism::kScramSha512, "SCRAM-SHA-512", 5},
    {Mechanism::kScramSha512Plus, "SCRAM-SHA-512-PLUS", 6},
};

}  // namespace

size_t HashSize(Hash h) {
  switch (h) {
    case Hash::kSha1:
      return 20;
    case Hash::kSha256:
      return 32;
    case Hash::kSha512:
      return 64;
  }
  return 32;
}

std::string_view HashName(Hash h) {
  switch (h) {
    case Hash::kSha1:
      return "SHA-1";
    case Hash::kSha256:
      return "SHA-256";
    case Hash::kSha512:
      return "SHA-512";
  }
  return "?";
}

std::string_view MechanismName(Mechanism m) {
  for (const MechanismRow& row : kMechanisms) {
    if (row.mechanism == m) return row.name;
  }
  return "?";
}

std::optional<Mechanism> MechanismFromName(std::string_view name) {
  for (const MechanismRow& row : kMechanisms) {
    if (row.name == name) return row.mechanism;
  }
  return std::nullopt;
}

bool IsScram(Mechanism m) { return m != Mechanism::kPlain; }

bool IsPlus(Mechanism m) {
  return m == Mechanism::kScramSha1Plus || m == Mechanism::kScramSha256Plus ||
         m == Mechanism::kScramSha512Plus;
}

Hash HashOf(Mechanism m) {
  switch (m) {
    case Mechanism::kScramSha256:
    case Mechanism::kScramSha256Plus:
      return Hash::kSha256;
    case Mechanism::kScramSha512:
    case Mechanism::kScramSha512Plus:
      return Hash::kSha512;
    default:
      return Hash::kSha1;
  }
}

Mechanism ScramMechanism(Hash h, bool plus) {
  switch (h) {
    case Hash::kSha1:
      return plus ? Mechanism::kScramSha1Plus : Mechanism::kScramSha1;
    case Hash::kSha256:
      return plus ? Mechanism::kScramSha256Plus : Mechanism::kScramSha256;
    case Hash::kSha512:
      return plus ? Mechanism::kScramSha512Plus : Mechanism::kScramSha512;
  }
  return Mechanism::kScramSha256;
}

int Strength(Mechanism m) {
  for (const MechanismRow& row : kMechanisms) {
    if (row.mechanism == m) return row.strength;
  }
  return -1;
}

bool IsWeakMechanismName(std::string_view name) {
  // Mechanisms that send the password in a recoverable form, rest on MD5 or
  // DES, or authenticate nobody (RFC 6331 moved DIGEST-MD5 to Historic;
  // CRAM-MD5 keeps plaintext-equivalent secrets on the server).
  static constexpr std::string_view kWeak[] = {
      "DIGEST-MD5", "CRAM-MD5", "ANONYMOUS", "LOGIN", "NTLM", "OTP", "SKEY", "KERBEROS_V4",
      "X-OAUTH2",   "SCRAM-MD5", "9798-U-RSA-SHA1-ENC",
  };
  return std::find(std::begin(kWeak), std::end(kWeak), name) != std::end(kWeak);
}

std::string_view CbTypeName(CbType t) {
  switch (t) {
    case CbType::kTlsUnique:
      return "tls-unique";
    case CbType::kTlsServerEndPoint:
      return "tls-server-end-point";
    case CbType::kTlsExporter:
      return "tls-exporter";
  }
  return "?";
}

std::optional<CbType> CbTypeFromName(std::string_view name) {
  for (CbType t : {CbType::kTlsUnique, CbType::kTlsServerEndPoint, CbType::kTlsExporter}) {
    if (CbTypeName(t) == name) return t;
  }
  return std::nullopt;
}

// --- XEP-0474 --------------------------------------------------------------

std::string DowngradeHashInput(const Offer& offer) {
  // std::string's operator< compares as unsigned octets (char_traits<char>
  // compares as unsigned char), which is i;octet (RFC 4790 9.3).
  std::vector<std::string> mechanisms = offer.mechanisms;
  std::sort(mechanisms.begin(), mechanisms.end());
  std::string s;
  for (size_t i = 0; i < mechanisms.size(); ++i) {
    if (i != 0) s += '\x1E';
    s += mechanisms[i];
  }
  if (offer.channel_bindings) {
    std::vector<std::string> types = *offer.channel_bindings;
    std::sort(types.begin(), types.end());
    s += '\x1F';
    for (size_t i = 0; i < types.size(); ++i) {
      if (i != 0) s += '\x1E';
      s += types[i];
    }
  }
  return s;
}

std::string DowngradeHash(Hash hash, const Offer& offer) {
  return Base64Encode(internal::Digest(hash, DowngradeHashInput(offer)));
}

// --- credentials -----------------------------------------------------------

std::optional<StoredCredentials> DeriveCredentials(Hash hash, std::string_view password,
                                                   std::string_view salt, uint32_t iterations,
                                                   Failure* failure) {
  if (salt.empty()) {
    internal::Fail(failure, Error::kBadSalt, 0);
    return std::nullopt;
  }
  if (iterations == 0) {
    internal::Fail(failure, Error::kIterationsTooLow, 0);
    return std::nullopt;
  }
  std::optional<std::string> prepared = Saslprep(password, SaslprepMode::kQuery, failure);
  if (!prepared) return std::nullopt;
  internal::SecretString prep(std::move(*prepared));
  internal::SecretString salted(internal::Hi(hash, prep.value, salt, iterations));
  if (salted.value.empty()) {
    internal::Fail(failure, Error::kNoResources, 0);
    return std::nullopt;
  }
  internal::SecretString client_key(internal::Hmac(hash, salted.value, "Client Key"));
  StoredCredentials out;
  out.hash = hash;
  out.salt = std::string(salt);
  out.iterations = iterations;
  out.stored_key = internal::Digest(hash, client_key.value);
  out.server_key = internal::Hmac(hash, salted.value, "Server Key");
  if (failure != nullptr) *failure = Failure{};
  return out;
}

// --- randomness ------------------------------------------------------------

bool OpenSslRandom::Fill(std::span<uint8_t> out) {
  if (out.empty()) return true;
  return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

bool SeededRandom::Fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    unsigned char block_in[16];
    for (int i = 0; i < 8; ++i) {
      block_in[i] = static_cast<unsigned char>(seed_ >> (8 * i));
      block_in[8 + i] = static_cast<unsigned char>(counter_ >> (8 * i));
    }
    ++counter_;
    const std::string block =
        internal::Digest(Hash::kSha256, std::string_view(reinterpret_cast<char*>(block_in), 16));
    if (block.empty()) return false;
    const size_t n = std::min(block.size(), out.size() - done);
    std::memcpy(out.data() + done, block.data(), n);
    done += n;
  }
  return true;
}

Random& DefaultRandom() {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  static SeededRandom random(0x786d7070667a7a);  // "xmppfzz"
#else
  static OpenSslRandom random;
#endif
  return random;
}

}  // namespace xmppfuzz::sasl
