// xmppfuzz reference TLS wire parsing: a TLS record reader that takes a byte
// stream in any chunking and yields records and reassembled handshake
// messages, and a ClientHello parser and builder (RFC 8446, RFC 5246,
// RFC 6066, RFC 7301, XEP-0368). Usable to look at a direct-TLS connection
// before OpenSSL sees it, and by `xmppfuzz tls-inspect`.
//
// Design rules:
//  - All parsing goes through base::SpanReader: getters that fail without
//    advancing and length-prefixed sub-readers that keep absolute offsets.
//    No pointer arithmetic.
//  - Errors are values: one Error code per rule, with the absolute byte
//    offset where the rule fired. Errors stick, as in the stream parser.
//  - Memory is bounded: the reader holds at most one record and one
//    handshake message, each under its configured limit.
#ifndef XMPPFUZZ_TARGETS_TLS_TLS_H_
#define XMPPFUZZ_TARGETS_TLS_TLS_H_

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/base/base.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::tls {

// ContentType is the TLSPlaintext.type byte (RFC 8446 section 5.1, RFC 6520
// for heartbeat).
enum class ContentType : uint8_t {
  kChangeCipherSpec = 20,
  kAlert = 21,
  kHandshake = 22,
  kApplicationData = 23,
  kHeartbeat = 24,
};

// HandshakeType values this layer names (RFC 8446 section 4).
enum class HandshakeType : uint8_t {
  kClientHello = 1,
  kServerHello = 2,
  kNewSessionTicket = 4,
  kEndOfEarlyData = 5,
  kEncryptedExtensions = 8,
  kCertificate = 11,
  kServerKeyExchange = 12,
  kCertificateRequest = 13,
  kServerHelloDone = 14,
  kCertificateVerify = 15,
  kClientKeyExchange = 16,
  kFinished = 20,
  kKeyUpdate = 24,
  kMessageHash = 254,
};

// Error names the rule that refused the input.
enum class Error : uint8_t {
  kNone,
  // Records (RFC 8446 section 5, RFC 5246 section 6.2).
  kUnknownContentType,     // type not 20-24
  kBadRecordVersion,       // legacy_record_version not 0x03XX
  kSslv2Hello,             // an SSL 2.0 CLIENT-HELLO (RFC 6176: never)
  kRecordOverflow,         // length above the limit for this protection state
  kRecordSizeLimit,        // length above a negotiated record_size_limit (RFC 8449)
  kEmptyRecord,            // zero-length handshake, alert or change_cipher_spec record
  kInterleavedRecord,      // another type inside a fragmented handshake message (RFC 8446 5.1)
  kRecordAfterFatalAlert,  // any record after a fatal alert (RFC 8446 6)
  kBadAlert,               // alert not 2 bytes, or level not 1/2
  kBadChangeCipherSpec,    // change_cipher_spec body not the single byte 0x01
  kHandshakeTooLong,       // handshake message longer than the configured limit
  kTruncated,              // the stream ended inside a record or handshake message
  // ClientHello (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2).
  kNotClientHello,         // the first handshake message is not a ClientHello
  kHelloTruncated,         // a field runs past the end of the message
  kBadSessionId,           // legacy_session_id longer than 32 bytes
  kBadCipherSuites,        // cipher_suites empty or of odd length
  kBadCompression,         // compression_methods empty, or without null (0)
  kBadExtensionsBlock,     // extensions length does not match the bytes there
  kDuplicateExtension,     // the same extension type twice (RFC 8446 4.2)
  kTrailingData,           // bytes after the last field
  kBadExtension,           // an extension body that breaks its own syntax
  // server_name (RFC 6066 section 3).
  kSniBadList,             // server_name_list empty or its length wrong
  kSniNotHostName,         // a name_type other than host_name (0)
  kSniMultiple,            // more than one host_name
  kSniEmpty,               // an empty HostName
  kSniNul,                 // a NUL byte in the HostName
  kSniTrailingDot,         // a HostName ending in '.'
  kSniIpLiteral,           // a literal IPv4 or IPv6 address
  kSniBadDnsName,          // not a DNS name (LDH labels, 1-63 bytes, 253 in all)
  // application_layer_protocol_negotiation (RFC 7301 section 3.1).
  kAlpnEmptyList,          // protocol_name_list empty
  kAlpnEmptyName,          // a protocol name of length 0
  // STARTTLS policy (RFC 6120 section 5).
  kStarttlsStripped,       // TLS required but <starttls/> missing from the features
  kStarttlsRefused,        // the server answered <starttls/> with <failure/>
  kUnexpectedElement,      // not what this step of the negotiation allows
  kDataBeforeTls,          // TLS required: the peer sent a stanza or <auth/> before it
  kPeerStreamError,        // the peer closed with a <stream:error/>
  kPeerStreamRefused,      // the peer's bytes broke the stream rules (see stream_error)
  kPeerEndedStream,        // the peer sent </stream:stream> during the STARTTLS negotiation
  // OpenSSL sessions (Session, Grade). The offset of these is the number of
  // peer bytes fed to the session when the failure fired.
  kSessionConfig,          // the SessionConfig is unusable (missing key, bad ALPN, ...)
  kWeakConfig,             // the config would allow below TLS 1.2 or a suite without AEAD+FS
  kNotTls,                 // the peer's first bytes are not a TLS record (plaintext)
  kInputTooLarge,          // more unprocessed peer bytes than max_buffered_input
  kProtocolVersion,        // no common protocol version (either side)
  kNoSharedCipher,         // we found no acceptable suite in the peer's list
  kHandshakeFailureAlert,  // the peer sent handshake_failure (40): it found nothing acceptable
  kCertificateRequired,    // a required peer certificate is missing (RFC 8446 4.4.2.4)
  kCertificateUntrusted,   // OpenSSL's chain validation failed (verify_result() has the X509_V_ERR)
  kCertificateIdentity,    // the built-in identity check (X509_check_host) refused the name
  kPeerRefusedCertificate, // the peer sent a certificate alert (42-46, 48, 49)
  kNoApplicationProtocol,  // no common ALPN protocol (RFC 7301 3.2)
  kNoRenegotiation,        // a renegotiation was attempted (refused, RFC 5746 / 8446)
  kDecodeError,            // a malformed record or handshake message
  kBadRecordMac,           // a record failed authentication
  kUnexpectedMessage,      // a message out of order (RFC 8446 6.2 unexpected_message)
  kPeerAlert,              // another fatal alert from the peer (the detail names it)
  kPeerClosed,             // close_notify, or the transport ended (FeedEof) during the handshake
  kNotEstablished,         // Read/Write/channel binding before the handshake completed
  kHandshakeFailed,        // any other OpenSSL failure (the detail has OpenSSL's reason)
  kNoExtendedMasterSecret, // require_extended_master_secret, and a TLS 1.2 peer without it (RFC 7627)
  // Channel bindings (RFC 5929, RFC 9266).
  kCbTlsUniqueTls13,       // tls-unique does not exist for TLS 1.3 (RFC 9266 3, RFC 8446 C.5)
  kCbExporterWithoutEms,   // tls-exporter over TLS 1.2 without extended_master_secret (RFC 9266 3)
  kCbNoServerCertificate,  // tls-server-end-point without a server certificate
  kCbNoSignatureHash,      // the certificate's signature uses no single hash (RFC 5929 4.1)
};

// ErrorName returns the code's stable name ("record-overflow", ...).
std::string_view ErrorName(Error e);

// Failure is an error code and the absolute offset where it fired.
struct Failure {
  Error code = Error::kNone;
  uint64_t offset = 0;
  bool ok() const { return code == Error::kNone; }
  bool operator==(const Failure&) const = default;
};

// Describe renders |f| as "code at offset=N".
std::string Describe(const Failure& f);

// ---------------------------------------------------------------------------
// Record reader

// Protection is what the records carry: plaintext (the handshake before
// keys), or ciphertext protected under TLS 1.2 or TLS 1.3, whose length
// bounds differ (RFC 5246 6.2.3: 2^14 + 2048; RFC 8446 5.2: 2^14 + 256).
enum class Protection : uint8_t { kPlaintext, kTls12, kTls13 };

struct RecordLimits {
  // Largest handshake message the reader reassembles (the ClientHello of a
  // post-quantum key share is under 2 KiB; certificate chains are larger).
  size_t max_handshake_bytes = 65536;
  // A negotiated record_size_limit (RFC 8449) on plaintext; 0: none.
  uint16_t record_size_limit = 0;
};

// Record is one TLS record as it arrived.
struct Record {
  ContentType type;
  uint16_t version;    // legacy_record_version
  uint64_t offset;     // of the record header
  std::string body;    // the fragment (ciphertext when protected)
};

// HandshakeMessage is one reassembled handshake message.
struct HandshakeMessage {
  HandshakeType type;  // as sent; may be a value HandshakeType does not name
  uint64_t offset;     // of the 4-byte handshake header
  std::string body;    // the message body, without its header
};

// RecordReader cuts a byte stream into records and reassembles handshake
// messages from the plaintext handshake records, whatever the chunking:
// Feed the bytes in any pieces, then Finish at the end of the stream.
class RecordReader {
 public:
  explicit RecordReader(RecordLimits limits = {}) : limits_(limits) {}

  // Feed takes the next bytes. Returns false once an error occurred (the
  // error sticks; later calls return false and change nothing).
  bool Feed(std::string_view bytes);
  // Finish marks the end of the stream: a partial record or handshake
  // message is kTruncated. Returns false if there is an error.
  bool Finish();

  // SetProtection switches the length bounds for the records that follow
  // (after ChangeCipherSpec / key change). Protected handshake records are
  // opaque and are not reassembled.
  void SetProtection(Protection p) { protection_ = p; }

  // TakeRecords / TakeMessages return what was completed since the last call.
  std::vector<Record> TakeRecords();
  std::vector<HandshakeMessage> TakeMessages();

  const Failure& failure() const { return failure_; }
  // consumed is the number of bytes fed so far.
  uint64_t consumed() const { return consumed_; }

  // MaxRecordBody is the length bound for |p| with |limits| (without
  // record_size_limit for protected records).
  static size_t MaxRecordBody(Protection p, const RecordLimits& limits);

 private:
  bool Fail(Error e, uint64_t offset);
  bool OnRecord(Record record);
  bool ReassembleHandshake(const Record& record);

  RecordLimits limits_;
  Protection protection_ = Protection::kPlaintext;
  Failure failure_;
  uint64_t consumed_ = 0;
  std::string pending_;         // bytes of the record being read
  uint64_t pending_offset_ = 0;
  std::string handshake_;       // handshake bytes not yet a whole message
  uint64_t handshake_offset_ = 0;
  bool fatal_alert_ = false;
  std::vector<Record> records_;
  std::vector<HandshakeMessage> messages_;
};

// ---------------------------------------------------------------------------
// ClientHello

// Extension types this layer decodes (IANA TLS ExtensionType values).
enum class ExtensionType : uint16_t {
  kServerName = 0,
  kSupportedGroups = 10,
  kSignatureAlgorithms = 13,
  kAlpn = 16,
  kExtendedMasterSecret = 23,
  kRecordSizeLimit = 28,
  kSupportedVersions = 43,
  kKeyShare = 51,
  kRenegotiationInfo = 0xFF01,
};

struct Extension {
  uint16_t type = 0;
  uint64_t offset = 0;  // of the extension's type field
  std::string body;
  bool operator==(const Extension&) const = default;
};

struct KeyShareEntry {
  uint16_t group = 0;
  std::string key_exchange;
  bool operator==(const KeyShareEntry&) const = default;
};

// ClientHello holds every field of the message as sent (enough to rebuild it
// byte for byte) and the decoded extensions this layer understands.
struct ClientHello {
  uint16_t legacy_version = 0x0303;
  std::array<uint8_t, 32> random{};
  std::string session_id;
  std::vector<uint16_t> cipher_suites;
  std::string compression_methods;
  bool has_extensions = false;  // an extensions block was present (maybe empty)
  std::vector<Extension> extensions;

  // Decoded extensions (empty / nullopt / false when absent).
  std::optional<std::string> server_name;        // host_name, as sent (ASCII)
  std::vector<std::string> alpn;                 // protocol names in order
  std::vector<uint16_t> supported_versions;
  std::vector<uint16_t> signature_algorithms;
  std::vector<uint16_t> supported_groups;
  std::vector<KeyShareEntry> key_shares;
  std::optional<uint16_t> record_size_limit;
  bool extended_master_secret = false;
  std::optional<std::string> renegotiation_info;  // renegotiated_connection

  // Offers reports whether |version| (0x0304 = TLS 1.3) is offered: in
  // supported_versions when present, else legacy_version.
  bool Offers(uint16_t version) const;
  const Extension* Find(ExtensionType type) const;
};

// ParseClientHello reads a ClientHello body (the handshake message without
// its 4-byte header). |base_offset| is the absolute offset of body[0], for
// the offsets in |failure| and in each Extension. Returns false with the
// failure set on the first rule broken.
bool ParseClientHello(std::string_view body, uint64_t base_offset, ClientHello* out, Failure* failure);

// BuildClientHello renders the fields of |hello| (not the decoded ones: they
// are views of |extensions|) as a ClientHello body. For a parsed hello the
// result is byte-identical to the input.
std::string BuildClientHello(const ClientHello& hello);

// WrapHandshake prefixes |body| with a handshake header; WrapRecords cuts
// |payload| into records of |type| of at most 2^14 bytes each.
std::string WrapHandshake(HandshakeType type, std::string_view body);
std::string WrapRecords(ContentType type, std::string_view payload, uint16_t version = 0x0301);

// VersionName returns "TLS 1.2" etc., or "0xXXXX" for others.
std::string VersionName(uint16_t version);

// Inspector renders a TLS byte stream as the lines `xmppfuzz tls-inspect`
// prints (and TLS conformance vectors expect): one per record and per
// plaintext handshake message, the fields of the first ClientHello, and a
// last "error CODE offset=N" line when the input breaks a rule.
class Inspector {
 public:
  // |limits| as for RecordReader (a negotiated record_size_limit, say).
  explicit Inspector(RecordLimits limits = {}) : reader_(limits) {}
  // Feed / Finish as for RecordReader; false once an error was found.
  bool Feed(std::string_view bytes);
  bool Finish();
  // TakeLines returns the lines completed since the last call.
  std::vector<std::string> TakeLines();
  const Failure& failure() const { return failure_; }

 private:
  void Drain();
  bool Stop(const Failure& f);

  RecordReader reader_;
  std::vector<std::string> lines_;
  Failure failure_;
  bool saw_hello_ = false;
  bool done_ = false;
};

// ---- STARTTLS policy (RFC 6120 section 5)
//
// Both sides of the STARTTLS negotiation as state machines over the
// reference stream parser. The caller moves the bytes: it feeds what the
// peer sent in plaintext, sends what output() holds, and runs the TLS
// handshake when told to. Two rules hold whatever the peer does:
//  - Nothing the peer sent before the handshake survives it: bytes that
//    arrive after <starttls/> (server) or <proceed/> (client) in plaintext
//    are discarded, never parsed after TLS is up (the CVE-2011-0411
//    command-injection class). discarded_bytes() says how many.
//  - With TLS required, nothing but the negotiation happens before TLS: a
//    client never offers credentials (may_authenticate() stays false), a
//    server refuses every stanza and <auth/>.

// StarttlsWait is what a Feed() or Start() call left the caller to do.
enum class StarttlsWait : uint8_t {
  kSend,          // send output(), then call Feed() with the peer's next bytes
  kNeedBytes,     // call Feed() with the peer's next bytes
  kStartTls,      // send output() (if any), then run the TLS handshake; the
                  // stream restarts over TLS (a fresh stream parser)
  kNoTls,         // client, TLS optional and not offered: go on in plaintext
  kFailed,        // see failure(); send output() (a stream error) and close
};
std::string_view StarttlsWaitName(StarttlsWait w);

struct StarttlsConfig {
  bool require_tls = true;
  std::string domain = "example.com";  // the client's to=, the server's from=
  std::string stream_id = "xmppfuzz";  // server: id= of its header
  xml::Backend backend = xml::Backend::kExpat;  // the stream parser's backend
};

class StarttlsClient {
 public:
  enum class State : uint8_t { kSendHeader, kReadFeatures, kReadProceed, kHandshake, kPlaintext, kFailed };

  explicit StarttlsClient(StarttlsConfig config);
  ~StarttlsClient();

  // Start returns kSend with the client's stream header in output().
  StarttlsWait Start();
  // Feed takes the server's plaintext bytes (in any chunking).
  StarttlsWait Feed(std::string_view bytes);

  const std::string& output() const { return output_; }
  State state() const { return state_; }
  const Failure& failure() const { return failure_; }
  // The stream parser's error when failure() is kPeerStreamRefused.
  const std::string& stream_error() const { return stream_error_; }
  uint64_t discarded_bytes() const { return discarded_; }
  // may_authenticate: credentials may be offered on this stream (TLS is up,
  // or TLS is optional, was not offered, and the caller chose plaintext).
  bool may_authenticate() const { return state_ == State::kPlaintext; }
  // HandshakeDone records that the caller completed TLS; from here the
  // caller authenticates over the TLS stream.
  void HandshakeDone() { tls_up_ = true; }
  bool tls_up() const { return tls_up_; }

 private:
  StarttlsWait Step(const struct StreamStep& step);
  StarttlsWait Fail(Error e, uint64_t offset);

  StarttlsConfig config_;
  State state_ = State::kSendHeader;
  std::unique_ptr<class StreamFeeder> feeder_;
  std::string output_;
  Failure failure_;
  std::string stream_error_;
  uint64_t discarded_ = 0;
  bool tls_up_ = false;
};

class StarttlsServer {
 public:
  enum class State : uint8_t { kReadHeader, kReadStarttls, kHandshake, kFailed };

  explicit StarttlsServer(StarttlsConfig config);
  ~StarttlsServer();

  // Feed takes the client's plaintext bytes (in any chunking).
  StarttlsWait Feed(std::string_view bytes);

  const std::string& output() const { return output_; }
  State state() const { return state_; }
  const Failure& failure() const { return failure_; }
  const std::string& stream_error() const { return stream_error_; }
  uint64_t discarded_bytes() const { return discarded_; }

 private:
  StarttlsWait Step(const struct StreamStep& step);
  StarttlsWait Fail(Error e, uint64_t offset, std::string_view condition);

  StarttlsConfig config_;
  State state_ = State::kReadHeader;
  std::unique_ptr<class StreamFeeder> feeder_;
  std::string output_;
  Failure failure_;
  std::string stream_error_;
  uint64_t discarded_ = 0;
};

std::string_view StateName(StarttlsClient::State s);
std::string_view StateName(StarttlsServer::State s);

// ---- certificate identity, chain validation and pinning --------------------
//
// Who the peer is, for XMPP (RFC 6125 as applied by RFC 6120 section 13.7,
// RFC 7590): the reference identity is the JID domainpart the caller set out
// to reach, never an SRV target or any other name learned from DNS, plus
// whether the stream is client-to-server or server-to-server. The presented
// identifiers are read with OpenSSL's X509 / GENERAL_NAME API; the chain is
// validated by X509_verify_cert over a caller-supplied trust store at a
// caller-chosen time; pins are SHA-256 digests of the SubjectPublicKeyInfo.
// OpenSSL types appear only in VerifyPeerCertificate's signature (forward
// declared); everything else takes and gives DER bytes.

// CertError names the rule that refused a certificate or the configuration.
// It is a separate space from Error: certificates have no byte offsets, and
// CertFailure carries the chain depth instead.
enum class CertError : uint8_t {
  kNone,
  // Input and configuration.
  kBadDer,                 // a certificate that is not one whole DER X.509 certificate
  kBadTrustAnchor,         // a trust anchor that is not DER X.509
  kBadReferenceIdentity,   // the reference domain is not a DNS name, or IDNA refused it
  kBadPin,                 // a configured pin that does not decode to 32 bytes
  kNoPins,                 // pin_mode is kInsteadOfChain but no pin is configured
  // Chain validation (RFC 5280 section 6, through X509_verify_cert).
  kExpired,                // notAfter before the verification time
  kNotYetValid,            // notBefore after the verification time
  kSelfSigned,             // the peer's certificate is self-signed and not a trust anchor
  kUntrustedRoot,          // the chain ends in a self-signed certificate that is not a trust anchor
  kUnknownIssuer,          // no issuer found among the chain and the trust anchors
  kBadSignature,           // a signature in the chain does not verify
  kIssuerNotCa,            // an issuer without basicConstraints cA TRUE (a leaf used as a CA)
  kPathLength,             // a basicConstraints pathLenConstraint exceeded
  kIssuerKeyUsage,         // an issuer whose keyUsage lacks keyCertSign
  kLeafIsCa,               // the peer's own certificate is a CA certificate (cA TRUE)
  kBadKeyUsage,            // the peer's keyUsage does not allow its TLS role
  kBadExtendedKeyUsage,    // an extendedKeyUsage without serverAuth / clientAuth for the peer's TLS role
  kChainTooLong,           // more certificates than VerifyConfig::max_chain_depth
  kChainInvalid,           // any other X509_V_ERR_* (CertFailure::openssl_error says which)
  // Identity (RFC 6125 section 6, RFC 6120 section 13.7.2).
  kWrongName,              // no presented identifier matches the reference identity
  // Pinning.
  kWrongPin,               // no pinned SPKI digest matches
};

// CertErrorName returns the code's stable name ("wrong-name", ...).
std::string_view CertErrorName(CertError e);

// CertFailure is a certificate verdict: the code, the position in the chain
// where it fired (0 is the peer's certificate, -1 when no certificate is
// concerned) and, for chain errors, OpenSSL's X509_V_ERR_* value.
struct CertFailure {
  CertError code = CertError::kNone;
  int depth = -1;
  int openssl_error = 0;
  bool ok() const { return code == CertError::kNone; }
  bool operator==(const CertFailure&) const = default;
};

// Describe renders |f| as "code depth=N" (plus OpenSSL's error string for
// chain errors).
std::string Describe(const CertFailure& f);

// XmppService is the kind of stream the certificate is for: it selects the
// SRV-ID service name (_xmpp-client or _xmpp-server, RFC 6120 13.7.1.2).
enum class XmppService : uint8_t { kClientToServer, kServerToServer };

// IdKind is the type of a presented identifier (RFC 6125 section 1.8).
enum class IdKind : uint8_t {
  kDnsId,     // subjectAltName dNSName
  kSrvId,     // subjectAltName otherName id-on-dnsSRV (1.3.6.1.5.5.7.8.7, RFC 4985)
  kXmppAddr,  // subjectAltName otherName id-on-xmppAddr (1.3.6.1.5.5.7.8.5, RFC 6120 13.7.1.4)
  kCnId,      // subject commonName
};
std::string_view IdKindName(IdKind k);

// IdProblem says why a presented identifier can never match (kNone: usable).
enum class IdProblem : uint8_t {
  kNone,
  kEmpty,           // zero-length value
  kNul,             // a NUL byte inside the value (CVE-2009-2408)
  kNonAscii,        // a byte above 0x7F where only A-labels belong (DNS-ID, SRV-ID, CN-ID)
  kWrongStringType, // an otherName value of the wrong ASN.1 type, or an undecodable CN
  kTrailingDot,     // a value ending in '.'
  kNotDomain,       // an XmppAddr with a localpart or resourcepart (not a server's JID)
  kBadIdn,          // an XmppAddr whose U-labels IDNA2008 refuses
  kBadSrvName,      // an SRV-ID that is not "_service.name"
  kMultipleCn,      // the subject has more than one commonName (none is used)
};
std::string_view IdProblemName(IdProblem p);

// PresentedId is one identifier as found in the certificate.
struct PresentedId {
  IdKind kind = IdKind::kDnsId;
  std::string raw;         // the value's bytes exactly as encoded
  std::string normalized;  // lower-case A-label form ("_xmpp-client.example.org" for SRV-IDs); empty when refused
  IdProblem problem = IdProblem::kNone;
};

// PresentedIdentifiers is every identifier of a certificate, in certificate
// order (subjectAltName entries first, then commonNames).
struct PresentedIdentifiers {
  std::vector<PresentedId> ids;
  // has_subject_alt_name: a subjectAltName extension is present (even one
  // that holds no type we read, or that does not decode); then no CN-ID is
  // ever used (RFC 6125 6.4.4).
  bool has_subject_alt_name = false;
};

// ExtractPresentedIdentifiers reads the identifiers of the DER certificate
// |der|. Returns kNone, or kBadDer when |der| is not one whole certificate.
CertError ExtractPresentedIdentifiers(std::string_view der, PresentedIdentifiers* out);

// NormalizeReferenceDomain turns a JID domainpart into the form identifiers
// are compared in: one trailing dot removed (RFC 7622 3.2), U-labels
// converted with libidn2 (idn2_to_ascii_8z, IDNA2008 with UTS #46
// non-transitional mapping), ASCII lower case; then it must be a DNS name
// (LDH labels of 1-63 bytes not starting or ending in '-', 253 bytes in all,
// A-labels that decode) and not an IP literal (all-digit last label).
// Returns kNone with |out| set, or kBadReferenceIdentity.
CertError NormalizeReferenceDomain(std::string_view domain, std::string* out);

// IsPublicSuffix reports whether |domain| (lower-case A-labels) is a public
// suffix by libpsl's built-in Public Suffix List (offline; ICANN and private
// sections, with the implicit "*" rule, so every single label is one).
bool IsPublicSuffix(std::string_view domain);

// IdentityMatch says which identifier matched.
struct IdentityMatch {
  bool matched = false;
  IdKind kind = IdKind::kDnsId;
  size_t index = 0;  // into PresentedIdentifiers::ids
};

// MatchReferenceIdentity compares |reference| (a NormalizeReferenceDomain
// result) with |ids| for |service|: DNS-ID equal, or a wildcard that is the
// whole left-most label standing for exactly one label, over at least two
// labels that are not a public suffix; SRV-ID "_xmpp-client." or
// "_xmpp-server." (by |service|) + reference, no wildcard; XmppAddr equal
// (a bare domain JID, U-labels converted), no wildcard; CN-ID (as a DNS-ID)
// only when |allow_cn_id|, there is no subjectAltName and exactly one CN.
// Returns the first match, or matched=false.
IdentityMatch MatchReferenceIdentity(const PresentedIdentifiers& ids, std::string_view reference,
                                     XmppService service, bool allow_cn_id = true);

// PeerRole is the peer's side of the TLS handshake; it selects the
// extendedKeyUsage the peer's certificate must allow (RFC 5280 4.2.1.12):
// serverAuth for a TLS server, clientAuth for a TLS client (the initiating
// server of an s2s stream that presents a certificate).
enum class PeerRole : uint8_t { kTlsServer, kTlsClient };

// PinMode: kWithChain checks a pin in addition to the chain (a pin matches
// any certificate of the validated chain, so a CA key can be pinned);
// kInsteadOfChain skips chain validation (trust, dates, key usage) and
// requires the pin of the peer's own certificate.
enum class PinMode : uint8_t { kWithChain, kInsteadOfChain };
enum class PinEncoding : uint8_t { kBase64, kHex };

struct VerifyConfig {
  // The JID domainpart the caller wanted to reach (never an SRV target).
  std::string reference_domain;
  XmppService service = XmppService::kClientToServer;
  PeerRole peer_role = PeerRole::kTlsServer;
  // Trust anchors, DER. Nothing else is trusted (no system store).
  std::vector<std::string> trust_anchors_der;
  // Verification time in seconds since the epoch (X509_VERIFY_PARAM_set_time);
  // unset: the current time.
  std::optional<int64_t> verification_time;
  // SHA-256 digests of SubjectPublicKeyInfo DER, in |pin_encoding| (base64
  // as in HPKP's pin-sha256, or hex with optional ':' separators). Empty: no
  // pinning (allowed only with kWithChain).
  std::vector<std::string> pins;
  PinEncoding pin_encoding = PinEncoding::kBase64;
  PinMode pin_mode = PinMode::kWithChain;
  bool check_name = true;   // false: no identity check (only with a pin or for diagnostics)
  bool allow_cn_id = true;  // RFC 6120 13.7.2 permits CN-ID as the last resort
  int max_chain_depth = 8;  // certificates in leaf + chain
};

// SpkiSha256 returns the SHA-256 of the DER SubjectPublicKeyInfo of the DER
// certificate |der| (i2d_X509_PUBKEY). Returns kNone, or kBadDer.
CertError SpkiSha256(std::string_view der, std::array<uint8_t, 32>* out);

// EncodePin renders a digest as |encoding| (base64 with padding, or lower-case hex).
std::string EncodePin(const std::array<uint8_t, 32>& digest, PinEncoding encoding);

// DecodePin parses |text| in |encoding|. Returns false unless it is exactly 32 bytes.
bool DecodePin(std::string_view text, PinEncoding encoding, std::array<uint8_t, 32>* out);

// VerifyPeerCertificateDer checks, in this order: the configuration (pins,
// reference identity, trust anchors), the chain (unless kInsteadOfChain),
// the identity (unless !check_name), the pin (when pins are configured).
// |leaf_der| is the peer's certificate, |chain_der| the other certificates it
// sent (untrusted; the leaf may be repeated). Returns the first failure, or
// ok().
CertFailure VerifyPeerCertificateDer(const VerifyConfig& config, std::string_view leaf_der,
                                     const std::vector<std::string>& chain_der);

}  // namespace xmppfuzz::tls

