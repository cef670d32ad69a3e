#include "conformance/protocol/executor.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>

#include "conformance/runner/oracle.h"
#include "targets/base/base.h"
#include "targets/sasl/sasl.h"
#include "targets/stream/stream.h"
#include "targets/tls/tls.h"

namespace xmppfuzz::protocol {
namespace {

using conform::Observation;
using conform::Outcome;

constexpr std::string_view kTlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kBindNs = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view kCbNs = "urn:xmpp:sasl-cb:0";
constexpr std::string_view kStanzasNs = "urn:ietf:params:xml:ns:xmpp-stanzas";
constexpr size_t kDetailCap = 600;  // bytes of one peer element quoted in the detail

std::string Esc(std::string_view s) { return base::EscapeBytes(s, kDetailCap); }

// ---- client TLS: our tls::Session, or a bare OpenSSL client for weak offers

class ClientTls {
 public:
  virtual ~ClientTls() = default;
  virtual bool Feed(std::string_view bytes) = 0;
  virtual std::string TakeOutput() = 0;
  // Handshake: 1 done, 0 wants more bytes, -1 failed (why()).
  virtual int Handshake() = 0;
  // Read: appends plaintext; false once the connection failed or closed.
  virtual bool Read(std::string* out) = 0;
  virtual bool Write(std::string_view data) = 0;
  virtual SSL* ssl() const = 0;
  virtual std::string why() const = 0;
};

class SessionTls final : public ClientTls {
 public:
  explicit SessionTls(std::unique_ptr<tls::Session> s) : s_(std::move(s)) {}
  bool Feed(std::string_view bytes) override { return s_->Feed(bytes); }
  std::string TakeOutput() override { return s_->TakeOutput(); }
  int Handshake() override {
    tls::Progress p = s_->Handshake();
    if (p == tls::Progress::kFailed) return -1;
    return s_->established() ? 1 : 0;
  }
  bool Read(std::string* out) override {
    tls::Progress p = s_->Read(out);
    return p != tls::Progress::kFailed && p != tls::Progress::kDone;
  }
  bool Write(std::string_view data) override { return s_->Write(data); }
  SSL* ssl() const override { return s_->ssl(); }
  std::string why() const override {
    return std::string(tls::ErrorName(s_->failure().code)) + (s_->detail().empty() ? "" : ": " + s_->detail());
  }

