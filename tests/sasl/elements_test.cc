// RFC 6120 section 6.4 elements and the <mechanisms/> / XEP-0440 features,
// built and parsed over the XML layer's tree, and one whole negotiation
// driven from elements.
#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"
#include "targets/xml/xml.h"
#include "tests/sasl/scram_support.h"

namespace xmppfuzz::sasl {
namespace {

std::string Render(const SaslElement& e) {
  const std::optional<xml::Element> el = BuildElement(e);
  EXPECT_TRUE(el.has_value());
  return el ? xml::Canonical(*el) : std::string();
}

SaslElement RoundTrip(const SaslElement& e) {
  const std::optional<xml::Element> el = BuildElement(e);
  EXPECT_TRUE(el.has_value());
  SaslElement back;
  Failure f;
  EXPECT_TRUE(el && ParseElement(*el, &back, &f)) << Describe(f);
  return back;
}

TEST(ElementBuildTest, AuthWithInitialResponse) {
  // RFC 6120 9.2.1 (step 5) carries the RFC 5802 client-first this way.
  SaslElement auth{ElementKind::kAuth, "SCRAM-SHA-1", "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"};
  EXPECT_EQ(Render(auth),
            "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"SCRAM-SHA-1\">"
            "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM</auth>");
  EXPECT_EQ(RoundTrip(auth), auth);
}

TEST(ElementBuildTest, EmptyAndAbsentData) {
  // RFC 6120 6.4.2: "=" is data present but empty; no text is no data.
  SaslElement empty{ElementKind::kAuth, "PLAIN", std::string()};
  EXPECT_EQ(Render(empty), "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">=</auth>");
  EXPECT_EQ(RoundTrip(empty), empty);
  SaslElement none{ElementKind::kSuccess, "", std::nullopt};
  EXPECT_EQ(Render(none), "<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>");
  EXPECT_EQ(RoundTrip(none), none);
}

TEST(ElementBuildTest, EveryKind) {
  for (ElementKind k : {ElementKind::kChallenge, ElementKind::kResponse, ElementKind::kSuccess}) {
    SaslElement e{k, "", std::string("r=abc,s=QQ==,i=4096")};
    EXPECT_EQ(RoundTrip(e), e) << ElementKindName(k);
  }
  SaslElement abort{ElementKind::kAbort};
  EXPECT_EQ(Render(abort), "<abort xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>");
  EXPECT_EQ(RoundTrip(abort), abort);
  SaslElement failure{ElementKind::kFailure, "", std::nullopt, Condition::kNotAuthorized, std::string("bad <pw>")};
  EXPECT_EQ(Render(failure),
            "<failure xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"><not-authorized/><text>bad &lt;pw&gt;</text></failure>");
  EXPECT_EQ(RoundTrip(failure), failure);
  for (size_t i = 1; i <= static_cast<size_t>(Condition::kTemporaryAuthFailure); ++i) {
    SaslElement f{ElementKind::kFailure, "", std::nullopt, static_cast<Condition>(i)};
    EXPECT_EQ(RoundTrip(f), f) << ErrorName(f.condition);
  }
}

TEST(ElementBuildTest, Unrepresentable) {
  EXPECT_FALSE(BuildElement(SaslElement{ElementKind::kAuth, "scram-sha-1"}));
  EXPECT_FALSE(BuildElement(SaslElement{ElementKind::kAuth, ""}));
  EXPECT_FALSE(BuildElement(SaslElement{ElementKind::kFailure}));
}

Error ParseFails(const xml::Element& e) {
  SaslElement out;
  Failure f;
  EXPECT_FALSE(ParseElement(e, &out, &f));
  return f.code;
}

xml::Element Make(xml::Builder b) { return b.Build().value(); }

TEST(ElementParseTest, Refusals) {
  EXPECT_EQ(ParseFails(Make(xml::Builder("jabber:client", "auth").Attr("mechanism", "PLAIN"))),
            Error::kNotSaslElement);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "authenticate"))), Error::kNotSaslElement);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "auth"))), Error::kMissingMechanismAttr);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "auth").Attr("mechanism", "scram-sha-1"))),
            Error::kBadMechanismName);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "challenge").Child(kSaslNs, "x").Up())),
            Error::kBadElementContent);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "challenge").Text("Zg== "))), Error::kBase64BadChar);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "response").Text("Zh=="))), Error::kBase64NonCanonical);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "failure"))), Error::kUnknownCondition);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "failure").Child(kSaslNs, "bogus").Up())),
            Error::kUnknownCondition);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "failure")
                                .Child(kSaslNs, "aborted").Up()
                                .Child(kSaslNs, "not-authorized").Up())),
            Error::kBadElementContent);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "failure").Child("other:ns", "aborted").Up())),
            Error::kBadElementContent);
  EXPECT_EQ(ParseFails(Make(xml::Builder(kSaslNs, "abort").Text("x"))), Error::kBadElementContent);
}

