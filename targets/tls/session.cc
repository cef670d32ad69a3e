// tls::Session: one OpenSSL connection over memory BIOs with hardened
// defaults, OpenSSL's reasons mapped to tls::Error codes.
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <string>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

// IsIpLiteral: SNI is never an address (RFC 6066 3).
bool IsIpLiteral(const std::string& name) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
  if (ip == nullptr) return false;
  ASN1_OCTET_STRING_free(ip);
  return true;
}

// SuiteIsHardened: AEAD, ECDHE/DHE key exchange (or TLS 1.3's "any"), and
// an authenticated server.
bool SuiteIsHardened(const SSL_CIPHER* c) {
  if (!SSL_CIPHER_is_aead(c)) return false;
  const int kx = SSL_CIPHER_get_kx_nid(c);
  if (kx != NID_kx_ecdhe && kx != NID_kx_dhe && kx != NID_kx_any) return false;
  const int auth = SSL_CIPHER_get_auth_nid(c);
  return auth != NID_auth_null && auth != NID_auth_psk && auth != NID_auth_srp && auth != NID_undef;
}

// ReasonToError maps an ERR_LIB_SSL reason code to our code.
Error ReasonToError(int reason) {
  switch (reason) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_WRONG_SSL_VERSION:
    case SSL_R_UNSUPPORTED_SSL_VERSION:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_INAPPROPRIATE_FALLBACK:
    case SSL_R_TLSV1_ALERT_INAPPROPRIATE_FALLBACK:
      return Error::kProtocolVersion;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_WRONG_CIPHER_RETURNED:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_WRONG_CURVE:
      return Error::kNoSharedCipher;
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      return Error::kHandshakeFailureAlert;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return Error::kCertificateRequired;
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return Error::kCertificateUntrusted;
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      return Error::kPeerRefusedCertificate;
    case SSL_R_NO_APPLICATION_PROTOCOL:
    case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
      return Error::kNoApplicationProtocol;
    case SSL_R_NO_RENEGOTIATION:
    case SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED:
    case SSL_R_RENEGOTIATION_MISMATCH:
    case SSL_R_RENEGOTIATE_EXT_TOO_LONG:
    case SSL_R_RENEGOTIATION_ENCODING_ERR:
      return Error::kNoRenegotiation;
    case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
    case SSL_R_DECRYPTION_FAILED:
      return Error::kBadRecordMac;
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
    case SSL_R_UNEXPECTED_CCS_MESSAGE:
    case SSL_R_CCS_RECEIVED_EARLY:
    case SSL_R_UNEXPECTED_END_OF_EARLY_DATA:
    case SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY:
    case SSL_R_BAD_HANDSHAKE_STATE:
      return Error::kUnexpectedMessage;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return Error::kPeerClosed;
    case SSL_R_LENGTH_MISMATCH:
    case SSL_R_BAD_PACKET_LENGTH:
    case SSL_R_RECORD_TOO_SMALL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_DATA_LENGTH_TOO_LONG:
    case SSL_R_BAD_LENGTH:
    case SSL_R_LENGTH_TOO_SHORT:
    case SSL_R_LENGTH_TOO_LONG:
    case SSL_R_BAD_EXTENSION:
    case SSL_R_PARSE_TLSEXT:
    case SSL_R_BAD_PACKET:
    case SSL_R_EXCESSIVE_MESSAGE_SIZE:
    case SSL_R_BAD_RECORD_TYPE:
    case SSL_R_BAD_KEY_SHARE:
    case SSL_R_BAD_ECPOINT:
    case SSL_R_BAD_LEGACY_VERSION:
    case SSL_R_BAD_DATA:
    case SSL_R_BAD_PSK_IDENTITY:
    case SSL_R_INVALID_COMPRESSION_ALGORITHM:
    case SSL_R_BAD_SIGNATURE:
    case SSL_R_WRONG_SIGNATURE_TYPE:
    case SSL_R_WRONG_SIGNATURE_LENGTH:
    case SSL_R_BAD_DIGEST_LENGTH:
    case SSL_R_TOO_MANY_WARN_ALERTS:
    case SSL_R_MISSING_SUPPORTED_GROUPS_EXTENSION:
    case SSL_R_MISSING_SIGALGS_EXTENSION:
      return Error::kDecodeError;
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return Error::kNotTls;
  }
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) return Error::kPeerAlert;
  return Error::kHandshakeFailed;
}