 private:
  std::unique_ptr<tls::Session> s_;
};

// RawTls is an OpenSSL client at security level 0 over memory BIOs, so a
// scenario can offer what our hardened Session never would (TLS 1.0, CBC
// suites, compression) and ask for renegotiation.
class RawTls final : public ClientTls {
 public:
  static std::unique_ptr<RawTls> Create(const Step& step, const std::string& domain, std::string* error) {
    auto t = std::unique_ptr<RawTls>(new RawTls);
    t->ctx_ = SSL_CTX_new(TLS_client_method());
    if (t->ctx_ == nullptr) return *error = "SSL_CTX_new failed", nullptr;
    SSL_CTX_set_security_level(t->ctx_, 0);
    auto version = [](const std::string& v) {
      return v == "1.0" ? TLS1_VERSION : v == "1.1" ? TLS1_1_VERSION : v == "1.2" ? TLS1_2_VERSION : TLS1_3_VERSION;
    };
    bool ok = SSL_CTX_set_min_proto_version(t->ctx_, version(step.Option("min", "1.0"))) == 1 &&
              SSL_CTX_set_max_proto_version(t->ctx_, version(step.Option("max", "1.3"))) == 1;
    ok = ok && SSL_CTX_set_cipher_list(t->ctx_, step.Option("ciphers", "ALL:@SECLEVEL=0").c_str()) == 1;
    if (step.Has("suites")) ok = ok && SSL_CTX_set_ciphersuites(t->ctx_, step.Option("suites").c_str()) == 1;
    if (step.Has("compression")) SSL_CTX_clear_options(t->ctx_, SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_verify(t->ctx_, SSL_VERIFY_NONE, nullptr);
    if (!ok) {
      ERR_clear_error();
      return *error = "this OpenSSL cannot make the offer (versions or suites unknown to it)", nullptr;
    }
    t->ssl_ = SSL_new(t->ctx_);
    t->rbio_ = BIO_new(BIO_s_mem());
    t->wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(t->rbio_, -1);
    SSL_set_bio(t->ssl_, t->rbio_, t->wbio_);
    SSL_set_tlsext_host_name(t->ssl_, domain.c_str());
    if (step.Has("alpn")) {
      std::string name = step.Option("alpn");
      std::string wire(1, static_cast<char>(name.size()));
      wire += name;
      SSL_set_alpn_protos(t->ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned>(wire.size()));
    }
    SSL_set_connect_state(t->ssl_);
    return t;
  }
  ~RawTls() override {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  bool Feed(std::string_view bytes) override {
    return bytes.empty() || BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) > 0;
  }
  std::string TakeOutput() override {
    std::string out;
    char buf[16384];
    int n;
    while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  int Handshake() override {
    int r = SSL_do_handshake(ssl_);
    if (r == 1) return 1;
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    Remember();
    return -1;
  }
  bool Read(std::string* out) override {
    char buf[16384];
    while (true) {
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        out->append(buf, static_cast<size_t>(n));
        continue;
      }
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
      Remember();
      return false;
    }
  }
  bool Write(std::string_view data) override {
    return data.empty() || SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0;
  }
  SSL* ssl() const override { return ssl_; }
  std::string why() const override { return why_; }

 private:
  RawTls() = default;
  void Remember() {
    unsigned long e = ERR_peek_last_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    why_ = e == 0 ? "the connection ended" : Esc(buf);
    ERR_clear_error();
  }
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  std::string why_;
};

// ---- what the server did

struct Seen {
  std::string token;  // as scenario outcomes spell it
  std::string arg;
  std::string detail;  // escaped, for the report
  std::optional<xml::Element> element;
  std::string Text() const { return arg.empty() ? token : token + " " + arg; }
};

bool Matches(const Step& step, const Seen& seen) {
  for (const Expect& e : step.expect) {
    // A features outcome carries the checks that failed: it matches only
    // without any.
    if (e.token == "features") {
      if (seen.token == "features" && seen.arg.empty()) return true;
      continue;
    }
    if (e.token == seen.token && (e.arg.empty() || e.arg == seen.arg)) return true;
  }
  return false;
}

// Classify names a top-level element the server sent.
Seen Classify(const xml::Element& e) {
  Seen s;
  s.detail = Esc(xml::Canonical(e));
  s.element = e;
  if (e.ns == xml::kStreamsNs && e.name == "error") {
    s.token = "stream-error";
    for (const xml::Node& n : e.children) {
      if (!n.is_text && n.element.ns == "urn:ietf:params:xml:ns:xmpp-streams" && n.element.name != "text") {
        s.arg = n.element.name;
        break;
      }
    }
  } else if (e.ns == xml::kStreamsNs && e.name == "features") {
    s.token = "features";
  } else if (e.ns == kTlsNs && e.name == "proceed") {
    s.token = "proceed";
  } else if (e.ns == kTlsNs && e.name == "failure") {
    s.token = "tls-failure";
  } else if (e.ns == kSaslNs && (e.name == "success" || e.name == "challenge")) {
    s.token = e.name;
  } else if (e.ns == kSaslNs && e.name == "failure") {
    s.token = "failure";
    for (const xml::Node& n : e.children) {
      if (!n.is_text && n.element.name != "text") {
        s.arg = n.element.name;
        break;
      }
    }
  } else if (e.name == "iq") {
    const std::string* type = e.Attr("type");
    if (type && *type == "result") {
      s.token = "result";
    } else if (type && *type == "error") {
      s.token = "iq-error";
      if (const xml::Element* err = e.FirstChild(e.ns, "error")) {
        for (const xml::Node& n : err->children) {
          if (!n.is_text && n.element.ns == kStanzasNs) {
            s.arg = n.element.name;
            break;
          }
        }
      }
    } else {
      s.token = "iq-" + (type ? *type : std::string("untyped"));
    }
  } else {
    s.token = "element";
    s.arg = e.name;
  }
  // Tokens and arguments go into outcome texts: keep them one plain word.
  auto plain = [](std::string& w) {
    for (char& c : w) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) c = '?';
    }
    if (w.size() > 64) w.resize(64);
  };
  plain(s.arg);
  return s;
}

// ---- SCRAM arithmetic (RFC 5802 section 3), with OpenSSL

using conform::oracle::Digest;
using conform::oracle::Hmac;
using conform::oracle::Xor;

std::string RandomNonce() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[24];
  RAND_bytes(raw, sizeof raw);
  std::string s;
  for (unsigned char c : raw) s += kAlphabet[c % 62];
  return s;
}

// Attr returns the value of attribute |key| in a SCRAM message, or nullopt.
std::optional<std::string> ScramAttr(std::string_view msg, char key) {
  size_t pos = 0;
  while (pos <= msg.size()) {
    size_t comma = msg.find(',', pos);
    std::string_view part = msg.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return std::string(part.substr(2));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return std::nullopt;
}

// ---- the client

struct Features {
  bool seen = false;
  bool starttls = false;
  bool starttls_required = false;
  bool bind = false;
  std::vector<std::string> mechanisms;
  std::optional<std::vector<std::string>> cb_types;
  bool Has(std::string_view m) const { return std::find(mechanisms.begin(), mechanisms.end(), m) != mechanisms.end(); }
};

Features ReadFeatures(const xml::Element& e) {
  Features f;
  f.seen = true;
  for (const xml::Node& n : e.children) {
    if (n.is_text) continue;
    const xml::Element& c = n.element;
    if (c.ns == kTlsNs && c.name == "starttls") {
      f.starttls = true;
      f.starttls_required = c.FirstChild(kTlsNs, "required") != nullptr;
    } else if (c.ns == kSaslNs && c.name == "mechanisms") {
      for (const xml::Node& m : c.children) {
        if (!m.is_text && m.element.name == "mechanism") f.mechanisms.push_back(m.element.Text());
      }
    } else if (c.ns == kCbNs && c.name == "sasl-channel-binding") {
      f.cb_types.emplace();
      for (const xml::Node& m : c.children) {
        if (m.is_text || m.element.name != "channel-binding") continue;
        const std::string* type = m.element.Attr("type");
        f.cb_types->push_back(type ? *type : "");
      }
    } else if (c.ns == kBindNs && c.name == "bind") {
      f.bind = true;
    }
  }
  return f;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? std::string(sep) : "") + v[i];
  return s;
}

class Client {
 public:
  Client(const Connector& connect, const ExecConfig& config)
      : connect_(connect), config_(config), deadline_(Clock::now() + std::chrono::milliseconds(config.deadline_ms)) {}

