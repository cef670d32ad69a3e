// The RFC 5802 section 5 (SCRAM-SHA-1) and RFC 7677 section 3
// (SCRAM-SHA-256) example exchanges, and the XEP-0474 (0.5.0) example,
// reproduced byte for byte by our client and by our server with the
// examples' nonces.
#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"
#include "tests/sasl/scram_support.h"

namespace xmppfuzz::sasl {
namespace {

using testing::Example;

void ClientReproduces(const Example& e) {
  ScramClient client(testing::ClientConfigFor(e));
  ASSERT_EQ(client.Step(), Wait::kSend);
  EXPECT_EQ(client.output(), e.client_first);
  ASSERT_EQ(client.Step(), Wait::kNeedMessage);
  ASSERT_EQ(client.Step(e.server_first), Wait::kSend) << Describe(client.failure());
  EXPECT_EQ(client.output(), e.client_final);
  ASSERT_EQ(client.Step(), Wait::kNeedMessage);
  EXPECT_EQ(client.Step(e.server_final), Wait::kSuccess) << Describe(client.failure());
  EXPECT_EQ(client.state(), ScramClient::State::kDone);
}

void ServerReproduces(const Example& e) {
  ScramServer server(testing::ServerConfigFor(e));
  ASSERT_EQ(server.Step(), Wait::kNeedMessage);
  ASSERT_EQ(server.Step(e.client_first), Wait::kSend) << Describe(server.failure());
  EXPECT_EQ(server.output(), e.server_first);
  ASSERT_EQ(server.Step(), Wait::kNeedMessage);
  ASSERT_EQ(server.Step(e.client_final), Wait::kSend) << Describe(server.failure());
  EXPECT_EQ(server.output(), e.server_final);
  EXPECT_EQ(server.Step(), Wait::kSuccess);
  EXPECT_EQ(server.username(), "user");
}

TEST(Rfc5802Test, ClientReproducesSection5) { ClientReproduces(testing::Rfc5802()); }
TEST(Rfc5802Test, ServerReproducesSection5) { ServerReproduces(testing::Rfc5802()); }
TEST(Rfc7677Test, ClientReproducesSection3) { ClientReproduces(testing::Rfc7677()); }
TEST(Rfc7677Test, ServerReproducesSection3) { ServerReproduces(testing::Rfc7677()); }

// XEP-0474 section "Full Example": SCRAM-SHA-1-PLUS with tls-exporter,
// SCRAM-SHA-1 and SCRAM-SHA-1-PLUS advertised with tls-exporter and
// tls-server-end-point, an x= extension in client-final.
struct Xep0474 {
  static constexpr std::string_view kClientNonce = "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6";
  static constexpr std::string_view kServerNonce = "a09117a6-ac50-4f2f-93f1-93799c2bddf6";
  static constexpr std::string_view kCbData = "THIS IS FAKE CB DATA";
  static constexpr std::string_view kClientFirst =
      "p=tls-exporter,,n=user,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6";
  static constexpr std::string_view kServerFirst =
      "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,"
      "s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08=";
  static constexpr std::string_view kClientFinal =
      "c=cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB,"
      "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,"
      "x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3,p=M/SIDjT+dfcxUh89jZEypRvFxB4=";
  static constexpr std::string_view kServerFinal = "v=MQrMPvv7yv4x4Cq4W4Ih25EqS2c=";
  // The base64 of the example's <initial-response/>, <challenge/>, <response/>
  // and <additional-data/> payloads.
  static constexpr std::string_view kInitialResponseB64 =
      "cD10bHMtZXhwb3J0ZXIsLG49dXNlcixyPTEyQzRDRDVDLUUzOEUtNEE5OC04RjZELTE1QzM4RjUxQ0NDNg==";
  static constexpr std::string_view kChallengeB64 =
      "cj0xMkM0Q0Q1Qy1FMzhFLTRBOTgtOEY2RC0xNUMzOEY1MUNDQzZhMDkxMTdhNi1hYzUwLTRmMmYtOTNmMS05Mzc5OWMy"
      "YmRkZjYscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5NixoPUc2ay9yQkxEcWdPaFJSYUN1dWF0U0RGa0owOD0=";
  static constexpr std::string_view kSuccessB64 = "dj1NUXJNUHZ2N3l2NHg0Q3E0VzRJaDI1RXFTMmM9";

