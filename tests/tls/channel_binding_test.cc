// Channel-binding data (RFC 5929, RFC 9266): both ends compute the same
// bytes; the values equal what OpenSSL's own primitives give when computed
// independently from the key log (HKDF for the TLS 1.3 exporter, RFC 8446
// 7.5; the TLS 1.2 PRF for RFC 5705), the Finished messages, and
// X509_digest; and each type is refused where the RFCs say it does not exist.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <map>
#include <string>

#include "targets/tls/tls.h"
#include "tests/tls/test_pki.h"

namespace xmppfuzz::tls {
namespace {

using testing::ClientConfig;
using testing::Converse;
using testing::OpenSslPeer;
using testing::ServerConfig;
using testing::SharedPki;

std::string Hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}
std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  return out;
}

// KeyLog collects NSS key-log lines (label -> secret) from a client.
std::map<std::string, std::string>* g_keylog = nullptr;
void KeyLogLine(const SSL*, const char* line) {
  std::string l(line);
  const size_t a = l.find(' '), b = l.find(' ', a + 1);
  if (g_keylog != nullptr && a != std::string::npos && b != std::string::npos) (*g_keylog)[l.substr(0, a)] = Unhex(l.substr(b + 1));
}

// Pair is an established client/server pair of our sessions.
struct Pair {
  std::unique_ptr<Session> client, server;
  std::map<std::string, std::string> keylog;
};

Pair Connect(int max_version, const char* tls12 = kHardenedTls12Ciphers, const char* tls13 = kHardenedTls13Suites) {
  Pair p;
  Failure f;
  SessionConfig cc = ClientConfig();
  cc.max_version = max_version;
  cc.tls12_ciphers = tls12;
  cc.tls13_suites = tls13;
  p.client = Session::Create(cc, &f);
  p.server = Session::Create(ServerConfig(), &f);
  SSL_CTX_set_keylog_callback(SSL_get_SSL_CTX(p.client->ssl()), &KeyLogLine);
  g_keylog = &p.keylog;
  testing::Outcome o = Converse(*p.client, *p.server);
  g_keylog = nullptr;
  EXPECT_EQ(o.a, Progress::kDone);
  EXPECT_EQ(o.b, Progress::kDone);
  return p;
}

std::string Binding(const Session& s, ChannelBindingType t, Error expect = Error::kNone) {
  std::string data = "stale";
  Failure f = s.ChannelBinding(t, &data);
  EXPECT_EQ(f.code, expect) << ChannelBindingName(t) << ": " << ErrorName(f.code);
  if (!f.ok()) {
    EXPECT_EQ(data, "");
  }
  return data;
}

// HkdfExpandLabel is RFC 8446 7.1 with SHA-256, via OpenSSL's HKDF in
// expand-only mode.
std::string HkdfExpandLabel(const std::string& secret, const std::string& label, const std::string& context,
                            size_t length) {
  std::string info;
  info += static_cast<char>(length >> 8);
  info += static_cast<char>(length & 0xFF);
  const std::string full = "tls13 " + label;
  info += static_cast<char>(full.size());
  info += full;
  info += static_cast<char>(context.size());
  info += context;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string out(length, '\0');
  EXPECT_EQ(EVP_KDF_derive(kctx, reinterpret_cast<unsigned char*>(out.data()), length, params), 1);
  EVP_KDF_CTX_free(kctx);
  EVP_KDF_free(kdf);
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), n);
}