  // Run plays every step and fills |obs|.
  void Run(const Scenario& scenario, Observation* obs) {
    if (!Connect(&obs->broken)) return;
    for (size_t i = 0; i < scenario.steps.size(); ++i) {
      const Step& step = scenario.steps[i];
      std::string broken;
      std::string line = "step " + std::to_string(i + 1) + " (line " + std::to_string(step.line) + ") " +
                         std::string(VerbName(step.verb)) + (step.mechanism.empty() ? "" : " " + step.mechanism);
      if (step.verb == Verb::kReconnect) {
        Disconnect();
        if (!Connect(&obs->broken)) return;
        obs->detail += line + ": connected\n";
        continue;
      }
      if (step.verb == Verb::kIfOffered) {
        std::string missing = Guard(step);
        if (!missing.empty()) {
          obs->outcome.kind = Outcome::Kind::kNotOffered;
          obs->outcome.observed = missing;
          obs->detail += line + ": not offered (" + missing + "); the rest is not played\n";
          Disconnect();
          return;
        }
        obs->detail += line + ": offered\n";
        continue;
      }
      Seen seen = Play(step, &broken);
      if (!broken.empty()) {
        obs->broken = line + ": " + broken;
        Disconnect();
        return;
      }
      bool ok = Matches(step, seen);
      obs->detail += line + ": " + seen.Text() + (seen.detail.empty() ? "" : " [" + seen.detail + "]") +
                     (ok ? "" : "  <- expected " + ExpectText(step)) + "\n";
      if (!ok) {
        obs->outcome.kind = Outcome::Kind::kDeviates;
        obs->outcome.step = static_cast<int>(i + 1);
        obs->outcome.observed = seen.Text();
        Disconnect();
        return;
      }
    }
    obs->outcome.kind = Outcome::Kind::kConforms;
    Disconnect();
  }

 private:
  static std::string ExpectText(const Step& step) {
    std::string s;
    for (const Expect& e : step.expect) s += (s.empty() ? "" : " | ") + e.Text();
    if (!step.checks.empty()) s += " " + Join(step.checks, " ");
    return s;
  }

  Clock::time_point Wait(int ms = 0) const {
    return std::min(deadline_, Clock::now() + std::chrono::milliseconds(ms > 0 ? ms : config_.wait_ms));
  }

  bool Connect(std::string* broken) {
    std::string error;
    transport_ = connect_(Wait(), &error);
    if (!transport_) {
      *broken = "cannot connect: " + error;
      return false;
    }
    tls_.reset();
    parser_.reset();
    events_.clear();
    features_ = Features{};
    peer_closed_ = false;
    bytes_read_ = 0;
    tls_version_ = 0;
    NewParser();
    return true;
  }

  void Disconnect() {
    if (transport_) transport_->Shutdown();
    tls_.reset();
    transport_.reset();
  }

  void NewParser() {
    stream::Options o;
    o.side = stream::Side::kClient;
    o.authenticated = true;  // the server's limits, not a client's pre-auth ones
    parser_ = std::make_unique<stream::Parser>(o);
    events_.clear();
  }

  bool SendRaw(std::string_view bytes) {
    if (tls_) {
      if (!tls_->Write(bytes)) return false;
      return transport_->Write(tls_->TakeOutput(), Wait());
    }
    return transport_->Write(bytes, Wait());
  }

  // Pump reads once from the connection into the parser. Returns false on
  // a timeout (nothing came) or when the peer has closed.
  bool Pump(Clock::time_point until) {
    if (peer_closed_) return false;
    std::string in;
    ReadStatus r = transport_->Read(&in, config_.read_cap - std::min(bytes_read_, config_.read_cap), until);
    if (r == ReadStatus::kTimeout) return false;
    if (r == ReadStatus::kClosed) {
      peer_closed_ = true;
      return false;
    }
    bytes_read_ += in.size();
    std::string plain;
    if (tls_) {
      bool alive = tls_->Feed(in) && tls_->Read(&plain);
      std::string out = tls_->TakeOutput();
      if (!out.empty()) transport_->Write(out, Wait());
      if (!alive) peer_closed_ = true;
    } else {
      plain = std::move(in);
    }
    if (!plain.empty() && parser_) {
      parser_->Feed(plain);
      for (stream::Event& e : parser_->TakeEvents()) events_.push_back(std::move(e));
    }
    return true;
  }

  // Next is the next thing the server did: an element, its stream header
  // ("header"), the end of its stream, a refusal by our parser, or nothing
  // within |ms|.
  Seen Next(int ms = 0) {
    Clock::time_point until = Wait(ms);
    while (true) {
      if (!events_.empty()) {
        stream::Event e = std::move(events_.front());
        events_.pop_front();
        switch (e.kind) {
          case stream::Event::Kind::kStreamOpen: return Seen{"header", "", Esc(xml::CanonicalHeader(e.element, e.content_ns)), e.element};
          case stream::Event::Kind::kStanza: return Classify(e.element);
          case stream::Event::Kind::kStreamClose: return Seen{"closed", "", "</stream:stream>", std::nullopt};
          case stream::Event::Kind::kError:
            return Seen{"invalid-reply", std::string(xml::ConditionName(e.error.condition)), Esc(e.error.detail), std::nullopt};
        }
      }
      if (bytes_read_ >= config_.read_cap) return Seen{"flooded", "", "", std::nullopt};
      // Pump fails on a timeout (in process: nothing more will come now) or
      // once the server has closed; events it parsed on the way come first.
      if (!Pump(until) && events_.empty()) {
        return Seen{peer_closed_ ? "closed" : "no-reply", "", "", std::nullopt};
      }
    }
  }

