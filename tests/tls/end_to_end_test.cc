// End to end over memory BIOs: our client and our server through STARTTLS
// (RFC 6120 section 5), the TLS handshake, the stream restart and
// SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677, RFC 9266) as XMPP elements parsed
// by the reference stream parser, for each channel-binding type; and a man in
// the middle who strips <starttls/>, injects bytes before the handshake,
// swaps the certificate, or terminates TLS on both sides (so the channel
// bindings differ) is detected every time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "targets/sasl/sasl.h"
#include "targets/stream/stream.h"
#include "targets/tls/tls.h"
#include "tests/tls/test_pki.h"

namespace xmppfuzz::tls {
namespace {

using testing::ClientConfig;
using testing::Converse;
using testing::Pki;
using testing::ServerConfig;
using testing::SharedPki;

constexpr std::string_view kDomain = "xmpp.example.org";
const std::string kInjected = "<message to='victim@xmpp.example.org'><body>injected</body></message>";

// Plaintext carries the STARTTLS phase between our two state machines and
// lets a man in the middle rewrite each direction.
struct Plaintext {
  std::function<std::string(std::string)> to_client = [](std::string s) { return s; };
  std::function<std::string(std::string)> to_server = [](std::string s) { return s; };
};

struct StarttlsResult {
  StarttlsWait client = StarttlsWait::kNeedBytes;
  StarttlsWait server = StarttlsWait::kNeedBytes;
  uint64_t client_discarded = 0;
  uint64_t server_discarded = 0;
  Failure client_failure;
  bool client_may_authenticate = false;
};

StarttlsResult NegotiateStarttls(const Plaintext& wire) {
  StarttlsConfig config;
  config.domain = std::string(kDomain);
  StarttlsClient client(config);
  StarttlsServer server(config);
  StarttlsResult r;
  client.Start();
  std::string to_server = wire.to_server(client.output());
  for (int round = 0; round < 8; ++round) {
    r.server = server.Feed(to_server);
    std::string to_client = wire.to_client(server.output());
    r.client = client.Feed(to_client);
    to_server = wire.to_server(client.output());
    if (r.client == StarttlsWait::kFailed || r.client == StarttlsWait::kStartTls) break;
  }
  if (r.server != StarttlsWait::kStartTls && !to_server.empty()) r.server = server.Feed(to_server);
  r.client_discarded = client.discarded_bytes();
  r.server_discarded = server.discarded_bytes();
  r.client_failure = client.failure();
  r.client_may_authenticate = client.may_authenticate();
  return r;
}

// Channel is one TLS connection between two sessions, moving application
// data both ways after the handshake.
struct Channel {
  std::unique_ptr<Session> client, server;

  bool Handshake() {
    Converse(*client, *server);
    return client->established() && server->established();
  }
  // Send writes |data| on |from| and returns what |to| reads.
  static std::string Send(Session& from, Session& to, std::string_view data) {
    if (!from.Write(data)) {
      ADD_FAILURE() << "write failed: " << Describe(from.failure()) << " " << from.detail();
      return {};
    }
    if (!to.Feed(from.TakeOutput())) ADD_FAILURE() << "feed failed: " << Describe(to.failure()) << " " << to.detail();
    std::string out, piece;
    while (to.Read(&piece) == Progress::kWantRead && !piece.empty()) {
      out += piece;
      piece.clear();
    }
    out += piece;
    return out;
  }
};

Channel Connect(SessionConfig client_config, SessionConfig server_config) {
  Channel c;
  Failure f;
  c.client = Session::Create(client_config, &f);
  c.server = Session::Create(server_config, &f);
  return c;
}

sasl::ChannelBinding Binding(const Session& s, ChannelBindingType type) {
  sasl::ChannelBinding b;
  b.type = static_cast<sasl::CbType>(type);
  EXPECT_TRUE(s.ChannelBinding(type, &b.data).ok()) << ChannelBindingName(type);
  return b;
}

// StanzaReader parses one direction of the restarted stream with the
// reference stream parser and hands out its top-level elements.
class StanzaReader {
 public:
  explicit StanzaReader(stream::Side side) : parser_(Options(side)) {}
  std::vector<xml::Element> Feed(const std::string& bytes) {
    std::vector<xml::Element> out;
    parser_.Feed(bytes);
    for (stream::Event& e : parser_.TakeEvents()) {
      if (e.kind == stream::Event::Kind::kStanza) out.push_back(std::move(e.element));
      if (e.kind == stream::Event::Kind::kError) error_ = std::string(xml::ConditionName(e.error.condition));
    }
    return out;
  }
  const std::string& error() const { return error_; }