TEST(TlsExporter, Tls13BothEndsAndRfc8446Derivation) {
  Pair p = Connect(TLS1_3_VERSION, kHardenedTls12Ciphers, "TLS_AES_128_GCM_SHA256");
  ASSERT_EQ(p.client->version(), 0x0304);
  const std::string c = Binding(*p.client, ChannelBindingType::kTlsExporter);
  const std::string s = Binding(*p.server, ChannelBindingType::kTlsExporter);
  EXPECT_EQ(c.size(), 32u);  // RFC 9266 2
  EXPECT_EQ(c, s);
  // RFC 8446 7.5: TLS-Exporter(label, context, 32) =
  //   HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""),
  //                     "exporter", Hash(context), 32); no context = empty.
  ASSERT_EQ(p.keylog.count("EXPORTER_SECRET"), 1u);
  const std::string& ems = p.keylog["EXPORTER_SECRET"];
  const std::string derived = HkdfExpandLabel(ems, "EXPORTER-Channel-Binding", Sha256(""), 32);
  EXPECT_EQ(Hex(c), Hex(HkdfExpandLabel(derived, "exporter", Sha256(""), 32)));
  // In TLS 1.3 OpenSSL's use_context=1 with an empty context is the same value.
  unsigned char with_empty[32];
  ASSERT_EQ(SSL_export_keying_material(p.client->ssl(), with_empty, 32, "EXPORTER-Channel-Binding", 24,
                                       reinterpret_cast<const unsigned char*>(""), 0, 1),
            1);
  EXPECT_EQ(c, std::string(reinterpret_cast<char*>(with_empty), 32));
}