  // NextStanzaReply is the reply to the iq |id|: presence, messages and
  // other iqs a server may push meanwhile are skipped (at most 64).
  Seen NextStanzaReply(std::string_view id) {
    for (int i = 0; i < 64; ++i) {
      Seen s = Next();
      if (s.element && (s.element->name == "presence" || s.element->name == "message")) continue;
      if (s.element && s.element->name == "iq") {
        const std::string* got = s.element->Attr("id");
        if (!got || *got != id) continue;
      }
      return s;
    }
    return Seen{"flooded", "", "more than 64 unrelated stanzas", std::nullopt};
  }

  // Substitute replaces placeholders in an option value (user=, authzid=).
  std::string Substitute(std::string data) const {
    std::string out, error;
    return DecodeStepBytes(data, Values(), &out, &error) ? out : data;
  }

  std::map<std::string, std::string> Values() const {
    std::string plain = std::string(1, '\0') + config_.user + std::string(1, '\0') + config_.password;
    return {{"plain", sasl::Base64Encode(plain)},
            {"jid", config_.user + "@" + config_.domain},
            {"user", config_.user},
            {"domain", config_.domain}};
  }

  std::string Guard(const Step& step) const {
    std::string mech = ResolveMechanism(step.mechanism);
    if (mech.empty() || !features_.Has(mech)) return step.mechanism;
    if (step.Has("cb")) {
      std::string cb = step.Option("cb");
      // Without an XEP-0440 list only the default type counts as offered.
      std::string fallback = tls_version_ == 0x0304 ? "tls-exporter" : "tls-unique";
      if (features_.cb_types ? std::find(features_.cb_types->begin(), features_.cb_types->end(), cb) ==
                                   features_.cb_types->end()
                             : cb != fallback) {
        return step.mechanism + " cb=" + cb;
      }
      std::string data;
      if (!tls_ || !tls::ChannelBinding(tls_->ssl(), static_cast<tls::ChannelBindingType>(*sasl::CbTypeFromName(cb)),
                                         &data).ok()) {
        return step.mechanism + " cb=" + cb + " (no such binding on this TLS connection)";
      }
    }
    return "";
  }

  // ResolveMechanism maps SCRAM / SCRAM-PLUS to the strongest such
  // mechanism the server offered; other names stand for themselves.
  std::string ResolveMechanism(const std::string& name) const {
    if (name != "SCRAM" && name != "SCRAM-PLUS") return name;
    bool plus = name == "SCRAM-PLUS";
    for (const char* m : {"SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1"}) {
      std::string n = std::string(m) + (plus ? "-PLUS" : "");
      if (features_.Has(n)) return n;
    }
    return "";
  }

