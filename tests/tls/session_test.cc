// tls::Session (targets/tls/tls.h): our client and server over memory BIOs,
// the hardened floor Create enforces, verification and its hook, ALPN for
// direct TLS (XEP-0368), and every failure with its exact code.
#include <gtest/gtest.h>

#include <set>
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

std::unique_ptr<Session> Make(const SessionConfig& config) {
  Failure f;
  std::string detail;
  std::unique_ptr<Session> s = Session::Create(config, &f, &detail);
  EXPECT_NE(s, nullptr) << Describe(f) << " " << detail;
  return s;
}

Failure CreateFailure(const SessionConfig& config) {
  Failure f;
  std::string detail;
  EXPECT_EQ(Session::Create(config, &f, &detail), nullptr);
  return f;
}

TEST(Session, Tls13HandshakeAndData) {
  SessionConfig cc = ClientConfig();
  cc.alpn = {"xmpp-client"};
  SessionConfig sc = ServerConfig();
  sc.alpn = {"xmpp-client"};
  auto client = Make(cc);
  auto server = Make(sc);
  testing::Outcome o = Converse(*client, *server);
  ASSERT_EQ(o.a, Progress::kDone) << Describe(client->failure()) << " " << client->detail();
  ASSERT_EQ(o.b, Progress::kDone) << Describe(server->failure()) << " " << server->detail();
  EXPECT_EQ(client->version(), 0x0304);
  EXPECT_EQ(server->version(), 0x0304);
  EXPECT_EQ(client->cipher_suite(), server->cipher_suite());
  EXPECT_EQ(client->cipher_name(), "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(client->alpn(), "xmpp-client");
  EXPECT_EQ(server->alpn(), "xmpp-client");
  EXPECT_EQ(server->server_name(), "xmpp.example.org");  // SNI from the reference domain
  EXPECT_EQ(client->verify_result(), X509_V_OK);
  EXPECT_EQ(SSL_get_current_compression(client->ssl()), nullptr);
  ASSERT_TRUE(client->Write("<presence/>"));
  server->Feed(client->TakeOutput());
  std::string got;
  EXPECT_EQ(server->Read(&got), Progress::kWantRead);
  EXPECT_EQ(got, "<presence/>");
  ASSERT_TRUE(server->Write("<message/>"));
  client->Feed(server->TakeOutput());
  got.clear();
  EXPECT_EQ(client->Read(&got), Progress::kWantRead);
  EXPECT_EQ(got, "<message/>");
  server->Close();
  client->Feed(server->TakeOutput());
  EXPECT_EQ(client->Read(&got), Progress::kDone);
}

TEST(Session, Tls12OnlyAeadWithForwardSecrecy) {
  SessionConfig cc = ClientConfig();
  cc.max_version = TLS1_2_VERSION;
  auto client = Make(cc);
  auto server = Make(ServerConfig());
  testing::Outcome o = Converse(*client, *server);
  ASSERT_EQ(o.a, Progress::kDone) << Describe(client->failure()) << " " << client->detail();
  ASSERT_EQ(o.b, Progress::kDone);
  EXPECT_EQ(client->version(), 0x0303);
  EXPECT_EQ(client->cipher_name(), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  EXPECT_TRUE(client->extended_master_secret());
  EXPECT_TRUE(server->extended_master_secret());
}

TEST(Session, EcdsaServer) {
  auto client = Make(ClientConfig());
  auto server = Make(ServerConfig(SharedPki(), /*rsa=*/false));
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.a, Progress::kDone) << Describe(client->failure()) << " " << client->detail();
  EXPECT_EQ(o.b, Progress::kDone);
}

TEST(Session, HardenedSuiteListsOnly) {
  // Every suite a default session can negotiate is AEAD with ECDHE/DHE.
  for (Role role : {Role::kClient, Role::kServer}) {
    auto s = Make(role == Role::kClient ? ClientConfig() : ServerConfig());
    STACK_OF(SSL_CIPHER)* list = SSL_get_ciphers(s->ssl());
    ASSERT_NE(list, nullptr);
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
      EXPECT_TRUE(SSL_CIPHER_is_aead(c)) << SSL_CIPHER_get_name(c);
      const int kx = SSL_CIPHER_get_kx_nid(c);
      EXPECT_TRUE(kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any) << SSL_CIPHER_get_name(c);
    }
    EXPECT_EQ(SSL_get_min_proto_version(s->ssl()), TLS1_2_VERSION);
    EXPECT_NE(SSL_get_options(s->ssl()) & SSL_OP_NO_RENEGOTIATION, 0u);
    EXPECT_NE(SSL_get_options(s->ssl()) & SSL_OP_NO_COMPRESSION, 0u);
  }
}