TEST(TlsExporter, Tls12WithEmsMatchesRfc5705Prf) {
  Pair p = Connect(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
  ASSERT_EQ(p.client->version(), 0x0303);
  ASSERT_TRUE(p.client->extended_master_secret());
  const std::string c = Binding(*p.client, ChannelBindingType::kTlsExporter);
  EXPECT_EQ(c, Binding(*p.server, ChannelBindingType::kTlsExporter));
  // RFC 5705 4 without a context: PRF(master_secret, label, client_random + server_random).
  ASSERT_EQ(p.keylog.count("CLIENT_RANDOM"), 1u);
  std::string seed(64, '\0');
  SSL_get_client_random(p.client->ssl(), reinterpret_cast<unsigned char*>(seed.data()), 32);
  SSL_get_server_random(p.client->ssl(), reinterpret_cast<unsigned char*>(seed.data() + 32), 32);
  const std::string label = "EXPORTER-Channel-Binding";
  std::string& master = p.keylog["CLIENT_RANDOM"];
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  const std::string full_seed = label + seed;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, master.data(), master.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<char*>(full_seed.data()), full_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  std::string prf(32, '\0');
  ASSERT_EQ(EVP_KDF_derive(kctx, reinterpret_cast<unsigned char*>(prf.data()), 32, params), 1);
  EVP_KDF_CTX_free(kctx);
  EVP_KDF_free(kdf);
  EXPECT_EQ(Hex(c), Hex(prf));
  // Below TLS 1.3, "no context" and "empty context" differ (RFC 5705 4):
  // we use no context, as the TLS 1.3 definition reduces to.
  unsigned char with_empty[32];
  ASSERT_EQ(SSL_export_keying_material(p.client->ssl(), with_empty, 32, label.data(), label.size(),
                                       reinterpret_cast<const unsigned char*>(""), 0, 1),
            1);
  EXPECT_NE(c, std::string(reinterpret_cast<char*>(with_empty), 32));
}

TEST(TlsExporter, Tls12WithoutEmsRefused) {  // RFC 9266 3, RFC 7627
  SessionConfig cc = ClientConfig();
  cc.max_version = TLS1_2_VERSION;
  Failure f;
  auto client = Session::Create(cc, &f);
  ASSERT_NE(client, nullptr);
  OpenSslPeer server(Role::kServer, [](SSL_CTX* ctx) {
    SSL_CTX_use_certificate(ctx, SharedPki().rsa_leaf.get());
    SSL_CTX_use_PrivateKey(ctx, SharedPki().rsa_key.get());
    SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
  });
  testing::Outcome o = Converse(*client, server);
  ASSERT_EQ(o.a, Progress::kDone) << client->detail();
  EXPECT_FALSE(client->extended_master_secret());
  Binding(*client, ChannelBindingType::kTlsExporter, Error::kCbExporterWithoutEms);
  EXPECT_EQ(Binding(*client, ChannelBindingType::kTlsUnique).size(), 12u);  // tls-unique still exists
}

TEST(TlsExporter, RequireEmsRefusesTheHandshake) {
  SessionConfig cc = ClientConfig();
  cc.max_version = TLS1_2_VERSION;
  cc.require_extended_master_secret = true;
  Failure f;
  auto client = Session::Create(cc, &f);
  OpenSslPeer server(Role::kServer, [](SSL_CTX* ctx) {
    SSL_CTX_use_certificate(ctx, SharedPki().rsa_leaf.get());
    SSL_CTX_use_PrivateKey(ctx, SharedPki().rsa_key.get());
    SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
  });
  Converse(*client, server);
  EXPECT_EQ(client->failure().code, Error::kNoExtendedMasterSecret);
  EXPECT_FALSE(client->established());
}

TEST(TlsUnique, Tls12IsTheClientFinished) {  // RFC 5929 3.1, full handshake
  Pair p = Connect(TLS1_2_VERSION);
  const std::string c = Binding(*p.client, ChannelBindingType::kTlsUnique);
  const std::string s = Binding(*p.server, ChannelBindingType::kTlsUnique);
  EXPECT_EQ(c.size(), 12u);  // verify_data_length in TLS 1.2 (RFC 5246 7.4.9)
  EXPECT_EQ(c, s);
  char finished[64];
  const size_t n = SSL_get_finished(p.client->ssl(), finished, sizeof finished);
  EXPECT_EQ(c, std::string(finished, n));
  const size_t m = SSL_get_peer_finished(p.server->ssl(), finished, sizeof finished);
  EXPECT_EQ(c, std::string(finished, m));
  // Another connection has another binding.
  Pair q = Connect(TLS1_2_VERSION);
  EXPECT_NE(c, Binding(*q.client, ChannelBindingType::kTlsUnique));
}

TEST(TlsUnique, ResumedIsTheServerFinished) {  // RFC 5929 3.1, abbreviated handshake
  // Bare OpenSSL peers (our sessions never resume): a TLS 1.2 ticket from a
  // first connection resumes a second one on the same server context.
  SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(server_ctx, SharedPki().rsa_leaf.get());
  SSL_CTX_use_PrivateKey(server_ctx, SharedPki().rsa_key.get());
  auto client_setup = [](SSL_CTX* ctx) {
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  };
  SSL_SESSION* session = nullptr;
  {
    OpenSslPeer client(Role::kClient, client_setup), server(Role::kServer, server_ctx);
    testing::Outcome o = Converse(client, server);
    ASSERT_EQ(o.a, Progress::kDone);
    session = SSL_get1_session(client.ssl());
    SSL_shutdown(client.ssl());  // a connection freed without close_notify invalidates its session
    ASSERT_EQ(SSL_SESSION_has_ticket(session), 1);
    ASSERT_EQ(SSL_SESSION_is_resumable(session), 1);
    std::string full;
    ASSERT_TRUE(ChannelBinding(client.ssl(), ChannelBindingType::kTlsUnique, &full).ok());
    char finished[64];
    EXPECT_EQ(full, std::string(finished, SSL_get_finished(client.ssl(), finished, sizeof finished)));
  }
  OpenSslPeer client(Role::kClient, client_setup), server(Role::kServer, server_ctx);
  ASSERT_EQ(SSL_set_session(client.ssl(), session), 1);
  SSL_SESSION_free(session);
  testing::Outcome o = Converse(client, server);
  ASSERT_EQ(o.a, Progress::kDone);
  ASSERT_EQ(SSL_session_reused(client.ssl()), 1);
  std::string c, s;
  ASSERT_TRUE(ChannelBinding(client.ssl(), ChannelBindingType::kTlsUnique, &c).ok());
  ASSERT_TRUE(ChannelBinding(server.ssl(), ChannelBindingType::kTlsUnique, &s).ok());
  EXPECT_EQ(c, s);
  char finished[64];
  EXPECT_EQ(s, std::string(finished, SSL_get_finished(server.ssl(), finished, sizeof finished)));
  EXPECT_NE(c, std::string(finished, SSL_get_finished(client.ssl(), finished, sizeof finished)));
  SSL_CTX_free(server_ctx);
}

TEST(TlsUnique, RefusedOverTls13) {  // RFC 9266 3, RFC 8446 C.5
  Pair p = Connect(TLS1_3_VERSION);
  Binding(*p.client, ChannelBindingType::kTlsUnique, Error::kCbTlsUniqueTls13);
  Binding(*p.server, ChannelBindingType::kTlsUnique, Error::kCbTlsUniqueTls13);
}

std::string Digest(X509* cert, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, md, buf, &n);
  return std::string(reinterpret_cast<char*>(buf), n);
}

