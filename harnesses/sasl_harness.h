// Shared helpers for the SASL fuzz harnesses: fuzzer choices that name
// mechanisms and channel bindings, the RFC 5802 / RFC 7677 test accounts, an
// independent SCRAM computation (OpenSSL's PKCS5_PBKDF2_HMAC, HMAC and
// EVP_Digest called here, never the library's own code) that the oracles
// compare the library against, and failure reports that never print a secret.
#ifndef XMPPFUZZ_HARNESSES_SASL_HARNESS_H_
#define XMPPFUZZ_HARNESSES_SASL_HARNESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harnesses/harness.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::harness {

// Message takes a peer message from the input: two length bytes (big
// endian, capped at |max|), then that many bytes (fewer at the end).
std::string_view Message(FuzzInput& in, size_t max = 8192);

// --- fuzzer choices ---------------------------------------------------------

// kScramMechanisms are the six SCRAM mechanisms; ScramFrom picks one by the
// low three bits of a choice byte (6 and 7 wrap to the first two).
extern const sasl::Mechanism kScramMechanisms[6];
inline sasl::Mechanism ScramFrom(uint8_t b) { return kScramMechanisms[(b & 7) % 6]; }
// HashFrom picks a hash by the low two bits (3 wraps to SHA-1).
inline sasl::Hash HashFrom(uint8_t b) {
  b = (b & 3) % 3;
  return b == 0 ? sasl::Hash::kSha1 : b == 1 ? sasl::Hash::kSha256 : sasl::Hash::kSha512;
}

// FixedBinding is the harness's binding data for |type| (what a TLS layer
// would give: a 12-byte Finished for tls-unique, a SHA-256 certificate hash
// for tls-server-end-point, a 32-byte exporter value for tls-exporter).
sasl::ChannelBinding FixedBinding(sasl::CbType type);
// BindingsFrom returns the fixed bindings whose bit (1 tls-unique, 2
// tls-server-end-point, 4 tls-exporter) is set in |mask|.
std::vector<sasl::ChannelBinding> BindingsFrom(uint8_t mask);
// CbTypeFrom: 0 tls-unique, 1 tls-server-end-point, 2 tls-exporter (mod 3).
inline sasl::CbType CbTypeFrom(uint8_t b) {
  return b % 3 == 0   ? sasl::CbType::kTlsUnique
         : b % 3 == 1 ? sasl::CbType::kTlsServerEndPoint
                      : sasl::CbType::kTlsExporter;
}

// --- the test account --------------------------------------------------------

// The account of RFC 5802 section 5 and RFC 7677 section 3: user "user",
// password "pencil", i=4096; salts QSXCR+Q6sek8bf92 (SHA-1, RFC 5802),
// W22ZaJ0SNY7soEsUEjb6gQ== (SHA-256, RFC 7677) and one of ours for SHA-512.
inline constexpr std::string_view kUser = "user";
inline constexpr std::string_view kPassword = "pencil";
inline constexpr uint32_t kIterations = 4096;
std::string AccountSalt(sasl::Hash hash);  // raw bytes

// The client nonces of the RFC examples, and the server nonce parts, so that
// seeds taken from the RFCs replay byte for byte.
extern const std::string_view kClientNonces[3];  // RFC 5802, RFC 7677, ours
extern const std::string_view kServerNonces[3];

// --- independent SCRAM (RFC 5802 section 3) ---------------------------------

// ScramKeys is SaltedPassword and what follows from it. Wiped on destruction.
struct ScramKeys {
  sasl::Hash hash = sasl::Hash::kSha256;
  std::string salted, client_key, stored_key, server_key;
  ScramKeys() = default;
  ScramKeys(const ScramKeys&) = default;
  ScramKeys& operator=(const ScramKeys&) = default;
  ~ScramKeys();
};

// OsslDigest / OsslHmac / OsslPbkdf2 call OpenSSL directly.
std::string OsslDigest(sasl::Hash hash, std::string_view data);
std::string OsslHmac(sasl::Hash hash, std::string_view key, std::string_view data);
std::string OsslPbkdf2(sasl::Hash hash, std::string_view password, std::string_view salt, uint32_t iterations);
// DeriveKeys runs Hi() on an already SASLprep'ed password.
ScramKeys DeriveKeys(sasl::Hash hash, std::string_view prepared_password, std::string_view salt, uint32_t iterations);
// AccountKeys are the account's keys for |hash| (computed once).
const ScramKeys& AccountKeys(sasl::Hash hash);
// ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage);
// ServerSignature = HMAC(ServerKey, AuthMessage).
std::string ClientProof(const ScramKeys& k, std::string_view auth_message);
std::string ServerSignature(const ScramKeys& k, std::string_view auth_message);

