// Weak peers: for each weak configuration, an OpenSSL peer at security level
// 0 limited to it, and proof that our hardened client and our hardened
// server both refuse it with the exact code. Each case first proves the
// weak configuration is real: a weak client and a weak server configured
// alike must complete a handshake with it. When this OpenSSL build cannot
// negotiate it at all (RC4, 3DES and export are compiled out of Debian's
// OpenSSL 3), the case is skipped with that reason, never passed.
#include <gtest/gtest.h>
#include <openssl/provider.h>

#include <string>

#include "targets/tls/tls.h"
#include "tests/tls/test_pki.h"

namespace xmppfuzz::tls {
namespace {

using testing::Converse;
using testing::OpenSslPeer;
using testing::SharedPki;

struct WeakCase {
  const char* name;
  const char* why;          // the weakness, with its reference
  int min_version;
  int max_version;
  const char* ciphers;      // TLS 1.2-and-below list for the weak peer
  bool legacy_provider;     // the ciphers live in OpenSSL's legacy provider
  Error our_server_error;   // what our server reports to a weak client
  Error our_client_error;   // what our client reports about a weak server
};

const WeakCase kCases[] = {
    {"Tls10", "TLS 1.0 (RFC 8996)", TLS1_VERSION, TLS1_VERSION, "ALL:@SECLEVEL=0", false, Error::kProtocolVersion,
     Error::kProtocolVersion},
    {"Tls11", "TLS 1.1 (RFC 8996)", TLS1_1_VERSION, TLS1_1_VERSION, "ALL:@SECLEVEL=0", false,
     Error::kProtocolVersion, Error::kProtocolVersion},
    {"Rc4", "RC4 (RFC 7465)", TLS1_VERSION, TLS1_2_VERSION, "RC4:@SECLEVEL=0", true, Error::kNoSharedCipher,
     Error::kHandshakeFailureAlert},
    {"TripleDes", "3DES (Sweet32, CVE-2016-2183)", TLS1_VERSION, TLS1_2_VERSION, "3DES:@SECLEVEL=0", true,
     Error::kNoSharedCipher, Error::kHandshakeFailureAlert},
    {"CbcOnly", "CBC suites only, forward secret (Lucky13, RFC 7457 2.8)", TLS1_2_VERSION, TLS1_2_VERSION,
     "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:"
     "DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:@SECLEVEL=0",
     false, Error::kNoSharedCipher, Error::kHandshakeFailureAlert},
    {"NullCipher", "NULL encryption (eNULL)", TLS1_2_VERSION, TLS1_2_VERSION, "eNULL:!aNULL:@SECLEVEL=0", false,
     Error::kNoSharedCipher, Error::kHandshakeFailureAlert},
    {"Anonymous", "anonymous key exchange, AEAD (aNULL)", TLS1_2_VERSION, TLS1_2_VERSION,
     "aNULL:!eNULL:@SECLEVEL=0", false, Error::kNoSharedCipher, Error::kHandshakeFailureAlert},
    {"Export", "export-grade suites (FREAK CVE-2015-0204, Logjam CVE-2015-4000)", TLS1_VERSION, TLS1_2_VERSION,
     "EXP:@SECLEVEL=0", true, Error::kNoSharedCipher, Error::kHandshakeFailureAlert},
    {"StaticRsa", "static RSA key exchange, AEAD but no forward secrecy", TLS1_2_VERSION, TLS1_2_VERSION,
     "kRSA:@SECLEVEL=0", false, Error::kNoSharedCipher, Error::kHandshakeFailureAlert},
};

void PrintTo(const WeakCase& c, std::ostream* os) { *os << c.name; }

// WeakLibCtx: a library context with the default and legacy providers, so
// a weak peer can use the legacy ciphers without loading them into the
// context our sessions use. nullptr if the legacy provider is not installed.
OSSL_LIB_CTX* WeakLibCtx() {
  static OSSL_LIB_CTX* ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (OSSL_PROVIDER_load(c, "default") == nullptr || OSSL_PROVIDER_load(c, "legacy") == nullptr) {
      OSSL_LIB_CTX_free(c);
      return static_cast<OSSL_LIB_CTX*>(nullptr);
    }
    return c;
  }();
  return ctx;
}

class WeakPeer : public ::testing::TestWithParam<std::tuple<WeakCase, Role>> {
 protected:
  // Configure makes a weak peer's SSL_CTX: level 0, the versions and suites
  // of the case, no TLS 1.3 suites when limited below it, and for a server
  // the RSA certificate (so RSA key exchange is possible at all).
  static std::function<void(SSL_CTX*)> Configure(const WeakCase& c, Role role, bool* ok) {
    return [&c, role, ok](SSL_CTX* ctx) {
      SSL_CTX_set_security_level(ctx, 0);
      *ok = SSL_CTX_set_min_proto_version(ctx, c.min_version) == 1 &&
            SSL_CTX_set_max_proto_version(ctx, c.max_version) == 1 &&
            SSL_CTX_set_cipher_list(ctx, c.ciphers) == 1;
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      if (role == Role::kServer) {
        SSL_CTX_use_certificate(ctx, SharedPki().rsa_leaf.get());
        SSL_CTX_use_PrivateKey(ctx, SharedPki().rsa_key.get());
        SSL_CTX_set_dh_auto(ctx, 1);
      }
      ERR_clear_error();
    };
  }
};

TEST_P(WeakPeer, Refused) {
  const auto& [c, our_role] = GetParam();
  OSSL_LIB_CTX* libctx = nullptr;
  if (c.legacy_provider) {
    libctx = WeakLibCtx();
    if (libctx == nullptr) GTEST_SKIP() << c.why << ": OpenSSL's legacy provider is not installed";
  }
  // The control: weak meets weak and the handshake must succeed.
  bool client_ok = false, server_ok = false;
  {
    OpenSslPeer weak_client(Role::kClient, Configure(c, Role::kClient, &client_ok), libctx);
    OpenSslPeer weak_server(Role::kServer, Configure(c, Role::kServer, &server_ok), libctx);
    if (!client_ok || !server_ok) {
      GTEST_SKIP() << c.why << ": this OpenSSL build has no such suites, even at security level 0 (cipher list '"
                   << c.ciphers << "' matches nothing)";
    }
    testing::Outcome control = Converse(weak_client, weak_server);
    if (control.a != Progress::kDone || control.b != Progress::kDone) {
      GTEST_SKIP() << c.why << ": this OpenSSL cannot negotiate it at security level 0 ("
                   << weak_server.reason_text() << weak_client.reason_text() << ")";
    }
    const SSL_CIPHER* cipher = SSL_get_current_cipher(weak_client.ssl());
    ASSERT_NE(cipher, nullptr);
    const bool hardened = SSL_CIPHER_is_aead(cipher) &&
                          (SSL_CIPHER_get_kx_nid(cipher) == NID_kx_ecdhe || SSL_CIPHER_get_kx_nid(cipher) == NID_kx_dhe) &&
                          SSL_CIPHER_get_auth_nid(cipher) != NID_auth_null && SSL_version(weak_client.ssl()) >= TLS1_2_VERSION;
    ASSERT_FALSE(hardened) << "control negotiated a strong suite: " << SSL_CIPHER_get_name(cipher);
  }
  Failure f;
  std::string detail;
  if (our_role == Role::kServer) {
    OpenSslPeer weak_client(Role::kClient, Configure(c, Role::kClient, &client_ok), libctx);
    auto server = Session::Create(testing::ServerConfig(), &f, &detail);
    ASSERT_NE(server, nullptr) << detail;
    testing::Outcome o = Converse(weak_client, *server);
    EXPECT_EQ(o.b, Progress::kFailed);
    EXPECT_EQ(server->failure().code, c.our_server_error)
        << ErrorName(server->failure().code) << " " << server->detail();
    EXPECT_FALSE(weak_client.established());
  } else {
    OpenSslPeer weak_server(Role::kServer, Configure(c, Role::kServer, &server_ok), libctx);
    auto client = Session::Create(testing::ClientConfig(), &f, &detail);
    ASSERT_NE(client, nullptr) << detail;
    testing::Outcome o = Converse(*client, weak_server);
    EXPECT_EQ(o.a, Progress::kFailed);
    EXPECT_EQ(client->failure().code, c.our_client_error)
        << ErrorName(client->failure().code) << " " << client->detail();
    EXPECT_FALSE(weak_server.established());
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, WeakPeer,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values(Role::kServer, Role::kClient)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) +
                                  (std::get<1>(info.param) == Role::kServer ? "_OurServer" : "_OurClient");
                         });

}  // namespace
}  // namespace xmppfuzz::tls