// DrainErrors empties OpenSSL's error queue into one escaped line; |lib| and
// |reason| get the first ERR_LIB_SSL entry (or the first entry).
std::string DrainErrors(int* lib, int* reason) {
  std::string text;
  *lib = 0;
  *reason = 0;
  bool have_ssl = false;
  const char* data = nullptr;
  int flags = 0;
  unsigned long e;
  while ((e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
    if (!have_ssl && (ERR_GET_LIB(e) == ERR_LIB_SSL || *lib == 0)) {
      have_ssl = ERR_GET_LIB(e) == ERR_LIB_SSL;
      *lib = ERR_GET_LIB(e);
      *reason = ERR_GET_REASON(e);
    }
    const char* r = ERR_reason_error_string(e);
    if (!text.empty()) text += "; ";
    text += r != nullptr ? r : "reason " + std::to_string(ERR_GET_REASON(e));
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') text += std::string(" (") + data + ")";
  }
  return base::EscapeBytes(text, 512);
}

}  // namespace

std::string_view ProgressName(Progress p) {
  switch (p) {
    case Progress::kWantRead: return "want-read";
    case Progress::kWantWrite: return "want-write";
    case Progress::kDone: return "done";
    case Progress::kFailed: return "failed";
  }
  return "unknown";
}

