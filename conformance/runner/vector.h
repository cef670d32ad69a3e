// Conformance vectors: the in-memory form of conformance/vectors/**/*.vec
// files, and the parser for that format (documented in
// README.md, "Conformance suite").
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_VECTOR_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_VECTOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/sasl/sasl.h"
#include "targets/tls/tls.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::protocol {
struct Scenario;
}

namespace xmppfuzz::conform {

// Side says whose bytes a vector holds.
enum class Side : uint8_t {
  kClientToServer,  // "c2s": what a client sends; a server parses it
  kServerToClient,  // "s2c": what a server sends; a client parses it
};

// Profile says what comes before the vector's input.
enum class Profile : uint8_t {
  kRaw,            // nothing: the input is the stream from its first byte
  kOpened,         // the standard stream header; not authenticated
  kAuthenticated,  // an authenticated stream (live servers: after logging in)
};

std::string_view SideName(Side s);
std::string_view ProfileName(Profile p);

// Outcome is what a target did with a vector, or what a vector expects.
struct Outcome {
  enum class Kind : uint8_t {
    kAccepted,     // no stream error; the stream is still usable
    kRefused,      // a stream error with |condition|
    kStanzaError,  // (live) no stream error, but a stanza came back as an error
    kClosed,       // (live) the peer closed without a stream error
    kNoAnswer,     // (live) the peer stopped answering but still takes connections
    kCrashed,      // (live) the peer no longer takes connections
    kSuccess,      // (SASL) the side under test authenticated the exchange
    kFailure,      // (SASL) the side under test refused the exchange
    kFlooded,      // (live) the peer sent more than the per-connection read cap
    kInvalidReply, // (live) the reference parser (client side) refused the
                   // peer's bytes; |condition| says why
    kRefusedTls,   // (TLS, STARTTLS) our side refused with |tls_code| at |offset|
    kStartTls,     // (STARTTLS) our side starts the TLS handshake
    kNoTls,        // (STARTTLS) our client goes on in plaintext (TLS optional, not offered)
    kPending,      // (STARTTLS) the input ended before our side decided
    kRefusedCert,  // (certificate) refused with the tls::CertError |tls_code|
    kExpanded,     // (-default parsers) parsed, and an entity reference was
                   // expanded or an external entity was asked for
    kDropped,      // (-default parsers) parsed, and a comment, PI, DOCTYPE or
                   // entity reference was skipped without an error
    kConforms,     // (protocol) every step of the scenario went as it says
    kDeviates,     // (protocol) step |step| went otherwise: |observed| is what the peer did
    kNotOffered,   // (protocol) the peer does not offer what the scenario needs (|observed| says what)
    // kind: client (a client library against the hostile server):
    kSafe,         // the client did what the RFCs require of it
    kVulnerable,   // it did what |check| names (a finding: "plain-in-cleartext")
    kHung,         // it outlived the wall-clock limit
    kCpuBound,     // it used up the CPU limit
    kMemory,       // its process group outgrew the memory limit
    // (a client process that died is kCrashed)
    // In-process and exec targets:
    kEventsDiffer, // the outcome the vector expects, but other events (README "Bring your own parser")
  };
  Kind kind = Kind::kAccepted;
  xml::Condition condition = xml::Condition::kNone;  // kRefused, kInvalidReply
  // kRefused in a vector: the error must come at or before this offset
  // (relative to the start of the vector's input). In an observation: the
  // offset the reference reported, or nullopt when unknown (live targets).
  std::optional<int64_t> offset;
  // kStanzaError: the stanza error conditions that came back, in order and
  // without repeats. In a vector or an expectations file: the conditions
  // that must be among them (none listed: any bounce will do).
  std::vector<std::string> stanza_conditions;
  // kFailure: the RFC 6120 section 6.5 condition ("not-authorized"; empty:
  // none, as for a client that refuses and aborts) and the RFC 5802 e=
  // value ("invalid-proof"; empty: none). In a vector an empty field is not
  // checked.
  std::string sasl_condition;
  std::string server_error;
  // kFailure, observed in process: the sasl::Error name of the check that
  // fired ("proof-mismatch"). Vectors give it in their own check: field.
  std::string check;
  // kRefusedTls: the tls::Error name ("sni-nul"). In a vector |offset| is
  // exact ("at N") when |exact|, else a bound ("at-or-before N").
  std::string tls_code;
  bool exact = false;
  // kDeviates: the 1-based step that went otherwise and what the peer did
  // there ("failure not-authorized", "features lacks=starttls-required").
  // kNotOffered: the guard that stopped the scenario ("SCRAM-SHA-256-PLUS").
  int step = 0;
  std::string observed;

