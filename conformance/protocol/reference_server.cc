#include "conformance/protocol/reference_server.h"

#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <algorithm>

#include "targets/sasl/sasl.h"
#include "targets/stream/stream.h"
#include "targets/tls/tls.h"
#include "tests/tls/cert_builder.h"

namespace xmppfuzz::protocol {
namespace {

namespace tt = tls::testing;

constexpr std::string_view kBindNs = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view kPingNs = "urn:xmpp:ping";

// Pki is the process's CA and one leaf per domain, issued at run time with a
// validity around the current time (nothing is read from disk).
struct Pki {
  std::mutex mu;
  tt::Issued ca;
  std::map<std::string, tt::Issued> leaves;
};

Pki& ThePki() {
  static Pki* pki = [] {
    auto* p = new Pki;
    tt::CertSpec spec = tt::CaSpec("xmppfuzz reference server CA");
    spec.not_before = static_cast<int64_t>(time(nullptr)) - 3600;
    spec.not_after = static_cast<int64_t>(time(nullptr)) + 2 * tt::kDay;
    p->ca = tt::Issue(spec, nullptr);
    return p;
  }();
  return *pki;
}

const tt::Issued& LeafFor(const std::string& domain) {
  Pki& pki = ThePki();
  std::lock_guard<std::mutex> lock(pki.mu);
  auto it = pki.leaves.find(domain);
  if (it != pki.leaves.end()) return it->second;
  tt::CertSpec spec = tt::LeafSpec({tt::Dns(domain)});
  spec.not_before = static_cast<int64_t>(time(nullptr)) - 3600;
  spec.not_after = static_cast<int64_t>(time(nullptr)) + tt::kDay;
  spec.serial = static_cast<long>(pki.leaves.size()) + 2;
  return pki.leaves.emplace(domain, tt::Issue(spec, &pki.ca)).first->second;
}

std::string StreamErrorBytes(std::string_view condition) {
  return "<stream:error><" + std::string(condition) +
         " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";
}

std::string SaslFailure(sasl::Condition c) {
  return "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><" + std::string(sasl::ErrorName(c)) +
         "/></failure>";
}

std::string SaslData(std::string_view element, const std::string& data) {
  std::string b64 = sasl::Base64Encode(data);
  return "<" + std::string(element) + " xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + (b64.empty() ? "=" : b64) +
         "</" + std::string(element) + ">";
}

// XmlEscape escapes an attribute value or text the server echoes (an iq id).
std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

struct ReferenceServer::Impl {
  ReferenceConfig config;
  State state = State::kPlaintext;
  tls::StarttlsServer starttls;
  std::unique_ptr<tls::Session> session;
  std::unique_ptr<stream::Parser> parser;
  std::string out;  // bytes for the client
  bool closed = false;
  bool authenticated = false;
  bool bound = false;
  // SASL state.
  std::map<sasl::Hash, sasl::StoredCredentials> credentials;
  sasl::ServerPolicy policy;
  sasl::Offer advertised;
  std::vector<sasl::ChannelBinding> bindings;
  std::unique_ptr<sasl::ScramServer> scram;
  bool scram_final_sent = false;

  explicit Impl(ReferenceConfig c)
      : config(std::move(c)),
        starttls(tls::StarttlsConfig{true, config.domain, "xmppfuzz", config.backend}) {
    const std::string salt = "xmppfuzz-reference-salt";
    for (sasl::Hash h : {sasl::Hash::kSha1, sasl::Hash::kSha256, sasl::Hash::kSha512}) {
      auto cred = sasl::DeriveCredentials(h, config.password, salt, sasl::kMinIterations);
      if (cred) credentials[h] = *cred;
    }
    if (config.direct_tls) StartTls();
  }

  // ---- plaintext: the STARTTLS policy