std::unique_ptr<Session> Session::Create(const SessionConfig& config, Failure* failure, std::string* detail) {
  std::unique_ptr<Session> s(new Session());
  s->role_ = config.role;
  s->config_ = config;
  auto refuse = [&](Error code, std::string why) -> std::unique_ptr<Session> {
    int lib, reason;
    std::string ossl = DrainErrors(&lib, &reason);
    if (!ossl.empty()) why += ": " + ossl;
    *failure = Failure{code, 0};
    if (detail != nullptr) *detail = why;
    return nullptr;
  };
  ERR_clear_error();
  if (config.min_version < TLS1_2_VERSION || config.max_version < TLS1_2_VERSION) {
    return refuse(Error::kWeakConfig, "protocol versions below TLS 1.2");
  }
  if (config.min_version > config.max_version || config.max_version > TLS1_3_VERSION) {
    return refuse(Error::kSessionConfig, "protocol version bounds");
  }
  const bool client = config.role == Role::kClient;
  s->ctx_ = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
  SSL_CTX* ctx = s->ctx_;
  if (ctx == nullptr) return refuse(Error::kSessionConfig, "SSL_CTX_new");
  SSL_CTX_set_security_level(ctx, 2);
  if (!SSL_CTX_set_min_proto_version(ctx, config.min_version) ||
      !SSL_CTX_set_max_proto_version(ctx, config.max_version)) {
    return refuse(Error::kSessionConfig, "protocol version bounds");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_clear_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION |
                                 SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!SSL_CTX_set_cipher_list(ctx, config.tls12_ciphers.c_str())) {
    return refuse(Error::kSessionConfig, "TLS 1.2 cipher list");
  }
  if (!SSL_CTX_set_ciphersuites(ctx, config.tls13_suites.c_str())) {
    return refuse(Error::kSessionConfig, "TLS 1.3 suites");
  }
  STACK_OF(SSL_CIPHER)* suites = SSL_CTX_get_ciphers(ctx);
  if (suites == nullptr || sk_SSL_CIPHER_num(suites) == 0) return refuse(Error::kSessionConfig, "no suites");
  for (int i = 0; i < sk_SSL_CIPHER_num(suites); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(suites, i);
    if (!SuiteIsHardened(c)) return refuse(Error::kWeakConfig, std::string("suite ") + SSL_CIPHER_get_name(c));
  }
  if (!client) SSL_CTX_set_dh_auto(ctx, 1);

  if ((config.certificate == nullptr) != (config.private_key == nullptr)) {
    return refuse(Error::kSessionConfig, "certificate without key or key without certificate");
  }
  if (config.certificate != nullptr) {
    if (!SSL_CTX_use_certificate(ctx, config.certificate) || !SSL_CTX_use_PrivateKey(ctx, config.private_key) ||
        !SSL_CTX_check_private_key(ctx)) {
      return refuse(Error::kSessionConfig, "certificate or private key");
    }
    for (X509* c : config.chain) {
      if (!SSL_CTX_add1_chain_cert(ctx, c)) return refuse(Error::kSessionConfig, "chain certificate");
    }
  } else if (!client) {
    return refuse(Error::kSessionConfig, "a server needs a certificate and key");
  }

  const bool verify = client ? config.verify_server : config.require_client_certificate;
  if (verify) {
    if (!config.check_chain && !config.verifier) {
      return refuse(Error::kSessionConfig, "check_chain off without a verifier");
    }
    if (config.trust_store != nullptr) {
      SSL_CTX_set1_cert_store(ctx, config.trust_store);
    } else if (!SSL_CTX_set_default_verify_paths(ctx)) {
      return refuse(Error::kSessionConfig, "default trust paths");
    }
    int mode = SSL_VERIFY_PEER;
    if (!client) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
    SSL_CTX_set_cert_verify_callback(ctx, &Session::VerifyThunk, s.get());
  }
  if (config.verify_time) X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(ctx), *config.verify_time);

  for (const std::string& p : config.alpn) {
    if (p.empty() || p.size() > 255) return refuse(Error::kSessionConfig, "ALPN name length");
    s->alpn_wire_ += static_cast<char>(p.size());
    s->alpn_wire_ += p;
  }
  if (config.require_alpn && config.alpn.empty()) return refuse(Error::kSessionConfig, "require_alpn without names");
  if (!client && !config.alpn.empty()) {
    SSL_CTX_set_alpn_select_cb(ctx, &Session::AlpnSelectThunk, s.get());
    SSL_CTX_set_client_hello_cb(ctx, &Session::ClientHelloThunk, s.get());
  }

  s->ssl_ = SSL_new(ctx);
  if (s->ssl_ == nullptr) return refuse(Error::kSessionConfig, "SSL_new");
  s->rbio_ = BIO_new(BIO_s_mem());
  s->wbio_ = BIO_new(BIO_s_mem());
  if (s->rbio_ == nullptr || s->wbio_ == nullptr) {
    BIO_free(s->rbio_);
    BIO_free(s->wbio_);
    s->rbio_ = s->wbio_ = nullptr;
    return refuse(Error::kSessionConfig, "BIO_new");
  }
  BIO_set_mem_eof_return(s->rbio_, -1);  // empty means "retry", not end of stream
  SSL_set_bio(s->ssl_, s->rbio_, s->wbio_);
  if (client) {
    SSL_set_connect_state(s->ssl_);
    if (!config.reference_domain.empty() && !IsIpLiteral(config.reference_domain) &&
        !SSL_set_tlsext_host_name(s->ssl_, config.reference_domain.c_str())) {
      return refuse(Error::kSessionConfig, "SNI host name");
    }
    if (!s->alpn_wire_.empty() &&
        SSL_set_alpn_protos(s->ssl_, reinterpret_cast<const unsigned char*>(s->alpn_wire_.data()),
                            static_cast<unsigned>(s->alpn_wire_.size())) != 0) {
      return refuse(Error::kSessionConfig, "ALPN list");
    }
    if (verify && !config.verifier && config.reference_domain.empty()) {
      return refuse(Error::kSessionConfig, "verification needs a reference domain or a verifier");
    }
  } else {
    SSL_set_accept_state(s->ssl_);
  }
  *failure = Failure{};
  return s;
}

Session::~Session() {
  SSL_free(ssl_);  // frees the BIOs
  SSL_CTX_free(ctx_);
}

bool Session::Fail(Error code, std::string detail) {
  if (failure_.ok()) {
    failure_ = Failure{code, fed_};
    detail_ = std::move(detail);
  }
  return false;
}

