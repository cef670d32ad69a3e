// xmppfuzz reference SASL: SCRAM (RFC 5802, RFC 7677) client and server for
// SHA-1, SHA-256 and SHA-512, each also as -PLUS with channel binding
// (tls-unique, tls-server-end-point, tls-exporter / RFC 9266), PLAIN
// (RFC 4616), a mechanism policy for both sides, XEP-0474 downgrade
// protection, XEP-0440 channel-binding capability, and the RFC 6120 section 6
// XMPP elements built and parsed over the XML layer's tree.
//
// Design rules that every part follows:
//  - Errors are values. Each refusal is one Error code (which rule fired),
//    with the RFC 5802 server-error value where one applies and the byte
//    offset in the message at issue; ConditionFor() maps either to the
//    RFC 6120 section 6.5 failure condition.
//  - The SCRAM client and server are explicit state machines in the style of
//    a TLS handshake: one State enum naming what each state waits for, one
//    function per state, a driver loop, and wait codes instead of blocking.
//    The caller moves the bytes; nothing here does I/O.
//  - Secrets (passwords, salted passwords, client and server keys, proofs)
//    never appear in a Failure, a name, or a debug string. Key material is
//    cleansed with OPENSSL_cleanse when it goes out of use.
//  - Randomness (nonces, salts) comes from an injectable Random. The default
//    is OpenSSL's RAND_bytes; builds with
//    FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION use a seeded generator so every
//    fuzz input replays identically. Each side's nonce can also be fixed.
//  - Crypto is OpenSSL's (EVP_Digest, HMAC, PKCS5_PBKDF2_HMAC, CRYPTO_memcmp,
//    EVP_EncodeBlock / EVP_DecodeBlock); SASLprep is libidn's stringprep.
#ifndef XMPPFUZZ_TARGETS_SASL_SASL_H_
#define XMPPFUZZ_TARGETS_SASL_SASL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::sasl {

inline constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kSaslCbNs = "urn:xmpp:sasl-cb:0";

// kMinIterations is the RFC 7677 / RFC 5802 floor on the SCRAM iteration
// count: a client refuses less, a server never issues less.
inline constexpr uint32_t kMinIterations = 4096;

// kDefaultMaxIterations is the client's default ceiling on the iteration
// count a server may ask for (a DoS cap: a hostile server must not make the
// client spin). Measured with PKCS5_PBKDF2_HMAC on the project's 2-core
// build machine (OpenSSL 3.0): SHA-1 about 2.0 million iterations/s,
// SHA-256 about 3.1 million/s, SHA-512 about 1.4 million/s. 600,000 keeps
// the worst case (SHA-512) near 0.45 s of one core per exchange while
// admitting the count OWASP recommends for password storage (600,000 for
// PBKDF2-HMAC-SHA-256).
inline constexpr uint32_t kDefaultMaxIterations = 600000;

// kDefaultMaxMessageBytes bounds one SCRAM or PLAIN message (decoded). RFC
// 5802 messages are a few hundred bytes; binding data for tls-server-end-point
// is a hash (at most 64 bytes), so 4 KiB leaves ample room.
inline constexpr size_t kDefaultMaxMessageBytes = 4096;

// ---------------------------------------------------------------------------
// Error values