  Seen Play(const Step& step, std::string* broken) {
    switch (step.verb) {
      case Verb::kOpen: return Open(step);
      case Verb::kSend:
        if (!SendRaw(Substitute(step.data))) return Seen{"closed", "", "the write failed", std::nullopt};
        return Next();
      case Verb::kStarttls: {
        std::string bytes = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + Substitute(step.data);
        if (!SendRaw(bytes)) return Seen{"closed", "", "the write failed", std::nullopt};
        return Next();
      }
      case Verb::kTls: return StartTls(step, broken);
      case Verb::kRenegotiate: return Renegotiate(broken);
      case Verb::kAuth: return Auth(step, broken);
      case Verb::kBind:
        if (!SendRaw("<iq type='set' id='xmppfuzz-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     "<resource>xmppfuzz</resource></bind></iq>")) {
          return Seen{"closed", "", "the write failed", std::nullopt};
        }
        return NextStanzaReply("xmppfuzz-bind");
      case Verb::kPing:
        if (!SendRaw("<iq type='get' id='xmppfuzz-ping' to='" + config_.domain + "'><ping xmlns='urn:xmpp:ping'/></iq>")) {
          return Seen{"closed", "", "the write failed", std::nullopt};
        }
        return NextStanzaReply("xmppfuzz-ping");
      case Verb::kWait: {
        int ms = step.Has("ms") ? std::stoi(step.Option("ms")) : config_.wait_ms;
        return Next(ms);
      }
      case Verb::kGrade: return Grade();
      case Verb::kCertificate: return Certificate(broken);
      case Verb::kReconnect:
      case Verb::kIfOffered: break;
    }
    *broken = "not a playable step";
    return Seen{};
  }

  Seen Open(const Step& step) {
    NewParser();
    if (!SendRaw(stream::ClientHeader(config_.domain))) return Seen{"closed", "", "the write failed", std::nullopt};
    Seen header = Next();
    if (header.token != "header") return header;
    Seen s = Next();
    if (s.token != "features") return s;
    features_ = ReadFeatures(*s.element);
    std::vector<std::string> failed;
    for (const std::string& c : step.checks) {
      if (!Check(c)) failed.push_back("!" + c);
    }
    std::string summary = "starttls=" + std::string(features_.starttls ? (features_.starttls_required ? "required" : "offered") : "no") +
                          " mechanisms=" + Join(features_.mechanisms, ",") +
                          (features_.cb_types ? " cb-types=" + Join(*features_.cb_types, ",") : "") +
                          (features_.bind ? " bind" : "");
    s.detail = Esc(summary);
    if (!failed.empty()) s.arg = Join(failed, " ");
    return s;
  }

  bool CbTypeExists(const std::string& type) const {
    if (type == "tls-unique") return tls_version_ != 0 && tls_version_ < 0x0304;
    if (type == "tls-exporter") return tls_version_ == 0x0304 || (tls_ && SSL_get_extms_support(tls_->ssl()) == 1);
    return type == "tls-server-end-point";
  }

  bool OffersPlus() const {
    return std::any_of(features_.mechanisms.begin(), features_.mechanisms.end(),
                       [](const std::string& m) { return m.size() > 5 && m.substr(m.size() - 5) == "-PLUS"; });
  }

  bool Check(const std::string& c) const {
    const Features& f = features_;
    if (c == "starttls") return f.starttls;
    if (c == "starttls-required") return f.starttls && f.starttls_required;
    if (c == "no-starttls") return !f.starttls;
    if (c == "mechanisms") return !f.mechanisms.empty();
    if (c == "no-mechanisms") return f.mechanisms.empty();
    if (c == "bind") return f.bind;
    if (c == "cb-listed") return f.cb_types.has_value() || !OffersPlus();
    if (c.rfind("has=", 0) == 0) return f.Has(c.substr(4));
    if (c.rfind("lacks=", 0) == 0) return !f.Has(c.substr(6));
    if (c == "no-weak") {
      for (const std::string& m : f.mechanisms) {
        if (sasl::IsWeakMechanismName(m) || (m == "PLAIN" && !tls_)) return false;
      }
      return true;
    }
    if (c == "plus-valid") {
      if (!OffersPlus()) return true;
      if (!tls_) return false;  // nothing to bind to
      if (!f.cb_types) return true;
      return std::any_of(f.cb_types->begin(), f.cb_types->end(), [&](const std::string& t) { return CbTypeExists(t); });
    }
    if (c == "cb-valid") {
      if (!f.cb_types) return true;
      return std::all_of(f.cb_types->begin(), f.cb_types->end(), [&](const std::string& t) {
        return !sasl::CbTypeFromName(t) || CbTypeExists(t);
      });
    }
    return false;
  }

  // HandshakeOn drives |t| over the connection until done, failed or timed out.
  Seen HandshakeOn(ClientTls* t) {
    while (true) {
      int r = t->Handshake();
      std::string out = t->TakeOutput();
      if (!out.empty() && !transport_->Write(out, Wait())) return Seen{"refused", "", "the write failed", std::nullopt};
      if (r == 1) return Seen{"established", "", "", std::nullopt};
      if (r < 0) return Seen{"refused", "", t->why(), std::nullopt};
      std::string in;
      ReadStatus st = transport_->Read(&in, 1u << 20, Wait());
      if (st == ReadStatus::kTimeout) return Seen{"refused", "", "no answer to our flight (timed out)", std::nullopt};
      if (st == ReadStatus::kClosed) return Seen{"refused", "", "the server closed the connection", std::nullopt};
      bytes_read_ += in.size();
      if (!t->Feed(in)) return Seen{"refused", "", t->why(), std::nullopt};
    }
  }

  Seen StartTls(const Step& step, std::string* broken) {
    std::unique_ptr<ClientTls> t;
    if (step.options.empty()) {
      tls::SessionConfig sc;
      sc.role = tls::Role::kClient;
      sc.reference_domain = config_.domain;
      // The certificate is looked at by the certificate step; here it is
      // recorded, not judged (live servers run with self-signed ones).
      sc.check_chain = false;
      sc.verifier = [](X509*, STACK_OF(X509)*) { return tls::Failure{}; };
      tls::Failure f;
      std::string detail;
      auto s = tls::Session::Create(sc, &f, &detail);
      if (!s) {
        *broken = "tls::Session::Create: " + std::string(tls::ErrorName(f.code)) + " " + detail;
        return Seen{};
      }
      t = std::make_unique<SessionTls>(std::move(s));
    } else {
      std::string error;
      t = RawTls::Create(step, config_.domain, &error);
      if (!t) {
        *broken = error;
        return Seen{};
      }
    }
    Seen s = HandshakeOn(t.get());
    if (s.token != "established") return s;
    SSL* ssl = t->ssl();
    tls_version_ = static_cast<uint16_t>(SSL_version(ssl));
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl);
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    s.detail = tls::VersionName(tls_version_) + " " + (c ? SSL_CIPHER_standard_name(c) : "?") +
               (alpn_len ? " alpn=" + Esc(std::string(reinterpret_cast<const char*>(alpn), alpn_len)) : "") +
               (SSL_get_current_compression(ssl) ? " compressed" : "");
    if (SSL_get_current_compression(ssl) != nullptr) s.token = "compressed";
    tls_ = std::move(t);
    NewParser();
    // Anything the server sent after its last flight is TLS data.
    std::string plain;
    tls_->Read(&plain);
    if (!plain.empty()) {
      parser_->Feed(plain);
      for (stream::Event& e : parser_->TakeEvents()) events_.push_back(std::move(e));
    }
    return s;
  }

