// Test support: keys and certificates generated at test time with OpenSSL's
// API (never committed), and OpenSslPeer, a plain OpenSSL endpoint over
// memory BIOs that can be configured as weak as OpenSSL allows (security
// level 0), for the tests and the starttls_handshake_fuzzer fixture.
// Validity dates are fixed, so with a seeded random source the same
// certificates come out byte for byte.
#ifndef XMPPFUZZ_TESTS_TLS_TEST_PKI_H_
#define XMPPFUZZ_TESTS_TLS_TEST_PKI_H_

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* c) const { X509_free(c); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Store = std::unique_ptr<X509_STORE, StoreFree>;

// 2023-11-14 .. 2100-01-01, and a time inside that window for verify_time.
inline constexpr time_t kNotBefore = 1700000000;
inline constexpr time_t kNotAfter = 4102444800;
inline constexpr time_t kVerifyTime = 1800000000;

// NewKey makes "rsa" (2048 bits), "p256" or "ed25519" keys.
inline Key NewKey(std::string_view kind) {
  if (kind == "rsa") return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  if (kind == "p256") return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

struct CertSpec {
  std::string dns;             // CN and the one dNSName SAN (none if empty)
  bool ca = false;
  const EVP_MD* md = nullptr;  // signature hash; nullptr: SHA-256 (none for Ed25519)
  long serial = 1;
};

// NewCert issues a certificate for |key| signed by |issuer_key| under
// |issuer| (self-signed when issuer is nullptr).
inline Cert NewCert(EVP_PKEY* key, const CertSpec& spec, X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  X509* x = cert.get();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), spec.serial);
  ASN1_TIME_set(X509_getm_notBefore(x), kNotBefore);
  ASN1_TIME_set(X509_getm_notAfter(x), kNotAfter);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  const std::string cn = spec.dns.empty() ? "xmppfuzz test" : spec.dns;
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    if (ext != nullptr) X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add(NID_key_usage, spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  add(NID_subject_key_identifier, "hash");
  if (!spec.ca) add(NID_ext_key_usage, "serverAuth,clientAuth");
  if (!spec.dns.empty()) add(NID_subject_alt_name, "DNS:" + spec.dns);
  const int type = EVP_PKEY_get_base_id(issuer_key);
  const EVP_MD* md = type == EVP_PKEY_ED25519 ? nullptr : (spec.md != nullptr ? spec.md : EVP_sha256());
  if (X509_sign(x, issuer_key, md) <= 0) return nullptr;
  return cert;
}

inline Store StoreOf(X509* anchor) {
  Store store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), anchor);
  return store;
}

// Pki is a test CA (P-256) with server leaves for "xmpp.example.org": an
// RSA one (so RSA key exchange and the *-RSA suites are possible) and a
// P-256 one, and a client leaf "client.example.org".
struct Pki {
  Key ca_key, rsa_key, ec_key, client_key;
  Cert ca, rsa_leaf, ec_leaf, client_leaf;
  Store store;

  explicit Pki(const std::string& ca_name = "xmppfuzz Test CA") {
    ca_key = NewKey("p256");
    ca = NewCert(ca_key.get(), {ca_name, true, nullptr, 1}, nullptr, ca_key.get());
    rsa_key = NewKey("rsa");
    rsa_leaf = NewCert(rsa_key.get(), {"xmpp.example.org", false, nullptr, 2}, ca.get(), ca_key.get());
    ec_key = NewKey("p256");
    ec_leaf = NewCert(ec_key.get(), {"xmpp.example.org", false, nullptr, 3}, ca.get(), ca_key.get());
    client_key = NewKey("p256");
    client_leaf = NewCert(client_key.get(), {"client.example.org", false, nullptr, 4}, ca.get(), ca_key.get());
    store = StoreOf(ca.get());
  }
};

// SharedPki is built once per process (RSA key generation is slow).
inline const Pki& SharedPki() {
  static const Pki* pki = new Pki();
  return *pki;
}

// ClientConfig / ServerConfig: our hardened sessions for xmpp.example.org.
inline SessionConfig ClientConfig(const Pki& pki = SharedPki()) {
  SessionConfig c;
  c.role = Role::kClient;
  c.reference_domain = "xmpp.example.org";
  c.trust_store = pki.store.get();
  c.verify_time = kVerifyTime;
  return c;
}
inline SessionConfig ServerConfig(const Pki& pki = SharedPki(), bool rsa = true) {
  SessionConfig c;
  c.role = Role::kServer;
  c.certificate = rsa ? pki.rsa_leaf.get() : pki.ec_leaf.get();
  c.private_key = rsa ? pki.rsa_key.get() : pki.ec_key.get();
  c.trust_store = pki.store.get();
  c.verify_time = kVerifyTime;
  return c;
}