// Error names the rule that refused an input or an exchange. Parsing codes
// are shared by both sides; the "client check" codes are what a client
// reports about a server, the "server check" codes what a server reports
// about a client. ServerErrorFor() gives the RFC 5802 server-error value a
// server sends for each; ConditionFor() the RFC 6120 SASL condition.
enum class Error : uint8_t {
  kNone,
  // Base64 (RFC 4648 section 4, strict).
  kBase64Length,        // length not a multiple of 4
  kBase64BadChar,       // a byte outside the alphabet (whitespace included)
  kBase64BadPadding,    // '=' anywhere but the last one or two places
  kBase64NonCanonical,  // nonzero bits in the padding (RFC 4648 section 3.5)
  // saslname (RFC 5802 section 5.1).
  kSaslnameBadEscape,   // '=' not followed by "2C" or "3D"
  kSaslnameRawComma,    // a ',' inside a saslname
  kSaslnameEmpty,       // an empty user name
  kBadUtf8,             // not valid UTF-8 where UTF-8 is required
  // SASLprep (RFC 4013).
  kSaslprepProhibited,  // prohibited output, bidi rule, or unassigned (stored)
  kSaslprepEmpty,       // SASLprep maps the string to nothing
  // RFC 5802 section 7 grammar.
  kMessageTooLong,      // over the configured message limit
  kEmptyMessage,        // an empty message where one is required
  kBadGs2Header,        // gs2-header not "n,", "y," or "p=cb-name," then authzid ","
  kBadCbName,           // cb-name not 1*(ALPHA / DIGIT / "." / "-")
  kBadAuthzid,          // "a=" value malformed
  kMissingAttribute,    // a required attribute is absent or out of order
  kBadAttribute,        // not "x=value" (attr-val grammar)
  kBadNonce,            // nonce empty or not printable (no ',')
  kBadSalt,             // salt empty or not valid base64
  kBadIterationCount,   // i= not a posit-number (1-9 then digits, fits 32 bits)
  kMandatoryExtension,  // "m=" seen: RFC 5802 says fail the exchange
  kBadExtension,        // an extension attribute that breaks the grammar
  kTrailingData,        // bytes after the last allowed attribute
  kBadChannelBinding,   // c= not valid base64
  kBadProof,            // p= not valid base64 or of the wrong length
  kBadServerSignature,  // v= not valid base64 or of the wrong length
  kBadServerError,      // e= value malformed
  // Client checks (the client refuses the server).
  kNonceNotPrefixed,        // server nonce does not start with the client's
  kNonceNotExtended,        // server nonce adds nothing to the client's
  kIterationsTooLow,        // i below kMinIterations
  kIterationsTooHigh,       // i above the configured ceiling
  kServerSignatureMismatch, // v= does not verify
  kMissingServerSignature,  // server-final (or <success/>) without v=
  kServerErrorReceived,     // server-final carries e= (see Failure::server_error)
  kDowngradeHashMismatch,   // XEP-0474 h= differs from what the client saw
  kDowngradeHashMissing,    // h= required (XEP-0474 fallback) but absent
  kChannelBindingDataMissing, // -PLUS chosen but no binding data given
  kPlusOfferedNotUsed,      // client can bind, -PLUS was offered, yet would send n/y
  kUnexpectedMessage,       // a message where none is expected, or after the end
  kAborted,                 // the exchange was aborted (<abort/> or <failure/>)
  // Server checks (the server refuses the client).
  kGs2FlagWithPlus,         // -PLUS mechanism but gs2 flag n or y
  kPlusFlagWithoutPlus,     // p= with a mechanism that is not -PLUS
  kClientThinksNoPlus,      // 'y' although the server offers -PLUS
  kUnsupportedCbType,       // p= names a type the server cannot provide
  kChannelBindingNotSupported, // p= but the server has no channel binding at all
  kChannelBindingMismatch,  // c= does not equal gs2-header + binding data
  kNonceMismatch,           // client-final nonce != client nonce + server nonce
  kProofMismatch,           // ClientProof does not verify
  kUnknownUser,             // credential lookup found nobody
  kAuthzidRefused,          // the authorization callback refused a=
  kNoResources,             // the random source failed
  // PLAIN (RFC 4616).
  kPlainMissingNul,         // fewer than two NUL separators
  kPlainExtraNul,           // more than two NUL separators
  kPlainEmptyAuthcid,       // authcid empty
  kPlainEmptyPassword,      // passwd empty
  kPlainFieldTooLong,       // a field over 255 octets
  kPlainBadCredentials,     // authcid/passwd do not verify
  // Mechanism policy.
  kNoAcceptableMechanism,   // nothing offered that the policy allows
  kPlainWithoutTls,         // PLAIN offered/asked for without TLS
  kWeakMechanism,           // DIGEST-MD5, CRAM-MD5, ANONYMOUS, ... refused
  kUnknownMechanism,        // a mechanism name we do not implement
  kMechanismDowngrade,      // offered list weaker than pinned / than XEP-0474 data
  kNoMutualChannelBinding,  // XEP-0440 list has no type the client can bind
  // XMPP elements (RFC 6120 section 6.4).
  kNotSaslElement,          // wrong namespace or element name
  kMissingMechanismAttr,    // <auth/> without mechanism=
  kBadMechanismName,        // mechanism name not 1-20 of [A-Z0-9-_]
  kBadElementContent,       // child elements where text is expected, ...
  kUnknownCondition,        // <failure/> with no known condition child
  kBadFeature,              // <mechanisms/> / <sasl-channel-binding/> malformed
};

