// Every check of the SCRAM client failing once, with its exact code (RFC
// 5802 sections 5-7, RFC 7677, XEP-0474). The server side of each case is
// the RFC 5802 section 5 exchange with one thing changed.
#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"
#include "tests/sasl/scram_support.h"

namespace xmppfuzz::sasl {
namespace {

using testing::Rfc5802;

ScramClientConfig Base() { return testing::ClientConfigFor(Rfc5802()); }

// FirstFails checks that the client refuses to start with |code|.
void FirstFails(ScramClientConfig config, Error code) {
  ScramClient client(std::move(config));
  EXPECT_EQ(client.Step(), Wait::kFailure);
  EXPECT_EQ(ErrorName(client.failure().code), ErrorName(code));
  EXPECT_EQ(client.state(), ScramClient::State::kFailed);
}

// ServerFirstFails feeds |server_first| and expects |code| at |offset|.
void ServerFirstFails(std::string_view server_first, Error code, size_t offset,
                      ScramClientConfig config = Base()) {
  auto client = testing::ClientAtServerFirst(std::move(config));
  EXPECT_EQ(client->Step(server_first), Wait::kFailure);
  EXPECT_EQ(ErrorName(client->failure().code), ErrorName(code));
  EXPECT_EQ(client->failure().offset, offset);
}

// ServerFinalFails runs the RFC exchange up to server-final and feeds |final|.
Failure ServerFinalFails(std::string_view final_message) {
  auto client = testing::ClientAtServerFirst(Base());
  EXPECT_EQ(client->Step(Rfc5802().server_first), Wait::kSend);
  EXPECT_EQ(client->Step(final_message), Wait::kFailure);
  return client->failure();
}

TEST(ScramClientStartTest, NotAScramMechanism) {
  ScramClientConfig c = Base();
  c.mechanism = Mechanism::kPlain;
  FirstFails(c, Error::kUnknownMechanism);
}

TEST(ScramClientStartTest, PlusWithoutBindingData) {
  ScramClientConfig c = Base();
  c.mechanism = Mechanism::kScramSha1Plus;
  FirstFails(c, Error::kChannelBindingDataMissing);
}

// RFC 5802 6: a client that can bind and saw -PLUS must not send n or y.
TEST(ScramClientStartTest, PlusOfferedButNotUsed) {
  ScramClientConfig c = Base();
  c.channel_binding = ChannelBinding{CbType::kTlsExporter, "cb"};
  c.server_offered_plus = true;
  FirstFails(c, Error::kPlusOfferedNotUsed);
}

TEST(ScramClientStartTest, Gs2FlagFollowsCapabilities) {
  ScramClientConfig c = Base();
  c.channel_binding = ChannelBinding{CbType::kTlsExporter, "cb"};
  ScramClient y(c);  // can bind, no -PLUS seen: "y"
  ASSERT_EQ(y.Step(), Wait::kSend);
  EXPECT_TRUE(y.output().starts_with("y,,n=user,"));
  c.server_offered_plus = true;
  c.no_mutual_cb_fallback = true;  // XEP-0474 new rule 6: "n"
  ScramClient n(c);
  ASSERT_EQ(n.Step(), Wait::kSend);
  EXPECT_TRUE(n.output().starts_with("n,,n=user,"));
  c.mechanism = Mechanism::kScramSha1Plus;
  c.no_mutual_cb_fallback = false;
  c.authzid = "ad,min";
  ScramClient p(c);
  ASSERT_EQ(p.Step(), Wait::kSend);
  EXPECT_TRUE(p.output().starts_with("p=tls-exporter,a=ad=2Cmin,n=user,"));
}

TEST(ScramClientStartTest, BadUserNames) {
  ScramClientConfig c = Base();
  c.username = "";
  FirstFails(c, Error::kSaslnameEmpty);
  c.username = "us\xc3";
  FirstFails(c, Error::kBadUtf8);
  c.username = "bell\x07";
  FirstFails(c, Error::kSaslprepProhibited);
  c.username = "\xc2\xad";
  FirstFails(c, Error::kSaslprepEmpty);
  c.username = "user";
  c.authzid = "\xff";
  FirstFails(c, Error::kBadUtf8);
}

TEST(ScramClientStartTest, BadPassword) {
  ScramClientConfig c = Base();
  c.password = "\xd8\xa7\x31";  // RFC 4013 3 example 7: bidi rule
  FirstFails(c, Error::kSaslprepProhibited);
}

TEST(ScramClientStartTest, BadFixedNonceAndExtensions) {
  ScramClientConfig c = Base();
  c.fixed_nonce = "a,b";
  FirstFails(c, Error::kBadNonce);
  c = Base();
  c.client_final_extensions = "x=1";
  FirstFails(c, Error::kBadExtension);
  c.client_final_extensions = ",m=1";
  FirstFails(c, Error::kBadExtension);
}

TEST(ScramClientStartTest, NoRandomness) {
  struct Broken : Random {
    bool Fill(std::span<uint8_t>) override { return false; }
  } broken;
  ScramClientConfig c = Base();
  c.fixed_nonce.clear();
  c.random = &broken;
  FirstFails(c, Error::kNoResources);
}

TEST(ScramClientServerFirstTest, GrammarErrorsPassThrough) {
  ServerFirstFails("", Error::kEmptyMessage, 0);
  ServerFirstFails("m=1,r=fyko+d2lbbFgONRv9qkxdawLx,s=QQ==,i=4096", Error::kMandatoryExtension, 0);
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawLx,s=Q,i=4096", Error::kBadSalt, 30);
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawLx,s=QQ==,i=4O96", Error::kBadIterationCount, 37);
}

TEST(ScramClientServerFirstTest, NonceNotPrefixed) {
  ServerFirstFails("r=Fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                   Error::kNonceNotPrefixed, 2);
}

TEST(ScramClientServerFirstTest, NonceNotExtended) {
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", Error::kNonceNotExtended, 26);
}

TEST(ScramClientServerFirstTest, IterationsBelowFloor) {
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4095",
                   Error::kIterationsTooLow, 66);
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=1",
                   Error::kIterationsTooLow, 66);
}

TEST(ScramClientServerFirstTest, IterationsAboveCeiling) {
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=600001",
                   Error::kIterationsTooHigh, 66);
  ScramClientConfig c = Base();
  c.max_iterations = 5000;
  ServerFirstFails("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=5001",
                   Error::kIterationsTooHigh, 66, c);
}