TEST(TlsServerEndPoint, BothEndsHashTheServerCertificate) {  // RFC 5929 4.1
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    Pair p = Connect(v);
    const std::string c = Binding(*p.client, ChannelBindingType::kTlsServerEndPoint);
    EXPECT_EQ(c, Binding(*p.server, ChannelBindingType::kTlsServerEndPoint));
    EXPECT_EQ(c, Digest(SharedPki().rsa_leaf.get(), EVP_sha256()));  // signed with ECDSA-SHA256
  }
}

struct HashCase {
  const char* key;       // the issuer's key type
  const EVP_MD* (*md)();
  const EVP_MD* (*expected)();  // nullptr: no hash, refused
};

TEST(TlsServerEndPoint, HashFollowsTheSignature) {
  const HashCase cases[] = {
      {"rsa", &EVP_sha256, &EVP_sha256},
      {"rsa", &EVP_sha384, &EVP_sha384},
      {"p256", &EVP_sha512, &EVP_sha512},
      {"rsa", &EVP_sha1, &EVP_sha256},  // RFC 5929 4.1: SHA-1 -> SHA-256
      {"rsa", &EVP_md5, &EVP_sha256},   // RFC 5929 4.1: MD5 -> SHA-256
  };
  testing::Key leaf_key = testing::NewKey("p256");
  for (const HashCase& c : cases) {
    testing::Key issuer = c.key == std::string("rsa") ? testing::NewKey("rsa") : testing::NewKey("p256");
    testing::Cert cert = testing::NewCert(leaf_key.get(), {"xmpp.example.org", false, c.md(), 7}, nullptr, issuer.get());
    ASSERT_NE(cert, nullptr) << EVP_MD_get0_name(c.md());
    std::string data;
    ASSERT_TRUE(TlsServerEndPoint(cert.get(), &data).ok()) << EVP_MD_get0_name(c.md());
    EXPECT_EQ(Hex(data), Hex(Digest(cert.get(), c.expected()))) << EVP_MD_get0_name(c.md());
  }
}

TEST(TlsServerEndPoint, Ed25519HasNoHashAndIsRefused) {  // RFC 5929 4.1: undefined
  testing::Key key = testing::NewKey("ed25519");
  testing::Cert cert = testing::NewCert(key.get(), {"xmpp.example.org", false, nullptr, 8}, nullptr, key.get());
  ASSERT_NE(cert, nullptr);
  std::string data = "stale";
  EXPECT_EQ(TlsServerEndPoint(cert.get(), &data).code, Error::kCbNoSignatureHash);
  EXPECT_EQ(data, "");
  EXPECT_EQ(TlsServerEndPoint(nullptr, &data).code, Error::kCbNoServerCertificate);
}

TEST(ChannelBinding, NamesMatchTheSaslTypes) {  // RFC 5929 / RFC 9266 IANA names
  EXPECT_EQ(ChannelBindingName(ChannelBindingType::kTlsUnique), "tls-unique");
  EXPECT_EQ(ChannelBindingName(ChannelBindingType::kTlsServerEndPoint), "tls-server-end-point");
  EXPECT_EQ(ChannelBindingName(ChannelBindingType::kTlsExporter), "tls-exporter");
}

TEST(ChannelBinding, AMitmSeesOtherBindings) {
  // Two separate handshakes (client-MITM and MITM-server) never share
  // exporter or tls-unique values: the binding detects the relay.
  Pair a = Connect(TLS1_3_VERSION), b = Connect(TLS1_3_VERSION);
  EXPECT_NE(Binding(*a.client, ChannelBindingType::kTlsExporter), Binding(*b.server, ChannelBindingType::kTlsExporter));
}

}  // namespace
}  // namespace xmppfuzz::tls