// ServerError is the RFC 5802 section 7 server-error value (e=).
// kUnrecognized stands for any other server-error-value-ext a client reads.
enum class ServerError : uint8_t {
  kNone,
  kInvalidEncoding,
  kExtensionsNotSupported,
  kInvalidProof,
  kChannelBindingsDontMatch,
  kServerDoesSupportChannelBinding,
  kChannelBindingNotSupported,
  kUnsupportedChannelBindingType,
  kUnknownUser,
  kInvalidUsernameEncoding,
  kNoResources,
  kOtherError,
  kUnrecognized,
};

// Condition is the RFC 6120 section 6.5 SASL failure condition.
enum class Condition : uint8_t {
  kNone,
  kAborted,
  kAccountDisabled,
  kCredentialsExpired,
  kEncryptionRequired,
  kIncorrectEncoding,
  kInvalidAuthzid,
  kInvalidMechanism,
  kMalformedRequest,
  kMechanismTooWeak,
  kNotAuthorized,
  kTemporaryAuthFailure,
};

// ErrorName returns the code's stable name ("nonce-not-extended", ...);
// "none" for kNone. For ServerError it is the RFC 5802 wire value
// ("invalid-proof", "unrecognized" for kUnrecognized); for Condition the
// RFC 6120 element name ("not-authorized").
std::string_view ErrorName(Error e);
std::string_view ErrorName(ServerError e);
std::string_view ErrorName(Condition c);

// ServerErrorFromName returns the value named |wire| (an e= value), or
// kUnrecognized for any other well-formed value.
ServerError ServerErrorFromName(std::string_view wire);
// ConditionFromName returns the condition named |name|, or nullopt.
std::optional<Condition> ConditionFromName(std::string_view name);

// ServerErrorFor returns the e= value a server sends when it refuses a client
// for |e| (kOtherError for codes without a closer value).
ServerError ServerErrorFor(Error e);
// ConditionFor maps a local code / a server-error value to the RFC 6120
// condition the XMPP layer reports.
Condition ConditionFor(Error e);
Condition ConditionFor(ServerError e);

// Failure is why something was refused. It never contains secrets or peer
// bytes, so it may be logged as is.
struct Failure {
  Error code = Error::kNone;
  // The e= value sent (server) or received (client), when one applies.
  ServerError server_error = ServerError::kNone;
  // The byte offset in the message at issue where the rule fired.
  size_t offset = 0;
  bool ok() const { return code == Error::kNone; }
  bool operator==(const Failure&) const = default;
};

// Describe renders |f| as "code" / "code server-error=X" plus " at N": one
// line, no secrets, no peer bytes.
std::string Describe(const Failure& f);

// ---------------------------------------------------------------------------
// Building blocks

// Base64Encode returns the RFC 4648 section 4 encoding of |bytes|, padded.
std::string Base64Encode(std::span<const uint8_t> bytes);
std::string Base64Encode(std::string_view bytes);

// Base64Decode decodes strict RFC 4648 base64: length a multiple of 4,
// alphabet A-Z a-z 0-9 + /, '=' only as the last one or two characters,
// canonical (zero) padding bits, no whitespace or line breaks. The empty
// string decodes to empty. On success returns the bytes; on failure nullopt,
// with |failure| (if not null) set to a kBase64* code and the offset of the
// first offending character. (OpenSSL's EVP_DecodeBlock does the decoding;
// it tolerates whitespace and does not check padding bits, so a strictness
// pass runs first.)
std::optional<std::string> Base64Decode(std::string_view text, Failure* failure = nullptr);

// SaslnameEncode escapes a user name for n= / a=: ',' -> "=2C", '=' -> "=3D".
std::string SaslnameEncode(std::string_view name);

// SaslnameDecode reverses SaslnameEncode. Returns nullopt with
// kSaslnameBadEscape (any other '=' sequence), kSaslnameRawComma, kBadUtf8 or
// kSaslnameEmpty, offset at the offending byte.
std::optional<std::string> SaslnameDecode(std::string_view text, Failure* failure = nullptr);