// OsslBase64 encodes with EVP_EncodeBlock; OsslUnbase64 decodes with
// EVP_DecodeBlock (padding bytes removed); nullopt when OpenSSL refuses.
std::string OsslBase64(std::string_view bytes);
std::optional<std::string> OsslUnbase64(std::string_view text);

// XEP-0474 (0.5.0) h=, computed here: base64(H(sorted mechanisms joined by
// 0x1E [0x1F sorted channel-binding types joined by 0x1E])).
std::string DowngradeHashOf(sasl::Hash hash, const sasl::Offer& offer);

// --- the client's mechanism choice, modelled here --------------------------

// kMechanismNames are the names the policy fuzzer draws from: the seven we
// implement (in the order of Rank), then weak and unknown ones.
extern const std::string_view kMechanismNames[16];
// Rank is RFC 6120 6.3.3 "strongest first" as the issue orders it: PLAIN 0,
// SCRAM-SHA-1 1, SCRAM-SHA-1-PLUS 2, ... SCRAM-SHA-512-PLUS 6; -1 for names
// we do not implement (weak ones included).
int Rank(std::string_view name);

// ExpectedChoice is what a correct client must pick from |offer| under
// |policy| (RFC 5802 section 6, RFC 6120 6.3.3 and 13.8.3, XEP-0440,
// XEP-0474 rule 6): with a binding the server lists and -PLUS offered, the
// strongest -PLUS (binding by preference tls-exporter, tls-server-end-point,
// tls-unique); with bindings but none listed, the strongest SCRAM with the
// XEP-0474 fallback; otherwise the strongest SCRAM, or PLAIN where allowed.
// |downgrade| is set when the pinned list names a stronger mechanism that
// is missing, or PLAIN is all that is left after SCRAM was pinned.
struct ExpectedChoice {
  std::optional<std::string> mechanism;  // nullopt: nothing acceptable
  std::optional<sasl::CbType> binding;   // for -PLUS, or the gs2 'y' binding
  bool fallback = false;
  bool plus_offered = false;
  bool downgrade = false;
};
ExpectedChoice ModelChoice(const sasl::Offer& offer, const sasl::ClientPolicy& policy);

// --- reading messages without the library's parser -------------------------

// Attr returns the value of the first "x=" attribute named |name| of a
// comma-separated attribute list, or nullopt.
std::optional<std::string_view> Attr(std::string_view attrs, char name);
// Gs2Length is the length of the gs2 header at the start of client-first
// (through its second comma), or npos.
size_t Gs2Length(std::string_view client_first);
// SplitProof splits client-final at its last ",p=": the message without the
// proof and the decoded proof. False when there is no ",p=" or it is not base64.
bool SplitProof(std::string_view client_final, std::string* without_proof, std::string* proof);

// --- secrets in reports --------------------------------------------------------

// Secrets are byte strings that must never be printed: a property check
// (RequireNoSecret) fails when one appears (raw, base64 or hex) in text the
// library produced, and SaslFail withholds a report that would carry one.
class Secrets {
 public:
  void Add(std::string_view secret);
  void AddKeys(const ScramKeys& k);
  // Contains reports whether |text| carries a secret (raw, base64 or hex).
  bool Contains(std::string_view text) const;
  // RequireNoSecret fails (naming only |where|) when |text| carries a secret.
  void RequireNoSecret(std::string_view where, std::string_view text, std::string_view input) const;

 private:
  std::vector<std::string> forms_;
};

// SaslFail reports a violated property: |what| (machine debug strings,
// failure descriptions) and the fuzz input, never a secret. If |what|
// carries one, it is withheld.
[[noreturn]] void SaslFail(const Secrets& secrets, const std::string& what, std::string_view input);

}  // namespace xmppfuzz::harness

#endif  // XMPPFUZZ_HARNESSES_SASL_HARNESS_H_