struct x509_st;
struct stack_st_X509;

namespace xmppfuzz::tls {

// VerifyPeerCertificate is VerifyPeerCertificateDer for the session after a
// handshake: |leaf| from SSL_get0_peer_certificate, |chain| from
// SSL_get_peer_cert_chain (may be null, may contain the leaf). Neither is
// taken over.
CertFailure VerifyPeerCertificate(const VerifyConfig& config, x509_st* leaf, stack_st_X509* chain);

// ---- OpenSSL sessions, grading, channel bindings, seeded randomness (tls-session)
//
// Session wraps one OpenSSL SSL object over two memory BIOs: the library
// never opens or reads a socket. The caller moves the bytes, which suits
// STARTTLS (switch an existing stream to TLS after <proceed/>: create a
// Session and feed it what follows) and direct TLS (XEP-0368, ALPN
// "xmpp-client" / "xmpp-server") alike:
//
//   for (;;) {
//     Progress p = session->Handshake();
//     if (p == Progress::kWantWrite) send(session->TakeOutput());
//     else if (p == Progress::kWantRead) session->Feed(receive());
//     else break;  // kDone, or kFailed: failure() says why
//   }
//
// Hardened defaults, enforced by Create: TLS 1.2 minimum; for TLS 1.2 only
// AEAD suites with forward secrecy (ECDHE/DHE with AES-GCM or
// ChaCha20-Poly1305), checked on the list OpenSSL expands, so no cipher
// string can weaken it; no compression; no renegotiation
// (SSL_OP_NO_RENEGOTIATION); no session tickets or resumption (each Session
// is one connection); security level 2; certificate verification on for the
// client, SNI from the reference domain.

// Role is the side of the handshake.
enum class Role : uint8_t { kClient, kServer };

// Progress is what a driver call reports.
enum class Progress : uint8_t {
  kWantRead,   // nothing to send; Feed the peer's next bytes, then call again
  kWantWrite,  // bytes are waiting: send TakeOutput(), then call again
  kDone,       // the handshake is complete and nothing is waiting (Read: the peer closed)
  kFailed,     // failure() has the code; TakeOutput() may hold an alert to send
};

// ProgressName returns "want-read", "want-write", "done" or "failed".
std::string_view ProgressName(Progress p);

// CertificateVerifier is where the certificate identity and pinning checks
// (RFC 6125 / RFC 6120 13.7.1.2 / RFC 7590) plug into a Session. It is
// called once per handshake with the peer's leaf certificate and the chain:
// after OpenSSL's chain validation succeeded (the verified chain, leaf first,
// trust anchor last) or, with SessionConfig::check_chain off, instead of it
// (the chain as the peer sent it, leaf first). It returns Failure{} to
// accept; any other Failure refuses the certificate: the handshake fails
// with a bad_certificate alert and the Session's failure() is exactly the
// returned Failure (its code and offset as the verifier set them). Both
// pointers are borrowed for the duration of the call.
using CertificateVerifier = std::function<Failure(X509* leaf, STACK_OF(X509)* chain)>;

// The hardened suite lists (OpenSSL syntax).
inline constexpr const char* kHardenedTls12Ciphers =
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!PSK:!SRP:!DSS";
inline constexpr const char* kHardenedTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

struct SessionConfig {
  Role role = Role::kClient;
  // The reference identity: the domain of the JID (RFC 6120 13.7.2.1), never
  // a name learned from DNS. Client: sent as SNI (RFC 6066) unless it is an
  // IP literal, and the name the built-in identity check verifies.
  std::string reference_domain;
  // ALPN protocol names (RFC 7301; XEP-0368: "xmpp-client", "xmpp-server").
  // Client: offered in this order. Server: the first name of this list the
  // client offered is selected. With require_alpn, a peer that offers /
  // selects none of them is refused with kNoApplicationProtocol.
  std::vector<std::string> alpn;
  bool require_alpn = false;
  // Protocol bounds (TLS1_2_VERSION, TLS1_3_VERSION); below TLS 1.2 is kWeakConfig.
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  // Suites. A TLS 1.2 list whose expansion has a suite without AEAD, without
  // ECDHE/DHE or without authentication is kWeakConfig.
  std::string tls12_ciphers = kHardenedTls12Ciphers;
  std::string tls13_suites = kHardenedTls13Suites;
  // Own certificate, private key and intermediates (leaf excluded). Needed
  // by a server; optional for a client. Borrowed: Create takes references.
  X509* certificate = nullptr;
  EVP_PKEY* private_key = nullptr;
  std::vector<X509*> chain;
  // Client: verify the server's certificate (on by default).
  bool verify_server = true;
  // Server: request a client certificate and refuse a client without one
  // (kCertificateRequired); it is verified like a server certificate.
  bool require_client_certificate = false;
  // Trust anchors for chain validation (borrowed, referenced); nullptr:
  // OpenSSL's default paths (the system store).
  X509_STORE* trust_store = nullptr;
  // Run OpenSSL's chain validation. Off only together with a verifier
  // (pinning instead of the chain); off without one is kSessionConfig.
  bool check_chain = true;
  // The identity check. Empty: the built-in check, X509_check_host on
  // reference_domain with no CN fallback and no partial wildcards, on the
  // client; none on the server (its reference identity is not known at the
  // TLS layer).
  CertificateVerifier verifier;
  // A fixed clock for certificate validity (tests, fuzzing); unset: now.
  std::optional<time_t> verify_time;
  // TLS 1.2 peers must use extended_master_secret (RFC 7627).
  bool require_extended_master_secret = false;
  // Bound on peer bytes fed but not yet consumed by OpenSSL.
  size_t max_buffered_input = 256 * 1024;
};

// ChannelBindingType is the RFC 5056 channel-binding type, in the order of
// sasl::CbType (tls-unique, tls-server-end-point, tls-exporter).
enum class ChannelBindingType : uint8_t { kTlsUnique, kTlsServerEndPoint, kTlsExporter };

// ChannelBindingName returns "tls-unique", "tls-server-end-point" or "tls-exporter".
std::string_view ChannelBindingName(ChannelBindingType t);

// ChannelBinding computes the binding data of |type| for the established
// connection |ssl| (either role), as bytes:
//  - tls-unique (RFC 5929 3): the first Finished message of the handshake
//    (the client's in a full handshake, the server's when resumed); TLS 1.2
//    and below only: TLS 1.3 is kCbTlsUniqueTls13 (RFC 9266 3).
//  - tls-server-end-point (RFC 5929 4.1): the hash of the server's DER
//    certificate with its signature's hash, MD5 and SHA-1 replaced by
//    SHA-256; a signature with no single hash (Ed25519, Ed448) is
//    kCbNoSignatureHash; no server certificate is kCbNoServerCertificate.
//  - tls-exporter (RFC 9266 2): 32 bytes of the RFC 5705 / RFC 8446 7.5
//    exporter with the label "EXPORTER-Channel-Binding" and no context
//    (use_context = 0; in TLS 1.3 this equals an empty context, RFC 8446
//    7.5); TLS 1.2 without extended_master_secret is kCbExporterWithoutEms.
// Returns Failure{} with |data| set, or the failure (kNotEstablished before
// the handshake completed) with |data| cleared.
Failure ChannelBinding(SSL* ssl, ChannelBindingType type, std::string* data);

// TlsServerEndPoint is the tls-server-end-point hash of |cert|.
Failure TlsServerEndPoint(X509* cert, std::string* data);

// Session is one TLS connection, client or server, over memory BIOs.
class Session {
 public:
  // Create builds a session from |config|. Returns nullptr with |failure|
  // (kSessionConfig or kWeakConfig) and |detail| set when the config is
  // unusable or weaker than the hardened floor.
  static std::unique_ptr<Session> Create(const SessionConfig& config, Failure* failure, std::string* detail = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Feed queues bytes the peer sent. Returns false, with failure() set, once
  // the session failed (errors stick), when the peer's first bytes are not a
  // TLS handshake or alert record (kNotTls: plaintext where TLS is required),
  // or when unconsumed input would exceed max_buffered_input (kInputTooLarge).
  bool Feed(std::string_view bytes);
  // FeedEof marks the end of the peer's stream: once the fed bytes are used
  // up, the handshake or Read fails with kPeerClosed (no close_notify).
  void FeedEof();
  // TakeOutput returns the bytes (TLS records) to send to the peer, and
  // forgets them. HasOutput reports whether there are any.
  std::string TakeOutput();
  bool HasOutput() const;

  // Handshake advances the handshake with the bytes fed so far. Returns
  // kWantWrite / kWantRead / kDone, or kFailed with failure() set. Once done
  // it keeps returning kDone (kWantWrite while output waits).
  Progress Handshake();

  // Read appends the application data available to |out|. Before the
  // handshake is complete nothing is ever delivered: it returns kWantRead
  // and leaves |out| alone. Returns kWantRead when it needs more records,
  // kDone when the peer sent close_notify, kFailed with failure() set.
  Progress Read(std::string* out);
  // Write encrypts |data| into the output. Returns false with failure() set
  // on a failed session, and before the handshake completed (kNotEstablished:
  // nothing is ever sent in the clear).
  bool Write(std::string_view data);
  // Close queues a close_notify alert.
  void Close();

  bool established() const { return established_; }
  const Failure& failure() const { return failure_; }
  // detail is OpenSSL's reason text for the failure, escaped (empty when none).
  const std::string& detail() const { return detail_; }
  Role role() const { return role_; }

  // After the handshake: the protocol version (0x0303, 0x0304), the suite's
  // IANA number and RFC name, the ALPN protocol selected (empty if none),
  // the SNI host name the client sent (server side, as sent: escape before
  // printing), whether extended_master_secret was negotiated.
  uint16_t version() const;
  uint16_t cipher_suite() const;
  std::string cipher_name() const;
  std::string alpn() const;
  std::string server_name() const;
  bool extended_master_secret() const;
  // verify_result is OpenSSL's X509_V_ERR code for the peer's chain.
  long verify_result() const;
  // peer_certificate is the peer's leaf (borrowed; nullptr if none).
  X509* peer_certificate() const;

  // ChannelBinding: see the free function; kNotEstablished before the handshake.
  Failure ChannelBinding(ChannelBindingType type, std::string* data) const;

  // ssl is the OpenSSL object (for inspection; the session owns it).
  SSL* ssl() const { return ssl_; }

 private:
  Session() = default;
  bool Fail(Error code, std::string detail = {});
  Progress FailFromOpenSsl();
  bool AfterHandshake();
  static int VerifyThunk(X509_STORE_CTX* store_ctx, void* arg);
  static int AlpnSelectThunk(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                             unsigned int inlen, void* arg);
  static int ClientHelloThunk(SSL* ssl, int* alert, void* arg);

  Role role_ = Role::kClient;
  SessionConfig config_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  std::string alpn_wire_;
  std::string first_bytes_;  // the peer's first two bytes, for the kNotTls check
  uint64_t fed_ = 0;
  bool established_ = false;
  Failure failure_;
  std::string detail_;
  Failure verify_failure_;   // what the verification callback refused, if anything
  std::string verify_detail_;
};

// ---- Grading: which versions and suites a peer accepts

// ProbeConnection is one connection to the peer being graded. Exchange sends
// |out| (possibly empty) and appends to |in| whatever the peer answered
// (possibly nothing yet). Returns false when the connection is closed,
// broken or timed out and nothing more will come.
class ProbeConnection {
 public:
  virtual ~ProbeConnection() = default;
  virtual bool Exchange(std::string_view out, std::string* in) = 0;
};

// ProbeConnector opens a new connection per probe (nullptr: cannot connect).
using ProbeConnector = std::function<std::unique_ptr<ProbeConnection>()>;

// FdConnector adapts a callback that returns a connected socket (or -1), for
// instance after an XMPP STARTTLS preamble up to <proceed/>; each Exchange
// writes |out|, then waits up to |timeout_ms| for the peer's answer. The
// connector closes the fds it was given.
ProbeConnector FdConnector(std::function<int()> connect, int timeout_ms = 5000);

struct GradeOptions {
  std::string server_name;                       // SNI sent by the probes (none if empty)
  std::vector<std::string> alpn;                 // ALPN offered by the probes
  std::vector<uint16_t> versions = {0x0301, 0x0302, 0x0303, 0x0304};  // to probe
  size_t max_probes = 512;                       // a bound on connections in all
};

// AcceptedSuite is a suite the peer selected when offered.
struct AcceptedSuite {
  uint16_t version = 0;    // the protocol version it was negotiated under
  uint16_t id = 0;         // IANA number
  std::string name;        // RFC name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
  bool aead = false;
  bool forward_secret = false;  // ECDHE / DHE, or any TLS 1.3 suite
  bool authenticated = false;   // not anonymous (aNULL)
  bool operator==(const AcceptedSuite&) const = default;
};

struct GradeReport {
  std::vector<uint16_t> versions;     // accepted, ascending
  std::vector<AcceptedSuite> suites;  // per version, in the peer's order of preference
  size_t probes = 0;                  // connections made
  bool probe_limit_hit = false;       // max_probes stopped the grading early
  // Hardened: only TLS 1.2 / 1.3, and every suite AEAD, forward secret and authenticated.
  bool Hardened() const;
  bool Accepts(uint16_t version, std::string_view suite_name) const;
};

// Grade probes the peer behind |connect| with an OpenSSL client at security
// level 0, so legacy versions and suites can be offered at all: one
// connection per version offering every suite OpenSSL has (PSK and SRP
// aside), then, per accepted version, suites are removed one by one in the
// order the peer chooses them until it refuses the rest. A suite counts as
// accepted when the peer's ServerHello selects it (the probe does not verify
// certificates).
GradeReport Grade(const ProbeConnector& connect, const GradeOptions& options = {});

// ---- Seeded randomness for fuzzing and replay

// InstallSeededRandom replaces OpenSSL's random source, process-wide, with a
// deterministic generator (splitmix64, two independent streams) seeded by
// |seed|, and selects stream 0: the same seed then gives byte-identical
// handshakes. Calling it again restarts both streams. For fuzzing and
// tests only: it makes every key guessable. Returns false if OpenSSL refused.
// (OpenSSL 3.0: RAND_set_rand_method, deprecated but honoured by
// RAND_bytes_ex / RAND_priv_bytes_ex, which libssl and the default provider
// use; RAND_set_DRBG_type only works before the first random byte and cannot
// be reset between inputs.)
bool InstallSeededRandom(uint64_t seed);
// SelectRandomStream switches between the two streams (0, 1), so two
// parties in one process draw from separate streams: a capture of both
// replays with one party alone.
void SelectRandomStream(int stream);
// RestoreSystemRandom puts OpenSSL's own DRBG back.
void RestoreSystemRandom();
// SeededRandomInstalled reports whether the seeded source is in place.
bool SeededRandomInstalled();

}  // namespace xmppfuzz::tls

#endif  // XMPPFUZZ_TARGETS_TLS_TLS_H_