enum class SaslprepMode : uint8_t {
  kQuery,   // unassigned code points allowed (RFC 5802 Normalize())
  kStored,  // unassigned code points refused (for stored strings)
};

// Saslprep applies RFC 4013 SASLprep through libidn's stringprep. Returns the
// prepared UTF-8 string, or nullopt with kBadUtf8, kSaslprepProhibited or
// kSaslprepEmpty (offset 0: libidn does not say where).
std::optional<std::string> Saslprep(std::string_view in, SaslprepMode mode = SaslprepMode::kQuery,
                                    Failure* failure = nullptr);

// ---------------------------------------------------------------------------
// Mechanisms and channel binding

enum class Hash : uint8_t { kSha1, kSha256, kSha512 };

// HashSize returns the digest length in bytes (20, 32, 64).
size_t HashSize(Hash h);
std::string_view HashName(Hash h);  // "SHA-1", "SHA-256", "SHA-512"

enum class Mechanism : uint8_t {
  kPlain,
  kScramSha1,
  kScramSha1Plus,
  kScramSha256,
  kScramSha256Plus,
  kScramSha512,
  kScramSha512Plus,
};

// MechanismName returns the IANA name ("SCRAM-SHA-256-PLUS").
std::string_view MechanismName(Mechanism m);
// MechanismFromName returns the mechanism named exactly |name|, or nullopt.
std::optional<Mechanism> MechanismFromName(std::string_view name);
bool IsScram(Mechanism m);
bool IsPlus(Mechanism m);
// HashOf returns the SCRAM hash (kSha1 for PLAIN: unused there).
Hash HashOf(Mechanism m);
// ScramMechanism returns the SCRAM mechanism for |h|, -PLUS when |plus|.
Mechanism ScramMechanism(Hash h, bool plus);
// Strength orders mechanisms for the client's choice: PLAIN lowest, then
// SCRAM-SHA-1, -SHA-1-PLUS, SCRAM-SHA-256, ... SCRAM-SHA-512-PLUS highest.
int Strength(Mechanism m);
// IsWeakMechanismName reports the mechanisms the policy never uses whatever
// the caller allows: DIGEST-MD5, CRAM-MD5, ANONYMOUS, LOGIN, NTLM, OTP, ...
bool IsWeakMechanismName(std::string_view name);

enum class CbType : uint8_t { kTlsUnique, kTlsServerEndPoint, kTlsExporter };

std::string_view CbTypeName(CbType t);  // "tls-unique", ...
std::optional<CbType> CbTypeFromName(std::string_view name);

// ChannelBinding is one binding type with its data, as the TLS layer gives it
// (tls-unique: the Finished message; tls-server-end-point: the certificate
// hash; tls-exporter: the 32-byte RFC 9266 exporter value).
struct ChannelBinding {
  CbType type = CbType::kTlsExporter;
  std::string data;
};

// ---------------------------------------------------------------------------
// XEP-0474 downgrade protection and XEP-0440 channel-binding capability

// Offer is what a server advertised: the SASL mechanism names in
// <mechanisms/> and, when XEP-0440's <sasl-channel-binding/> was present, the
// channel-binding type names in it.
struct Offer {
  std::vector<std::string> mechanisms;
  std::optional<std::vector<std::string>> channel_bindings;
  bool operator==(const Offer&) const = default;
};

// DowngradeHashInput returns the XEP-0474 (0.5.0) string S: the mechanisms
// sorted by octet and joined by 0x1E, then, when channel_bindings is set,
// 0x1F and the sorted types joined by 0x1E.
std::string DowngradeHashInput(const Offer& offer);
// DowngradeHash returns base64(H(S)) with the SCRAM mechanism's own hash.
std::string DowngradeHash(Hash hash, const Offer& offer);

// DowngradeStatus is what the client learnt from XEP-0474 data.
enum class DowngradeStatus : uint8_t {
  kNotOffered,   // server-first had neither h= nor d=
  kNotChecked,   // h= present but the client had no Offer to check it with
  kVerified,     // h= matched the client's recomputation
  kOldForm,      // an old draft's d= attribute: recognised, never verified
};
std::string_view DowngradeStatusName(DowngradeStatus s);

// ---------------------------------------------------------------------------
// Randomness