 private:
  static stream::Options Options(stream::Side side) {
    stream::Options o;
    o.side = side;
    return o;
  }
  stream::Parser parser_;
  std::string error_;
};

struct SaslResult {
  sasl::Wait client = sasl::Wait::kNeedMessage;
  sasl::Wait server = sasl::Wait::kNeedMessage;
  sasl::Failure server_failure;
  std::string mechanism;
  std::string stream_error;
};

std::string Wire(const sasl::SaslElement& e) {
  std::optional<xml::Element> element = sasl::BuildElement(e);
  return element ? xml::Canonical(*element) : std::string();
}

// AuthenticateOverTls restarts the stream over the client's and the
// server's TLS sessions and runs SCRAM with channel binding of |type|. The
// client's session and the server's may be different connections (a man in
// the middle relays the application data between them).
SaslResult AuthenticateOverTls(Session& client_tls, Session& client_peer, Session& server_peer, Session& server_tls,
                               ChannelBindingType type) {
  auto relay = [&](Session& from, Session& to_a, Session& from_b, Session& to, std::string_view data) {
    std::string mid = Channel::Send(from, to_a, data);  // first leg
    if (&to_a == &to) return mid;
    return Channel::Send(from_b, to, mid);  // the man in the middle forwards it
  };
  auto c2s = [&](std::string_view data) { return relay(client_tls, client_peer, server_peer, server_tls, data); };
  auto s2c = [&](std::string_view data) { return relay(server_tls, server_peer, client_peer, client_tls, data); };

  const auto credentials = sasl::DeriveCredentials(sasl::Hash::kSha256, "pencil", "salt-for-e2e-tests", 4096);
  sasl::ServerPolicy server_policy;
  server_policy.tls = true;
  server_policy.scram_hashes = {sasl::Hash::kSha256};  // SCRAM-SHA-256(-PLUS), the credentials kept
  server_policy.channel_bindings = {static_cast<sasl::CbType>(type)};
  const sasl::Offer offer = sasl::OfferFor(server_policy);

  StanzaReader at_server(stream::Side::kServer), at_client(stream::Side::kClient);
  SaslResult r;
  // The restart: a new header over TLS, the server's header and features.
  at_server.Feed(c2s(stream::ClientHeader(kDomain)));
  std::string features = "<stream:features>" + xml::Canonical(*sasl::BuildMechanismsFeature(offer.mechanisms)) +
                         xml::Canonical(*sasl::BuildChannelBindingFeature(*offer.channel_bindings)) +
                         "</stream:features>";
  std::vector<xml::Element> got = at_client.Feed(s2c(stream::ServerHeader(kDomain) + features));
  if (got.size() != 1) {
    r.stream_error = at_client.error();
    ADD_FAILURE() << "features: " << got.size() << " elements, error '" << at_client.error() << "' server error '"
                  << at_server.error() << "'";
    return r;
  }
  sasl::Offer seen;
  sasl::Failure f;
  EXPECT_TRUE(sasl::ParseFeatures(got[0], &seen, &f)) << sasl::Describe(f);
  sasl::ClientPolicy policy;
  policy.tls = true;
  policy.channel_bindings = {Binding(client_tls, type)};
  sasl::Selection selection;
  EXPECT_TRUE(sasl::SelectMechanism(seen, policy, &selection, &f)) << sasl::Describe(f);
  sasl::ScramClientConfig cc;
  cc.username = "user";
  cc.password = "pencil";
  sasl::ApplySelection(selection, seen, &cc);
  r.mechanism = std::string(sasl::MechanismName(cc.mechanism));
  sasl::ScramClient client(cc);

  sasl::ScramServerConfig sc;
  sc.mechanism = cc.mechanism;
  sc.offers_plus = true;
  sc.channel_bindings = {Binding(server_tls, type)};
  sc.offer = offer;
  sc.lookup = [&](std::string_view user, sasl::Hash) -> std::optional<sasl::StoredCredentials> {
    if (user != "user") return std::nullopt;
    return credentials;
  };
  sasl::ScramServer server(sc);

  // <auth/> with client-first, then challenge / response / success.
  r.client = client.Step();
  std::string to_server = Wire({sasl::ElementKind::kAuth, std::string(r.mechanism), client.output(), {}, {}});
  for (int round = 0; round < 4; ++round) {
    std::vector<xml::Element> at = at_server.Feed(c2s(to_server));
    if (at.size() != 1) break;
    sasl::SaslElement e;
    EXPECT_TRUE(sasl::ParseElement(at[0], &e, &f)) << sasl::Describe(f);
    r.server = server.Step(e.data.value_or(""));
    sasl::SaslElement answer;
    if (r.server == sasl::Wait::kFailure) {
      r.server_failure = server.failure();
      answer = {sasl::ElementKind::kFailure, {}, {}, sasl::ConditionFor(server.failure().code), {}};
    } else {
      // kSend: server-first (the server then waits) or server-final (then
      // it is done).
      const std::string out = server.output();
      r.server = server.Step();
      const bool done = r.server == sasl::Wait::kSuccess;
      answer = {done ? sasl::ElementKind::kSuccess : sasl::ElementKind::kChallenge, {}, out, {}, {}};
    }
    std::vector<xml::Element> back = at_client.Feed(s2c(Wire(answer)));
    if (back.size() != 1) break;
    sasl::SaslElement reply;
    EXPECT_TRUE(sasl::ParseElement(back[0], &reply, &f)) << sasl::Describe(f);
    if (reply.kind == sasl::ElementKind::kFailure) {
      client.Abort();
      r.client = sasl::Wait::kFailure;
      break;
    }
    r.client = client.Step(reply.data.value_or(""));
    if (reply.kind == sasl::ElementKind::kSuccess) break;
    to_server = Wire({sasl::ElementKind::kResponse, {}, client.output(), {}, {}});
  }
  return r;
}

struct BindingCase {
  ChannelBindingType type;
  int max_version;
};

const BindingCase kBindings[] = {
    {ChannelBindingType::kTlsExporter, TLS1_3_VERSION},
    {ChannelBindingType::kTlsServerEndPoint, TLS1_3_VERSION},
    {ChannelBindingType::kTlsUnique, TLS1_2_VERSION},  // no tls-unique over TLS 1.3 (RFC 9266 3)
};

TEST(EndToEnd, StarttlsRestartAndScramPlusOverEveryBindingType) {
  for (const BindingCase& b : kBindings) {
    StarttlsResult st = NegotiateStarttls({});
    ASSERT_EQ(st.client, StarttlsWait::kStartTls);
    ASSERT_EQ(st.server, StarttlsWait::kStartTls);
    SessionConfig cc = ClientConfig();
    cc.max_version = b.max_version;
    Channel tls = Connect(cc, ServerConfig());
    ASSERT_TRUE(tls.Handshake()) << Describe(tls.client->failure()) << " / " << Describe(tls.server->failure());
    SaslResult r = AuthenticateOverTls(*tls.client, *tls.server, *tls.client, *tls.server, b.type);
    EXPECT_EQ(r.mechanism, "SCRAM-SHA-256-PLUS") << ChannelBindingName(b.type);
    EXPECT_EQ(r.server, sasl::Wait::kSuccess) << ChannelBindingName(b.type) << ": " << sasl::Describe(r.server_failure);
    EXPECT_EQ(r.client, sasl::Wait::kSuccess) << ChannelBindingName(b.type);
  }
}

TEST(EndToEndMitm, StrippedStarttlsIsDetectedAndNoCredentialsFollow) {
  Plaintext mitm;
  mitm.to_client = [](std::string s) {
    const std::string tag = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>";
    if (size_t at = s.find(tag); at != std::string::npos) s.erase(at, tag.size());
    return s;
  };
  StarttlsResult r = NegotiateStarttls(mitm);
  EXPECT_EQ(r.client, StarttlsWait::kFailed);
  EXPECT_EQ(r.client_failure.code, Error::kStarttlsStripped);
  EXPECT_FALSE(r.client_may_authenticate);
}

TEST(EndToEndMitm, BytesInjectedAroundTheHandshakeAreDiscarded) {
  Plaintext mitm;
  mitm.to_client = [](std::string s) {
    return s.find("<proceed") != std::string::npos ? s + kInjected : s;
  };
  mitm.to_server = [](std::string s) {
    return s.find("<starttls") != std::string::npos ? s + kInjected : s;
  };
  StarttlsResult r = NegotiateStarttls(mitm);
  EXPECT_EQ(r.client, StarttlsWait::kStartTls);
  EXPECT_EQ(r.server, StarttlsWait::kStartTls);
  EXPECT_EQ(r.client_discarded, kInjected.size());
  EXPECT_EQ(r.server_discarded, kInjected.size());
  // The discarded bytes were never parsed; the handshake and the
  // authentication then go through as without the man in the middle.
  Channel tls = Connect(ClientConfig(), ServerConfig());
  ASSERT_TRUE(tls.Handshake());
  SaslResult s = AuthenticateOverTls(*tls.client, *tls.server, *tls.client, *tls.server, ChannelBindingType::kTlsExporter);
  EXPECT_EQ(s.client, sasl::Wait::kSuccess);
}

TEST(EndToEndMitm, SwappedCertificateIsRefused) {
  const Pki evil("Evil CA");
  Channel tls = Connect(ClientConfig(), ServerConfig(evil));
  EXPECT_FALSE(tls.Handshake());
  EXPECT_EQ(tls.client->failure().code, Error::kCertificateUntrusted);
  EXPECT_FALSE(tls.client->established());
}

TEST(EndToEndMitm, TerminatingTlsOnBothSidesBreaksEveryChannelBinding) {
  // The man in the middle holds a certificate the client trusts (another
  // leaf of the same CA: a mis-issued certificate) and relays the SCRAM
  // messages between its two TLS connections unchanged.
  const Pki& pki = SharedPki();
  for (const BindingCase& b : kBindings) {
    SessionConfig cc = ClientConfig();
    cc.max_version = b.max_version;
    SessionConfig mitm_as_server = ServerConfig(pki, /*rsa=*/false);
    Channel front = Connect(cc, mitm_as_server);
    ASSERT_TRUE(front.Handshake()) << Describe(front.client->failure());
    SessionConfig mitm_as_client = ClientConfig();
    mitm_as_client.max_version = b.max_version;
    Channel back = Connect(mitm_as_client, ServerConfig(pki, /*rsa=*/true));
    ASSERT_TRUE(back.Handshake()) << Describe(back.client->failure());
    SaslResult r = AuthenticateOverTls(*front.client, *front.server, *back.client, *back.server, b.type);
    EXPECT_EQ(r.mechanism, "SCRAM-SHA-256-PLUS");
    EXPECT_EQ(r.server, sasl::Wait::kFailure) << ChannelBindingName(b.type);
    EXPECT_EQ(r.server_failure.code, sasl::Error::kChannelBindingMismatch) << ChannelBindingName(b.type);
    EXPECT_EQ(r.server_failure.server_error, sasl::ServerError::kChannelBindingsDontMatch);
    EXPECT_NE(r.client, sasl::Wait::kSuccess) << ChannelBindingName(b.type);
  }
}

}  // namespace
}  // namespace xmppfuzz::tls
