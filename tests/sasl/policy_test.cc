// Mechanism policy: the client's choice (strongest allowed, -PLUS when it
// can bind, never weak, no PLAIN in the clear, downgrade reports) and what a
// server offers and accepts. RFC 6120 6.3.3 and 13.8.3, RFC 5802 6,
// XEP-0440, XEP-0474.
#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"
#include "tests/sasl/scram_support.h"

namespace xmppfuzz::sasl {
namespace {

const Offer kAll{{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS",
                  "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"},
                 std::nullopt};

ClientPolicy Tls() {
  ClientPolicy p;
  p.tls = true;
  return p;
}

ClientPolicy TlsWith(std::initializer_list<CbType> types) {
  ClientPolicy p = Tls();
  for (CbType t : types) p.channel_bindings.push_back(ChannelBinding{t, std::string(CbTypeName(t)) + "-data"});
  return p;
}

Selection Pick(const Offer& offer, const ClientPolicy& policy) {
  Selection s;
  Failure f;
  EXPECT_TRUE(SelectMechanism(offer, policy, &s, &f)) << Describe(f);
  return s;
}

Error Refuse(const Offer& offer, const ClientPolicy& policy) {
  Selection s;
  Failure f;
  EXPECT_FALSE(SelectMechanism(offer, policy, &s, &f)) << MechanismName(s.mechanism);
  return f.code;
}

TEST(ClientPolicyTest, StrongestWithBinding) {
  const Selection s = Pick(kAll, TlsWith({CbType::kTlsServerEndPoint, CbType::kTlsExporter}));
  EXPECT_EQ(s.mechanism, Mechanism::kScramSha512Plus);
  ASSERT_TRUE(s.channel_binding);
  EXPECT_EQ(s.channel_binding->type, CbType::kTlsExporter);
}

TEST(ClientPolicyTest, StrongestWithoutBinding) {
  EXPECT_EQ(Pick(kAll, Tls()).mechanism, Mechanism::kScramSha512);
  EXPECT_EQ(Pick(Offer{{"SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"}, std::nullopt}, Tls()).mechanism,
            Mechanism::kScramSha256);
  EXPECT_EQ(Pick(Offer{{"PLAIN", "SCRAM-SHA-1"}, std::nullopt}, Tls()).mechanism, Mechanism::kScramSha1);
}

// A client that can bind uses -PLUS when offered, even a weaker hash:
// RFC 5802 6 leaves it no n or y then.
TEST(ClientPolicyTest, PlusBeforeHashStrength) {
  const Selection s = Pick(Offer{{"SCRAM-SHA-512", "SCRAM-SHA-1-PLUS"}, std::nullopt}, TlsWith({CbType::kTlsUnique}));
  EXPECT_EQ(s.mechanism, Mechanism::kScramSha1Plus);
  EXPECT_TRUE(s.server_offered_plus);
}

TEST(ClientPolicyTest, YWhenNoPlusOffered) {
  const Selection s = Pick(Offer{{"SCRAM-SHA-256"}, std::nullopt}, TlsWith({CbType::kTlsExporter}));
  EXPECT_EQ(s.mechanism, Mechanism::kScramSha256);
  EXPECT_TRUE(s.channel_binding);
  EXPECT_FALSE(s.server_offered_plus);
  ScramClientConfig c;
  c.username = "u";
  c.password = "p";
  ApplySelection(s, Offer{{"SCRAM-SHA-256"}, std::nullopt}, &c);
  ScramClient client(c);
  ASSERT_EQ(client.Step(), Wait::kSend);
  EXPECT_TRUE(client.output().starts_with("y,,"));
}

TEST(ClientPolicyTest, Xep0440ListChoosesType) {
  Offer offer = kAll;
  offer.channel_bindings = std::vector<std::string>{"tls-server-end-point"};
  const Selection s = Pick(offer, TlsWith({CbType::kTlsExporter, CbType::kTlsServerEndPoint}));
  EXPECT_EQ(s.mechanism, Mechanism::kScramSha512Plus);
  EXPECT_EQ(s.channel_binding->type, CbType::kTlsServerEndPoint);
}

// XEP-0474 new rule 6: no mutual type, send n and insist on h=.
TEST(ClientPolicyTest, NoMutualTypeFallsBackWithHashCheck) {
  Offer offer = kAll;
  offer.channel_bindings = std::vector<std::string>{"tls-unique"};
  const Selection s = Pick(offer, TlsWith({CbType::kTlsExporter}));
  EXPECT_EQ(s.mechanism, Mechanism::kScramSha512);
  EXPECT_TRUE(s.no_mutual_cb_fallback);
  EXPECT_FALSE(s.channel_binding);
  const Offer only_plus{{"SCRAM-SHA-256-PLUS"}, std::vector<std::string>{"tls-unique"}};
  EXPECT_EQ(Refuse(only_plus, TlsWith({CbType::kTlsExporter})), Error::kNoMutualChannelBinding);
}

TEST(ClientPolicyTest, PlainRules) {
  const Offer plain{{"PLAIN"}, std::nullopt};
  EXPECT_EQ(Refuse(plain, ClientPolicy{}), Error::kPlainWithoutTls);
  EXPECT_EQ(Pick(plain, Tls()).mechanism, Mechanism::kPlain);
  ClientPolicy clear;
  clear.allow_plain_without_tls = true;
  EXPECT_EQ(Pick(plain, clear).mechanism, Mechanism::kPlain);
  ClientPolicy no_plain = Tls();
  no_plain.allow_plain = false;
  EXPECT_EQ(Refuse(plain, no_plain), Error::kNoAcceptableMechanism);
  ClientPolicy pinned = Tls();
  pinned.pinned_scram = true;  // XEP-0474 business rule 1
  EXPECT_EQ(Refuse(plain, pinned), Error::kMechanismDowngrade);
}

TEST(ClientPolicyTest, WeakMechanismsNeverChosen) {
  ClientPolicy anything = Tls();
  anything.allow_plain_without_tls = true;
  EXPECT_EQ(Refuse(Offer{{"DIGEST-MD5", "CRAM-MD5", "ANONYMOUS"}, std::nullopt}, anything), Error::kWeakMechanism);
  EXPECT_EQ(Pick(Offer{{"DIGEST-MD5", "SCRAM-SHA-1", "CRAM-MD5"}, std::nullopt}, anything).mechanism,
            Mechanism::kScramSha1);
  EXPECT_EQ(Refuse(Offer{{"X-UNKNOWN"}, std::nullopt}, anything), Error::kNoAcceptableMechanism);
  EXPECT_TRUE(IsWeakMechanismName("DIGEST-MD5"));
  EXPECT_TRUE(IsWeakMechanismName("CRAM-MD5"));
  EXPECT_TRUE(IsWeakMechanismName("ANONYMOUS"));
  EXPECT_FALSE(IsWeakMechanismName("SCRAM-SHA-1"));
}

TEST(ClientPolicyTest, PinnedListReportsStripping) {
  ClientPolicy p = Tls();
  p.pinned_mechanisms = std::vector<std::string>{"SCRAM-SHA-1", "SCRAM-SHA-256"};
  EXPECT_EQ(Refuse(Offer{{"SCRAM-SHA-1"}, std::nullopt}, p), Error::kMechanismDowngrade);
  EXPECT_EQ(Pick(Offer{{"SCRAM-SHA-1", "SCRAM-SHA-256"}, std::nullopt}, p).mechanism, Mechanism::kScramSha256);
  // A stronger new mechanism is not a downgrade.
  EXPECT_EQ(Pick(Offer{{"SCRAM-SHA-512", "SCRAM-SHA-256"}, std::nullopt}, p).mechanism, Mechanism::kScramSha512);
}

// The list tampered with on the way (-PLUS stripped) is caught by h=.
TEST(ClientPolicyTest, TamperedListCaughtByDowngradeHash) {
  ServerPolicy sp;
  sp.tls = true;
  sp.channel_bindings = {CbType::kTlsExporter};
  const Offer sent = OfferFor(sp);
  Offer seen = sent;
  std::erase_if(seen.mechanisms, [](const std::string& m) { return m.ends_with("-PLUS"); });
  seen.channel_bindings.reset();
  ClientPolicy cp = TlsWith({CbType::kTlsExporter});
  const Selection sel = Pick(seen, cp);
  EXPECT_EQ(sel.mechanism, Mechanism::kScramSha512);
  ScramClientConfig c;
  c.username = "user";
  c.password = "pencil";
  ApplySelection(sel, seen, &c);
  c.channel_binding.reset();  // the attacker also made it look like no binding
  ScramServerConfig s;
  s.mechanism = sel.mechanism;
  const std::optional<StoredCredentials> creds = DeriveCredentials(Hash::kSha512, "pencil", "salt", 4096);
  s.lookup = [&](std::string_view, Hash) { return creds; };
  s.offer = sent;
  s.offers_plus = true;
  s.channel_bindings = {ChannelBinding{CbType::kTlsExporter, "x"}};
  ScramClient client(c);
  ScramServer server(s);
  EXPECT_FALSE(testing::Exchange(client, server));
  EXPECT_EQ(client.failure().code, Error::kDowngradeHashMismatch);
}

TEST(ServerPolicyTest, OfferBeforeTls) {
  const Offer o = OfferFor(ServerPolicy{});
  EXPECT_EQ(o.mechanisms, (std::vector<std::string>{"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1"}));
  EXPECT_FALSE(o.channel_bindings);
}

TEST(ServerPolicyTest, OfferWithTlsAndBinding) {
  ServerPolicy p;
  p.tls = true;
  p.channel_bindings = {CbType::kTlsServerEndPoint, CbType::kTlsExporter};
  const Offer o = OfferFor(p);
  EXPECT_EQ(o.mechanisms, (std::vector<std::string>{"SCRAM-SHA-512-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-256-PLUS",
                                                    "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"}));
  EXPECT_EQ(o.channel_bindings, (std::vector<std::string>{"tls-server-end-point", "tls-exporter"}));
}

TEST(ServerPolicyTest, Accepts) {
  ServerPolicy p;
  Mechanism m;
  Failure f;
  EXPECT_TRUE(ServerAccepts(p, "SCRAM-SHA-256", &m, &f));
  EXPECT_EQ(m, Mechanism::kScramSha256);
  EXPECT_FALSE(ServerAccepts(p, "PLAIN", &m, &f));
  EXPECT_EQ(f.code, Error::kPlainWithoutTls);
  EXPECT_EQ(ConditionFor(f.code), Condition::kEncryptionRequired);
  EXPECT_FALSE(ServerAccepts(p, "DIGEST-MD5", &m, &f));
  EXPECT_EQ(f.code, Error::kWeakMechanism);
  EXPECT_EQ(ConditionFor(f.code), Condition::kMechanismTooWeak);
  EXPECT_FALSE(ServerAccepts(p, "X-FOO", &m, &f));
  EXPECT_EQ(f.code, Error::kUnknownMechanism);
  EXPECT_EQ(ConditionFor(f.code), Condition::kInvalidMechanism);
  EXPECT_FALSE(ServerAccepts(p, "SCRAM-SHA-1-PLUS", &m, &f));
  EXPECT_EQ(f.code, Error::kNoAcceptableMechanism);
  p.tls = true;
  EXPECT_TRUE(ServerAccepts(p, "PLAIN", &m, &f));
  p.offer_plain = false;
  EXPECT_FALSE(ServerAccepts(p, "PLAIN", &m, &f));
  EXPECT_EQ(f.code, Error::kNoAcceptableMechanism);
}

}  // namespace
}  // namespace xmppfuzz::sasl