// Random fills buffers with random bytes. Fill returns false on failure
// (the SCRAM side then fails with kNoResources).
class Random {
 public:
  virtual ~Random() = default;
  virtual bool Fill(std::span<uint8_t> out) = 0;
};

// OpenSslRandom draws from RAND_bytes.
class OpenSslRandom final : public Random {
 public:
  bool Fill(std::span<uint8_t> out) override;
};

// SeededRandom is a deterministic generator (SHA-256 over seed and a
// counter): the same seed gives the same bytes. For tests and fuzzing only.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : seed_(seed) {}
  bool Fill(std::span<uint8_t> out) override;

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

// DefaultRandom is OpenSslRandom, or in FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
// builds a SeededRandom with a fixed seed. Not thread-safe in the latter.
Random& DefaultRandom();

// ---------------------------------------------------------------------------
// SCRAM messages (RFC 5802 section 7), parsed

// Gs2Flag is the gs2-cbind-flag.
enum class Gs2Flag : uint8_t {
  kNo,    // "n": client does not support channel binding
  kYes,   // "y": client supports it but thinks the server does not
  kPlus,  // "p=cb-name": client binds with that type
};

struct Gs2Header {
  Gs2Flag flag = Gs2Flag::kNo;
  std::string cb_name;  // when kPlus (the raw name, maybe one we do not know)
  std::optional<std::string> authzid;  // decoded saslname of a=
  std::string raw;  // the header bytes as sent, both commas included
};

struct ClientFirst {
  Gs2Header gs2;
  std::string username;  // decoded saslname (not yet SASLprep'ed)
  std::string nonce;
  std::string extensions;  // ",x=..." after the nonce, as sent ("" if none)
  std::string bare;  // client-first-message-bare as sent
};

struct ServerFirst {
  std::string nonce;
  std::string salt;  // decoded
  uint32_t iterations = 0;
  // XEP-0474: h= (base64 text as sent) and the old drafts' d=.
  std::optional<std::string> downgrade_hash;
  std::optional<std::string> old_downgrade;
  std::string extensions;  // other extension attributes, as sent
};

struct ClientFinal {
  std::string channel_binding;  // decoded c=: gs2-header + binding data
  std::string nonce;
  std::string extensions;   // ",x=..." between nonce and proof, as sent
  std::string proof;        // decoded p=
  std::string without_proof;  // client-final-message-without-proof as sent
};

struct ServerFinal {
  std::optional<std::string> verifier;  // decoded v=
  ServerError error = ServerError::kNone;  // from e=
  std::string error_text;  // the e= value as sent (printable ASCII only)
};

// Parse* check one message against the RFC 5802 section 7 grammar: attribute
// order, a printable nonce, base64 values, posit-number, "m=" refused,
// extensions (attr-val) tolerated where the grammar has them. Each returns
// true and fills |out| on success, or false with |failure| set (code and
// offset in |msg|). ParseServerFinal and ParseClientFinal check the proof and
// verifier lengths against |hash|.
bool ParseGs2Header(std::string_view msg, Gs2Header* out, size_t* consumed, Failure* failure);
bool ParseClientFirst(std::string_view msg, ClientFirst* out, Failure* failure);
bool ParseServerFirst(std::string_view msg, ServerFirst* out, Failure* failure);
bool ParseClientFinal(std::string_view msg, Hash hash, ClientFinal* out, Failure* failure);
bool ParseServerFinal(std::string_view msg, Hash hash, ServerFinal* out, Failure* failure);

// ---------------------------------------------------------------------------
// Stored credentials

// StoredCredentials is what a server keeps for one user and hash: salt,
// iteration count, StoredKey = H(ClientKey) and ServerKey. Never the
// password or the salted password.
struct StoredCredentials {
  Hash hash = Hash::kSha256;
  std::string salt;  // raw bytes
  uint32_t iterations = kMinIterations;
  std::string stored_key;
  std::string server_key;
};

// DeriveCredentials SASLpreps |password| (query mode, as RFC 5802
// Normalize()), runs PBKDF2 (Hi) and returns the stored credentials. Fails
// with kSaslprep* / kBadUtf8 for the password, kBadSalt for an empty salt,
// kIterationsTooLow for iterations below 1 (the floor is the client's
// check; servers may derive at any count >= 1 for tests and vectors).
std::optional<StoredCredentials> DeriveCredentials(Hash hash, std::string_view password,
                                                   std::string_view salt, uint32_t iterations,
                                                   Failure* failure = nullptr);