TEST(FeaturesTest, BuildAndParse) {
  xml::Builder features(xml::kStreamsNs, "features");
  const xml::Element mechs = *BuildMechanismsFeature({"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "PLAIN"});
  const xml::Element cb = *BuildChannelBindingFeature({"tls-server-end-point", "tls-exporter"});
  xml::Element f = Make(std::move(features));
  f.children.push_back(xml::Node{false, "", cb});
  f.children.push_back(xml::Node{false, "", mechs});
  EXPECT_EQ(xml::Canonical(cb),
            "<sasl-channel-binding xmlns=\"urn:xmpp:sasl-cb:0\"><channel-binding type=\"tls-server-end-point\"/>"
            "<channel-binding type=\"tls-exporter\"/></sasl-channel-binding>");
  Offer offer;
  Failure failure;
  ASSERT_TRUE(ParseFeatures(f, &offer, &failure)) << Describe(failure);
  EXPECT_EQ(offer, (Offer{{"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "PLAIN"},
                          std::vector<std::string>{"tls-server-end-point", "tls-exporter"}}));
  // Without XEP-0440.
  f.children.erase(f.children.begin());
  ASSERT_TRUE(ParseFeatures(f, &offer, &failure));
  EXPECT_FALSE(offer.channel_bindings);
}

TEST(FeaturesTest, Refusals) {
  Offer offer;
  Failure f;
  EXPECT_FALSE(ParseFeatures(Make(xml::Builder(xml::kStreamsNs, "features")), &offer, &f));
  EXPECT_EQ(f, (Failure{Error::kBadFeature, ServerError::kNone, 0}));  // no <mechanisms/>
  EXPECT_FALSE(ParseFeatures(
      Make(xml::Builder(xml::kStreamsNs, "features").Child(kSaslNs, "mechanisms").Up()), &offer, &f));
  EXPECT_EQ(f, (Failure{Error::kBadFeature, ServerError::kNone, 0}));  // no <mechanism/> (RFC 6120 6.4.1)
  EXPECT_FALSE(ParseFeatures(Make(xml::Builder(xml::kStreamsNs, "features")
                                      .Child(kSaslNs, "mechanisms").Child(kSaslNs, "mechanism").Text("bad name").Up().Up()),
                             &offer, &f));
  EXPECT_EQ(f, (Failure{Error::kBadFeature, ServerError::kNone, 1}));
  // XEP-0440: one or more <channel-binding/>, each with a type.
  EXPECT_FALSE(ParseFeatures(Make(xml::Builder(xml::kStreamsNs, "features")
                                      .Child(kSaslNs, "mechanisms").Child(kSaslNs, "mechanism").Text("PLAIN").Up().Up()
                                      .Child(kSaslCbNs, "sasl-channel-binding").Up()),
                             &offer, &f));
  EXPECT_EQ(f, (Failure{Error::kBadFeature, ServerError::kNone, 0}));  // no <channel-binding/>
  EXPECT_FALSE(ParseFeatures(Make(xml::Builder(xml::kStreamsNs, "features")
                                      .Child(kSaslNs, "mechanisms").Child(kSaslNs, "mechanism").Text("PLAIN").Up().Up()
                                      .Child(kSaslCbNs, "sasl-channel-binding").Child(kSaslCbNs, "channel-binding").Up().Up()),
                             &offer, &f));
  EXPECT_EQ(f, (Failure{Error::kBadFeature, ServerError::kNone, 1}));
}

// Features -> <auth/> -> <challenge/> -> <response/> -> <success/>, every
// step a tree built by one side and parsed by the other.
TEST(NegotiationTest, DrivenFromElements) {
  ServerPolicy sp;
  sp.tls = true;
  sp.channel_bindings = {CbType::kTlsExporter};
  const ChannelBinding binding{CbType::kTlsExporter, std::string(32, '\x5a')};
  const Offer advertised = OfferFor(sp);
  xml::Element features = Make(xml::Builder(xml::kStreamsNs, "features"));
  features.children.push_back(xml::Node{false, "", *BuildMechanismsFeature(advertised.mechanisms)});
  features.children.push_back(xml::Node{false, "", *BuildChannelBindingFeature(*advertised.channel_bindings)});

  // Client: read the features, choose, start.
  Offer seen;
  Failure f;
  ASSERT_TRUE(ParseFeatures(features, &seen, &f));
  ClientPolicy cp;
  cp.tls = true;
  cp.channel_bindings = {binding};
  Selection sel;
  ASSERT_TRUE(SelectMechanism(seen, cp, &sel, &f));
  ScramClientConfig cc;
  cc.username = "juliet";
  cc.password = "r0m30myr0m30";
  ApplySelection(sel, seen, &cc);
  cc.require_downgrade_hash = true;
  ScramClient client(cc);
  ASSERT_EQ(client.Step(), Wait::kSend);
  const xml::Element auth = *BuildElement({ElementKind::kAuth, std::string(MechanismName(sel.mechanism)), client.output()});

  // Server: accept the mechanism, run SCRAM.
  SaslElement in;
  ASSERT_TRUE(ParseElement(auth, &in, &f));
  Mechanism m;
  ASSERT_TRUE(ServerAccepts(sp, in.mechanism, &m, &f));
  EXPECT_EQ(m, Mechanism::kScramSha512Plus);
  const std::optional<StoredCredentials> creds = DeriveCredentials(Hash::kSha512, "r0m30myr0m30", "NaCl-salt", 4096);
  ScramServerConfig sc;
  sc.mechanism = m;
  sc.lookup = [&](std::string_view user, Hash) { return user == "juliet" ? creds : std::nullopt; };
  sc.offers_plus = true;
  sc.channel_bindings = {binding};
  sc.offer = advertised;
  ScramServer server(sc);
  ASSERT_EQ(server.Step(*in.data), Wait::kSend) << server.DebugString();
  const xml::Element challenge = *BuildElement({ElementKind::kChallenge, "", server.output()});

  ASSERT_TRUE(ParseElement(challenge, &in, &f));
  ASSERT_EQ(client.Step(*in.data), Wait::kSend) << client.DebugString();
  EXPECT_EQ(client.downgrade_status(), DowngradeStatus::kVerified);
  const xml::Element response = *BuildElement({ElementKind::kResponse, "", client.output()});

  ASSERT_TRUE(ParseElement(response, &in, &f));
  ASSERT_EQ(server.Step(*in.data), Wait::kSend) << server.DebugString();
  const xml::Element success = *BuildElement({ElementKind::kSuccess, "", server.output()});
  EXPECT_EQ(server.Step(), Wait::kSuccess);

  ASSERT_TRUE(ParseElement(success, &in, &f));
  EXPECT_EQ(in.kind, ElementKind::kSuccess);
  EXPECT_EQ(client.Step(in.data.value_or("")), Wait::kSuccess) << client.DebugString();
}

TEST(NegotiationTest, EmptySuccessIsFailure) {
  auto client = testing::ClientAtServerFirst(testing::ClientConfigFor(testing::Rfc5802()));
  ASSERT_EQ(client->Step(testing::Rfc5802().server_first), Wait::kSend);
  SaslElement in;
  Failure f;
  ASSERT_TRUE(ParseElement(*BuildElement({ElementKind::kSuccess}), &in, &f));
  EXPECT_FALSE(in.data);
  EXPECT_EQ(client->Step(in.data.value_or("")), Wait::kFailure);
  EXPECT_EQ(client->failure().code, Error::kMissingServerSignature);
  EXPECT_EQ(ConditionFor(client->failure().code), Condition::kNotAuthorized);
}

}  // namespace
}  // namespace xmppfuzz::sasl
