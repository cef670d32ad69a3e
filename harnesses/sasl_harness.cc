#include "harnesses/sasl_harness.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "targets/base/base.h"

namespace xmppfuzz::harness {

using sasl::Hash;

std::string_view Message(FuzzInput& in, size_t max) {
  size_t n = (static_cast<size_t>(in.Byte()) << 8) | in.Byte();
  std::string_view rest = in.Rest();
  n = std::min({n, max, rest.size()});
  std::string_view m = rest.substr(0, n);
  for (size_t i = 0; i < n; ++i) in.Byte();
  return m;
}

const sasl::Mechanism kScramMechanisms[6] = {
    sasl::Mechanism::kScramSha1,       sasl::Mechanism::kScramSha1Plus, sasl::Mechanism::kScramSha256,
    sasl::Mechanism::kScramSha256Plus, sasl::Mechanism::kScramSha512,   sasl::Mechanism::kScramSha512Plus,
};

const std::string_view kClientNonces[3] = {"fyko+d2lbbFgONRv9qkxdawL", "rOprNGfwEbeRWgbNEkqO",
                                           "xmppfuzz-client-nonce-0123"};
const std::string_view kServerNonces[3] = {"3rfcNHYJY1ZVvWVs7j", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
                                           "xmppfuzz-server-nonce-4567"};

sasl::ChannelBinding FixedBinding(sasl::CbType type) {
  switch (type) {
    case sasl::CbType::kTlsUnique:
      return {type, std::string("\x14\x00\x00\x0c"
                                "finished",
                                12)};
    case sasl::CbType::kTlsServerEndPoint:
      return {type, OsslDigest(Hash::kSha256, "xmppfuzz test certificate")};
    case sasl::CbType::kTlsExporter:
      return {type, OsslDigest(Hash::kSha256, "xmppfuzz EXPORTER-Channel-Binding")};
  }
  return {};
}

std::vector<sasl::ChannelBinding> BindingsFrom(uint8_t mask) {
  std::vector<sasl::ChannelBinding> out;
  if (mask & 1) out.push_back(FixedBinding(sasl::CbType::kTlsUnique));
  if (mask & 2) out.push_back(FixedBinding(sasl::CbType::kTlsServerEndPoint));
  if (mask & 4) out.push_back(FixedBinding(sasl::CbType::kTlsExporter));
  return out;
}

std::string AccountSalt(Hash hash) {
  switch (hash) {
    case Hash::kSha1:
      return *OsslUnbase64("QSXCR+Q6sek8bf92");
    case Hash::kSha256:
      return *OsslUnbase64("W22ZaJ0SNY7soEsUEjb6gQ==");
    case Hash::kSha512:
      return *OsslUnbase64("eG1wcGZ1enotc2hhNTEy");
  }
  return {};
}

// --- OpenSSL, called directly --------------------------------------------------

namespace {

const EVP_MD* Md(Hash h) { return h == Hash::kSha1 ? EVP_sha1() : h == Hash::kSha256 ? EVP_sha256() : EVP_sha512(); }
const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

std::string Hex(std::string_view s, const char* digits) {
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

ScramKeys::~ScramKeys() {
  Wipe(salted);
  Wipe(client_key);
  Wipe(stored_key);
  Wipe(server_key);
}

std::string OsslDigest(Hash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, Md(hash), nullptr) != 1) std::abort();
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string OsslHmac(Hash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (HMAC(Md(hash), key.data(), static_cast<int>(key.size()), U(data), data.size(), out, &n) == nullptr) {
    std::abort();
  }
  std::string s(reinterpret_cast<char*>(out), n);
  OPENSSL_cleanse(out, sizeof out);
  return s;
}

std::string OsslPbkdf2(Hash hash, std::string_view password, std::string_view salt, uint32_t iterations) {
  std::string out(static_cast<size_t>(EVP_MD_get_size(Md(hash))), '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), U(salt), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), Md(hash), static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    std::abort();
  }
  return out;
}

ScramKeys DeriveKeys(Hash hash, std::string_view prepared_password, std::string_view salt, uint32_t iterations) {
  ScramKeys k;
  k.hash = hash;
  k.salted = OsslPbkdf2(hash, prepared_password, salt, iterations);
  k.client_key = OsslHmac(hash, k.salted, "Client Key");
  k.stored_key = OsslDigest(hash, k.client_key);
  k.server_key = OsslHmac(hash, k.salted, "Server Key");
  return k;
}

const ScramKeys& AccountKeys(Hash hash) {
  static const ScramKeys keys[3] = {
      DeriveKeys(Hash::kSha1, kPassword, AccountSalt(Hash::kSha1), kIterations),
      DeriveKeys(Hash::kSha256, kPassword, AccountSalt(Hash::kSha256), kIterations),
      DeriveKeys(Hash::kSha512, kPassword, AccountSalt(Hash::kSha512), kIterations),
  };
  return keys[static_cast<size_t>(hash)];
}

std::string ClientProof(const ScramKeys& k, std::string_view auth_message) {
  std::string proof = OsslHmac(k.hash, k.stored_key, auth_message);
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ k.client_key[i]);
  return proof;
}

std::string ServerSignature(const ScramKeys& k, std::string_view auth_message) {
  return OsslHmac(k.hash, k.server_key, auth_message);
}

std::string OsslBase64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(bytes), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> OsslUnbase64(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(text), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n));
  // EVP_DecodeBlock counts the bytes the padding stands for; drop them.
  std::string_view t = text;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r' || t.back() == '\n'))
    t.remove_suffix(1);
  for (size_t i = 0; i < 2 && !t.empty() && t.back() == '='; ++i) {
    t.remove_suffix(1);
    if (!out.empty()) out.pop_back();
  }
  return out;
}