// ---------------------------------------------------------------------------
// SCRAM state machines

// Wait is what a Step() call left the caller to do.
enum class Wait : uint8_t {
  kSend,         // send output(); then call Step() again
  kNeedMessage,  // call Step(message) with the peer's next message
  kSuccess,      // authenticated (server: client proved the password;
                 // client: server signature verified). Final.
  kFailure,      // failed, see failure(). Final. A server may leave an
                 // "e=..." server-final in output() to send.
};
std::string_view WaitName(Wait w);

struct ScramClientConfig {
  Mechanism mechanism = Mechanism::kScramSha256;  // must be a SCRAM mechanism
  std::string username;  // UTF-8; SASLprep'ed, then saslname-escaped
  std::string password;  // UTF-8; SASLprep'ed
  std::string authzid;   // empty: none; saslname-escaped into a=
  // The binding the client can make (set when TLS gave it data). Required
  // for -PLUS. Present with a non-PLUS mechanism it means "I support
  // binding": the gs2 flag is then 'y', or refused (kPlusOfferedNotUsed)
  // when server_offered_plus.
  std::optional<ChannelBinding> channel_binding;
  bool server_offered_plus = false;
  // XEP-0474 new rule 6: the client would have picked -PLUS but the XEP-0440
  // list had no mutual type, so it sends 'n' and requires a verifying h=.
  bool no_mutual_cb_fallback = false;
  // What the server advertised, for the XEP-0474 check; nullopt: not known.
  std::optional<Offer> offer;
  // Fail with kDowngradeHashMissing unless server-first carries h=.
  bool require_downgrade_hash = false;
  uint32_t max_iterations = kDefaultMaxIterations;
  size_t max_message_bytes = kDefaultMaxMessageBytes;
  // The client nonce; empty: 24 printable characters from |random|.
  std::string fixed_nonce;
  // Extensions appended to client-final-message-without-proof, e.g.
  // ",x=..." (XEP-0474's example carries one); must follow attr-val.
  std::string client_final_extensions;
  Random* random = nullptr;  // null: DefaultRandom()
};

// ScramClient runs the client side of one SCRAM exchange.
class ScramClient {
 public:
  enum class State : uint8_t {
    kSendClientFirst,
    kReadServerFirst,
    kSendClientFinal,
    kReadServerFinal,
    kDone,
    kFailed,
  };

  explicit ScramClient(ScramClientConfig config);
  ~ScramClient();
  ScramClient(const ScramClient&) = delete;
  ScramClient& operator=(const ScramClient&) = delete;

  // Step() runs the driver loop until the exchange needs the caller: kSend
  // (send output(), then call Step() again), kNeedMessage (call
  // Step(message) with the server's next message, which may be empty: an
  // empty <success/> is an empty server-final), kSuccess or kFailure.
  // Step(message) hands the server's message over; given when the machine
  // is not waiting for one it fails the exchange with kUnexpectedMessage.
  // Once final, both return the final result and change nothing. The first
  // Step() returns kSend with client-first in output().
  Wait Step();
  Wait Step(std::string_view message);
  // Abort ends the exchange as failed with kAborted (e.g. on <failure/>).
  void Abort();

