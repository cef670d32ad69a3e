// Grade (targets/tls/tls.h): in-process against our hardened server (only
// TLS 1.2 / 1.3 with AEAD + forward secrecy), against a deliberately weak
// OpenSSL server at security level 0 (the legacy versions and suites show),
// and over real file descriptors (FdConnector on a socketpair) as the
// live-server grading will use it.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "targets/tls/tls.h"
#include "tests/tls/test_pki.h"

namespace xmppfuzz::tls {
namespace {

using testing::OpenSslPeer;
using testing::SharedPki;

// MemoryConnection serves each probe with a fresh in-process server: ours
// (a Session) or a bare OpenSSL one.
template <typename Server>
class MemoryConnection : public ProbeConnection {
 public:
  explicit MemoryConnection(std::unique_ptr<Server> server) : server_(std::move(server)) {}
  bool Exchange(std::string_view out, std::string* in) override {
    if (dead_) return false;
    server_->Feed(out);
    const Progress p = server_->Handshake();
    std::string reply = server_->TakeOutput();
    if (p == Progress::kFailed) dead_ = true;  // deliver the alert, then close
    if (reply.empty() && (dead_ || out.empty())) return false;
    in->append(reply);
    return true;
  }

 private:
  std::unique_ptr<Server> server_;
  bool dead_ = false;
};

ProbeConnector OurServer() {
  return []() -> std::unique_ptr<ProbeConnection> {
    Failure f;
    std::unique_ptr<Session> s = Session::Create(testing::ServerConfig(), &f);
    if (s == nullptr) return nullptr;
    return std::make_unique<MemoryConnection<Session>>(std::move(s));
  };
}

ProbeConnector WeakServer(int max_version) {
  return [max_version]() -> std::unique_ptr<ProbeConnection> {
    auto peer = std::make_unique<OpenSslPeer>(Role::kServer, [max_version](SSL_CTX* ctx) {
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx, max_version);
      SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
      SSL_CTX_use_certificate(ctx, SharedPki().rsa_leaf.get());
      SSL_CTX_use_PrivateKey(ctx, SharedPki().rsa_key.get());
      SSL_CTX_set_dh_auto(ctx, 1);
    });
    return std::make_unique<MemoryConnection<OpenSslPeer>>(std::move(peer));
  };
}

void ExpectHardenedReport(const GradeReport& r) {
  EXPECT_EQ(r.versions, (std::vector<uint16_t>{0x0303, 0x0304}));
  EXPECT_TRUE(r.Hardened());
  EXPECT_FALSE(r.probe_limit_hit);
  // The TLS 1.3 suites of kHardenedTls13Suites, in the server's order.
  std::vector<std::string> tls13;
  for (const AcceptedSuite& s : r.suites) {
    if (s.version == 0x0304) tls13.push_back(s.name);
  }
  EXPECT_EQ(tls13, (std::vector<std::string>{"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                             "TLS_AES_128_GCM_SHA256"}));
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"));
  EXPECT_FALSE(r.Accepts(0x0303, "TLS_RSA_WITH_AES_128_GCM_SHA256"));  // no forward secrecy
  EXPECT_FALSE(r.Accepts(0x0303, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
  for (const AcceptedSuite& s : r.suites) {
    EXPECT_TRUE(s.aead && s.forward_secret && s.authenticated) << s.name;
  }
}

TEST(Grade, OurServerIsHardened) { ExpectHardenedReport(Grade(OurServer())); }

TEST(Grade, WeakServerShowsItsWeakness) {
  GradeReport r = Grade(WeakServer(TLS1_2_VERSION));
  EXPECT_EQ(r.versions, (std::vector<uint16_t>{0x0301, 0x0302, 0x0303}));
  EXPECT_FALSE(r.Hardened());
  EXPECT_TRUE(r.Accepts(0x0301, "TLS_RSA_WITH_AES_128_CBC_SHA"));         // static RSA, CBC
  EXPECT_TRUE(r.Accepts(0x0302, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"));
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_RSA_WITH_AES_128_GCM_SHA256"));       // no forward secrecy
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_RSA_WITH_NULL_SHA256"));              // no encryption
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"));   // anonymous
  EXPECT_TRUE(r.Accepts(0x0303, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
  EXPECT_FALSE(r.Accepts(0x0303, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));  // it has an RSA key only
  // Every accepted suite is listed once per version.
  for (size_t i = 0; i < r.suites.size(); ++i) {
    for (size_t j = i + 1; j < r.suites.size(); ++j) {
      EXPECT_FALSE(r.suites[i] == r.suites[j]) << r.suites[i].name;
    }
  }
}

TEST(Grade, ProbeLimitIsReported) {
  GradeOptions o;
  o.max_probes = 3;
  GradeReport r = Grade(WeakServer(TLS1_2_VERSION), o);
  EXPECT_EQ(r.probes, 3u);
  EXPECT_TRUE(r.probe_limit_hit);
}

// Only TLS 1.0 to 1.3 are probed (RFC 8996 retired SSL 3.0 long after RFC
// 7568): versions outside that range in the options cost no probe.
TEST(Grade, VersionsOutsideTls10To13AreNotProbed) {
  GradeOptions only12;
  only12.versions = {0x0303};
  GradeOptions with_others;
  with_others.versions = {0x0300, 0x0303, 0x0305, 0xFEFD, 0x0002};
  const GradeReport a = Grade(OurServer(), only12);
  const GradeReport b = Grade(OurServer(), with_others);
  EXPECT_EQ(a.versions, (std::vector<uint16_t>{0x0303}));
  EXPECT_EQ(b.versions, a.versions);
  EXPECT_EQ(b.probes, a.probes);
  EXPECT_EQ(b.suites.size(), a.suites.size());
}

TEST(Grade, NothingToConnectTo) {
  GradeReport r = Grade([] { return std::unique_ptr<ProbeConnection>(); });
  EXPECT_TRUE(r.versions.empty());
  EXPECT_FALSE(r.Hardened());
}

// ServeFd runs our server Session on |fd| until the peer closes it.
void ServeFd(int fd) {
  Failure f;
  std::unique_ptr<Session> s = Session::Create(testing::ServerConfig(), &f);
  char buf[16384];
  for (;;) {
    const Progress p = s->Handshake();
    std::string out = s->TakeOutput();
    if (!out.empty() && write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) break;
    if (p == Progress::kFailed) break;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    s->Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  close(fd);
}

TEST(Grade, OverFileDescriptors) {
  std::vector<std::thread> servers;
  ProbeConnector connect = FdConnector(
      [&servers]() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return -1;
        servers.emplace_back(ServeFd, fds[1]);
        return fds[0];
      },
      10000);
  GradeReport r = Grade(connect);
  for (std::thread& t : servers) t.join();
  ExpectHardenedReport(r);
  EXPECT_EQ(servers.size(), r.probes);
}

}  // namespace
}  // namespace xmppfuzz::tls