TEST(SessionConfigErrors, BelowTls12IsWeak) {
  SessionConfig c = ClientConfig();
  c.min_version = TLS1_1_VERSION;
  EXPECT_EQ(CreateFailure(c).code, Error::kWeakConfig);
}

TEST(SessionConfigErrors, StaticRsaSuiteIsWeak) {
  SessionConfig c = ClientConfig();
  c.tls12_ciphers = "AES128-GCM-SHA256";  // AEAD, but no forward secrecy
  EXPECT_EQ(CreateFailure(c).code, Error::kWeakConfig);
}

TEST(SessionConfigErrors, CbcSuiteIsWeak) {
  SessionConfig c = ClientConfig();
  c.tls12_ciphers = "ECDHE-RSA-AES128-SHA";  // forward secret, but CBC
  EXPECT_EQ(CreateFailure(c).code, Error::kWeakConfig);
}

TEST(SessionConfigErrors, AnonymousSuiteIsWeak) {
  SessionConfig c = ServerConfig();
  c.tls12_ciphers = "ADH-AES128-GCM-SHA256:@SECLEVEL=0";
  EXPECT_EQ(CreateFailure(c).code, Error::kWeakConfig);
}

TEST(SessionConfigErrors, ServerWithoutCertificate) {
  SessionConfig c = ServerConfig();
  c.certificate = nullptr;
  c.private_key = nullptr;
  EXPECT_EQ(CreateFailure(c).code, Error::kSessionConfig);
}

TEST(SessionConfigErrors, KeyDoesNotMatchCertificate) {
  SessionConfig c = ServerConfig();
  c.private_key = SharedPki().ec_key.get();  // the RSA leaf's key is another
  EXPECT_EQ(CreateFailure(c).code, Error::kSessionConfig);
}

TEST(SessionConfigErrors, NoChainCheckWithoutVerifier) {
  SessionConfig c = ClientConfig();
  c.check_chain = false;
  EXPECT_EQ(CreateFailure(c).code, Error::kSessionConfig);
}

TEST(SessionConfigErrors, VerifyWithoutReferenceDomain) {
  SessionConfig c = ClientConfig();
  c.reference_domain.clear();
  EXPECT_EQ(CreateFailure(c).code, Error::kSessionConfig);
}

TEST(SessionConfigErrors, EmptyAlpnName) {
  SessionConfig c = ClientConfig();
  c.alpn = {""};
  EXPECT_EQ(CreateFailure(c).code, Error::kSessionConfig);
}

TEST(SessionConfigErrors, BadCipherString) {
  SessionConfig c = ClientConfig();
  c.tls12_ciphers = "NO-SUCH-SUITE";
  EXPECT_EQ(CreateFailure(c).code, Error::kSessionConfig);
}

TEST(SessionErrors, NothingBeforeHandshake) {
  auto client = Make(ClientConfig());
  std::string got = "x";
  EXPECT_EQ(client->Read(&got), Progress::kWantRead);
  EXPECT_EQ(got, "x");
  EXPECT_TRUE(client->failure().ok());
  EXPECT_FALSE(client->Write("<auth/>"));
  EXPECT_EQ(client->failure(), (Failure{Error::kNotEstablished, 0}));
  EXPECT_FALSE(client->HasOutput());  // nothing went out in the clear
  std::string data;
  Failure f = client->ChannelBinding(ChannelBindingType::kTlsExporter, &data);
  EXPECT_EQ(f.code, Error::kNotEstablished);
}

TEST(SessionErrors, PlaintextWhereTlsIsRequired) {
  // After <proceed/> the next byte must start a TLS record (RFC 6120 5.4.3.3).
  auto server = Make(ServerConfig());
  EXPECT_FALSE(server->Feed("<stream:stream to='example.org'>"));
  EXPECT_EQ(server->failure(), (Failure{Error::kNotTls, 0}));
  EXPECT_EQ(server->detail(), "first byte <");
  EXPECT_EQ(server->Handshake(), Progress::kFailed);
}

TEST(SessionErrors, NotTlsVersionByteInSecondChunk) {
  auto client = Make(ClientConfig());
  ASSERT_EQ(client->Handshake(), Progress::kWantWrite);
  client->TakeOutput();
  EXPECT_TRUE(client->Feed("\x16"));
  EXPECT_FALSE(client->Feed("\x01\x00"));
  EXPECT_EQ(client->failure(), (Failure{Error::kNotTls, 1}));
  EXPECT_EQ(client->detail(), "record version major \\x01");  // escaped
}

