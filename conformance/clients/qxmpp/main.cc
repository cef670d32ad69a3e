// xmppfuzz-client-qxmpp — the client driver (see
// conformance/clients/qxmpp/README.md) for QXmpp (Qt 5): one QXmppClient
// with a default QXmppConfiguration (only host, port, JID, password and
// resource set), reported as JSON lines.
#include <QBuffer>
#include <QCoreApplication>
#include <QObject>
#include <QSslError>
#include <QTimer>
#include <QXmlStreamWriter>

#include <QXmppCarbonManager.h>
#include <QXmppClient.h>
#include <QXmppConfiguration.h>
#include <QXmppDiscoveryIq.h>
#include <QXmppDiscoveryManager.h>
#include <QXmppGlobal.h>
#include <QXmppIq.h>
#include <QXmppLogger.h>
#include <QXmppMessage.h>
#include <QXmppPresence.h>
#include <QXmppRosterIq.h>
#include <QXmppRosterManager.h>

#include <cstdio>
#include <string>

#include "conformance/clients/common/driver_common.h"

namespace {

constexpr const char* kEnd = nullptr;

std::string Utf8(const QString& s) { return s.toUtf8().toStdString(); }

// Xml serialises a stanza as QXmpp does (QXmppStanza::toXml).
template <typename Stanza>
QByteArray Xml(const Stanza& stanza) {
  QByteArray out;
  QBuffer buffer(&out);
  buffer.open(QIODevice::WriteOnly);
  QXmlStreamWriter writer(&buffer);
  stanza.toXml(&writer);
  buffer.close();
  return out;
}

template <typename Stanza>
void EmitStanza(const Stanza& stanza) {
  const QByteArray xml = Xml(stanza);
  driver_emit_stanza(xml.constData(), static_cast<size_t>(xml.size()));
}

const char* IqTypeName(QXmppIq::Type type) {
  switch (type) {
    case QXmppIq::Error: return "error";
    case QXmppIq::Get: return "get";
    case QXmppIq::Set: return "set";
    case QXmppIq::Result: return "result";
  }
  return "unknown";
}

const char* SubscriptionName(QXmppRosterIq::Item::SubscriptionType s) {
  switch (s) {
    case QXmppRosterIq::Item::NotSet: return "";
    case QXmppRosterIq::Item::None: return "none";
    case QXmppRosterIq::Item::Both: return "both";
    case QXmppRosterIq::Item::From: return "from";
    case QXmppRosterIq::Item::To: return "to";
    case QXmppRosterIq::Item::Remove: return "remove";
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  driver_args args;
  driver_parse_args(argc, argv, &args);
  driver_emit("start", "library", "qxmpp", "version", Utf8(QString(QXmppVersion())).c_str(), kEnd);

  QCoreApplication app(argc, argv);
  QXmppClient client;  // comes with QXmpp's default managers (roster, disco, ...)
  auto* carbons = new QXmppCarbonManager;
  client.addExtension(carbons);  // XEP-0280, owned by the client
  auto* roster = client.findExtension<QXmppRosterManager>();
  auto* disco = client.findExtension<QXmppDiscoveryManager>();

  if (getenv("XMPPFUZZ_DRIVER_DEBUG") != nullptr) {
    auto* logger = new QXmppLogger(&app);
    logger->setLoggingType(QXmppLogger::SignalLogging);
    QObject::connect(logger, &QXmppLogger::message,
                     [](QXmppLogger::MessageType, const QString& text) {
                       std::fprintf(stderr, "qxmpp: %s\n", text.toUtf8().constData());
                     });
    client.setLogger(logger);
  }

  bool closed = false;
  bool online = false;
  QString last_error;
  QString disco_id;
  auto close = [&](const QString& text) {
    if (closed) return;
    closed = true;
    driver_emit("closed", "text", Utf8(text).c_str(), kEnd);
    // QXmpp's default is to reconnect; the driver ends with the connection.
    QTimer::singleShot(0, &app, &QCoreApplication::quit);
  };

  QObject::connect(&client, &QXmppClient::connected, [&] {
    // QXmpp emits connected() after TLS, SASL, bind and session; it does not
    // report which mechanism it used.
    online = true;
    driver_emit("authenticated", "mechanism", kEnd, kEnd);
    driver_emit("online", "jid", Utf8(client.configuration().jid()).c_str(), kEnd);
    carbons->setCarbonsEnabled(true);
    disco_id = disco->requestInfo(QString::fromUtf8(args.iq_to));
  });
  QObject::connect(&client, &QXmppClient::sslErrors, [&](const QList<QSslError>& errors) {
    QString text;
    for (const auto& e : errors) text += (text.isEmpty() ? "" : "; ") + e.errorString();
    // Whether QXmpp goes on depends on QXmppConfiguration::ignoreSslErrors.
    driver_emit(client.configuration().ignoreSslErrors() ? "tls" : "tls-error",
                client.configuration().ignoreSslErrors() ? "certificate" : "text",
                Utf8(text).c_str(), kEnd);
  });
  QObject::connect(&client, &QXmppClient::error, [&](QXmppClient::Error error) {
    QString text;
    switch (error) {
      case QXmppClient::SocketError: text = "socket error: " + client.socketErrorString(); break;
      case QXmppClient::KeepAliveError: text = "keep-alive timeout"; break;
      case QXmppClient::XmppStreamError:
        text = "XMPP stream error " + QString::number(int(client.xmppStreamError()));
        // QXmpp reports a SASL <failure/> this way, as not-authorized.
        if (!online && client.xmppStreamError() == QXmppStanza::Error::NotAuthorized) {
          driver_emit("auth-failed", "text", "not-authorized", kEnd);
          text += " (not-authorized)";
        }
        break;
      case QXmppClient::NoError: text = "no error"; break;
    }
    close(text);
  });
  QObject::connect(&client, &QXmppClient::disconnected, [&] { close("disconnected"); });

  QObject::connect(&client, &QXmppClient::messageReceived,
                   [](const QXmppMessage& m) { EmitStanza(m); });
  QObject::connect(&client, &QXmppClient::presenceReceived,
                   [](const QXmppPresence& p) { EmitStanza(p); });
  QObject::connect(&client, &QXmppClient::iqReceived, [&](const QXmppIq& iq) {
    EmitStanza(iq);
    if (!disco_id.isEmpty() && iq.id() == disco_id) {  // an error reply QXmpp did not parse
      driver_emit("iq-result", "type", IqTypeName(iq.type()), "from", Utf8(iq.from()).c_str(),
                  kEnd);
      disco_id.clear();
    }
  });
  QObject::connect(disco, &QXmppDiscoveryManager::infoReceived, [&](const QXmppDiscoveryIq& iq) {
    EmitStanza(iq);
    if (!disco_id.isEmpty() && iq.id() == disco_id) {
      driver_emit("iq-result", "type", IqTypeName(iq.type()), "from", Utf8(iq.from()).c_str(),
                  kEnd);
      disco_id.clear();
    }
  });
  QObject::connect(carbons, &QXmppCarbonManager::messageReceived, [](const QXmppMessage& m) {
    const QByteArray xml = Xml(m);
    driver_emit("carbon", "direction", "received", "xml", xml.constData(), kEnd);
  });
  QObject::connect(carbons, &QXmppCarbonManager::messageSent, [](const QXmppMessage& m) {
    const QByteArray xml = Xml(m);
    driver_emit("carbon", "direction", "sent", "xml", xml.constData(), kEnd);
  });
  auto emit_roster_item = [roster](const QString& bare_jid) {
    const QXmppRosterIq::Item item = roster->getRosterEntry(bare_jid);
    driver_emit("roster", "jid", Utf8(bare_jid).c_str(), "subscription",
                SubscriptionName(item.subscriptionType()), kEnd);
  };
  QObject::connect(roster, &QXmppRosterManager::rosterReceived, [roster, emit_roster_item] {
    for (const QString& jid : roster->getRosterBareJids()) emit_roster_item(jid);
  });
  QObject::connect(roster, &QXmppRosterManager::itemAdded, emit_roster_item);
  QObject::connect(roster, &QXmppRosterManager::itemChanged, emit_roster_item);
  QObject::connect(roster, &QXmppRosterManager::itemRemoved, [](const QString& bare_jid) {
    driver_emit("roster", "jid", Utf8(bare_jid).c_str(), "subscription", "remove", kEnd);
  });

  // A default configuration: only where to connect and who we are. Host and
  // port given, QXmpp connects there (no SRV lookup); the JID's domain stays
  // the stream's domain.
  QXmppConfiguration config;
  config.setJid(QString::fromUtf8(args.jid));
  config.setPassword(QString::fromUtf8(args.password));
  if (args.resource != nullptr) config.setResource(QString::fromUtf8(args.resource));
  config.setHost(QString::fromUtf8(args.host));
  config.setPort(args.port);
  client.connectToServer(config);  // initial presence: QXmpp's default (available)
  app.exec();
  if (!closed) driver_emit("closed", "text", "event loop ended", kEnd);
  return 0;
}