TEST(ScramClientServerFirstTest, MessageTooLong) {
  ScramClientConfig c = Base();
  c.max_message_bytes = 64;
  ServerFirstFails(Rfc5802().server_first, Error::kMessageTooLong, 64, c);
}

TEST(ScramClientServerFirstTest, DowngradeHashMismatch) {
  // The server hashed a list with -PLUS in it; the client saw it stripped.
  const Offer server_side{{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"}, std::nullopt};
  ScramClientConfig c = Base();
  c.offer = Offer{{"SCRAM-SHA-1"}, std::nullopt};
  const std::string sf = Rfc5802().server_first + ",h=" + DowngradeHash(Hash::kSha1, server_side);
  ServerFirstFails(sf, Error::kDowngradeHashMismatch, Rfc5802().server_first.size() + 3, c);
  // Not base64 at all is a mismatch too.
  ServerFirstFails(Rfc5802().server_first + ",h=???", Error::kDowngradeHashMismatch,
                   Rfc5802().server_first.size() + 3, c);
}

TEST(ScramClientServerFirstTest, DowngradeHashVerifiedOrNotChecked) {
  ScramClientConfig c = Base();
  const Offer offer{{"SCRAM-SHA-1"}, std::nullopt};
  const std::string sf = Rfc5802().server_first + ",h=" + DowngradeHash(Hash::kSha1, offer);
  auto unchecked = testing::ClientAtServerFirst(c);
  EXPECT_EQ(unchecked->Step(sf), Wait::kSend);
  EXPECT_EQ(unchecked->downgrade_status(), DowngradeStatus::kNotChecked);
  c.offer = offer;
  auto verified = testing::ClientAtServerFirst(c);
  EXPECT_EQ(verified->Step(sf), Wait::kSend);
  EXPECT_EQ(verified->downgrade_status(), DowngradeStatus::kVerified);
}

TEST(ScramClientServerFirstTest, DowngradeHashRequiredButMissing) {
  ScramClientConfig c = Base();
  c.require_downgrade_hash = true;
  c.offer = Offer{{"SCRAM-SHA-1"}, std::nullopt};
  ServerFirstFails(Rfc5802().server_first, Error::kDowngradeHashMissing, Rfc5802().server_first.size(), c);
  // XEP-0474 new rule 6 implies the requirement.
  c = Base();
  c.channel_binding = ChannelBinding{CbType::kTlsExporter, "cb"};
  c.server_offered_plus = true;
  c.no_mutual_cb_fallback = true;
  c.offer = Offer{{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"}, std::vector<std::string>{"tls-unique"}};
  ServerFirstFails(Rfc5802().server_first, Error::kDowngradeHashMissing, Rfc5802().server_first.size(), c);
}

TEST(ScramClientServerFinalTest, SuccessWithoutVerifier) {
  // RFC 6120 6.3.10 / RFC 5802: <success/> without v= is not success.
  EXPECT_EQ(ServerFinalFails("").code, Error::kMissingServerSignature);
}

TEST(ScramClientServerFinalTest, WrongServerSignature) {
  const Failure f = ServerFinalFails("v=" + Base64Encode(std::string(20, '\0')));
  EXPECT_EQ(f.code, Error::kServerSignatureMismatch);
  EXPECT_EQ(f.offset, 2u);
}

TEST(ScramClientServerFinalTest, MalformedVerifier) {
  EXPECT_EQ(ServerFinalFails("v=AAAA").code, Error::kBadServerSignature);
  EXPECT_EQ(ServerFinalFails("m=x").code, Error::kMandatoryExtension);
  EXPECT_EQ(ServerFinalFails("q=1").code, Error::kMissingAttribute);
}

TEST(ScramClientServerFinalTest, EveryServerErrorUnderstood) {
  for (size_t i = 1; i <= static_cast<size_t>(ServerError::kUnrecognized); ++i) {
    const ServerError e = static_cast<ServerError>(i);
    const std::string wire = e == ServerError::kUnrecognized ? "future-error" : std::string(ErrorName(e));
    const Failure f = ServerFinalFails("e=" + wire);
    EXPECT_EQ(f.code, Error::kServerErrorReceived) << wire;
    EXPECT_EQ(f.server_error, e) << wire;
  }
}

TEST(ScramClientFlowTest, MessageWhenNoneExpected) {
  ScramClient client(Base());
  EXPECT_EQ(client.Step("r=early"), Wait::kFailure);
  EXPECT_EQ(client.failure().code, Error::kUnexpectedMessage);
}

TEST(ScramClientFlowTest, AbortIsFinal) {
  auto client = testing::ClientAtServerFirst(Base());
  client->Abort();
  EXPECT_EQ(client->failure().code, Error::kAborted);
  EXPECT_EQ(client->Step(Rfc5802().server_first), Wait::kFailure);
  EXPECT_EQ(StateName(client->state()), "failed");
}

TEST(ScramClientFlowTest, SuccessIsFinal) {
  auto client = testing::ClientAtServerFirst(Base());
  ASSERT_EQ(client->Step(Rfc5802().server_first), Wait::kSend);
  ASSERT_EQ(client->Step(Rfc5802().server_final), Wait::kSuccess);
  EXPECT_EQ(client->Step("e=other-error"), Wait::kSuccess);
  EXPECT_TRUE(client->failure().ok());
}

TEST(ScramClientFlowTest, StateNames) {
  EXPECT_EQ(StateName(ScramClient::State::kSendClientFirst), "send-client-first");
  EXPECT_EQ(StateName(ScramClient::State::kReadServerFirst), "read-server-first");
  EXPECT_EQ(StateName(ScramClient::State::kSendClientFinal), "send-client-final");
  EXPECT_EQ(StateName(ScramClient::State::kReadServerFinal), "read-server-final");
  EXPECT_EQ(StateName(ScramClient::State::kDone), "done");
}

}  // namespace
}  // namespace xmppfuzz::sasl