TEST(SessionErrors, InputBound) {
  SessionConfig c = ServerConfig();
  c.max_buffered_input = 100;
  auto server = Make(c);
  EXPECT_TRUE(server->Feed(std::string("\x16\x03\x01", 3)));
  EXPECT_FALSE(server->Feed(std::string(98, 'A')));
  EXPECT_EQ(server->failure(), (Failure{Error::kInputTooLarge, 3}));
}

// The bound is inclusive: exactly max_buffered_input unconsumed bytes are
// kept, the next byte is input-too-large at its own offset (100).
TEST(SessionErrors, InputBoundIsInclusive) {
  SessionConfig c = ServerConfig();
  c.max_buffered_input = 100;
  auto server = Make(c);
  EXPECT_TRUE(server->Feed(std::string("\x16\x03\x01", 3)));
  EXPECT_TRUE(server->Feed(std::string(97, 'A')));
  EXPECT_TRUE(server->failure().ok());
  EXPECT_FALSE(server->Feed("A"));
  EXPECT_EQ(server->failure(), (Failure{Error::kInputTooLarge, 100}));
  EXPECT_EQ(server->detail(), "101 bytes unconsumed");
}

TEST(SessionErrors, EofDuringHandshake) {
  auto client = Make(ClientConfig());
  ASSERT_EQ(client->Handshake(), Progress::kWantWrite);
  client->TakeOutput();
  client->FeedEof();
  EXPECT_EQ(client->Handshake(), Progress::kFailed);
  EXPECT_EQ(client->failure().code, Error::kPeerClosed) << client->detail();
}

TEST(SessionErrors, MalformedServerHello) {
  auto client = Make(ClientConfig());
  client->Handshake();
  client->TakeOutput();
  // A ServerHello of two bytes: the legacy_version, then nothing.
  client->Feed(std::string("\x16\x03\x03\x00\x06\x02\x00\x00\x02\x03\x03", 11));
  EXPECT_EQ(client->Handshake(), Progress::kFailed);
  EXPECT_EQ(client->failure().code, Error::kDecodeError) << client->detail();
  EXPECT_TRUE(client->HasOutput());  // the alert for the peer
}

TEST(SessionErrors, PlaintextRecordAfterHandshake) {
  auto client = Make(ClientConfig());
  auto server = Make(ServerConfig());
  testing::Outcome o = Converse(*client, *server);
  ASSERT_EQ(o.a, Progress::kDone);
  ASSERT_EQ(o.b, Progress::kDone);
  // An unprotected application_data record is never taken as data.
  std::string got;
  server->Feed(std::string("\x17\x03\x03\x00\x0a<message/>", 15));
  EXPECT_EQ(server->Read(&got), Progress::kFailed);
  EXPECT_EQ(got, "");
  EXPECT_EQ(server->failure().code, Error::kBadRecordMac) << server->detail();
}

TEST(SessionErrors, TamperedRecord) {
  auto client = Make(ClientConfig());
  auto server = Make(ServerConfig());
  Converse(*client, *server);
  ASSERT_TRUE(client->Write("<message>secret</message>"));
  std::string record = client->TakeOutput();
  record[record.size() - 1] ^= 1;
  server->Feed(record);
  std::string got;
  EXPECT_EQ(server->Read(&got), Progress::kFailed);
  EXPECT_EQ(got, "");
  EXPECT_EQ(server->failure().code, Error::kBadRecordMac);
}

TEST(Verification, UntrustedServer) {
  testing::Pki other("another CA");  // our trust store does not know it
  SessionConfig sc = ServerConfig(other);
  auto client = Make(ClientConfig());
  auto server = Make(sc);
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.a, Progress::kFailed);
  EXPECT_EQ(client->failure().code, Error::kCertificateUntrusted) << client->detail();
  EXPECT_EQ(client->verify_result(), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(o.b, Progress::kFailed);
  EXPECT_EQ(server->failure().code, Error::kPeerRefusedCertificate) << server->detail();
}

