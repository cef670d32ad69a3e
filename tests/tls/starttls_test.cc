// STARTTLS policy (targets/tls/tls.h, RFC 6120 section 5): the negotiation at
// every chunking, stripping, <failure/>, injection before the handshake
// (CVE-2011-0411 class), data before TLS, and hostile streams.
#include <gtest/gtest.h>

#include <string>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

const std::string kServerHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "from='example.com' id='s1' version='1.0'>";
const std::string kFeaturesNoTls =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
    "</mechanisms></stream:features>";
const std::string kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
const std::string kStarttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
const std::string kMessage = "<message to='victim@example.com'><body>injected</body></message>";

// FeedIn feeds |bytes| in pieces of |chunk| (0: whole) and returns the last
// wait code that was not kNeedBytes (or kNeedBytes), collecting output.
template <typename Side>
StarttlsWait FeedIn(Side& side, const std::string& bytes, size_t chunk, std::string* out) {
  StarttlsWait last = StarttlsWait::kNeedBytes;
  size_t step = chunk == 0 ? bytes.size() : chunk;
  for (size_t pos = 0; pos < bytes.size(); pos += step) {
    StarttlsWait w = side.Feed(std::string_view(bytes).substr(pos, step));
    *out += side.output();
    if (w != StarttlsWait::kNeedBytes) last = w;
    if (w == StarttlsWait::kFailed) break;
  }
  return last;
}

TEST(Starttls, NegotiationAtEveryChunking) {
  for (size_t chunk : {0, 1, 2, 3, 7, 64}) {
    StarttlsConfig config;
    StarttlsClient client(config);
    StarttlsServer server(config);
    ASSERT_EQ(client.Start(), StarttlsWait::kSend);
    std::string to_client, to_server;
    EXPECT_EQ(FeedIn(server, client.output(), chunk, &to_client), StarttlsWait::kSend) << chunk;
    EXPECT_NE(to_client.find("<required/>"), std::string::npos);
    EXPECT_EQ(FeedIn(client, to_client, chunk, &to_server), StarttlsWait::kSend) << chunk;
    EXPECT_EQ(to_server, kStarttls);
    EXPECT_FALSE(client.may_authenticate());
    to_client.clear();
    EXPECT_EQ(FeedIn(server, to_server, chunk, &to_client), StarttlsWait::kStartTls) << chunk;
    EXPECT_EQ(to_client, kProceed);
    std::string none;
    EXPECT_EQ(FeedIn(client, to_client, chunk, &none), StarttlsWait::kStartTls) << chunk;
    EXPECT_EQ(client.state(), StarttlsClient::State::kHandshake);
    EXPECT_EQ(server.state(), StarttlsServer::State::kHandshake);
    EXPECT_EQ(client.discarded_bytes(), 0u);
    EXPECT_EQ(server.discarded_bytes(), 0u);
    EXPECT_FALSE(client.may_authenticate());  // not before the handshake
  }
}

TEST(Starttls, BothBackendsAgree) {
  for (xml::Backend backend : xml::kBackends) {
    StarttlsConfig config;
    config.backend = backend;
    StarttlsClient client(config);
    client.Start();
    EXPECT_EQ(client.Feed(kServerHeader + kFeaturesNoTls), StarttlsWait::kFailed);
    EXPECT_EQ(client.failure().code, Error::kStarttlsStripped);
  }
}

// --- Client ------------------------------------------------------------------------

TEST(StarttlsClientPolicy, StrippedStarttlsFails) {
  StarttlsClient client({});
  client.Start();
  EXPECT_EQ(client.Feed(kServerHeader + kFeaturesNoTls), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure(), (Failure{Error::kStarttlsStripped, kServerHeader.size()}));
  EXPECT_FALSE(client.may_authenticate());
}

TEST(StarttlsClientPolicy, OptionalTlsNotOfferedGoesOnInPlaintext) {
  StarttlsConfig config;
  config.require_tls = false;
  StarttlsClient client(config);
  client.Start();
  EXPECT_EQ(client.Feed(kServerHeader + kFeaturesNoTls), StarttlsWait::kNoTls);
  EXPECT_TRUE(client.may_authenticate());
}