Progress Session::FailFromOpenSsl() {
  int lib, reason;
  std::string text = DrainErrors(&lib, &reason);
  if (!verify_failure_.ok()) {
    // The verification callback refused: its code, not OpenSSL's summary.
    failure_ = verify_failure_;
    detail_ = verify_detail_;
    return Progress::kFailed;
  }
  Error code = lib == ERR_LIB_SSL ? ReasonToError(reason) : Error::kHandshakeFailed;
  if (code == Error::kCertificateUntrusted) {
    text += "; " + base::EscapeBytes(X509_verify_cert_error_string(SSL_get_verify_result(ssl_)));
  }
  Fail(code, text);
  return Progress::kFailed;
}

int Session::VerifyThunk(X509_STORE_CTX* store_ctx, void* arg) {
  Session* s = static_cast<Session*>(arg);
  if (s->config_.check_chain && X509_verify_cert(store_ctx) != 1) {
    s->verify_failure_ = Failure{Error::kCertificateUntrusted, s->fed_};
    s->verify_detail_ = base::EscapeBytes(X509_verify_cert_error_string(X509_STORE_CTX_get_error(store_ctx)));
    return 0;
  }
  X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
  STACK_OF(X509)* chain =
      s->config_.check_chain ? X509_STORE_CTX_get0_chain(store_ctx) : X509_STORE_CTX_get0_untrusted(store_ctx);
  if (s->config_.verifier) {
    Failure f = s->config_.verifier(leaf, chain);
    if (!f.ok()) {
      s->verify_failure_ = f;
      s->verify_detail_ = "refused by the certificate verifier";
      X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_CERT_REJECTED);  // bad_certificate
      return 0;
    }
  } else if (s->role_ == Role::kClient) {
    const std::string& name = s->config_.reference_domain;
    const unsigned flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    if (leaf == nullptr || X509_check_host(leaf, name.data(), name.size(), flags, nullptr) != 1) {
      s->verify_failure_ = Failure{Error::kCertificateIdentity, s->fed_};
      s->verify_detail_ = "certificate does not name " + base::EscapeBytes(name);
      X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_HOSTNAME_MISMATCH);
      return 0;
    }
  }
  X509_STORE_CTX_set_error(store_ctx, X509_V_OK);
  return 1;
}

