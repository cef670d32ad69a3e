// Every check of the SCRAM server failing once, with its exact code and the
// RFC 5802 server-error value it sends (every value is produced at least
// once here).
#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"
#include "tests/sasl/scram_support.h"

namespace xmppfuzz::sasl {
namespace {

using testing::Rfc5802;

ScramServerConfig Base() { return testing::ServerConfigFor(Rfc5802()); }

// FirstFails feeds |client_first| and expects |code| and |e| (sent as e=).
void FirstFails(std::string_view client_first, Error code, ServerError e, ScramServerConfig config = Base()) {
  ScramServer server(std::move(config));
  EXPECT_EQ(server.Step(client_first), Wait::kFailure);
  EXPECT_EQ(ErrorName(server.failure().code), ErrorName(code));
  EXPECT_EQ(ErrorName(server.failure().server_error), ErrorName(e));
  EXPECT_EQ(server.output(), "e=" + std::string(ErrorName(e)));
  EXPECT_EQ(server.state(), ScramServer::State::kFailed);
}

// FinalFails runs client-first from |client_first| (RFC 5802 by default),
// then feeds |client_final|.
Failure FinalFails(std::string_view client_final, ScramServerConfig config = Base(),
                   std::string_view client_first = Rfc5802().client_first) {
  ScramServer server(std::move(config));
  EXPECT_EQ(server.Step(client_first), Wait::kSend) << Describe(server.failure());
  EXPECT_EQ(server.Step(client_final), Wait::kFailure);
  EXPECT_EQ(server.output(), "e=" + std::string(ErrorName(server.failure().server_error)));
  return server.failure();
}

ScramServerConfig PlusServer() {
  ScramServerConfig s = Base();
  s.mechanism = Mechanism::kScramSha1Plus;
  s.offers_plus = true;
  s.channel_bindings = {ChannelBinding{CbType::kTlsExporter, "exporter-bytes"}};
  return s;
}

TEST(ScramServerFirstTest, GrammarErrors) {
  FirstFails("", Error::kEmptyMessage, ServerError::kOtherError);
  FirstFails("q,,n=user,r=abc", Error::kBadGs2Header, ServerError::kOtherError);
  FirstFails("n,,n=us=er,r=abc", Error::kSaslnameBadEscape, ServerError::kInvalidUsernameEncoding);
  FirstFails("n,,n=us\xff,r=abc", Error::kBadUtf8, ServerError::kInvalidUsernameEncoding);
  FirstFails("n,,m=x,n=user,r=abc", Error::kMandatoryExtension, ServerError::kExtensionsNotSupported);
  FirstFails("n,,n=user,r=abc,m=x", Error::kMandatoryExtension, ServerError::kExtensionsNotSupported);
}

TEST(ScramServerFirstTest, UserNameSaslprep) {
  FirstFails("n,,n=us\x07r,r=abc", Error::kSaslprepProhibited, ServerError::kInvalidUsernameEncoding);
}

TEST(ScramServerFirstTest, MessageTooLong) {
  ScramServerConfig s = Base();
  s.max_message_bytes = 16;
  FirstFails(Rfc5802().client_first, Error::kMessageTooLong, ServerError::kOtherError, s);
}

TEST(ScramServerGs2Test, PlusMechanismWithN) {
  FirstFails("n,,n=user,r=abc", Error::kGs2FlagWithPlus, ServerError::kOtherError, PlusServer());
}

TEST(ScramServerGs2Test, PlusMechanismWithY) {
  FirstFails("y,,n=user,r=abc", Error::kGs2FlagWithPlus, ServerError::kOtherError, PlusServer());
}

TEST(ScramServerGs2Test, PFlagWithoutPlusMechanism) {
  ScramServerConfig s = PlusServer();
  s.mechanism = Mechanism::kScramSha1;
  FirstFails("p=tls-exporter,,n=user,r=abc", Error::kPlusFlagWithoutPlus, ServerError::kOtherError, s);
}

// RFC 5802 6: 'y' to a server that offers -PLUS is a downgrade.
TEST(ScramServerGs2Test, YWhileServerOffersPlus) {
  ScramServerConfig s = PlusServer();
  s.mechanism = Mechanism::kScramSha1;
  FirstFails("y,,n=user,r=abc", Error::kClientThinksNoPlus, ServerError::kServerDoesSupportChannelBinding, s);
}

TEST(ScramServerGs2Test, YAndNAcceptedWithoutPlusOffered) {
  for (std::string_view first : {"y,,n=user,r=abc", "n,,n=user,r=abc"}) {
    ScramServer server(Base());
    EXPECT_EQ(server.Step(first), Wait::kSend) << first;
  }
  // n is fine even when -PLUS is offered: the client cannot bind.
  ScramServerConfig s = PlusServer();
  s.mechanism = Mechanism::kScramSha1;
  ScramServer server(s);
  EXPECT_EQ(server.Step("n,,n=user,r=abc"), Wait::kSend);
}

TEST(ScramServerGs2Test, UnsupportedBindingType) {
  FirstFails("p=tls-unique,,n=user,r=abc", Error::kUnsupportedCbType,
             ServerError::kUnsupportedChannelBindingType, PlusServer());
  FirstFails("p=tls-future,,n=user,r=abc", Error::kUnsupportedCbType,
             ServerError::kUnsupportedChannelBindingType, PlusServer());
}

TEST(ScramServerGs2Test, NoBindingAtAll) {
  ScramServerConfig s = PlusServer();
  s.channel_bindings.clear();
  FirstFails("p=tls-exporter,,n=user,r=abc", Error::kChannelBindingNotSupported,
             ServerError::kChannelBindingNotSupported, s);
}

TEST(ScramServerFirstTest, NoRandomness) {
  struct Broken : Random {
    bool Fill(std::span<uint8_t>) override { return false; }
  } broken;
  ScramServerConfig s = Base();
  s.fixed_nonce.clear();
  s.random = &broken;
  FirstFails(Rfc5802().client_first, Error::kNoResources, ServerError::kNoResources, s);
}

TEST(ScramServerFinalTest, WrongProof) {
  const Failure f = FinalFails(
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=" + Base64Encode(std::string(20, 'x')));
  EXPECT_EQ(f.code, Error::kProofMismatch);
  EXPECT_EQ(f.server_error, ServerError::kInvalidProof);
  EXPECT_EQ(f.offset, 54u);
}

TEST(ScramServerFinalTest, ProofFromAnotherPassword) {
  // The client computed its proof from "pencil2": the same exchange, refused.
  ScramClientConfig c = testing::ClientConfigFor(Rfc5802());
  c.password = "pencil2";
  ScramClient client(c);
  ScramServer server(Base());
  EXPECT_FALSE(testing::Exchange(client, server));
  EXPECT_EQ(server.failure().code, Error::kProofMismatch);
  EXPECT_EQ(client.failure().code, Error::kServerErrorReceived);
  EXPECT_EQ(client.failure().server_error, ServerError::kInvalidProof);
}

TEST(ScramServerFinalTest, NonceChanged) {
  const Failure f = FinalFails("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7J,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_EQ(f.code, Error::kNonceMismatch);
  EXPECT_EQ(f.server_error, ServerError::kOtherError);
  EXPECT_EQ(f.offset, 9u);
  // Only the client's part echoed back.
  EXPECT_EQ(FinalFails("c=biws,r=fyko+d2lbbFgONRv9qkxdawL,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=").code,
            Error::kNonceMismatch);
}

TEST(ScramServerFinalTest, ChannelBindingMismatch) {
  // c= must repeat the gs2 header: "biws" is "n,,", here "y,," is sent.
  Failure f = FinalFails("c=eSws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_EQ(f.code, Error::kChannelBindingMismatch);
  EXPECT_EQ(f.server_error, ServerError::kChannelBindingsDontMatch);
  // With p=: the binding data differ.
  const std::string wrong_data = Base64Encode("p=tls-exporter,,other-bytes");
  f = FinalFails("c=" + wrong_data + ",r=abc3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", PlusServer(),
                 "p=tls-exporter,,n=user,r=abc");
  EXPECT_EQ(f.code, Error::kChannelBindingMismatch);
}

TEST(ScramServerFinalTest, BadEncoding) {
  const Failure f = FinalFails("c=b!ws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_EQ(f.code, Error::kBadChannelBinding);
  EXPECT_EQ(f.server_error, ServerError::kInvalidEncoding);
  EXPECT_EQ(f.offset, 3u);
  EXPECT_EQ(FinalFails("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=AAAA").server_error,
            ServerError::kInvalidEncoding);
}

TEST(ScramServerFinalTest, UnknownUserOnlyAtTheEnd) {
  ScramServerConfig s = Base();
  s.lookup = [](std::string_view, Hash) { return std::nullopt; };
  ScramServer server(s);
  ASSERT_EQ(server.Step(Rfc5802().client_first), Wait::kSend);
  EXPECT_TRUE(server.output().starts_with("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s="));
  EXPECT_TRUE(server.output().ends_with(",i=4096"));
  // The fake salt is stable for the same name.
  ScramServer again(s);
  ASSERT_EQ(again.Step(Rfc5802().client_first), Wait::kSend);
  EXPECT_EQ(again.output(), server.output());
  EXPECT_EQ(server.Step(Rfc5802().client_final), Wait::kFailure);
  EXPECT_EQ(server.failure().code, Error::kUnknownUser);
  EXPECT_EQ(server.output(), "e=unknown-user");
}

TEST(ScramServerFinalTest, AuthzidRefusedAfterProof) {
  ScramClientConfig c = testing::ClientConfigFor(Rfc5802());
  c.authzid = "admin";
  ScramClient client(c);
  ScramServer server(Base());  // no authorize callback: every authzid refused
  EXPECT_FALSE(testing::Exchange(client, server));
  EXPECT_EQ(server.failure().code, Error::kAuthzidRefused);
  EXPECT_EQ(ConditionFor(server.failure().code), Condition::kInvalidAuthzid);
}

TEST(ScramServerFinalTest, GrammarErrors) {
  EXPECT_EQ(FinalFails("").code, Error::kEmptyMessage);
  EXPECT_EQ(FinalFails("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j").code, Error::kMissingAttribute);
  const Failure f = FinalFails("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,m=1,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  EXPECT_EQ(f.code, Error::kMandatoryExtension);
  EXPECT_EQ(f.server_error, ServerError::kExtensionsNotSupported);
}

TEST(ScramServerFinalTest, WrongStoredHashIsUnknownUser) {
  ScramServerConfig s = Base();
  s.mechanism = Mechanism::kScramSha256;  // the lookup only has SHA-1 keys
  ScramServer server(s);
  ASSERT_EQ(server.Step(Rfc5802().client_first), Wait::kSend);
  EXPECT_EQ(server.Step("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=" +
                        Base64Encode(std::string(32, 'x'))),
            Wait::kFailure);
  EXPECT_EQ(server.failure().code, Error::kUnknownUser);
}

TEST(ScramServerFlowTest, AbortAndFinalStates) {
  ScramServer server(Base());
  EXPECT_EQ(server.Step(), Wait::kNeedMessage);
  server.Abort();
  EXPECT_EQ(server.Step(Rfc5802().client_first), Wait::kFailure);
  EXPECT_EQ(server.failure().code, Error::kAborted);
  EXPECT_EQ(StateName(ScramServer::State::kReadClientFirst), "read-client-first");
  EXPECT_EQ(StateName(ScramServer::State::kSendServerFirst), "send-server-first");
  EXPECT_EQ(StateName(ScramServer::State::kReadClientFinal), "read-client-final");
  EXPECT_EQ(StateName(ScramServer::State::kSendServerFinal), "send-server-final");
  EXPECT_EQ(StateName(ScramServer::State::kFailed), "failed");
}

TEST(ScramServerFlowTest, HashAttributeWhenOfferKnown) {
  ScramServerConfig s = Base();
  s.offer = Offer{{"SCRAM-SHA-1", "PLAIN"}, std::nullopt};
  ScramServer server(s);
  ASSERT_EQ(server.Step(Rfc5802().client_first), Wait::kSend);
  EXPECT_EQ(server.output(), Rfc5802().server_first + ",h=" + DowngradeHash(Hash::kSha1, *s.offer));
}

}  // namespace
}  // namespace xmppfuzz::sasl