  void OnPlaintext(std::string_view bytes) {
    tls::StarttlsWait w = starttls.Feed(bytes);
    std::string reply = starttls.output();
    if (config.faults.plain_before_tls) {
      const std::string end = "</starttls></stream:features>";
      size_t at = reply.find(end);
      if (at != std::string::npos) {
        reply.insert(at + 11,
                     "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>");
      }
    }
    out += reply;
    if (w == tls::StarttlsWait::kStartTls) {
      StartTls();
    } else if (w == tls::StarttlsWait::kFailed) {
      Close();
    }
  }

  void StartTls() {
    const tt::Issued& leaf = LeafFor(config.domain);
    tls::SessionConfig sc;
    sc.role = tls::Role::kServer;
    sc.reference_domain = config.domain;
    sc.certificate = leaf.cert.get();
    sc.private_key = leaf.key.get();
    sc.alpn = {"xmpp-client"};
    tls::Failure f;
    session = tls::Session::Create(sc, &f);
    if (!session) {
      Close();
      return;
    }
    state = State::kHandshake;
  }

  // ---- TLS handshake

  void OnHandshake(std::string_view bytes) {
    if (!session->Feed(bytes)) {
      out += session->TakeOutput();
      Close();
      return;
    }
    tls::Progress p = session->Handshake();
    out += session->TakeOutput();
    if (p == tls::Progress::kFailed) {
      Close();
      return;
    }
    if (p != tls::Progress::kDone && !session->established()) return;
    state = State::kTlsStream;
    PrepareSasl();
    NewParser(false);
    OnTlsData({});  // application data that came with the client's last flight
  }

  void PrepareSasl() {
    policy = sasl::ServerPolicy{};
    policy.tls = true;
    std::vector<sasl::CbType> types;
    for (auto t : {tls::ChannelBindingType::kTlsExporter, tls::ChannelBindingType::kTlsServerEndPoint,
                   tls::ChannelBindingType::kTlsUnique}) {
      std::string data;
      if (!session->ChannelBinding(t, &data).ok()) continue;
      auto cb = static_cast<sasl::CbType>(t);
      types.push_back(cb);
      bindings.push_back(sasl::ChannelBinding{cb, data});
    }
    policy.channel_bindings = types;
    advertised = sasl::OfferFor(policy);
    if (config.faults.tls_unique_on_tls13 && session->version() == 0x0304 && advertised.channel_bindings) {
      advertised.channel_bindings->push_back("tls-unique");
    }
  }

  void NewParser(bool authenticated_stream) {
    stream::Options o;
    o.backend = config.backend;
    o.side = stream::Side::kServer;
    o.authenticated = authenticated_stream;
    parser = std::make_unique<stream::Parser>(o);
  }

  // ---- inside TLS: the restarted stream

  void OnTlsBytes(std::string_view bytes) {
    if (!session->Feed(bytes)) {
      out += session->TakeOutput();
      Close();
      return;
    }
    OnTlsData({});
  }

  void OnTlsData(std::string_view) {
    std::string plain;
    tls::Progress p = session->Read(&plain);
    if (!plain.empty()) {
      parser->Feed(plain);
      for (stream::Event& e : parser->TakeEvents()) {
        if (closed) break;
        OnEvent(e);
      }
    }
    if (!closed && (p == tls::Progress::kDone || p == tls::Progress::kFailed)) Close();
    if (session) out += session->TakeOutput();
  }

  void Send(std::string_view bytes) {
    if (session && session->established()) {
      session->Write(bytes);
      out += session->TakeOutput();
    } else {
      out += bytes;
    }
  }

  std::string Features() {
    std::string f = "<stream:features>";
    if (!authenticated) {
      std::vector<std::string> mechs = advertised.mechanisms;
      if (auto e = sasl::BuildMechanismsFeature(mechs)) f += xml::Canonical(*e);
      if (advertised.channel_bindings) {
        if (auto e = sasl::BuildChannelBindingFeature(*advertised.channel_bindings)) f += xml::Canonical(*e);
      }
    } else {
      f += "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>";
    }
    return f + "</stream:features>";
  }

