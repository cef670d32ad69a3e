// Grade: probe a peer's protocol versions and suites with an OpenSSL client
// at security level 0, over a caller-supplied transport.
#include <openssl/err.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

constexpr int kMaxRounds = 64;  // exchanges per probe: a handshake needs a handful

class FdConnection : public ProbeConnection {
 public:
  FdConnection(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
  ~FdConnection() override { close(fd_); }

  bool Exchange(std::string_view out, std::string* in) override {
    while (!out.empty()) {
      const ssize_t n = write(fd_, out.data(), out.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      out.remove_prefix(static_cast<size_t>(n));
    }
    pollfd p{fd_, POLLIN, 0};
    int r;
    do r = poll(&p, 1, timeout_ms_);
    while (r < 0 && errno == EINTR);
    if (r <= 0) return false;  // timeout or error
    char buf[16384];
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) return false;  // closed
    in->append(buf, static_cast<size_t>(n));
    return true;
  }

 private:
  int fd_;
  int timeout_ms_;
};

// ProbeResult is what one probe connection learnt.
struct ProbeResult {
  bool selected = false;  // a ServerHello chose a version and suite
  uint16_t version = 0;
  const SSL_CIPHER* cipher = nullptr;
};

// Probe runs one client handshake offering |version| only, with the TLS 1.2
// cipher list |ciphers| or the TLS 1.3 suites |suites|.
ProbeResult Probe(const ProbeConnector& connect, const GradeOptions& options, uint16_t version,
                  const std::string& ciphers, const std::string& suites) {
  ProbeResult result;
  std::unique_ptr<ProbeConnection> conn = connect();
  if (conn == nullptr) return result;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return result;
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
  bool ok = true;
  if (version >= TLS1_3_VERSION) {
    ok = SSL_CTX_set_ciphersuites(ctx, suites.c_str()) == 1;
  } else {
    ok = SSL_CTX_set_cipher_list(ctx, (ciphers + ":@SECLEVEL=0").c_str()) == 1;
  }
  SSL* ssl = ok ? SSL_new(ctx) : nullptr;
  if (ssl != nullptr) {
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO* wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    if (!options.server_name.empty()) SSL_set_tlsext_host_name(ssl, options.server_name.c_str());
    std::string alpn;
    for (const std::string& p : options.alpn) {
      if (p.empty() || p.size() > 255) continue;
      alpn += static_cast<char>(p.size());
      alpn += p;
    }
    if (!alpn.empty()) {
      SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn.data()), static_cast<unsigned>(alpn.size()));
    }
    for (int round = 0; round < kMaxRounds; ++round) {
      ERR_clear_error();
      const int r = SSL_do_handshake(ssl);
      std::string out;
      char buf[4096];
      int n;
      while ((n = BIO_read(wbio, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
      if (r == 1) break;  // our last flight is not needed: the peer has chosen
      if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) break;
      std::string in;
      if (!conn->Exchange(out, &in) || (in.empty() && out.empty())) break;
      BIO_write(rbio, in.data(), static_cast<int>(in.size()));
    }
    // A ServerHello was processed when the session has a cipher, whether or
    // not the rest of the handshake (certificate, client auth) went through.
    SSL_SESSION* session = SSL_get_session(ssl);
    const SSL_CIPHER* c = session != nullptr ? SSL_SESSION_get0_cipher(session) : nullptr;
    if (c != nullptr) {
      result.selected = true;
      result.version = static_cast<uint16_t>(SSL_version(ssl));
      result.cipher = c;
    }
    SSL_free(ssl);
  }
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return result;
}

// AllCiphers lists every TLS 1.2-and-below suite OpenSSL can offer at level
// 0 for |version| (PSK and SRP need credentials and are left out).
std::vector<const SSL_CIPHER*> AllCiphers(uint16_t version) {
  std::vector<const SSL_CIPHER*> out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return out;
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  if (SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:!PSK:!SRP:@SECLEVEL=0") == 1) {
    SSL* ssl = SSL_new(ctx);
    STACK_OF(SSL_CIPHER)* list = ssl != nullptr ? SSL_get1_supported_ciphers(ssl) : nullptr;
    for (int i = 0; list != nullptr && i < sk_SSL_CIPHER_num(list); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
      if (std::string_view(SSL_CIPHER_get_version(c)) != "TLSv1.3") {  // the version filter is OpenSSL's
        out.push_back(c);
      }
    }
    sk_SSL_CIPHER_free(list);
    SSL_free(ssl);
  }
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return out;
}

std::vector<std::string> AllTls13Suites() {
  return {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
          "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"};
}

template <typename T>
std::string Join(const std::vector<T>& items, std::string (*name)(const T&)) {
  std::string s;
  for (const T& i : items) s += (s.empty() ? "" : ":") + name(i);
  return s;
}
std::string CipherName(const SSL_CIPHER* const& c) { return SSL_CIPHER_get_name(c); }
std::string SameName(const std::string& s) { return s; }

AcceptedSuite Describe(uint16_t version, const SSL_CIPHER* c) {
  AcceptedSuite s;
  s.version = version;
  s.id = SSL_CIPHER_get_protocol_id(c);
  s.name = SSL_CIPHER_standard_name(c);
  s.aead = SSL_CIPHER_is_aead(c) == 1;
  const int kx = SSL_CIPHER_get_kx_nid(c);
  s.forward_secret = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any;
  const int auth = SSL_CIPHER_get_auth_nid(c);
  s.authenticated = auth != NID_auth_null && auth != NID_undef;
  return s;
}

}  // namespace

