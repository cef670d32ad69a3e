#include "conformance/runner/tls_policy.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <mutex>
#include <string>

#include "targets/tls/tls.h"
#include "tests/tls/cert_builder.h"

namespace xmppfuzz::conform {
namespace {

namespace tt = tls::testing;

// PolicyPki is a CA, an RSA and an EC P-256 leaf for xmpp.example.org,
// issued once per process at run time (nothing is read from disk).
struct PolicyPki {
  tt::Issued ca;
  tt::KeyPtr rsa_key;
  tt::Issued rsa_leaf;
  tt::Issued ec_leaf;
  X509_STORE* store = nullptr;
};

const PolicyPki& Pki() {
  static PolicyPki* pki = [] {
    auto* p = new PolicyPki;
    p->ca = tt::Issue(tt::CaSpec("xmppfuzz conformance CA"), nullptr);
    // keyEncipherment too, so that a weak peer can even use RSA key exchange.
    tt::CertSpec leaf = tt::LeafSpec({tt::Dns("xmpp.example.org")});
    leaf.key_usage = "critical,digitalSignature,keyEncipherment";
    EVP_PKEY* rsa = EVP_RSA_gen(2048);
    p->rsa_key.reset(rsa);
    p->rsa_leaf = tt::Issue(leaf, &p->ca, rsa);
    leaf.serial = 3;
    p->ec_leaf = tt::Issue(leaf, &p->ca);
    p->store = X509_STORE_new();
    X509_STORE_add_cert(p->store, p->ca.cert.get());
    return p;
  }();
  return *pki;
}

// Peer is a bare OpenSSL endpoint at security level 0 over memory BIOs,
// with Session's driver calls.
class Peer {
 public:
  Peer(tls::Role role, const TlsSpec& spec, bool* configured) {
    ctx_ = SSL_CTX_new(role == tls::Role::kClient ? TLS_client_method() : TLS_server_method());
    SSL_CTX_set_security_level(ctx_, 0);
    bool ok = SSL_CTX_set_min_proto_version(ctx_, spec.peer_min_version) == 1 &&
              SSL_CTX_set_max_proto_version(ctx_, spec.peer_max_version) == 1;
    if (!spec.peer_ciphers.empty()) ok = ok && SSL_CTX_set_cipher_list(ctx_, spec.peer_ciphers.c_str()) == 1;
    if (!spec.peer_suites.empty()) ok = ok && SSL_CTX_set_ciphersuites(ctx_, spec.peer_suites.c_str()) == 1;
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    if (role == tls::Role::kServer) {
      const tt::Issued& leaf = spec.peer_key_ec ? Pki().ec_leaf : Pki().rsa_leaf;
      EVP_PKEY* key = spec.peer_key_ec ? leaf.key.get() : Pki().rsa_key.get();
      ok = ok && SSL_CTX_use_certificate(ctx_, leaf.cert.get()) == 1 && SSL_CTX_use_PrivateKey(ctx_, key) == 1;
      SSL_CTX_set_dh_auto(ctx_, 1);
    }
    *configured = ok;
    ERR_clear_error();
    ssl_ = SSL_new(ctx_);
    BIO* rbio = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    rbio_ = rbio;
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl_, rbio, wbio_);
    if (role == tls::Role::kClient) {
      SSL_set_tlsext_host_name(ssl_, "xmpp.example.org");
      SSL_set_connect_state(ssl_);
    } else {
      SSL_set_accept_state(ssl_);
    }
  }
  ~Peer() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool Feed(std::string_view bytes) { return BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) >= 0; }
  std::string TakeOutput() {
    std::string out;
    char buf[4096];
    int n;
    while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  tls::Progress Handshake() {
    if (failed_) return tls::Progress::kFailed;
    int r = SSL_do_handshake(ssl_);
    bool pending = BIO_ctrl_pending(wbio_) > 0;
    if (r == 1) return pending ? tls::Progress::kWantWrite : tls::Progress::kDone;
    if (SSL_get_error(ssl_, r) == SSL_ERROR_WANT_READ) return pending ? tls::Progress::kWantWrite : tls::Progress::kWantRead;
    failed_ = true;
    ERR_clear_error();
    return pending ? tls::Progress::kWantWrite : tls::Progress::kFailed;
  }
  bool established() const { return SSL_is_init_finished(ssl_) == 1; }
  SSL* ssl() const { return ssl_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  bool failed_ = false;
};

// Converse moves bytes between |a| and |b| until neither side moves.
template <typename A, typename B>
void Converse(A& a, B& b) {
  for (int round = 0; round < 64; ++round) {
    tls::Progress pa = a.Handshake();
    std::string out_a = a.TakeOutput();
    if (!out_a.empty()) b.Feed(out_a);
    tls::Progress pb = b.Handshake();
    std::string out_b = b.TakeOutput();
    if (!out_b.empty()) a.Feed(out_b);
    bool a_stuck = pa == tls::Progress::kDone || pa == tls::Progress::kFailed || pa == tls::Progress::kWantRead;
    bool b_stuck = pb == tls::Progress::kDone || pb == tls::Progress::kFailed || pb == tls::Progress::kWantRead;
    if (out_a.empty() && out_b.empty() && a_stuck && b_stuck) return;
  }
}

std::mutex& PolicyMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

Observation RunTlsPolicyVector(const Vector& v) {
  std::lock_guard<std::mutex> lock(PolicyMutex());  // one handshake pair at a time (the PKI is shared)
  Observation obs;
  const TlsSpec& spec = v.tls;
  const tls::Role ours = spec.role == SaslRole::kServer ? tls::Role::kServer : tls::Role::kClient;
  const tls::Role theirs = ours == tls::Role::kServer ? tls::Role::kClient : tls::Role::kServer;
  // The control: the weak configuration must work between two such peers.
  {
    bool ok_a = false, ok_b = false;
    Peer a(theirs, spec, &ok_a);
    Peer b(ours, spec, &ok_b);
    if (!ok_a || !ok_b) {
      obs.broken = "this OpenSSL cannot configure the peer (versions or suite lists match nothing)";
      return obs;
    }
    Converse(a, b);
    if (!a.established() || !b.established()) {
      obs.broken = "control: two peers limited to this configuration do not complete a handshake here, so a "
                   "refusal would prove nothing";
      return obs;
    }
  }
  bool configured = false;
  Peer peer(theirs, spec, &configured);
  tls::SessionConfig config;
  config.role = ours;
  config.trust_store = Pki().store;
  config.verify_time = tt::kNow;
  if (ours == tls::Role::kClient) {
    config.reference_domain = "xmpp.example.org";
  } else {
    config.certificate = Pki().rsa_leaf.cert.get();
    config.private_key = Pki().rsa_key.get();
  }
  tls::Failure failure;
  std::string detail;
  auto session = tls::Session::Create(config, &failure, &detail);
  if (!session) {
    obs.broken = "our hardened session could not be created: " + std::string(tls::ErrorName(failure.code)) + " " + detail;
    return obs;
  }
  if (ours == tls::Role::kClient) {
    Converse(*session, peer);
  } else {
    Converse(peer, *session);
  }
  if (session->established()) {
    obs.outcome.kind = Outcome::Kind::kAccepted;
    obs.events = {"version " + tls::VersionName(session->version()), "cipher " + session->cipher_name()};
    if (!peer.established()) obs.detail = "our side finished but the peer did not";
  } else {
    obs.outcome.kind = Outcome::Kind::kRefusedTls;
    obs.outcome.tls_code = std::string(session->failure().ok() ? "none" : tls::ErrorName(session->failure().code));
    obs.detail = session->detail();
    if (peer.established()) obs.broken = "the peer completed a handshake our side refused";
  }
  return obs;
}

}  // namespace xmppfuzz::conform