  void OnEvent(const stream::Event& e) {
    switch (e.kind) {
      case stream::Event::Kind::kStreamOpen:
        Send(stream::ServerHeader(config.domain, "xmppfuzz-tls") + Features());
        return;
      case stream::Event::Kind::kStreamClose:
        Send("</stream:stream>");
        Close();
        return;
      case stream::Event::Kind::kError:
        Send(StreamErrorBytes(xml::ConditionName(e.error.condition)));
        Close();
        return;
      case stream::Event::Kind::kStanza:
        OnElement(e.element);
        return;
    }
  }

  void OnElement(const xml::Element& e) {
    if (e.ns == stream::kTlsNs && e.name == "starttls") {
      // RFC 6120 5.4.3.1: STARTTLS is not offered once TLS is up; a second
      // <starttls/> gets <failure/> and the stream is closed (5.4.2.2).
      if (config.faults.accept_second_starttls) {
        Send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        return;
      }
      Send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
      Close();
      return;
    }
    if (e.ns == stream::kSaslNs) {
      OnSasl(e);
      return;
    }
    if (e.name == "iq" && authenticated) {
      OnIq(e);
      return;
    }
    // Presence and messages: nothing to route on a one-account server.
  }

  void OnSasl(const xml::Element& e) {
    if (authenticated) {
      Send(StreamErrorBytes("policy-violation"));  // RFC 6120 6.4.6: no SASL after success
      Close();
      return;
    }
    sasl::SaslElement el;
    sasl::Failure f;
    if (!sasl::ParseElement(e, &el, &f)) {
      scram.reset();
      Send(SaslFailure(sasl::ConditionFor(f.code)));
      return;
    }
    if (el.kind == sasl::ElementKind::kAbort) {
      scram.reset();
      Send(SaslFailure(sasl::Condition::kAborted));
      return;
    }
    if (config.faults.sasl_always_succeeds && el.kind == sasl::ElementKind::kAuth) {
      Succeed("");
      return;
    }
    if (el.kind == sasl::ElementKind::kAuth) {
      OnAuth(el);
      return;
    }
    if (el.kind == sasl::ElementKind::kResponse && scram) {
      OnScramMessage(el.data.value_or(""));
      return;
    }
    Send(SaslFailure(sasl::Condition::kMalformedRequest));
  }

  sasl::CredentialLookup Lookup() {
    return [this](std::string_view username, sasl::Hash h) -> std::optional<sasl::StoredCredentials> {
      if (username != config.user) return std::nullopt;
      auto it = credentials.find(h);
      if (it == credentials.end()) return std::nullopt;
      return it->second;
    };
  }

  sasl::Authorize Authorizer() {
    return [this](std::string_view authzid, std::string_view username) {
      return username == config.user && authzid == config.user + "@" + config.domain;
    };
  }

  void OnAuth(const sasl::SaslElement& el) {
    scram.reset();
    sasl::Mechanism m;
    sasl::Failure f;
    if (!sasl::ServerAccepts(policy, el.mechanism, &m, &f)) {
      Send(SaslFailure(sasl::ConditionFor(f.code)));
      return;
    }
    if (m == sasl::Mechanism::kPlain) {
      if (!el.data) {
        Send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        return;  // the response comes as PLAIN data; not kept: refused as malformed
      }
      sasl::PlainMessage pm;
      if (!sasl::VerifyPlain(*el.data, nullptr, Lookup(), Authorizer(), &pm, &f)) {
        Send(SaslFailure(sasl::ConditionFor(f.code)));
        return;
      }
      Succeed("");
      return;
    }
    sasl::ScramServerConfig sc;
    sc.mechanism = m;
    sc.lookup = Lookup();
    sc.offers_plus = std::any_of(advertised.mechanisms.begin(), advertised.mechanisms.end(),
                                 [](const std::string& n) { return n.size() > 5 && n.substr(n.size() - 5) == "-PLUS"; });
    sc.channel_bindings = bindings;
    sc.offer = advertised;
    sc.authorize = Authorizer();
    scram = std::make_unique<sasl::ScramServer>(sc);
    scram_final_sent = false;
    scram->Step();
    if (!el.data) {
      Send("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</challenge>");
      return;
    }
    OnScramMessage(*el.data);
  }