TEST(StarttlsClientPolicy, FailureElementIsRefusal) {
  StarttlsClient client({});
  client.Start();
  std::string features = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";
  EXPECT_EQ(client.Feed(kServerHeader + features), StarttlsWait::kSend);
  EXPECT_EQ(client.Feed("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure(), (Failure{Error::kStarttlsRefused, kServerHeader.size() + features.size()}));
}

// Start() opens the stream once; a second call is a caller error, reported
// at the number of peer bytes consumed so far.
TEST(StarttlsClientPolicy, SecondStartFailsAtTheBytesConsumed) {
  StarttlsClient client({});
  ASSERT_EQ(client.Start(), StarttlsWait::kSend);
  EXPECT_EQ(client.Start(), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure(), (Failure{Error::kUnexpectedElement, 0}));
  EXPECT_EQ(client.state(), StarttlsClient::State::kFailed);

  StarttlsClient fed({});
  fed.Start();
  EXPECT_EQ(fed.Feed(kServerHeader), StarttlsWait::kNeedBytes);
  EXPECT_EQ(fed.Start(), StarttlsWait::kFailed);
  EXPECT_EQ(fed.failure(), (Failure{Error::kUnexpectedElement, kServerHeader.size()}));
}

TEST(StarttlsClientPolicy, SuccessInsteadOfProceedIsUnexpected) {
  StarttlsClient client({});
  client.Start();
  client.Feed(kServerHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
  EXPECT_EQ(client.Feed("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure().code, Error::kUnexpectedElement);
}

TEST(StarttlsClientPolicy, PlaintextInjectedAfterProceedIsDiscarded) {
  StarttlsClient client({});
  client.Start();
  client.Feed(kServerHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
  EXPECT_EQ(client.Feed(kProceed + kMessage), StarttlsWait::kStartTls);
  EXPECT_EQ(client.discarded_bytes(), kMessage.size());
  EXPECT_EQ(client.Feed(kMessage), StarttlsWait::kStartTls);
  EXPECT_EQ(client.discarded_bytes(), 2 * kMessage.size());
}

// The features and the answer to <starttls/> in one read: the client must
// not drop what follows the features (it did: the chunk's rest was neither
// parsed nor counted, so the same bytes byte by byte started TLS and whole
// left the client waiting). Found by the tls-starttls conformance vectors.
TEST(StarttlsClientPolicy, AnswerInTheSameReadAsTheFeaturesIsSeen) {
  const std::string features = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";
  for (size_t chunk : {0, 1, 5}) {
    StarttlsClient client({});
    client.Start();
    std::string sent;
    EXPECT_EQ(FeedIn(client, kServerHeader + features + kProceed + kMessage, chunk, &sent), StarttlsWait::kStartTls)
        << chunk;
    EXPECT_EQ(sent, kStarttls) << chunk;
    EXPECT_EQ(client.discarded_bytes(), kMessage.size()) << chunk;
  }
  StarttlsClient refused({});
  refused.Start();
  EXPECT_EQ(refused.Feed(kServerHeader + features + "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
            StarttlsWait::kFailed);
  EXPECT_EQ(refused.output(), kStarttls);  // still to be sent, as the wait code says
  EXPECT_EQ(refused.failure(), (Failure{Error::kStarttlsRefused, kServerHeader.size() + features.size()}));
}

TEST(StarttlsClientPolicy, StreamErrorFromServer) {
  StarttlsClient client({});
  client.Start();
  EXPECT_EQ(client.Feed(kServerHeader + "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                        "</stream:error>"),
            StarttlsWait::kFailed);
  EXPECT_EQ(client.failure(), (Failure{Error::kPeerStreamError, kServerHeader.size()}));
}

TEST(StarttlsClientPolicy, HostileServerBytesAreRefusedByTheParser) {
  StarttlsClient client({});
  client.Start();
  EXPECT_EQ(client.Feed("<!DOCTYPE x [<!ENTITY a 'b'>]>" + kServerHeader), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure(), (Failure{Error::kPeerStreamRefused, 0}));
  EXPECT_EQ(client.stream_error(), "restricted-xml");
}

TEST(StarttlsClientPolicy, ServerClosesDuringNegotiation) {
  StarttlsClient client({});
  client.Start();
  EXPECT_EQ(client.Feed(kServerHeader + "</stream:stream>"), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure().code, Error::kPeerEndedStream);
}

TEST(StarttlsClientPolicy, FeedBeforeStartFails) {
  StarttlsClient client({});
  EXPECT_EQ(client.Feed(kServerHeader), StarttlsWait::kFailed);
  EXPECT_EQ(client.failure().code, Error::kUnexpectedElement);
}

// --- Server ------------------------------------------------------------------------

struct ServerRun {
  StarttlsWait wait;
  std::string output;
};

ServerRun ServerFeed(StarttlsServer& server, const std::string& after_header) {
  std::string header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                       "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";
  server.Feed(header);
  StarttlsWait w = server.Feed(after_header);
  return {w, server.output()};
}

TEST(StarttlsServerPolicy, CommandsPipelinedAfterStarttlsAreDiscarded) {  // CVE-2011-0411 class
  StarttlsServer server({});
  ServerRun r = ServerFeed(server, kStarttls + kMessage);
  EXPECT_EQ(r.wait, StarttlsWait::kStartTls);
  EXPECT_EQ(r.output, kProceed);
  EXPECT_EQ(server.discarded_bytes(), kMessage.size());
}

TEST(StarttlsServerPolicy, PipelinedBytesSplitAnywhereAreDiscarded) {
  for (size_t cut = 1; cut < kMessage.size(); cut += 5) {
    StarttlsServer server({});
    ServerRun r = ServerFeed(server, kStarttls + kMessage.substr(0, cut));
    EXPECT_EQ(r.wait, StarttlsWait::kStartTls);
    EXPECT_EQ(server.Feed(kMessage.substr(cut)), StarttlsWait::kStartTls);
    EXPECT_EQ(server.discarded_bytes(), kMessage.size()) << cut;
  }
}

TEST(StarttlsServerPolicy, AuthBeforeTlsIsEncryptionRequired) {  // RFC 6120 6.5.4
  StarttlsServer server({});
  ServerRun r = ServerFeed(server, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>");
  EXPECT_EQ(r.wait, StarttlsWait::kFailed);
  EXPECT_EQ(server.failure().code, Error::kDataBeforeTls);
  EXPECT_NE(r.output.find("<encryption-required/>"), std::string::npos);
  EXPECT_NE(r.output.find("<policy-violation"), std::string::npos);
}

TEST(StarttlsServerPolicy, StanzaBeforeTlsIsNotAuthorized) {  // RFC 6120 4.9.3.12
  StarttlsServer server({});
  ServerRun r = ServerFeed(server, kMessage);
  EXPECT_EQ(r.wait, StarttlsWait::kFailed);
  EXPECT_EQ(server.failure().code, Error::kDataBeforeTls);
  EXPECT_NE(r.output.find("<not-authorized"), std::string::npos);
}

TEST(StarttlsServerPolicy, OptionalTlsLeavesOtherElementsToTheCaller) {
  StarttlsConfig config;
  config.require_tls = false;
  StarttlsServer server(config);
  ServerRun r = ServerFeed(server, kMessage);
  EXPECT_EQ(r.wait, StarttlsWait::kNeedBytes);
  EXPECT_EQ(server.state(), StarttlsServer::State::kReadStarttls);
}

TEST(StarttlsServerPolicy, HostileClientBytesGetAStreamError) {
  StarttlsServer server({});
  ServerRun r = ServerFeed(server, "<message><!-- x --></message>");
  EXPECT_EQ(r.wait, StarttlsWait::kFailed);
  EXPECT_EQ(server.failure().code, Error::kPeerStreamRefused);
  EXPECT_EQ(server.stream_error(), "restricted-xml");
  EXPECT_NE(r.output.find("<restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"), std::string::npos);
}

TEST(StarttlsServerPolicy, ErrorsStick) {
  StarttlsServer server({});
  ServerFeed(server, kMessage);
  EXPECT_EQ(server.Feed(kStarttls), StarttlsWait::kFailed);
  EXPECT_EQ(server.state(), StarttlsServer::State::kFailed);
}

TEST(StarttlsNames, Printable) {
  EXPECT_EQ(StateName(StarttlsClient::State::kReadProceed), "read-proceed");
  EXPECT_EQ(StateName(StarttlsServer::State::kReadStarttls), "read-starttls");
  EXPECT_EQ(StarttlsWaitName(StarttlsWait::kStartTls), "start-tls");
}

// Every state and wait value has its own name (they appear in DebugString()
// and in the conformance reports).
TEST(StarttlsNames, EveryValueNamed) {
  using C = StarttlsClient::State;
  using S = StarttlsServer::State;
  EXPECT_EQ(StateName(C::kSendHeader), "send-header");
  EXPECT_EQ(StateName(C::kReadFeatures), "read-features");
  EXPECT_EQ(StateName(C::kReadProceed), "read-proceed");
  EXPECT_EQ(StateName(C::kHandshake), "handshake");
  EXPECT_EQ(StateName(C::kPlaintext), "plaintext");
  EXPECT_EQ(StateName(C::kFailed), "failed");
  EXPECT_EQ(StateName(static_cast<C>(99)), "unknown");
  EXPECT_EQ(StateName(S::kReadHeader), "read-header");
  EXPECT_EQ(StateName(S::kReadStarttls), "read-starttls");
  EXPECT_EQ(StateName(S::kHandshake), "handshake");
  EXPECT_EQ(StateName(S::kFailed), "failed");
  EXPECT_EQ(StateName(static_cast<S>(99)), "unknown");
  EXPECT_EQ(StarttlsWaitName(StarttlsWait::kSend), "send");
  EXPECT_EQ(StarttlsWaitName(StarttlsWait::kNeedBytes), "need-bytes");
  EXPECT_EQ(StarttlsWaitName(StarttlsWait::kStartTls), "start-tls");
  EXPECT_EQ(StarttlsWaitName(StarttlsWait::kNoTls), "no-tls");
  EXPECT_EQ(StarttlsWaitName(StarttlsWait::kFailed), "failed");
  EXPECT_EQ(StarttlsWaitName(static_cast<StarttlsWait>(99)), "unknown");
}

}  // namespace
}  // namespace xmppfuzz::tls