  static Offer TheOffer() {
    return Offer{{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"}, std::vector<std::string>{"tls-server-end-point", "tls-exporter"}};
  }
};

TEST(Xep0474Test, HashInputAndValue) {
  EXPECT_EQ(DowngradeHashInput(Xep0474::TheOffer()),
            "SCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1ftls-exporter\x1etls-server-end-point");
  EXPECT_EQ(DowngradeHash(Hash::kSha1, Xep0474::TheOffer()), "G6k/rBLDqgOhRRaCuuatSDFkJ08=");
  // Without XEP-0440 data there is no 0x1F part.
  EXPECT_EQ(DowngradeHashInput(Offer{{"SCRAM-SHA-256", "PLAIN", "SCRAM-SHA-1"}, std::nullopt}),
            "PLAIN\x1eSCRAM-SHA-1\x1eSCRAM-SHA-256");
}

TEST(Xep0474Test, ExamplePayloadsAreTheMessages) {
  EXPECT_EQ(Base64Decode(Xep0474::kInitialResponseB64), Xep0474::kClientFirst);
  EXPECT_EQ(Base64Decode(Xep0474::kChallengeB64), Xep0474::kServerFirst);
  EXPECT_EQ(Base64Decode(Xep0474::kSuccessB64), Xep0474::kServerFinal);
}

TEST(Xep0474Test, ClientReproducesExample) {
  ScramClientConfig c;
  c.mechanism = Mechanism::kScramSha1Plus;
  c.username = "user";
  c.password = "pencil";
  c.fixed_nonce = std::string(Xep0474::kClientNonce);
  c.channel_binding = ChannelBinding{CbType::kTlsExporter, std::string(Xep0474::kCbData)};
  c.server_offered_plus = true;
  c.offer = Xep0474::TheOffer();
  c.require_downgrade_hash = true;
  c.client_final_extensions = ",x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3";
  ScramClient client(std::move(c));
  ASSERT_EQ(client.Step(), Wait::kSend);
  EXPECT_EQ(client.output(), Xep0474::kClientFirst);
  ASSERT_EQ(client.Step(Xep0474::kServerFirst), Wait::kSend) << Describe(client.failure());
  EXPECT_EQ(client.downgrade_status(), DowngradeStatus::kVerified);
  EXPECT_EQ(client.output(), Xep0474::kClientFinal);
  EXPECT_EQ(client.Step(Xep0474::kServerFinal), Wait::kSuccess) << Describe(client.failure());
}

TEST(Xep0474Test, ServerReproducesExample) {
  const testing::Example& rfc = testing::Rfc5802();  // same salt, count and password
  ScramServerConfig s = testing::ServerConfigFor(rfc);
  s.mechanism = Mechanism::kScramSha1Plus;
  s.fixed_nonce = std::string(Xep0474::kServerNonce);
  s.offers_plus = true;
  s.channel_bindings = {ChannelBinding{CbType::kTlsExporter, std::string(Xep0474::kCbData)},
                        ChannelBinding{CbType::kTlsServerEndPoint, "other"}};
  s.offer = Xep0474::TheOffer();
  ScramServer server(std::move(s));
  ASSERT_EQ(server.Step(Xep0474::kClientFirst), Wait::kSend) << Describe(server.failure());
  EXPECT_EQ(server.output(), Xep0474::kServerFirst);
  ASSERT_EQ(server.Step(Xep0474::kClientFinal), Wait::kSend) << Describe(server.failure());
  EXPECT_EQ(server.output(), Xep0474::kServerFinal);
  EXPECT_EQ(server.Step(), Wait::kSuccess);
}

TEST(Xep0474Test, OldDraftFormIsRecognisedNeverVerified) {
  ScramClientConfig c = testing::ClientConfigFor(testing::Rfc5802());
  c.offer = Offer{{"SCRAM-SHA-1"}, std::nullopt};
  auto client = testing::ClientAtServerFirst(c);
  ASSERT_EQ(client->Step(testing::Rfc5802().server_first + ",d=anything"), Wait::kSend);
  EXPECT_EQ(client->downgrade_status(), DowngradeStatus::kOldForm);
  // A client that requires the protection does not take d= for it.
  c.require_downgrade_hash = true;
  client = testing::ClientAtServerFirst(c);
  EXPECT_EQ(client->Step(testing::Rfc5802().server_first + ",d=anything"), Wait::kFailure);
  EXPECT_EQ(client->failure().code, Error::kDowngradeHashMissing);
}

// Every mechanism, with and without an authzid, our client against our
// server (SCRAM-SHA-512 has no RFC example; the interop tests cross-check
// it against Cyrus SASL).
TEST(RoundTripTest, EveryMechanismAgrees) {
  for (Mechanism m : {Mechanism::kScramSha1, Mechanism::kScramSha1Plus, Mechanism::kScramSha256,
                      Mechanism::kScramSha256Plus, Mechanism::kScramSha512, Mechanism::kScramSha512Plus}) {
    for (CbType t : {CbType::kTlsUnique, CbType::kTlsServerEndPoint, CbType::kTlsExporter}) {
      SCOPED_TRACE(std::string(MechanismName(m)) + " " + std::string(CbTypeName(t)));
      SeededRandom random(static_cast<uint64_t>(m) * 10 + static_cast<uint64_t>(t));
      const ChannelBinding cb{t, "binding \x01\x02 data"};
      const std::optional<StoredCredentials> creds =
          DeriveCredentials(HashOf(m), "p\xc3\xa4ss,w=rd", "salt-salt", 4096);
      ASSERT_TRUE(creds);
      ScramServerConfig s;
      s.mechanism = m;
      s.lookup = [&](std::string_view user, Hash) -> std::optional<StoredCredentials> {
        if (user != "al,i=ce") return std::nullopt;
        return *creds;
      };
      s.offers_plus = IsPlus(m);
      if (IsPlus(m)) s.channel_bindings = {cb};
      s.authorize = [](std::string_view authzid, std::string_view user) {
        return authzid == "admin@example.org" && user == "al,i=ce";
      };
      s.random = &random;
      ScramClientConfig c;
      c.mechanism = m;
      c.username = "al,i=ce";
      c.password = "p\xc3\xa4ss,w=rd";
      c.authzid = "admin@example.org";
      if (IsPlus(m)) c.channel_binding = cb;
      c.server_offered_plus = IsPlus(m);
      c.random = &random;
      ScramClient client(c);
      ScramServer server(s);
      EXPECT_TRUE(testing::Exchange(client, server))
          << client.DebugString() << " / " << server.DebugString();
      EXPECT_EQ(server.authzid(), "admin@example.org");
    }
  }
}

TEST(RoundTripTest, SeededRandomReplays) {
  SeededRandom a(7), b(7), c(8);
  uint8_t x[40], y[40], z[40];
  ASSERT_TRUE(a.Fill(x) && b.Fill(y) && c.Fill(z));
  EXPECT_EQ(std::string(x, x + 40), std::string(y, y + 40));
  EXPECT_NE(std::string(x, x + 40), std::string(z, z + 40));
  ScramClientConfig cfg;
  cfg.username = "u";
  cfg.password = "p";
  SeededRandom r1(3), r2(3);
  cfg.random = &r1;
  ScramClient c1(cfg);
  cfg.random = &r2;
  ScramClient c2(cfg);
  ASSERT_EQ(c1.Step(), Wait::kSend);
  ASSERT_EQ(c2.Step(), Wait::kSend);
  EXPECT_EQ(c1.output(), c2.output());
  EXPECT_EQ(c1.nonce().size(), 24u);
}

}  // namespace
}  // namespace xmppfuzz::sasl