  void OnScramMessage(const std::string& message) {
    sasl::Wait w = scram->Step(message);
    while (w == sasl::Wait::kSend) {
      std::string msg = scram->output();
      w = scram->Step();
      if (w == sasl::Wait::kSuccess) {
        Succeed(msg);
        return;
      }
      Send(SaslData("challenge", msg));
    }
    if (w == sasl::Wait::kFailure) {
      sasl::Condition c = sasl::ConditionFor(scram->failure().code);
      scram.reset();
      Send(SaslFailure(c));
    }
  }

  void Succeed(std::string server_final) {
    scram.reset();
    if (config.faults.wrong_server_signature && server_final.size() > 4) {
      server_final[3] = server_final[3] == 'A' ? 'B' : 'A';
    }
    Send(server_final.empty() ? "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                              : SaslData("success", server_final));
    authenticated = true;
    state = State::kAuthenticated;
    NewParser(true);  // RFC 6120 6.4.6: the stream restarts
  }

  void OnIq(const xml::Element& e) {
    const std::string* type = e.Attr("type");
    const std::string* id_attr = e.Attr("id");
    std::string id = id_attr ? XmlEscape(*id_attr) : "";
    if (type && (*type == "result" || *type == "error")) return;
    if (type && *type == "set" && e.FirstChild(kBindNs, "bind") && !bound) {
      bound = true;
      Send("<iq type='result' id='" + id + "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>" +
           XmlEscape(config.user + "@" + config.domain + "/xmppfuzz") + "</jid></bind></iq>");
      return;
    }
    if (type && *type == "get" && e.FirstChild(kPingNs, "ping")) {
      Send("<iq type='result' id='" + id + "' from='" + XmlEscape(config.domain) + "'/>");
      return;
    }
    Send("<iq type='error' id='" + id +
         "'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  }

  void Close() {
    if (closed) return;
    if (session) {
      session->Close();
      out += session->TakeOutput();
    }
    closed = true;
    state = State::kClosed;
  }
};

ReferenceServer::ReferenceServer(ReferenceConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
ReferenceServer::~ReferenceServer() = default;

void ReferenceServer::Feed(std::string_view bytes) {
  Impl& s = *impl_;
  if (s.closed) return;
  switch (s.state) {
    case State::kPlaintext: s.OnPlaintext(bytes); return;
    case State::kHandshake: s.OnHandshake(bytes); return;
    case State::kTlsStream:
    case State::kAuthenticated: s.OnTlsBytes(bytes); return;
    case State::kClosed: return;
  }
}

void ReferenceServer::FeedEof() {
  if (impl_->session) impl_->session->FeedEof();
  impl_->Close();
}

std::string ReferenceServer::TakeOutput() { return std::exchange(impl_->out, {}); }
bool ReferenceServer::closed() const { return impl_->closed; }
ReferenceServer::State ReferenceServer::state() const { return impl_->state; }

std::string_view StateName(ReferenceServer::State s) {
  switch (s) {
    case ReferenceServer::State::kPlaintext: return "plaintext";
    case ReferenceServer::State::kHandshake: return "handshake";
    case ReferenceServer::State::kTlsStream: return "tls-stream";
    case ReferenceServer::State::kAuthenticated: return "authenticated";
    case ReferenceServer::State::kClosed: return "closed";
  }
  return "?";
}

x509_st* ServerTrustAnchor() { return ThePki().ca.cert.get(); }

}  // namespace xmppfuzz::protocol