TEST(Verification, ExpiredAtVerifyTime) {
  SessionConfig cc = ClientConfig();
  cc.verify_time = testing::kNotAfter + 1;
  auto client = Make(cc);
  auto server = Make(ServerConfig());
  Converse(*client, *server);
  EXPECT_EQ(client->failure().code, Error::kCertificateUntrusted);
  EXPECT_EQ(client->verify_result(), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(Verification, WrongNameWithBuiltInCheck) {
  SessionConfig cc = ClientConfig();
  cc.reference_domain = "other.example.org";
  auto client = Make(cc);
  auto server = Make(ServerConfig());
  Converse(*client, *server);
  EXPECT_EQ(client->failure().code, Error::kCertificateIdentity) << client->detail();
  EXPECT_EQ(client->detail(), "certificate does not name other.example.org");
}

TEST(Verification, VerifierSeesLeafAndChainAndDecides) {
  int calls = 0;
  SessionConfig cc = ClientConfig();
  cc.verifier = [&](X509* leaf, STACK_OF(X509)* chain) -> Failure {
    ++calls;
    EXPECT_EQ(X509_cmp(leaf, SharedPki().rsa_leaf.get()), 0);
    EXPECT_EQ(sk_X509_num(chain), 2);  // leaf and the trust anchor
    return Failure{Error::kCertificateIdentity, 1234};
  };
  auto client = Make(cc);
  auto server = Make(ServerConfig());
  Converse(*client, *server);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(client->failure(), (Failure{Error::kCertificateIdentity, 1234}));  // exactly the hook's
  EXPECT_EQ(server->failure().code, Error::kPeerRefusedCertificate);
}

TEST(Verification, VerifierAcceptsReplacesBuiltInNameCheck) {
  SessionConfig cc = ClientConfig();
  cc.reference_domain = "other.example.org";  // the built-in check would refuse
  cc.verifier = [](X509*, STACK_OF(X509)*) { return Failure{}; };
  auto client = Make(cc);
  auto server = Make(ServerConfig());
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.a, Progress::kDone) << Describe(client->failure());
  EXPECT_EQ(o.b, Progress::kDone);
}

TEST(Verification, PinInsteadOfChain) {
  // A self-signed server certificate no store trusts, accepted by its SPKI
  // pin alone (check_chain off).
  testing::Key key = testing::NewKey("p256");
  testing::Cert self = testing::NewCert(key.get(), {"xmpp.example.org", false, nullptr, 9}, nullptr, key.get());
  auto spki_sha256 = [](X509* c) {
    unsigned char buf[32];
    unsigned int n = 0;
    X509_pubkey_digest(c, EVP_sha256(), buf, &n);
    return std::string(reinterpret_cast<char*>(buf), n);
  };
  const std::string pin = spki_sha256(self.get());
  SessionConfig cc = ClientConfig();
  cc.check_chain = false;
  cc.verifier = [&](X509* leaf, STACK_OF(X509)*) {
    return spki_sha256(leaf) == pin ? Failure{} : Failure{Error::kCertificateIdentity, 0};
  };
  SessionConfig sc = ServerConfig();
  sc.certificate = self.get();
  sc.private_key = key.get();
  auto client = Make(cc);
  auto server = Make(sc);
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.a, Progress::kDone) << Describe(client->failure()) << " " << client->detail();
  // The same certificate without the pin: the chain check refuses it.
  SessionConfig strict = ClientConfig();
  auto client2 = Make(strict);
  auto server2 = Make(sc);
  Converse(*client2, *server2);
  EXPECT_EQ(client2->failure().code, Error::kCertificateUntrusted);
  EXPECT_EQ(client2->verify_result(), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

TEST(Verification, ClientCertificateRequired) {
  SessionConfig sc = ServerConfig();
  sc.require_client_certificate = true;
  auto client = Make(ClientConfig());
  auto server = Make(sc);
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.b, Progress::kFailed);
  EXPECT_EQ(server->failure().code, Error::kCertificateRequired) << server->detail();
  // TLS 1.3: the client finished first and learns it from the alert.
  std::string got;
  EXPECT_EQ(client->Read(&got), Progress::kFailed);
  EXPECT_EQ(client->failure().code, Error::kCertificateRequired) << client->detail();
  EXPECT_EQ(got, "");
}

TEST(Verification, ClientCertificateAccepted) {
  const testing::Pki& pki = SharedPki();
  SessionConfig sc = ServerConfig();
  sc.require_client_certificate = true;
  SessionConfig cc = ClientConfig();
  cc.certificate = pki.client_leaf.get();
  cc.private_key = pki.client_key.get();
  auto client = Make(cc);
  auto server = Make(sc);
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.b, Progress::kDone) << Describe(server->failure()) << " " << server->detail();
  ASSERT_NE(server->peer_certificate(), nullptr);
  EXPECT_EQ(X509_cmp(server->peer_certificate(), pki.client_leaf.get()), 0);
}