  Seen Renegotiate(std::string* broken) {
    SSL* ssl = tls_ ? tls_->ssl() : nullptr;
    if (ssl == nullptr) {
      *broken = "renegotiate needs TLS up";
      return Seen{};
    }
    if (SSL_version(ssl) >= TLS1_3_VERSION) {
      *broken = "TLS 1.3 has no renegotiation (use tls max=1.2)";
      return Seen{};
    }
    bool secure = SSL_get_secure_renegotiation_support(ssl) == 1;
    if (SSL_renegotiate(ssl) != 1) {
      ERR_clear_error();
      *broken = "this client cannot renegotiate (use tls with an option: the bare OpenSSL client)";
      return Seen{};
    }
    // Drive the new handshake: SSL_do_handshake sends the ClientHello; the
    // server answers with a ServerHello (it renegotiates), a no_renegotiation
    // alert or nothing.
    for (int round = 0; round < 16; ++round) {
      int r = SSL_do_handshake(ssl);
      std::string out = tls_->TakeOutput();
      if (!out.empty()) transport_->Write(out, Wait());
      if (r == 1 && SSL_renegotiate_pending(ssl) == 0) {
        return Seen{secure ? "renegotiated" : "renegotiated-insecure", "", secure ? "RFC 5746 renegotiation_info" : "", std::nullopt};
      }
      if (r != 1) {
        int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
          unsigned long err = ERR_peek_last_error();
          char buf[256];
          ERR_error_string_n(err, buf, sizeof buf);
          ERR_clear_error();
          return Seen{"refused", "", Esc(buf), std::nullopt};
        }
      }
      std::string in;
      ReadStatus st = transport_->Read(&in, 1u << 20, Wait());
      if (st == ReadStatus::kTimeout) return Seen{"refused", "", "no answer (the request was ignored)", std::nullopt};
      if (st == ReadStatus::kClosed) return Seen{"refused", "", "the server closed the connection", std::nullopt};
      // A no_renegotiation alert makes the next SSL_do_handshake fail.
      tls_->Feed(in);
    }
    return Seen{"refused", "", "renegotiation did not complete", std::nullopt};
  }

  // ---- SASL

  Seen Auth(const Step& step, std::string* broken) {
    std::string mech = ResolveMechanism(step.mechanism);
    if (mech.empty()) {
      // SCRAM / SCRAM-PLUS with nothing offered: ask for the name anyway,
      // so the server's answer to an unoffered mechanism shows.
      mech = step.mechanism == "SCRAM" ? "SCRAM-SHA-256" : "SCRAM-SHA-256-PLUS";
    }
    std::string user = step.Has("user") ? Substitute(step.Option("user")) : config_.user;
    std::string password = step.Has("password") ? Substitute(step.Option("password")) : config_.password;
    std::string tamper = step.Option("tamper", "none");
    if (mech == "PLAIN") {
      std::string authzid = step.Has("authzid") ? Substitute(step.Option("authzid")) : "";
      if (tamper == "wrong-password") password += "x";
      if (tamper == "other-user") user += "-other";
      std::string msg = authzid + std::string(1, '\0') + user + std::string(1, '\0') + password;
      if (!SendRaw("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + sasl::Base64Encode(msg) + "</auth>")) {
        return Seen{"closed", "", "the write failed", std::nullopt};
      }
      return Next();
    }
    auto m = sasl::MechanismFromName(mech);
    if (!m || !sasl::IsScram(*m)) {
      // Any other mechanism: the bare <auth/>, for the server to refuse.
      if (!SendRaw("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + mech + "'/>")) {
        return Seen{"closed", "", "the write failed", std::nullopt};
      }
      return Next();
    }
    return Scram(step, *m, mech, user, password, tamper, broken);
  }

  Seen Scram(const Step& step, sasl::Mechanism m, const std::string& mech, std::string user, std::string password,
             const std::string& tamper, std::string* broken) {
    const sasl::Hash hash = sasl::HashOf(m);
    const bool plus = sasl::IsPlus(m);
    std::string cb_name, cb_data;
    if (plus || tamper == "cb-unknown" || tamper == "cb-unadvertised" || tamper == "cb-wrong") {
      if (!tls_) {
        *broken = "channel binding needs TLS up";
        return Seen{};
      }
      cb_name = step.Option("cb");
      if (cb_name.empty() && !features_.cb_types) {
        // No XEP-0440 list: the defaults, tls-unique (RFC 5802) below TLS 1.3
        // and tls-exporter (RFC 9266) on it.
        cb_name = tls_version_ == 0x0304 ? "tls-exporter" : "tls-unique";
      }
      if (cb_name.empty()) {
        for (const char* t : {"tls-exporter", "tls-server-end-point", "tls-unique"}) {
          bool listed = !features_.cb_types || std::find(features_.cb_types->begin(), features_.cb_types->end(), t) !=
                                                   features_.cb_types->end();
          if (listed && CbTypeExists(t)) {
            cb_name = t;
            break;
          }
        }
      }
      if (tamper == "cb-unknown") cb_name = "xmppfuzz-unknown";
      if (tamper == "cb-unadvertised") cb_name = tls_version_ == 0x0304 ? "tls-unique" : "xmppfuzz-unadvertised";
      if (auto t = sasl::CbTypeFromName(cb_name); t && CbTypeExists(cb_name)) {
        tls::ChannelBinding(tls_->ssl(), static_cast<tls::ChannelBindingType>(*t), &cb_data);
      } else {
        cb_data = std::string(32, '\x5a');
      }
      if (tamper == "cb-wrong" && !cb_data.empty()) cb_data.back() ^= 1;
    }
    std::string authzid = step.Has("authzid") ? Substitute(step.Option("authzid")) : "";
    if (tamper == "authzid-other") authzid = "admin@" + config_.domain;
    std::string gs2 = plus || tamper == "cb-unknown" || tamper == "cb-unadvertised" || tamper == "cb-wrong"
                          ? "p=" + cb_name
                          : (tamper == "gs2-y" ? "y" : "n");
    gs2 += "," + (authzid.empty() ? "" : "a=" + sasl::SaslnameEncode(authzid)) + ",";
    if (tamper == "other-user") user += "-other";
    if (tamper == "wrong-password") password += "x";
    std::string saslname = sasl::SaslnameEncode(user);
    if (tamper == "bad-saslname") saslname += "=3C";
    std::string cnonce = tamper == "replay" && !last_nonce_.empty() ? last_nonce_ : RandomNonce();
    if (tamper == "oversize") cnonce += std::string(20000, 'A');
    std::string bare = (tamper == "mandatory-ext" ? "m=xmppfuzz," : "") + std::string("n=") + saslname + ",r=" + cnonce;
    std::string first = gs2 + bare;
    if (tamper == "malformed") first = "xmppfuzz-not-a-scram-message";
    if (tamper == "replay" && last_final_.empty()) {
      *broken = "tamper=replay needs an earlier successful SCRAM exchange in the scenario";
      return Seen{};
    }
    if (!SendRaw("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + mech + "'>" +
                 sasl::Base64Encode(first) + "</auth>")) {
      return Seen{"closed", "", "the write failed", std::nullopt};
    }
    Seen s = Next();
    if (s.token == "success") {
      // <success/> before server-first: nothing was proved either way.
      s.token = "success-unverified";
      return s;
    }
    if (s.token != "challenge") return s;
    auto server_first = sasl::Base64Decode(s.element->Text());
    if (!server_first) return Seen{"bad-server-first", "", "challenge is not base64", std::nullopt};
    std::string detail = "server-first " + Esc(*server_first);
    auto r = ScramAttr(*server_first, 'r');
    auto salt_b64 = ScramAttr(*server_first, 's');
    auto it = ScramAttr(*server_first, 'i');
    std::optional<std::string> salt = salt_b64 ? sasl::Base64Decode(*salt_b64) : std::nullopt;
    uint32_t iterations = 0;
    if (it && !it->empty() && it->size() <= 7 && std::all_of(it->begin(), it->end(), ::isdigit)) iterations = std::stoul(*it);
    if (!r || r->rfind(cnonce, 0) != 0 || r->size() == cnonce.size() || !salt || salt->empty() || iterations == 0 ||
        iterations > 1000000) {
      Abort();
      return Seen{"bad-server-first", "", detail, std::nullopt};
    }
    // XEP-0474: h= over what the server advertised.
    if (step.Has("check-h")) {
      auto h = ScramAttr(*server_first, 'h');
      sasl::Offer offer{features_.mechanisms, features_.cb_types};
      if (!h) {
        Abort();
        return Seen{"h-missing", "", detail, std::nullopt};
      }
      if (*h != sasl::DowngradeHash(hash, offer)) {
        Abort();
        return Seen{"h-wrong", "", detail, std::nullopt};
      }
    }
    std::string final_msg;
    std::string auth_message;
    std::string salted = conform::oracle::Pbkdf2(hash, password, *salt, iterations);
    if (tamper == "replay") {
      final_msg = last_final_;
    } else {
      std::string cbind = (tamper == "c-mismatch" ? std::string("y,,") : gs2) + (gs2[0] == 'p' ? cb_data : "");
      std::string nonce = *r;
      if (tamper == "nonce") nonce.back() = nonce.back() == 'A' ? 'B' : 'A';
      std::string without_proof = "c=" + sasl::Base64Encode(cbind) + ",r=" + nonce;
      auth_message = bare + "," + *server_first + "," + without_proof;
      std::string client_key = Hmac(hash, salted, "Client Key");
      std::string signature = Hmac(hash, Digest(hash, client_key), auth_message);
      std::string proof = Xor(client_key, signature);
      if (tamper == "proof") proof.back() ^= 1;
      final_msg = without_proof + ",p=" + sasl::Base64Encode(proof);
    }
    if (!SendRaw("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + sasl::Base64Encode(final_msg) + "</response>")) {
      return Seen{"closed", "", "the write failed", std::nullopt};
    }
    Seen out = Next();
    std::optional<std::string> server_final;
    if (out.token == "challenge") {  // RFC 6120 6.3.10: server-final in a challenge, then <success/>
      server_final = sasl::Base64Decode(out.element->Text());
      SendRaw("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
      out = Next();
    } else if (out.token == "success") {
      std::string text = out.element->Text();
      server_final = text.empty() || text == "=" ? std::string() : sasl::Base64Decode(text).value_or("");
    }
    if (out.token == "success" && tamper == "none") {
      std::string server_key = Hmac(hash, salted, "Server Key");
      std::string expected = "v=" + sasl::Base64Encode(Hmac(hash, server_key, auth_message));
      if (!server_final || *server_final != expected) {
        return Seen{"success-bad-v", "", "server-final " + Esc(server_final.value_or("(none)")), std::nullopt};
      }
      last_nonce_ = cnonce;
      last_final_ = final_msg;
    }
    out.detail = detail + (out.detail.empty() ? "" : "; then " + out.detail);
    return out;
  }

  void Abort() { SendRaw("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"); }

  // ---- TLS grading and the certificate

  // ProbeOverTransport is one grading probe: a fresh connection taken through
  // the stream header and <starttls/> to <proceed/>, then raw TLS bytes.
  class Probe final : public tls::ProbeConnection {
   public:
    Probe(std::unique_ptr<Transport> t, Client* c) : t_(std::move(t)), c_(c) {}
    bool Exchange(std::string_view out, std::string* in) override {
      if (!out.empty() && !t_->Write(out, c_->Wait())) return false;
      return t_->Read(in, 1u << 20, c_->Wait()) == ReadStatus::kData;
    }
   private:
    std::unique_ptr<Transport> t_;
    Client* c_;
  };

  std::unique_ptr<tls::ProbeConnection> OpenProbe() {
    if (Clock::now() >= deadline_) return nullptr;
    std::string error;
    auto t = connect_(Wait(), &error);
    if (!t) return nullptr;
    if (!t->Write(stream::ClientHeader(config_.domain), Wait())) return nullptr;
    stream::Options o;
    o.side = stream::Side::kClient;
    stream::Parser parser(o);
    bool sent_starttls = false;
    for (int i = 0; i < 64; ++i) {
      std::string in;
      if (t->Read(&in, 1u << 16, Wait()) != ReadStatus::kData) return nullptr;
      parser.Feed(in);
      for (stream::Event& e : parser.TakeEvents()) {
        if (e.kind == stream::Event::Kind::kError || e.kind == stream::Event::Kind::kStreamClose) return nullptr;
        if (e.kind != stream::Event::Kind::kStanza) continue;
        if (!sent_starttls && e.element.ns == xml::kStreamsNs && e.element.name == "features") {
          if (!e.element.FirstChild(kTlsNs, "starttls")) return nullptr;
          if (!t->Write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", Wait())) return nullptr;
          sent_starttls = true;
        } else if (sent_starttls && e.element.ns == kTlsNs && e.element.name == "proceed") {
          return std::make_unique<Probe>(std::move(t), this);
        } else {
          return nullptr;
        }
      }
    }
    return nullptr;
  }

  Seen Grade() {
    tls::GradeOptions options;
    options.server_name = config_.domain;
    options.max_probes = config_.max_grade_probes;
    tls::GradeReport report = tls::Grade([this] { return OpenProbe(); }, options);
    std::vector<std::string> versions, weak;
    for (uint16_t v : report.versions) {
      versions.push_back(tls::VersionName(v));
      if (v < 0x0303) weak.push_back(tls::VersionName(v));
    }
    std::vector<std::string> suites;
    for (const tls::AcceptedSuite& s : report.suites) {
      suites.push_back(tls::VersionName(s.version) + ":" + s.name);
      if (!(s.aead && s.forward_secret && s.authenticated)) weak.push_back(s.name);
    }
    Seen seen;
    seen.detail = Esc("versions " + Join(versions, ",") + "; suites " + Join(suites, ",") + "; probes " +
                      std::to_string(report.probes) + (report.probe_limit_hit ? " (probe limit hit)" : ""));
    if (report.versions.empty()) {
      seen.token = "refused";
    } else if (report.Hardened() && weak.empty()) {
      seen.token = "hardened";
    } else {
      seen.token = "weak";
      std::sort(weak.begin(), weak.end());
      weak.erase(std::unique(weak.begin(), weak.end()), weak.end());
      for (std::string& w : weak) std::replace(w.begin(), w.end(), ' ', '_');
      seen.arg = Join(weak, ",");
    }
    return seen;
  }

  Seen Certificate(std::string* broken) {
    X509* leaf = tls_ ? SSL_get0_peer_certificate(tls_->ssl()) : nullptr;
    if (leaf == nullptr) {
      if (!tls_) *broken = "certificate needs TLS up";
      return Seen{"mismatch", "", "no certificate", std::nullopt};
    }
    unsigned char* der = nullptr;
    int len = i2d_X509(leaf, &der);
    std::string der_bytes(reinterpret_cast<char*>(der), len > 0 ? static_cast<size_t>(len) : 0);
    OPENSSL_free(der);
    tls::PresentedIdentifiers ids;
    std::string reference;
    std::vector<std::string> names;
    bool matched = false;
    if (tls::ExtractPresentedIdentifiers(der_bytes, &ids) == tls::CertError::kNone &&
        tls::NormalizeReferenceDomain(config_.domain, &reference) == tls::CertError::kNone) {
      matched = tls::MatchReferenceIdentity(ids, reference, tls::XmppService::kClientToServer).matched;
    }
    bool expired = X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0 ||
                   X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0;
    bool self_signed = X509_check_issued(leaf, leaf) == X509_V_OK;
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
    Seen s;
    s.token = expired ? "expired" : matched ? "matches" : "mismatch";
    s.detail = Esc(std::string("subject ") + subject + (self_signed ? ", self-signed" : ", issued by a CA") +
                   (matched ? ", names " + config_.domain : ", does not name " + config_.domain));
    return s;
  }

  const Connector& connect_;
  const ExecConfig& config_;
  Clock::time_point deadline_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<ClientTls> tls_;
  std::unique_ptr<stream::Parser> parser_;
  std::deque<stream::Event> events_;
  Features features_;
  bool peer_closed_ = false;
  size_t bytes_read_ = 0;
  uint16_t tls_version_ = 0;
  std::string last_nonce_, last_final_;  // the last successful SCRAM exchange (tamper=replay)
};

}  // namespace

int ScenarioDeadlineMs(const Scenario& s, int wait_ms) {
  int64_t ms = int64_t{wait_ms} * (8 + 4 * static_cast<int64_t>(s.steps.size()));
  for (const Step& step : s.steps) {
    if (step.verb == Verb::kGrade) ms += int64_t{wait_ms} * 120;
  }
  return static_cast<int>(std::min<int64_t>(ms, 120000));
}

Observation RunScenario(const Scenario& scenario, const Connector& connect, const ExecConfig& config) {
  Observation obs;
  Client client(connect, config);
  client.Run(scenario, &obs);
  return obs;
}

}  // namespace xmppfuzz::protocol
