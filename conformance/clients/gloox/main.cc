// xmppfuzz-client-gloox — the client driver (see
// conformance/clients/gloox/README.md) for gloox: one gloox::Client with the
// library's defaults, set up as gloox's examples (message_example.cpp,
// roster_example.cpp) do, reported as JSON lines.
#include <gloox/carbons.h>
#include <gloox/client.h>
#include <gloox/connectionlistener.h>
#include <gloox/connectiontcpclient.h>
#include <gloox/disco.h>
#include <gloox/discohandler.h>
#include <gloox/error.h>
#include <gloox/forward.h>
#include <gloox/iq.h>
#include <gloox/iqhandler.h>
#include <gloox/loghandler.h>
#include <gloox/message.h>
#include <gloox/messagehandler.h>
#include <gloox/presence.h>
#include <gloox/presencehandler.h>
#include <gloox/rosterlistener.h>
#include <gloox/rostermanager.h>
#include <gloox/subscription.h>
#include <gloox/subscriptionhandler.h>
#include <gloox/tag.h>

#include <cstdio>
#include <memory>
#include <string>

#include "conformance/clients/common/driver_common.h"

#ifndef DRIVER_LIBRARY_VERSION
#define DRIVER_LIBRARY_VERSION "unknown"
#endif

namespace {

using namespace gloox;

void Emit(const char* event, const char* key, const std::string& value) {
  driver_emit(event, key, value.c_str(), static_cast<const char*>(nullptr));
}

// EmitTag prints a stanza as gloox serialises it (Stanza::tag()->xml()).
void EmitTag(const char* event, const char* direction, const Stanza& stanza) {
  std::unique_ptr<Tag> tag(stanza.tag());
  const std::string xml = tag ? tag->xml() : std::string();
  if (direction == nullptr)
    driver_emit_stanza(xml.data(), xml.size());
  else
    driver_emit(event, "direction", direction, "xml", xml.c_str(),
                static_cast<const char*>(nullptr));
}

// CertStatusText names the CertStatus bits gloox set (GnuTLS's verification
// against the system trust store and the expected peer name).
std::string CertStatusText(int status) {
  static const struct {
    int bit;
    const char* name;
  } kBits[] = {{CertInvalid, "invalid"},         {CertSignerUnknown, "signer-unknown"},
               {CertRevoked, "revoked"},         {CertExpired, "expired"},
               {CertNotActive, "not-active"},    {CertWrongPeer, "wrong-peer"},
               {CertSignerNotCa, "signer-not-ca"}};
  if (status == CertOk) return "ok";
  std::string text;
  for (const auto& b : kBits) {
    if ((status & b.bit) != 0) text += (text.empty() ? "" : ",") + std::string(b.name);
  }
  return text.empty() ? std::to_string(status) : text;
}

const char* SubscriptionName(SubscriptionType s) {
  switch (s) {
    case S10nNone: return "none";
    case S10nNoneOut: return "none+pending-out";
    case S10nNoneIn: return "none+pending-in";
    case S10nNoneOutIn: return "none+pending-out+pending-in";
    case S10nTo: return "to";
    case S10nToIn: return "to+pending-in";
    case S10nFrom: return "from";
    case S10nFromOut: return "from+pending-out";
    case S10nBoth: return "both";
  }
  return "unknown";
}

const char* ConnectionErrorName(ConnectionError e) {
  switch (e) {
    case ConnNoError: return "no error";
    case ConnStreamError: return "stream error";
    case ConnStreamVersionError: return "stream version error";
    case ConnStreamClosed: return "stream closed";
    case ConnProxyAuthRequired: return "proxy auth required";
    case ConnProxyAuthFailed: return "proxy auth failed";
    case ConnProxyNoSupportedAuth: return "proxy: no supported auth";
    case ConnIoError: return "I/O error";
    case ConnParseError: return "XML parse error";
    case ConnConnectionRefused: return "connection refused";
    case ConnDnsError: return "DNS error";
    case ConnOutOfMemory: return "out of memory";
    case ConnNoSupportedAuth: return "no supported auth mechanism";
    case ConnTlsFailed: return "TLS failed";
    case ConnTlsNotAvailable: return "TLS not available";
    case ConnCompressionFailed: return "compression failed";
    case ConnAuthenticationFailed: return "authentication failed";
    case ConnUserDisconnected: return "user disconnected";
    case ConnNotConnected: return "not connected";
  }
  return "unknown";
}

class Driver : public ConnectionListener,
               public MessageHandler,
               public PresenceHandler,
               public SubscriptionHandler,
               public RosterListener,
               public DiscoHandler,
               public IqHandler,
               public LogHandler {
 public:
  explicit Driver(const driver_args& args) : args_(args) {}

  // Run connects and reads until gloox reports the connection ended; prints
  // "closed" once. Returns the exit status (0).
  int Run() {
    JID jid(args_.jid);
    if (args_.resource != nullptr) jid.setResource(args_.resource);
    client_ = std::make_unique<Client>(jid, args_.password);
    // An explicit host and port: gloox's own TCP connection to --host:--port
    // (no SRV lookup); the stream's server, and the name TLS checks, stay the
    // JID's domain.
    client_->setConnectionImpl(
        new ConnectionTCPClient(client_.get(), client_->logInstance(), args_.host, args_.port));
    client_->registerConnectionListener(this);
    client_->registerMessageHandler(this);
    client_->registerPresenceHandler(this);
    client_->registerSubscriptionHandler(this);
    client_->rosterManager()->registerRosterListener(this);
    // XEP-0280, as carbons.h documents it.
    client_->registerStanzaExtension(new Forward());
    client_->registerStanzaExtension(new Carbons());
    if (getenv("XMPPFUZZ_DRIVER_DEBUG") != nullptr)
      client_->logInstance().registerLogHandler(LogLevelDebug, LogAreaAll, this);

    ConnectionError ce = ConnNoError;
    if (client_->connect(false)) {
      while (ce == ConnNoError) ce = client_->recv();
    } else {
      ce = ConnNotConnected;
    }
    Closed(ce);
    client_.reset();
    return 0;
  }

  // ConnectionListener
  void onConnect() override {
    Emit("online", "jid", client_->jid().full());
    // Initial presence: gloox sends the client's presence (available) itself
    // once the session is up, and fetches the roster (RosterManager).
    client_->disco()->getDiscoInfo(JID(args_.iq_to), "", this, kDiscoContext);
  }
  void onDisconnect(ConnectionError e) override {
    if (e == ConnAuthenticationFailed)
      Emit("auth-failed", "text",
           "gloox AuthenticationError " + std::to_string(client_->authError()));
    else if (e == ConnTlsFailed)
      Emit("tls-error", "text", "gloox: TLS handshake failed or certificate refused");
    Closed(e);
  }
  void onStreamEvent(StreamEvent event) override {
    // gloox binds a resource only after SASL succeeded; it does not tell the
    // application which mechanism it used.
    if (event == StreamEventResourceBinding && !authenticated_) {
      authenticated_ = true;
      driver_emit("authenticated", "mechanism", static_cast<const char*>(nullptr),
                  static_cast<const char*>(nullptr));
    }
  }
  // As gloox's examples do: print the certificate information and accept it
  // (return true). The verification result is reported in "certificate".
  bool onTLSConnect(const CertInfo& info) override {
    driver_emit("tls", "certificate", CertStatusText(info.status).c_str(), "protocol",
                info.protocol.c_str(), "cipher", info.cipher.c_str(), "peer",
                info.server.c_str(), static_cast<const char*>(nullptr));
    return true;
  }
  void onResourceBindError(const Error* error) override {
    Emit("error", "text", "resource bind error" + ErrorText(error));
  }
  void onSessionCreateError(const Error* error) override {
    Emit("error", "text", "session create error" + ErrorText(error));
  }

  // MessageHandler: every message, carbons unwrapped as carbons.h shows.
  void handleMessage(const Message& msg, MessageSession*) override {
    EmitTag("stanza", nullptr, msg);
    if (!msg.hasEmbeddedStanza()) return;
    const Carbons* carbon = msg.findExtension<const Carbons>(ExtCarbons);
    if (carbon == nullptr || carbon->embeddedStanza() == nullptr) return;
    const auto* inner = static_cast<const Message*>(carbon->embeddedStanza());
    EmitTag("carbon", carbon->type() == Carbons::Sent ? "sent" : "received", *inner);
  }
  // PresenceHandler / SubscriptionHandler: every presence.
  void handlePresence(const Presence& presence) override { EmitTag("stanza", nullptr, presence); }
  void handleSubscription(const Subscription& s10n) override { EmitTag("stanza", nullptr, s10n); }

  // RosterListener: what RosterManager put into its roster.
  void handleRoster(const Roster& roster) override {
    for (const auto& entry : roster) EmitRosterItem(entry.second);
  }
  void handleItemAdded(const JID& jid) override { EmitRosterJid(jid); }
  void handleItemSubscribed(const JID& jid) override { EmitRosterJid(jid); }
  void handleItemUpdated(const JID& jid) override { EmitRosterJid(jid); }
  void handleItemUnsubscribed(const JID& jid) override { EmitRosterJid(jid); }
  void handleItemRemoved(const JID& jid) override {
    driver_emit("roster", "jid", jid.bare().c_str(), "subscription", "remove",
                static_cast<const char*>(nullptr));
  }
  void handleRosterPresence(const RosterItem&, const std::string&, Presence::PresenceType,
                            const std::string&) override {}
  void handleSelfPresence(const RosterItem&, const std::string&, Presence::PresenceType,
                          const std::string&) override {}
  // Subscription requests: neither approved nor denied (returning false).
  bool handleSubscriptionRequest(const JID&, const std::string&) override { return false; }
  bool handleUnsubscriptionRequest(const JID&, const std::string&) override { return false; }
  void handleNonrosterPresence(const Presence&) override {}
  void handleRosterError(const IQ& iq) override {
    Emit("error", "text", "roster error from " + iq.from().full());
  }

  // DiscoHandler: the reply Disco matched to the disco#info get.
  void handleDiscoInfo(const JID& from, const Disco::Info& info, int context) override {
    if (context != kDiscoContext) return;
    driver_emit("iq-result", "type", "result", "from", from.full().c_str(),
                static_cast<const char*>(nullptr));
    // carbons.h: enable Message Carbons when the server lists the feature.
    if (info.hasFeature(XMLNS_MESSAGE_CARBONS)) {
      IQ iq(IQ::Set, JID());
      iq.addExtension(new Carbons(Carbons::Enable));
      client_->send(iq, this, kCarbonsContext);
    }
  }
  void handleDiscoItems(const JID&, const Disco::Items&, int) override {}
  void handleDiscoError(const JID& from, const Error*, int context) override {
    if (context != kDiscoContext) return;
    driver_emit("iq-result", "type", "error", "from", from.full().c_str(),
                static_cast<const char*>(nullptr));
  }

  // IqHandler: the reply to the carbons enable request.
  bool handleIq(const IQ&) override { return false; }
  void handleIqID(const IQ& iq, int context) override {
    if (context == kCarbonsContext && iq.subtype() == IQ::Error)
      Emit("error", "text", "carbons enable refused by " + iq.from().full());
  }

  // LogHandler (XMPPFUZZ_DRIVER_DEBUG only): gloox's log on stderr.
  void handleLog(LogLevel, LogArea, const std::string& message) override {
    std::fprintf(stderr, "gloox: %s\n", message.c_str());
  }

 private:
  static constexpr int kDiscoContext = 1;
  static constexpr int kCarbonsContext = 2;

  static std::string ErrorText(const Error* error) {
    return error != nullptr ? " " + std::to_string(error->error()) : std::string();
  }

  void EmitRosterItem(const RosterItem* item) {
    if (item == nullptr) return;
    driver_emit("roster", "jid", item->jidJID().bare().c_str(), "subscription",
                SubscriptionName(item->subscription()), static_cast<const char*>(nullptr));
  }
  void EmitRosterJid(const JID& jid) {
    EmitRosterItem(client_->rosterManager()->getRosterItem(jid));
  }

  void Closed(ConnectionError e) {
    if (closed_) return;
    closed_ = true;
    std::string text = ConnectionErrorName(e);
    if (e == ConnStreamError) {
      text += " " + std::to_string(client_->streamError());
      const std::string& detail = client_->streamErrorText();
      if (!detail.empty()) text += ": " + detail;
    }
    Emit("closed", "text", text);
  }

  const driver_args& args_;
  std::unique_ptr<Client> client_;
  bool authenticated_ = false;
  bool closed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  driver_args args;
  driver_parse_args(argc, argv, &args);
  driver_emit("start", "library", "gloox", "version", DRIVER_LIBRARY_VERSION,
              static_cast<const char*>(nullptr));
  Driver driver(args);
  return driver.Run();
}