TEST(Alpn, DirectTlsXmppServer) {  // XEP-0368
  SessionConfig cc = ClientConfig();
  cc.alpn = {"xmpp-server"};
  SessionConfig sc = ServerConfig();
  sc.alpn = {"xmpp-client", "xmpp-server"};
  sc.require_alpn = true;
  auto client = Make(cc);
  auto server = Make(sc);
  testing::Outcome o = Converse(*client, *server);
  EXPECT_EQ(o.b, Progress::kDone);
  EXPECT_EQ(server->alpn(), "xmpp-server");
}

TEST(Alpn, RequiredAndNoMatch) {
  SessionConfig cc = ClientConfig();
  cc.alpn = {"h2"};
  SessionConfig sc = ServerConfig();
  sc.alpn = {"xmpp-client"};
  sc.require_alpn = true;
  auto client = Make(cc);
  auto server = Make(sc);
  Converse(*client, *server);
  EXPECT_EQ(server->failure().code, Error::kNoApplicationProtocol) << server->detail();
  EXPECT_EQ(client->failure().code, Error::kNoApplicationProtocol) << client->detail();
}

TEST(Alpn, RequiredAndNoneOffered) {
  SessionConfig sc = ServerConfig();
  sc.alpn = {"xmpp-client"};
  sc.require_alpn = true;
  auto client = Make(ClientConfig());
  auto server = Make(sc);
  Converse(*client, *server);
  EXPECT_EQ(server->failure().code, Error::kNoApplicationProtocol) << server->detail();
  EXPECT_EQ(client->failure().code, Error::kNoApplicationProtocol) << client->detail();
}

TEST(Alpn, ClientRequiresAndServerIgnores) {
  SessionConfig cc = ClientConfig();
  cc.alpn = {"xmpp-client"};
  cc.require_alpn = true;
  auto client = Make(cc);
  auto server = Make(ServerConfig());  // no ALPN configured: selects nothing
  Converse(*client, *server);
  EXPECT_EQ(client->failure().code, Error::kNoApplicationProtocol);
  EXPECT_FALSE(client->established());
}

TEST(Renegotiation, ClientInitiatedRefusedByOurServer) {  // RFC 5746, CVE-2009-3555
  SessionConfig sc = ServerConfig();
  auto server = Make(sc);
  OpenSslPeer peer(Role::kClient, [](SSL_CTX* ctx) {
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  });
  testing::Outcome o = Converse(peer, *server);
  ASSERT_EQ(o.a, Progress::kDone);
  ASSERT_EQ(o.b, Progress::kDone);
  ASSERT_EQ(SSL_renegotiate(peer.ssl()), 1);
  std::string got;
  for (int i = 0; i < 5; ++i) {
    peer.Handshake();
    server->Feed(peer.TakeOutput());
    server->Read(&got);
    peer.Feed(server->TakeOutput());
  }
  std::string peer_data;
  peer.Read(&peer_data);
  EXPECT_EQ(peer.reason(), SSL_R_NO_RENEGOTIATION) << peer.reason_text();
  EXPECT_EQ(SSL_renegotiate_pending(server->ssl()), 0);
}

TEST(Renegotiation, ServerHelloRequestRefusedByOurClient) {
  SessionConfig cc = ClientConfig();
  cc.max_version = TLS1_2_VERSION;
  auto client = Make(cc);
  const testing::Pki& pki = SharedPki();
  OpenSslPeer peer(Role::kServer, [&](SSL_CTX* ctx) {
    SSL_CTX_use_certificate(ctx, pki.rsa_leaf.get());
    SSL_CTX_use_PrivateKey(ctx, pki.rsa_key.get());
  });
  testing::Outcome o = Converse(*client, peer);
  ASSERT_EQ(o.a, Progress::kDone);
  ASSERT_EQ(SSL_renegotiate(peer.ssl()), 1);
  std::string got;
  for (int i = 0; i < 5; ++i) {
    peer.Handshake();
    client->Feed(peer.TakeOutput());
    client->Read(&got);
    peer.Feed(client->TakeOutput());
  }
  std::string peer_data;
  peer.Read(&peer_data);
  EXPECT_EQ(peer.reason(), SSL_R_NO_RENEGOTIATION) << peer.reason_text();
}

TEST(SessionErrors, NamesAreDistinct) {
  std::set<std::string_view> names;
  const int last = static_cast<int>(Error::kCbNoSignatureHash);
  for (int e = 0; e <= last; ++e) names.insert(ErrorName(static_cast<Error>(e)));
  EXPECT_EQ(names.size(), static_cast<size_t>(last) + 1);
  EXPECT_EQ(names.count("unknown"), 0u);
  EXPECT_EQ(ProgressName(Progress::kWantWrite), "want-write");
}

}  // namespace
}  // namespace xmppfuzz::tls