  const std::string& output() const;  // the message to send after kSend
  State state() const;
  const Failure& failure() const;
  DowngradeStatus downgrade_status() const;
  const std::string& nonce() const;  // the client nonce (not secret)
  // DebugString is one line of state for logs: state, mechanism, gs2 flag,
  // failure. It never contains secrets.
  std::string DebugString() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string_view StateName(ScramClient::State s);

// CredentialLookup returns the stored credentials of |username| (decoded and
// SASLprep'ed) for |hash|, or nullopt for an unknown user.
using CredentialLookup =
    std::function<std::optional<StoredCredentials>(std::string_view username, Hash hash)>;
// Authorize decides whether |username| may act as |authzid| (non-empty).
using Authorize = std::function<bool(std::string_view authzid, std::string_view username)>;

struct ScramServerConfig {
  Mechanism mechanism = Mechanism::kScramSha256;  // what the client chose
  CredentialLookup lookup;
  // The server advertises -PLUS mechanisms: a 'y' from the client is then a
  // downgrade and refused (e=server-does-support-channel-binding).
  bool offers_plus = false;
  // Binding data per type the server can provide (from the TLS layer).
  std::vector<ChannelBinding> channel_bindings;
  // What the server advertised; when set, server-first carries XEP-0474 h=.
  std::optional<Offer> offer;
  Authorize authorize;  // null: any non-empty authzid is refused
  size_t max_message_bytes = kDefaultMaxMessageBytes;
  // The server's nonce part; empty: 24 printable characters from |random|.
  std::string fixed_nonce;
  // Iteration count in the fake server-first sent for an unknown user (whose
  // salt is derived from the name with a per-process key), so the user is
  // refused only at client-final, with e=unknown-user.
  uint32_t unknown_user_iterations = kMinIterations;
  Random* random = nullptr;  // null: DefaultRandom()
};

// ScramServer runs the server side of one SCRAM exchange.
class ScramServer {
 public:
  enum class State : uint8_t {
    kReadClientFirst,
    kSendServerFirst,
    kReadClientFinal,
    kSendServerFinal,
    kDone,
    kFailed,
  };

  explicit ScramServer(ScramServerConfig config);
  ~ScramServer();
  ScramServer(const ScramServer&) = delete;
  ScramServer& operator=(const ScramServer&) = delete;

  // Step as for ScramClient. The server starts in kReadClientFirst: the first
  // Step(message) takes client-first (the initial response, or the response
  // to an empty challenge); Step() first just returns kNeedMessage. After a
  // verified client-final, Step returns kSend with the "v=..." server-final,
  // then kSuccess. On a refusal it returns kFailure with "e=..." in output()
  // and failure().server_error set (also for refusals of client-first, where
  // the RFC has no server-final to carry it: the XMPP layer then sends
  // <failure/> with ConditionFor()).
  Wait Step();
  Wait Step(std::string_view message);
  void Abort();