int Session::AlpnSelectThunk(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                             unsigned int inlen, void* arg) {
  Session* s = static_cast<Session*>(arg);
  const std::string_view offered(reinterpret_cast<const char*>(in), inlen);
  for (const std::string& ours : s->config_.alpn) {
    base::SpanReader r(offered);
    while (!r.empty()) {
      base::SpanReader name;
      if (!r.GetU8LengthPrefixed(&name)) break;  // OpenSSL checked the syntax already
      if (base::AsString(name.rest()) == ours) {
        *out = name.rest().data();
        *outlen = static_cast<unsigned char>(name.size());
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  return s->config_.require_alpn ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
}

int Session::ClientHelloThunk(SSL* ssl, int* alert, void* arg) {
  Session* s = static_cast<Session*>(arg);
  const unsigned char* ext;
  size_t len;
  if (s->config_.require_alpn &&
      SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &len) != 1) {
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    s->verify_failure_ = Failure{Error::kNoApplicationProtocol, s->fed_};
    s->verify_detail_ = "the client offered no ALPN";
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

bool Session::Feed(std::string_view bytes) {
  if (!failure_.ok()) return false;
  if (bytes.empty()) return true;
  if (first_bytes_.size() < 2) {
    // RFC 8446 5.1: the first record is a handshake record (or an alert);
    // its legacy version's major byte is 3. Anything else is plaintext.
    const size_t before = first_bytes_.size();
    first_bytes_.append(bytes.substr(0, 2 - before));
    const uint8_t type = static_cast<uint8_t>(first_bytes_[0]);
    if (type != 22 && type != 21) {
      return Fail(Error::kNotTls, "first byte " + base::EscapeBytes(first_bytes_.substr(0, 1)));
    }
    if (first_bytes_.size() == 2 && first_bytes_[1] != '\x03') {
      fed_ += 1 - before;
      return Fail(Error::kNotTls, "record version major " + base::EscapeBytes(first_bytes_.substr(1, 1)));
    }
  }
  if (BIO_ctrl_pending(rbio_) + bytes.size() > config_.max_buffered_input) {
    return Fail(Error::kInputTooLarge, std::to_string(BIO_ctrl_pending(rbio_) + bytes.size()) + " bytes unconsumed");
  }
  if (BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) {
    return Fail(Error::kHandshakeFailed, "BIO_write");
  }
  fed_ += bytes.size();
  return true;
}

void Session::FeedEof() { BIO_set_mem_eof_return(rbio_, 0); }

std::string Session::TakeOutput() {
  std::string out;
  char buf[4096];
  int n;
  while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

bool Session::HasOutput() const { return BIO_ctrl_pending(wbio_) > 0; }

bool Session::AfterHandshake() {
  if (config_.require_alpn && alpn().empty()) return Fail(Error::kNoApplicationProtocol, "no protocol selected");
  if (config_.require_extended_master_secret && version() < TLS1_3_VERSION && !extended_master_secret()) {
    return Fail(Error::kNoExtendedMasterSecret, "the peer did not negotiate extended_master_secret");
  }
  established_ = true;
  return true;
}

Progress Session::Handshake() {
  if (!failure_.ok()) return Progress::kFailed;
  if (established_) return HasOutput() ? Progress::kWantWrite : Progress::kDone;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    if (!AfterHandshake()) return Progress::kFailed;
    return HasOutput() ? Progress::kWantWrite : Progress::kDone;
  }
  switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ: return HasOutput() ? Progress::kWantWrite : Progress::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Progress::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: Fail(Error::kPeerClosed, "close_notify during the handshake"); return Progress::kFailed;
    default: return FailFromOpenSsl();
  }
}

Progress Session::Read(std::string* out) {
  if (!failure_.ok()) return Progress::kFailed;
  if (!established_) return Progress::kWantRead;  // never data before the handshake
  ERR_clear_error();
  char buf[4096];
  for (;;) {
    size_t n = 0;
    const int r = SSL_read_ex(ssl_, buf, sizeof buf, &n);
    if (r == 1) {
      out->append(buf, n);
      continue;
    }
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE: return Progress::kWantRead;
      case SSL_ERROR_ZERO_RETURN: return Progress::kDone;
      default: return FailFromOpenSsl();
    }
  }
}

bool Session::Write(std::string_view data) {
  if (!failure_.ok()) return false;
  if (!established_) return Fail(Error::kNotEstablished, "Write before the handshake completed");
  ERR_clear_error();
  size_t written = 0;
  if (!data.empty() && SSL_write_ex(ssl_, data.data(), data.size(), &written) != 1) {
    FailFromOpenSsl();
    return false;
  }
  return true;
}

void Session::Close() {
  ERR_clear_error();
  if (established_) SSL_shutdown(ssl_);
  ERR_clear_error();
}

uint16_t Session::version() const { return established_ ? static_cast<uint16_t>(SSL_version(ssl_)) : 0; }

uint16_t Session::cipher_suite() const {
  const SSL_CIPHER* c = established_ ? SSL_get_current_cipher(ssl_) : nullptr;
  return c != nullptr ? SSL_CIPHER_get_protocol_id(c) : 0;
}

std::string Session::cipher_name() const {
  const SSL_CIPHER* c = established_ ? SSL_get_current_cipher(ssl_) : nullptr;
  return c != nullptr ? SSL_CIPHER_standard_name(c) : "";
}

std::string Session::alpn() const {
  const unsigned char* p = nullptr;
  unsigned int n = 0;
  SSL_get0_alpn_selected(ssl_, &p, &n);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Session::server_name() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

bool Session::extended_master_secret() const { return SSL_get_extms_support(ssl_) == 1; }

long Session::verify_result() const { return SSL_get_verify_result(ssl_); }

X509* Session::peer_certificate() const { return SSL_get0_peer_certificate(ssl_); }

Failure Session::ChannelBinding(ChannelBindingType type, std::string* data) const {
  if (!established_ || !failure_.ok()) {
    data->clear();
    return Failure{Error::kNotEstablished, fed_};
  }
  return tls::ChannelBinding(ssl_, type, data);
}

}  // namespace xmppfuzz::tls