  // Text renders the outcome as the vector format and expectation files
  // spell it: "accepted", "refused restricted-xml", "refused
  // restricted-xml at-or-before 12" (vectors), "stanza-error",
  // "stanza-error bad-request+jid-malformed", "closed", "no-answer",
  // "crashed", "flooded", "invalid-reply not-well-formed", "success",
  // "failure not-authorized e=invalid-proof", "refused-tls sni-nul at 120",
  // "refused-tls peer-stream-refused at-or-before 40", "start-tls",
  // "no-tls", "pending", "expanded", "dropped", "conforms", "deviates 4
  // success", "not-offered SCRAM-SHA-1-PLUS", "events-differ". An observed offset prints as
  // "at 12", an observed
  // check as "check=proof-mismatch".
  std::string Text(bool expectation = false) const;
};

// ParseOutcome reads an outcome written as Text() writes it. |with_offset|:
// "refused" needs "at-or-before N", "refused-tls CODE" needs "at N" or
// "at-or-before N" (CODE a tls::ErrorName). "success" and "failure [<condition>]
// [e=<server-error>]" are the SASL outcomes (condition and value checked
// against the RFC 6120 and RFC 5802 names). Returns nullopt on a syntax
// error.
std::optional<Outcome> ParseOutcome(std::string_view text, bool with_offset);

// Acceptable is an alternative outcome a target may show instead of the
// expected one, with the reason it is allowed (Wycheproof's "acceptable").
struct Acceptable {
  Outcome outcome;
  std::string reason;
};

// VectorKind says what a vector holds: bytes of an XMPP stream, a SASL
// exchange (README.md, "SASL vectors"), or TLS bytes and STARTTLS
// negotiations (README.md, "TLS vectors").
enum class VectorKind : uint8_t {
  kXml,       // side, profile, input, events
  kSasl,      // "kind: sasl": role, credentials, exchange
  kTls,       // "kind: tls": one direction of a TLS connection, read by tls::Inspector
  kStarttls,  // "kind: starttls": the peer's plaintext to our STARTTLS client or server
  kTlsPolicy, // "kind: tls-policy": an OpenSSL peer limited to versions and suites vs our hardened session
  kCertIdentity,  // "kind: cert-identity": a certificate issued at run time, verified for a reference domain
  kProtocol,  // "kind: protocol": a scripted client session against a server (conformance/protocol)
  kClient,    // "kind: client": a hostile-server scenario played against a client library (README "Hostile server")
};
std::string_view VectorKindName(VectorKind k);

// SaslRole is the side under test. Our server receives the client messages
// of the exchange and must answer with its server messages; our client
// receives the server messages and must answer with its client messages.
enum class SaslRole : uint8_t { kServer, kClient };
std::string_view SaslRoleName(SaslRole r);

// TlsSpec is the TLS part of kind: tls and kind: starttls vectors (README.md,
// "TLS vectors").
struct TlsSpec {
  // tls: a negotiated record_size_limit (RFC 8449) the reader enforces; 0: none.
  uint16_t record_size_limit = 0;
  // starttls: the side under test (kServer: our server reads the input as
  // the client's bytes) and whether it requires TLS.
  SaslRole role = SaslRole::kClient;
  bool role_given = false;
  bool require_tls = true;
  // tls-policy: the peer's protocol range (0x0301 = TLS 1.0), its TLS 1.2-
  // and-below cipher list and TLS 1.3 suites (OpenSSL syntax; empty:
  // OpenSSL's default), and whether a peer server uses its EC P-256
  // certificate instead of the RSA one.
  uint16_t peer_min_version = 0;
  uint16_t peer_max_version = 0;
  std::string peer_ciphers;
  std::string peer_suites;
  bool peer_key_ec = false;
};

// PresentedName is one identifier a cert-identity vector puts in its
// certificate: a subjectAltName dNSName, SRVName or XmppAddr, or a subject CN.
struct PresentedName {
  enum Kind : uint8_t { kDns, kSrv, kXmpp, kCn } kind = kDns;
  std::string value;  // decoded bytes (input escapes: \x00, \x20 ...)
};

// CertIdentitySpec is the certificate part of a kind: cert-identity vector.
struct CertIdentitySpec {
  std::string reference;           // the JID domain the caller set out to reach
  bool s2s = false;                // service: c2s (default) or s2s
  std::vector<PresentedName> presented;
  std::string validity = "valid";  // valid, expired, not-yet-valid
  std::optional<std::string> key_usage, ext_key_usage, basic_constraints;  // OpenSSL syntax; "" removes
  std::string issuer = "ca";       // ca (the trust anchor), self-signed, unknown
  std::string pin = "none";        // none, leaf, ca, other
  bool pin_instead_of_chain = false;
};

// SaslStep is one line of an exchange: one RFC 6120 section 6.4 element.
// auth, response and abort go from client to server; challenge, success
// and failure from server to client.
struct SaslStep {
  sasl::ElementKind element = sasl::ElementKind::kAuth;
  std::string mechanism;   // auth: the mechanism attribute (as sent)
  std::string condition;   // failure: the condition element's name
  bool has_data = false;   // false: an empty element; true: it carries data
  // true ("base64"): |payload| is the element's text as sent, not encoded
  // by the runner (to send bad base64).
  bool raw = false;
  // The payload as written: input escapes and {placeholders}, undecoded.
  std::string payload;
  int line = 0;
  bool FromClient() const {
    return element == sasl::ElementKind::kAuth || element == sasl::ElementKind::kResponse ||
           element == sasl::ElementKind::kAbort;
  }
};

struct SaslBinding {
  std::string type;  // "tls-exporter", ...
  std::string data;  // raw bytes (written in hex)
};

// SaslSpec is the SASL part of a kind: sasl vector.
struct SaslSpec {
  SaslRole role = SaslRole::kServer;
  // Client role: the mechanism our client is told to use; empty: it picks
  // one by policy from |offered|.
  std::string mechanism;
  std::string user;
  std::string password;       // what the side under test knows
  std::string peer_password;  // what the vector's side uses (default: password)
  std::string authzid;
  std::string salt;           // base64, as in s=
  uint32_t iterations = 0;
  std::string client_nonce;   // fixed nonces ("" when not fixed)
  std::string server_nonce;
  std::optional<std::vector<std::string>> offered;   // <mechanisms/>
  std::optional<std::vector<std::string>> cb_types;  // XEP-0440 types
  std::optional<std::vector<std::string>> peer_offered;   // client role: what the server really sent
  std::optional<std::vector<std::string>> peer_cb_types;
  std::vector<SaslBinding> bindings;  // binding data from TLS
  bool tls = false;
  std::vector<std::string> policy;    // policy words (README)
  std::string extensions;             // client role: client-final extensions
  std::vector<SaslStep> exchange;
  std::string check;             // in-process: the sasl::Error name that fires
  std::string downgrade_status;  // in-process, client role: DowngradeStatusName
};

// ClientSpec is the scenario part of a kind: client vector (README.md,
// "Hostile server: client libraries"): how the scripted server misbehaves
// and which check judges what the client did.
struct ClientSpec {
  std::string requirement;          // requires: what RFC 6120/5802/7590/6125 ask of the client
  std::vector<std::string> server;  // server: the script words (starttls=none, cert=expired, scram=no-v ...)
  std::string check;                // check: the judge (no-plain-cleartext, refuses-certificate ...)
  std::string finding;              // finding: what a client that fails the check is reported as
  std::string header;               // header: decoded bytes sent as the restarted stream header (optional)
  bool tcp_only = false;            // transport: tcp (STARTTLS-level scenarios; n/a over WebSocket)
};

struct Vector {
  VectorKind kind = VectorKind::kXml;
  std::string id;        // "<category>/<name>"
  std::string category;  // the directory the file is in
  std::string description;
  std::string source;    // RFC/XEP section, CVE or public report
  Side side = Side::kClientToServer;
  Profile profile = Profile::kAuthenticated;
  std::string input;     // decoded bytes, without the profile's prelude
  Outcome expect;
  // Expected canonical events, as `xmppfuzz parse` prints them without
  // offsets, after the prelude's stream-open (decoded: the file writes
  // them with the input escapes). For a refused vector, the
  // events before the error (optional: empty and not given means unchecked).
  // kTls: the tls::Inspector lines without the final error line; kStarttls:
  // what our side did ("send ...", "start-tls discarded=N", "no-tls").
  // Both are printable ASCII already and are taken literally.
  std::vector<std::string> events;
  bool events_given = false;
  std::vector<Acceptable> acceptable;
  std::string live_skip;  // non-empty: not applicable to live targets, why
  SaslSpec sasl;          // kSasl
  TlsSpec tls;            // kTls, kStarttls, kTlsPolicy
  CertIdentitySpec cert;  // kCertIdentity
  std::shared_ptr<const protocol::Scenario> scenario;  // kProtocol
  ClientSpec client;      // kClient (input: the bytes injected once the client is online)
  std::string file;       // where it was read from, for messages
  int line = 0;
};

// DecodeInput turns the escaped text of an input block into bytes:
//   \\ \n \r \t \{ \}   the byte itself
//   \xHH                any byte
//   \u{H..}             the UTF-8 form of a code point up to 10FFFF,
//                       surrogates included (to write invalid input)
//   \repeat{N}{BODY}    BODY (which may itself use escapes) N times
// Returns false with |error| set on a syntax error or when the result would
// exceed |max_bytes|.
bool DecodeInput(std::string_view text, std::string* out, std::string* error,
                 size_t max_bytes = 64u << 20);

// ParseVectorFile parses the text of one .vec file. |category| is the
// directory the file lives in; every id must start with "<category>/".
// Returns false with "FILE:LINE: message" in |error| on the first problem.
// The file must be UTF-8 without NUL or other C0 controls but TAB and LF
// (bytes the input needs are written as escapes). |keep_inputs| false:
// inputs are decoded (and checked) but not kept.
bool ParseVectorFile(const std::string& path, std::string_view text, const std::string& category,
                     std::vector<Vector>* out, std::string* error, bool keep_inputs = true);

// The decoded events of one vector may not exceed kMaxEventBytes in all,
// nor kMaxEvents lines.
inline constexpr size_t kMaxEventBytes = 4u << 20;
inline constexpr size_t kMaxEvents = 65536;

// ReadFile reads the whole file at |path| into |out|; false if it cannot be
// opened or read.
bool ReadFile(const std::string& path, std::string* out);

// LoadSuite reads every .vec file under |dir| (one directory per category),
// checks ids are unique and returns the vectors sorted by id.
bool LoadSuite(const std::string& dir, std::vector<Vector>* out, std::string* error, bool keep_inputs = true);

// Prelude returns the bytes sent before a vector's input for |profile| and
// |side|: empty for kRaw, otherwise the standard stream header (a client's
// header to |domain| for c2s, a server's header from |domain| for s2c).
std::string Prelude(Profile profile, Side side, std::string_view domain = "localhost");

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_VECTOR_H_