std::string DowngradeHashOf(Hash hash, const sasl::Offer& offer) {
  auto join = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "\x1e" : "") + v[i];
    return s;
  };
  std::string input = join(offer.mechanisms);
  if (offer.channel_bindings) input += "\x1f" + join(*offer.channel_bindings);
  return OsslBase64(OsslDigest(hash, input));
}

// --- the mechanism choice ------------------------------------------------------------

const std::string_view kMechanismNames[16] = {
    "PLAIN",         "SCRAM-SHA-1",        "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",  "SCRAM-SHA-256-PLUS",
    "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS", "DIGEST-MD5",       "CRAM-MD5",       "ANONYMOUS",
    "LOGIN",         "EXTERNAL",           "X-OAUTH2",         "SCRAM-SHA3-512", "GSSAPI",
    "NTLM",
};

int Rank(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (kMechanismNames[i] == name) return i;
  }
  return -1;
}

ExpectedChoice ModelChoice(const sasl::Offer& offer, const sasl::ClientPolicy& policy) {
  ExpectedChoice e;
  auto offered = [&](std::string_view n) {
    return std::find(offer.mechanisms.begin(), offer.mechanisms.end(), n) != offer.mechanisms.end();
  };
  for (const std::string& n : offer.mechanisms) e.plus_offered |= Rank(n) > 0 && n.ends_with("-PLUS");
  std::optional<sasl::CbType> mutual;
  for (sasl::CbType t : {sasl::CbType::kTlsExporter, sasl::CbType::kTlsServerEndPoint, sasl::CbType::kTlsUnique}) {
    const bool client_has = std::any_of(policy.channel_bindings.begin(), policy.channel_bindings.end(),
                                        [&](const sasl::ChannelBinding& b) { return b.type == t; });
    const bool listed =
        !offer.channel_bindings || std::find(offer.channel_bindings->begin(), offer.channel_bindings->end(),
                                             sasl::CbTypeName(t)) != offer.channel_bindings->end();
    if (client_has && listed && !mutual) mutual = t;
  }
  const bool plus_only = e.plus_offered && mutual;
  e.fallback = e.plus_offered && !mutual && !policy.channel_bindings.empty();
  const bool plain_ok = policy.allow_plain && !policy.pinned_scram && (policy.tls || policy.allow_plain_without_tls);
  int best = -1;
  for (const std::string& n : offer.mechanisms) {
    const int r = Rank(n);
    const bool plus = r > 0 && n.ends_with("-PLUS");
    const bool allowed = r > 0 ? plus == plus_only : r == 0 && plain_ok && !plus_only && !e.fallback;
    if (allowed && r > best) best = r;
  }
  if (best >= 0) e.mechanism = std::string(kMechanismNames[best]);
  if (plus_only) e.binding = mutual;
  if (!e.plus_offered && best > 0 && !policy.channel_bindings.empty()) e.binding = policy.channel_bindings.front().type;
  if (!e.mechanism && policy.pinned_scram && policy.allow_plain && offered("PLAIN")) e.downgrade = true;
  if (e.mechanism && policy.pinned_mechanisms) {
    for (const std::string& n : *policy.pinned_mechanisms) e.downgrade |= Rank(n) > best && !offered(n);
  }
  return e;
}

// --- messages ---------------------------------------------------------------------

std::optional<std::string_view> Attr(std::string_view attrs, char name) {
  size_t pos = 0;
  while (pos <= attrs.size()) {
    size_t end = attrs.find(',', pos);
    if (end == std::string_view::npos) end = attrs.size();
    std::string_view a = attrs.substr(pos, end - pos);
    if (a.size() >= 2 && a[0] == name && a[1] == '=') return a.substr(2);
    pos = end + 1;
  }
  return std::nullopt;
}

size_t Gs2Length(std::string_view client_first) {
  const size_t first = client_first.find(',');
  if (first == std::string_view::npos) return std::string_view::npos;
  const size_t second = client_first.find(',', first + 1);
  return second == std::string_view::npos ? second : second + 1;
}

bool SplitProof(std::string_view client_final, std::string* without_proof, std::string* proof) {
  const size_t at = client_final.rfind(",p=");
  if (at == std::string_view::npos) return false;
  std::optional<std::string> p = OsslUnbase64(client_final.substr(at + 3));
  if (!p) return false;
  *without_proof = std::string(client_final.substr(0, at));
  *proof = std::move(*p);
  return true;
}

// --- secrets -------------------------------------------------------------------------

void Secrets::Add(std::string_view secret) {
  if (secret.empty()) return;
  forms_.emplace_back(secret);
  forms_.push_back(OsslBase64(secret));
  forms_.push_back(Hex(secret, "0123456789abcdef"));
  forms_.push_back(Hex(secret, "0123456789ABCDEF"));
}

void Secrets::AddKeys(const ScramKeys& k) {
  Add(k.salted);
  Add(k.client_key);
  Add(k.stored_key);
  Add(k.server_key);
}

bool Secrets::Contains(std::string_view text) const {
  return std::any_of(forms_.begin(), forms_.end(),
                     [&](const std::string& f) { return text.find(f) != std::string_view::npos; });
}

void Secrets::RequireNoSecret(std::string_view where, std::string_view text, std::string_view input) const {
  if (Contains(text)) SaslFail(*this, "a secret (password or key) appears in " + std::string(where), input);
}

void SaslFail(const Secrets& secrets, const std::string& what, std::string_view input) {
  if (secrets.Contains(what)) Fail("(report withheld: it would print a secret)", input);
  Fail(what, input);
}

}  // namespace xmppfuzz::harness