// OpenSslPeer is a bare OpenSSL endpoint over memory BIOs, configured by a
// callback on its SSL_CTX (e.g. SSL_CTX_set_security_level(ctx, 0)). It has
// Session's driver methods, so Converse works on either.
class OpenSslPeer {
 public:
  OpenSslPeer(Role role, const std::function<void(SSL_CTX*)>& configure, OSSL_LIB_CTX* libctx = nullptr) {
    ctx_ = SSL_CTX_new_ex(libctx, nullptr, role == Role::kClient ? TLS_client_method() : TLS_server_method());
    if (configure) configure(ctx_);
    ssl_ = SSL_new(ctx_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_, rbio_, wbio_);
    if (role == Role::kClient) {
      SSL_set_connect_state(ssl_);
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
  // A peer on an existing context (shared, e.g. for session resumption).
  OpenSslPeer(Role role, SSL_CTX* shared) {
    SSL_CTX_up_ref(shared);
    ctx_ = shared;
    ssl_ = SSL_new(ctx_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_, rbio_, wbio_);
    if (role == Role::kClient) {
      SSL_set_connect_state(ssl_);
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
  ~OpenSslPeer() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  OpenSslPeer(const OpenSslPeer&) = delete;
  OpenSslPeer& operator=(const OpenSslPeer&) = delete;

  bool Feed(std::string_view bytes) {
    return bytes.empty() || BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) > 0;
  }
  std::string TakeOutput() {
    std::string out;
    char buf[4096];
    int n;
    while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  bool HasOutput() const { return BIO_ctrl_pending(wbio_) > 0; }
  Progress Handshake() {
    if (failed_) return Progress::kFailed;
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) return HasOutput() ? Progress::kWantWrite : Progress::kDone;
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ) return HasOutput() ? Progress::kWantWrite : Progress::kWantRead;
    failed_ = true;
    Capture();
    return Progress::kFailed;
  }
  // Read appends application data; kFailed records the reason.
  Progress Read(std::string* out) {
    if (failed_) return Progress::kFailed;
    ERR_clear_error();
    char buf[4096];
    for (;;) {
      size_t n = 0;
      const int r = SSL_read_ex(ssl_, buf, sizeof buf, &n);
      if (r == 1) {
        out->append(buf, n);
        continue;
      }
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ) return Progress::kWantRead;
      if (e == SSL_ERROR_ZERO_RETURN) return Progress::kDone;
      failed_ = true;
      Capture();
      return Progress::kFailed;
    }
  }
  bool Write(std::string_view data) {
    size_t n = 0;
    return SSL_write_ex(ssl_, data.data(), data.size(), &n) == 1;
  }
  bool established() const { return SSL_is_init_finished(ssl_) == 1; }
  // reason is the ERR_LIB_SSL reason of the failure (0 if none).
  int reason() const { return reason_; }
  const std::string& reason_text() const { return reason_text_; }
  SSL* ssl() const { return ssl_; }

 private:
  void Capture() {
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
      if (reason_ == 0 && ERR_GET_LIB(e) == ERR_LIB_SSL) {
        reason_ = ERR_GET_REASON(e);
        const char* s = ERR_reason_error_string(e);
        reason_text_ = s != nullptr ? s : "";
      }
    }
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  bool failed_ = false;
  int reason_ = 0;
  std::string reason_text_;
};

// Outcome is how each side of a conversation ended.
struct Outcome {
  Progress a = Progress::kWantRead;
  Progress b = Progress::kWantRead;
};

// Converse moves bytes between |a| and |b| until neither moves: both done,
// or one failed and its last alert was delivered (and processed) by the other.
template <typename A, typename B>
Outcome Converse(A& a, B& b, int max_rounds = 50) {
  Outcome o;
  for (int i = 0; i < max_rounds; ++i) {
    o.a = a.Handshake();
    std::string ab = a.TakeOutput();
    b.Feed(ab);
    o.b = b.Handshake();
    std::string ba = b.TakeOutput();
    a.Feed(ba);
    if (ab.empty() && ba.empty()) {
      o.a = a.Handshake();
      if (!a.HasOutput()) break;
    }
  }
  return o;
}

}  // namespace xmppfuzz::tls::testing

#endif  // XMPPFUZZ_TESTS_TLS_TEST_PKI_H_