ProbeConnector FdConnector(std::function<int()> connect, int timeout_ms) {
  return [connect = std::move(connect), timeout_ms]() -> std::unique_ptr<ProbeConnection> {
    const int fd = connect();
    if (fd < 0) return nullptr;
    return std::make_unique<FdConnection>(fd, timeout_ms);
  };
}

bool GradeReport::Hardened() const {
  for (uint16_t v : versions) {
    if (v < 0x0303) return false;
  }
  for (const AcceptedSuite& s : suites) {
    if (!s.aead || !s.forward_secret || !s.authenticated) return false;
  }
  return !versions.empty();
}

bool GradeReport::Accepts(uint16_t version, std::string_view suite_name) const {
  for (const AcceptedSuite& s : suites) {
    if (s.version == version && s.name == suite_name) return true;
  }
  return false;
}

GradeReport Grade(const ProbeConnector& connect, const GradeOptions& options) {
  GradeReport report;
  std::vector<uint16_t> versions = options.versions;
  std::sort(versions.begin(), versions.end());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  auto budget = [&]() {
    if (report.probes >= options.max_probes) {
      report.probe_limit_hit = true;
      return false;
    }
    ++report.probes;
    return true;
  };
  for (uint16_t version : versions) {
    if (version < TLS1_VERSION || version > TLS1_3_VERSION) continue;
    const bool tls13 = version == TLS1_3_VERSION;
    std::vector<const SSL_CIPHER*> ciphers = tls13 ? std::vector<const SSL_CIPHER*>{} : AllCiphers(version);
    std::vector<std::string> suites = tls13 ? AllTls13Suites() : std::vector<std::string>{};
    if (!tls13 && ciphers.empty()) continue;
    bool version_accepted = false;
    // Elimination: offer everything left; the suite the peer picks is
    // accepted and leaves the list; stop when the peer refuses the rest.
    while (tls13 ? !suites.empty() : !ciphers.empty()) {
      if (!budget()) return report;
      ProbeResult r = Probe(connect, options, version, Join(ciphers, &CipherName), Join(suites, &SameName));
      if (!r.selected || r.version != version) break;
      if (!version_accepted) {
        report.versions.push_back(version);
        version_accepted = true;
      }
      report.suites.push_back(Describe(version, r.cipher));
      const uint16_t id = SSL_CIPHER_get_protocol_id(r.cipher);
      const size_t before = tls13 ? suites.size() : ciphers.size();
      if (tls13) {
        std::erase(suites, std::string(SSL_CIPHER_standard_name(r.cipher)));
      } else {
        std::erase_if(ciphers, [id](const SSL_CIPHER* c) { return SSL_CIPHER_get_protocol_id(c) == id; });
      }
      if ((tls13 ? suites.size() : ciphers.size()) == before) break;  // picked one we did not offer
    }
  }
  return report;
}

}  // namespace xmppfuzz::tls