  const std::string& output() const;
  State state() const;
  const Failure& failure() const;
  // username / authzid are valid once client-first was accepted.
  const std::string& username() const;
  const std::string& authzid() const;
  std::string DebugString() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string_view StateName(ScramServer::State s);

// ---------------------------------------------------------------------------
// PLAIN (RFC 4616)

struct PlainMessage {
  std::string authzid;  // empty: none
  std::string authcid;
  std::string password;
};

// BuildPlain returns authzid NUL authcid NUL passwd, or nullopt with the
// PLAIN code for a field that breaks RFC 4616 (NUL inside, empty authcid or
// password, over 255 octets, not UTF-8).
std::optional<std::string> BuildPlain(const PlainMessage& m, Failure* failure = nullptr);
// ParsePlain splits and checks a PLAIN message (the same rules).
bool ParsePlain(std::string_view msg, PlainMessage* out, Failure* failure);

// PlainVerifier checks authcid/password (after SASLprep); true: valid.
using PlainVerifier = std::function<bool(std::string_view authcid, std::string_view password)>;

// VerifyPlain parses |msg| and checks it: with |verifier| when set, otherwise
// against the stored SCRAM credentials from |lookup| (the password is
// derived with the stored salt and count and StoredKey compared in constant
// time). |authorize| as for SCRAM. On success fills |out| (password cleared)
// and returns true.
bool VerifyPlain(std::string_view msg, const PlainVerifier& verifier, const CredentialLookup& lookup,
                 const Authorize& authorize, PlainMessage* out, Failure* failure);

// ---------------------------------------------------------------------------
// Mechanism policy

struct ClientPolicy {
  bool tls = false;                       // the stream is TLS-protected
  bool allow_plain = true;                // PLAIN at all (only with TLS ...)
  bool allow_plain_without_tls = false;   // ... unless this is set
  std::vector<ChannelBinding> channel_bindings;  // what the client can bind
  // A previously seen list for this server (pinning); nullopt: none.
  std::optional<std::vector<std::string>> pinned_mechanisms;
  // The client used SCRAM with this server before (XEP-0474 rules): never
  // fall back to PLAIN.
  bool pinned_scram = false;
};

// Selection is the client's choice.
struct Selection {
  Mechanism mechanism = Mechanism::kScramSha256;
  std::optional<ChannelBinding> channel_binding;  // for -PLUS; or for 'y'
  bool server_offered_plus = false;
  bool no_mutual_cb_fallback = false;  // XEP-0474 new rule 6 applies
};

// SelectMechanism picks the strongest mechanism in |offer| the policy
// allows. With binding data and -PLUS offered it picks -PLUS with a type the
// XEP-0440 list names (tls-exporter, then tls-server-end-point, then
// tls-unique); when that list has none, the non-PLUS mechanism with the
// XEP-0474 fallback. Fails with kNoAcceptableMechanism, kPlainWithoutTls,
// kMechanismDowngrade (a pinned mechanism is missing, or PLAIN only after
// SCRAM was pinned). Weak mechanisms are skipped, never chosen.
bool SelectMechanism(const Offer& offer, const ClientPolicy& policy, Selection* out, Failure* failure);

// ApplySelection fills the mechanism and binding fields of a client config
// from a selection and the offer it was made from.
void ApplySelection(const Selection& selection, const Offer& offer, ScramClientConfig* config);

struct ServerPolicy {
  bool tls = false;
  bool offer_plain = true;               // only with TLS ...
  bool allow_plain_without_tls = false;  // ... unless this is set
  std::vector<Hash> scram_hashes = {Hash::kSha1, Hash::kSha256, Hash::kSha512};
  // Binding types the server can provide; non-empty with TLS: -PLUS offered.
  std::vector<CbType> channel_bindings;
  bool advertise_channel_bindings = true;  // XEP-0440 feature
};

// OfferFor returns what a server with |policy| advertises (strongest first).
Offer OfferFor(const ServerPolicy& policy);
// ServerAccepts checks a client's <auth mechanism=...> against the policy:
// kUnknownMechanism, kWeakMechanism, kPlainWithoutTls, or
// kNoAcceptableMechanism for one the policy does not offer.
bool ServerAccepts(const ServerPolicy& policy, std::string_view mechanism, Mechanism* out,
                   Failure* failure);

// ---------------------------------------------------------------------------
// XMPP elements (RFC 6120 section 6.4)

enum class ElementKind : uint8_t { kAuth, kChallenge, kResponse, kSuccess, kFailure, kAbort };
std::string_view ElementKindName(ElementKind k);  // the element name: "auth", ...

// SaslElement is one SASL negotiation element. |data| is the decoded payload:
// nullopt when the element is empty (no data), "" when it carried "=" (data
// present but empty, RFC 6120 6.4.2).
struct SaslElement {
  ElementKind kind = ElementKind::kAuth;
  std::string mechanism;              // <auth mechanism=...>
  std::optional<std::string> data;    // auth, challenge, response, success
  Condition condition = Condition::kNone;  // failure
  std::optional<std::string> text;    // failure <text/>
  bool operator==(const SaslElement&) const = default;
};

// BuildElement renders |e| as an element in kSaslNs. nullopt if a field
// cannot be represented (bad mechanism name; text not XML-safe).
std::optional<xml::Element> BuildElement(const SaslElement& e);
// ParseElement reads a SASL element (strict base64, exactly one known
// condition in <failure/>). Returns false with kNotSaslElement,
// kMissingMechanismAttr, kBadMechanismName, kBadElementContent,
// kUnknownCondition or a kBase64* code.
bool ParseElement(const xml::Element& element, SaslElement* out, Failure* failure);

// BuildMechanismsFeature renders <mechanisms xmlns=kSaslNs> with one
// <mechanism/> per name; BuildChannelBindingFeature the XEP-0440
// <sasl-channel-binding xmlns=kSaslCbNs>.
std::optional<xml::Element> BuildMechanismsFeature(const std::vector<std::string>& mechanisms);
std::optional<xml::Element> BuildChannelBindingFeature(const std::vector<std::string>& types);

// ParseFeatures reads the SASL parts of <stream:features/>: <mechanisms/>
// (required; at least one valid <mechanism/>) and, when present,
// <sasl-channel-binding/> (at least one <channel-binding type=.../>).
// Fails with kBadFeature.
bool ParseFeatures(const xml::Element& features, Offer* out, Failure* failure);

}  // namespace xmppfuzz::sasl

#endif  // XMPPFUZZ_TARGETS_SASL_SASL_H_
