#include "conformance/runner/live.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>

#include "targets/base/base.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::conform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kStreamErrorNs = "urn:ietf:params:xml:ns:xmpp-streams";
constexpr std::string_view kStanzaErrorNs = "urn:ietf:params:xml:ns:xmpp-stanzas";
constexpr std::string_view kBindNs = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view kProbeId = "xmppfuzz-probe";
// The probe that shows the server still reads the stream. Authenticated: an
// iq ping, answered with a result or an error. Before authentication servers
// may close the stream on any stanza (RFC 6120 6.4.1 lets them), so the probe
// is a SASL <auth/> with a mechanism no server offers: RFC 6120 6.4.5 has it
// answered with <failure><invalid-mechanism/></failure>, stream kept open.
constexpr std::string_view kProbe = "<iq type='get' id='xmppfuzz-probe'><ping xmlns='urn:xmpp:ping'/></iq>";
constexpr std::string_view kPreauthProbe =
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-XMPPFUZZ-PROBE'/>";
constexpr int kStepTimeoutMs = 5000;     // each step of opening a stream and logging in
constexpr int kSendTimeoutMs = 20000;    // writing one vector's bytes
constexpr size_t kDetailBytes = 400;     // how much of the reply a report quotes
constexpr int kSettleMs = 300;           // reading on after the probe's answer
constexpr size_t kWriteChunk = 16384;    // bytes per write, so answers are read between writes
constexpr size_t kMaxReplyBytes = 16u << 20;  // a server's answer to one vector kept, at most

Clock::time_point After(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// Quote renders peer bytes for a report (base::EscapeBytes): a long reply
// keeps its head and its tail (where a stream error or the close is).
std::string Quote(std::string_view bytes, size_t max = kDetailBytes) { return base::EscapeBytes(bytes, max); }

// Connection is one TCP connection with deadlines on every operation.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool Connect(const LiveConfig& config, int timeout_ms, std::string* error) {
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (inet_pton(AF_INET, config.host.c_str(), &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr) == 1) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      a->sin_family = AF_INET;
      a->sin_port = htons(config.port);
      len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, config.host.c_str(), &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr) == 1) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(config.port);
      len = sizeof(sockaddr_in6);
    } else {
      *error = "bad address '" + config.host + "'";
      return false;
    }
    if (!IsLoopback(config.host)) {  // never reached through ParseLiveUrl; kept as a last guard
      *error = "refusing non-loopback address " + config.host;
      return false;
    }
    fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      *error = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
      *error = std::string("connect: ") + std::strerror(errno);
      return false;
    }
    pollfd p{fd_, POLLOUT, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n <= 0) {
      *error = "connect: timed out";
      return false;
    }
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &so_len);
    if (so_error != 0) {
      *error = std::string("connect: ") + std::strerror(so_error);
      return false;
    }
    return true;
  }

  enum class ReadResult { kData, kEof, kTimeout };

  // Read waits for bytes until |deadline| and appends them to |out|.
  ReadResult Read(Clock::time_point deadline, std::string* out) {
    if (eof_) return ReadResult::kEof;
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      int n = ::poll(&p, 1, RemainingMs(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ReadResult::kTimeout;
      char buf[65536];
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got > 0) {
        out->append(buf, static_cast<size_t>(got));
        return ReadResult::kData;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      eof_ = true;  // an orderly close or a reset
      return ReadResult::kEof;
    }
  }

  // Send writes |bytes|, reading whatever the peer sends meanwhile into
  // |in| so that neither side blocks. Returns false when the peer closed or
  // reset the connection, or the deadline passed.
  bool Send(std::string_view bytes, Clock::time_point deadline, std::string* in) {
    size_t pos = 0;
    while (pos < bytes.size()) {
      pollfd p{fd_, static_cast<short>(POLLOUT | (eof_ ? 0 : POLLIN)), 0};
      int n = ::poll(&p, 1, RemainingMs(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      // Read first: a peer that refuses the input answers and closes while
      // we still write, and writing on would make it reset the connection,
      // which can discard its answer before we read it.
      if ((p.revents & POLLIN) != 0) {
        if (Read(Clock::now(), in) == ReadResult::kEof) return false;
        continue;
      }
      if ((p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        size_t len = std::min(bytes.size() - pos, kWriteChunk);
        ssize_t sent = ::send(fd_, bytes.data() + pos, len, MSG_NOSIGNAL);
        if (sent < 0) {
          if (errno == EAGAIN || errno == EINTR) continue;
          return false;
        }
        pos += static_cast<size_t>(sent);
      }
    }
    return true;
  }

  bool eof() const { return eof_; }

 private:
  int fd_ = -1;
  bool eof_ = false;
};

// Reply follows what the server sends with the reference XML layer alone
// (xml::Reader, no XMPP rules: a server's reply may echo a vector's bad
// header or carry stanzas the reference would refuse from a client). Should
// even the XML layer refuse the reply, Reply falls back to looking for
// stream errors and the probe's answer in the raw bytes.
class Reply final : private xml::Reader::Listener {
 public:
  Reply() : reader_(xml::Backend::kExpat, Limits(), this) {}

  // Feed keeps at most kMaxReplyBytes of what the server sends: a server
  // that floods the connection cannot grow the runner's memory without
  // bound (the rest is read and dropped, and the report says so).
  void Feed(std::string_view bytes) {
    if (raw_.size() + bytes.size() > kMaxReplyBytes) {
      truncated_ = true;
      bytes = bytes.substr(0, kMaxReplyBytes - raw_.size());
      if (bytes.empty()) return;
    }
    raw_.append(bytes);
    if (parser_failed_) return;
    if (reader_.Feed(bytes) == xml::Status::kError) {
      parser_failed_ = true;
      const xml::Error& e = reader_.error();
      parser_error_ = std::string(xml::ConditionName(e.condition)) + " at " + std::to_string(e.offset) + ": " + e.detail;
      ScanRaw();
    }
  }

  // Mark starts the part of the reply that answers the vector.
  void Mark() {
    mark_ = raw_.size();
    stanza_mark_ = stanzas_.size();
  }

  int opens() const { return opens_; }
  int features_seen() const { return features_seen_; }
  const xml::Element& features() const { return features_; }
  bool stream_closed() const { return stream_closed_; }
  bool truncated() const { return truncated_; }
  const std::optional<std::string>& stream_error() const { return stream_error_; }
  const std::string& parser_error() const { return parser_error_; }
  std::string_view since_mark() const { return std::string_view(raw_).substr(mark_); }
  const std::string& raw() const { return raw_; }

  // FindStanza returns a stanza received since |from| that |match| accepts.
  const xml::Element* FindStanza(size_t from, const std::function<bool(const xml::Element&)>& match) const {
    for (size_t i = from; i < stanzas_.size(); ++i) {
      if (match(stanzas_[i])) return &stanzas_[i];
    }
    return nullptr;
  }
  size_t stanza_count() const { return stanzas_.size(); }

  // Rescan re-runs the raw scan once the parser has given up.
  void Rescan() {
    if (parser_failed_) ScanRaw();
  }

  // ProbeAnswered reports whether the probe came back: the iq (result or
  // error) or, before authentication, the SASL failure.
  bool ProbeAnswered(bool preauth) const {
    if (FindStanza(stanza_mark_, [preauth](const xml::Element& e) {
          if (preauth) return e.ns == stream::kSaslNs && (e.name == "failure" || e.name == "success");
          const std::string* id = e.Attr("id");
          return e.name == "iq" && id != nullptr && *id == kProbeId;
        }) != nullptr) {
      return true;
    }
    return parser_failed_ && since_mark().find(preauth ? stream::kSaslNs : kProbeId) != std::string_view::npos;
  }

  // BounceConditions lists, in order and without repeats, the stanza error
  // conditions of the stanzas that came back as errors since the mark (the
  // probe's own answer aside).
  std::vector<std::string> BounceConditions() const {
    std::vector<std::string> out;
    for (size_t i = stanza_mark_; i < stanzas_.size(); ++i) {
      const xml::Element& e = stanzas_[i];
      const std::string* type = e.Attr("type");
      const std::string* id = e.Attr("id");
      if (type == nullptr || *type != "error" || (id != nullptr && *id == kProbeId)) continue;
      std::string condition = "undefined-condition";
      if (const xml::Element* error = e.FirstChild(e.ns, "error")) {
        for (const xml::Node& n : error->children) {
          if (!n.is_text && n.element.ns == kStanzaErrorNs && n.element.name != "text") {
            condition = n.element.name;
            break;
          }
        }
      }
      if (std::find(out.begin(), out.end(), condition) == out.end()) out.push_back(condition);
    }
    return out;
  }

 private:
  static xml::Limits Limits() {
    xml::Limits l;
    l.max_stanza_bytes = l.max_stanza_bytes_preauth = 64u << 20;
    l.max_text_bytes = 64u << 20;
    l.max_depth = 1000;
    l.max_attributes = 1000;
    l.max_namespace_decls = 1000;
    l.max_name_bytes = 4096;
    return l;
  }

  xml::Error OnStreamOpen(xml::Element, std::string, uint64_t) override {
    ++opens_;
    return {};
  }

  xml::Error OnStanza(xml::Element stanza, uint64_t) override {
    restart_due_ = stanza.ns == stream::kSaslNs && stanza.name == "success";
    if (stanza.ns == xml::kStreamsNs && stanza.name == "error") {
      if (!stream_error_) stream_error_ = ConditionOf(stanza);
    } else if (stanza.ns == xml::kStreamsNs && stanza.name == "features") {
      ++features_seen_;
      features_ = std::move(stanza);
    } else {
      stanzas_.push_back(std::move(stanza));
    }
    return {};
  }

  xml::Error OnStreamClose(uint64_t) override {
    stream_closed_ = true;
    return {};
  }

  // After SASL success the server opens a new stream in the same bytes.
  bool AllowInbandRestart() override {
    bool due = restart_due_;
    restart_due_ = false;
    return due;
  }

  static std::string ConditionOf(const xml::Element& error) {
    for (const xml::Node& n : error.children) {
      if (!n.is_text && n.element.ns == kStreamErrorNs && n.element.name != "text") return n.element.name;
    }
    return "undefined-condition";
  }

  // ScanRaw is the fallback once the parser gave up: the first element in
  // the stream-errors namespace other than <text/> names the condition.
  void ScanRaw() {
    if (stream_error_) return;
    size_t at = 0;
    while ((at = raw_.find(kStreamErrorNs, at)) != std::string::npos) {
      size_t lt = raw_.rfind('<', at);
      at += kStreamErrorNs.size();
      if (lt == std::string::npos) continue;
      size_t end = raw_.find_first_of(" \t\r\n/>", lt + 1);
      std::string name = raw_.substr(lt + 1, end == std::string::npos ? std::string::npos : end - lt - 1);
      if (size_t colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
      if (name == "text" || name == "error") continue;
      stream_error_ = name;
      return;
    }
    if (raw_.find("</stream:stream>", mark_) != std::string::npos) stream_closed_ = true;
  }

  xml::Reader reader_;
  std::string raw_;
  size_t mark_ = 0;
  size_t stanza_mark_ = 0;
  bool parser_failed_ = false;
  std::string parser_error_;
  int opens_ = 0;
  int features_seen_ = 0;
  xml::Element features_;
  bool stream_closed_ = false;
  bool truncated_ = false;
  bool restart_due_ = false;
  std::optional<std::string> stream_error_;
  std::vector<xml::Element> stanzas_;
};

// Session drives one connection: open, log in, play, classify.
class Session {
 public:
  explicit Session(const LiveConfig& config) : config_(config) {}

  // Wait reads until |done| holds (true), or the stream ends, errs or the
  // deadline passes (false).
  bool Wait(Clock::time_point deadline, const std::function<bool()>& done) {
    while (true) {
      if (done()) return true;
      if (reply_.stream_error() || reply_.stream_closed() || conn_.eof()) return false;
      std::string in;
      Connection::ReadResult r = conn_.Read(deadline, &in);
      if (!in.empty()) {
        reply_.Feed(in);
        reply_.Rescan();
      }
      if (r == Connection::ReadResult::kTimeout) return done();
    }
  }

  bool Send(std::string_view bytes, int timeout_ms) {
    std::string in;
    bool ok = conn_.Send(bytes, After(timeout_ms), &in);
    if (!in.empty()) {
      reply_.Feed(in);
      reply_.Rescan();
    }
    return ok;
  }

  std::string Failure(const std::string& step) const {
    std::string why = step;
    if (reply_.stream_error()) {
      why += ": the server sent stream error <" + *reply_.stream_error() + "/>";
    } else if (conn_.eof() || reply_.stream_closed()) {
      why += ": the server closed the connection";
    } else {
      why += ": no answer";
    }
    if (!reply_.parser_error().empty()) why += " (reply not parsed: " + reply_.parser_error() + ")";
    return why + "; it sent: " + Quote(reply_.raw());
  }

  // Open connects and sends what |profile| puts before a vector: nothing,
  // a stream header, or a stream header and a log-in with resource binding.
  // Returns "" or why it failed.
  std::string Open(Profile profile) {
    std::string error;
    if (!conn_.Connect(config_, kStepTimeoutMs, &error)) return "cannot connect: " + error;
    if (profile == Profile::kRaw) return {};
    if (!OpenStream(1)) return Failure("opening the stream");
    if (profile == Profile::kOpened) return {};
    bool plain = false;
    for (const xml::Node& n : reply_.features().children) {
      if (n.is_text || n.element.ns != stream::kSaslNs || n.element.name != "mechanisms") continue;
      for (const xml::Node& m : n.element.children) {
        if (!m.is_text && m.element.name == "mechanism" && m.element.Text() == "PLAIN") plain = true;
      }
    }
    if (!plain) return Failure("logging in: the server does not offer SASL PLAIN on this connection");
    std::string credentials = std::string(1, '\0') + config_.user + std::string(1, '\0') + config_.password;
    size_t from = reply_.stanza_count();
    if (!Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Base64(credentials) + "</auth>",
              kStepTimeoutMs)) {
      return Failure("logging in");
    }
    const xml::Element* outcome = nullptr;
    Wait(After(kStepTimeoutMs), [&] {
      outcome = reply_.FindStanza(from, [](const xml::Element& e) {
        return e.ns == stream::kSaslNs && (e.name == "success" || e.name == "failure");
      });
      return outcome != nullptr;
    });
    if (outcome == nullptr) return Failure("logging in");
    if (outcome->name != "success") return Failure("logging in: SASL PLAIN failed for user '" + config_.user + "'");
    if (!OpenStream(2)) return Failure("restarting the stream after logging in");
    from = reply_.stanza_count();
    if (!Send("<iq type='set' id='xmppfuzz-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>",
              kStepTimeoutMs)) {
      return Failure("binding a resource");
    }
    const xml::Element* bound = nullptr;
    Wait(After(kStepTimeoutMs), [&] {
      bound = reply_.FindStanza(from, [](const xml::Element& e) {
        const std::string* id = e.Attr("id");
        return e.name == "iq" && id != nullptr && *id == "xmppfuzz-bind";
      });
      return bound != nullptr;
    });
    if (bound == nullptr || bound->Attr("type") == nullptr || *bound->Attr("type") != "result" ||
        bound->FirstChild(kBindNs, "bind") == nullptr) {
      return Failure("binding a resource");
    }
    // Available presence, so that a message to our own bare JID is delivered
    // to this resource rather than bounced (RFC 6121 8.5.2.1).
    if (!Send("<presence/>", kStepTimeoutMs)) return Failure("sending initial presence");
    return {};
  }

  // Play sends the vector's bytes and the probe and classifies the answer.
  Observation Play(std::string_view input, bool preauth) {
    Observation obs;
    reply_.Mark();
    bool sent = Send(input, kSendTimeoutMs) && Send(preauth ? kPreauthProbe : kProbe, kStepTimeoutMs);
    (void)sent;  // a refused vector may well stop the server reading
    // Bounces may be routed after the probe's answer: give them a moment, so
    // that a run classifies the same way every time.
    // A large input takes a server time to read and parse (a loaded Lua or
    // Erlang server needs seconds for 256 KiB): allow 1 ms more per 64 bytes,
    // so that a slow answer is not taken for no answer.
    int wait_ms = config_.timeout_ms + static_cast<int>(std::min<size_t>(input.size() / 64, 60000));
    if (Wait(After(wait_ms), [&] { return reply_.ProbeAnswered(preauth); })) {
      Wait(After(kSettleMs), [] { return false; });
    }
    std::string_view answer = reply_.since_mark();
    obs.detail = answer.empty() ? "(nothing)" : Quote(answer);
    if (!reply_.parser_error().empty()) obs.detail += " [reply not parsed: " + reply_.parser_error() + "]";
    if (reply_.truncated()) obs.detail += " [reply over " + std::to_string(kMaxReplyBytes >> 20) + " MiB: the rest was dropped]";
    if (reply_.stream_error()) {
      obs.outcome.kind = Outcome::Kind::kRefused;
      auto c = xml::ConditionFromName(*reply_.stream_error());
      obs.outcome.condition = c.value_or(xml::Condition::kUndefinedCondition);
      if (!c) obs.detail = "unknown stream error <" + *reply_.stream_error() + "/>; " + obs.detail;
    } else if (reply_.ProbeAnswered(preauth)) {
      obs.outcome.stanza_conditions = reply_.BounceConditions();
      obs.outcome.kind = obs.outcome.stanza_conditions.empty() ? Outcome::Kind::kAccepted : Outcome::Kind::kStanzaError;
    } else if (reply_.stream_closed() || conn_.eof()) {
      obs.outcome.kind = Outcome::Kind::kClosed;
    } else {
      obs.outcome.kind = Outcome::Kind::kNoAnswer;
    }
    return obs;
  }

  bool OpenStream(int nth) {
    std::string header = Prelude(Profile::kOpened, Side::kClientToServer, config_.domain);
    if (!Send(header, kStepTimeoutMs)) return false;
    return Wait(After(kStepTimeoutMs), [&] { return reply_.opens() >= nth && reply_.features_seen() >= nth; });
  }

 private:
  const LiveConfig& config_;
  Connection conn_;
  Reply reply_;
};

class LiveTarget final : public Target {
 public:
  explicit LiveTarget(const LiveConfig& config) : config_(config) {}

  std::string Name() const override { return config_.url; }
  bool Live() const override { return true; }
  int Jobs() const override { return config_.jobs; }

  std::string NotApplicable(const Vector& v) const override {
    if (v.kind == VectorKind::kSasl) return "SASL exchange vectors are not replayed against live servers yet";
    if (v.kind == VectorKind::kTls) {
      return "TLS vectors are read by our TLS parser in process; a live server is not sent raw TLS bytes yet";
    }
    if (v.kind == VectorKind::kCertIdentity) {
      return "certificate identity vectors verify certificates issued in process with our own verifier";
    }
    if (v.kind == VectorKind::kTlsPolicy) {
      return "TLS policy vectors pit an OpenSSL peer against our own hardened session in process";
    }
    if (v.kind == VectorKind::kStarttls) {
      return "STARTTLS vectors drive our own STARTTLS client or server in process; not replayed against live servers yet";
    }
    if (v.side == Side::kServerToClient) return "server-to-client bytes: a live server only receives a client's bytes";
    if (!v.live_skip.empty()) return v.live_skip;
    if (v.profile == Profile::kAuthenticated && config_.user.empty()) {
      return "needs an authenticated stream and no --user/--password was given";
    }
    return {};
  }

  Observation Run(const Vector& v) override {
    Session session(config_);
    std::string failure = session.Open(v.profile);
    if (!failure.empty()) {
      Observation obs;
      obs.outcome.kind = Outcome::Kind::kClosed;
      obs.broken = "before the vector: " + failure;
      if (!CheckLive(config_).empty()) obs.outcome.kind = Outcome::Kind::kCrashed;
      return obs;
    }
    Observation obs = session.Play(v.input, v.profile != Profile::kAuthenticated);
    if (obs.outcome.kind == Outcome::Kind::kNoAnswer || obs.outcome.kind == Outcome::Kind::kClosed) {
      std::string health = CheckLive(config_);
      if (!health.empty()) {
        obs.outcome.kind = Outcome::Kind::kCrashed;
        obs.detail += "; afterwards " + health;
      }
    }
    return obs;
  }

 private:
  LiveConfig config_;
};

}  // namespace

bool IsLoopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

bool ParseLiveUrl(const std::string& url, LiveConfig* config, std::string* error) {
  constexpr std::string_view kScheme = "xmpp://";
  if (url.compare(0, kScheme.size(), kScheme) != 0) {
    *error = "live target '" + url + "' must look like xmpp://HOST:PORT[/DOMAIN]";
    return false;
  }
  std::string rest = url.substr(kScheme.size());
  std::string domain = "localhost";
  if (size_t slash = rest.find('/'); slash != std::string::npos) {
    domain = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (domain.empty() || domain.find_first_of("'\"<>&/ ") != std::string::npos) {
      *error = "live target '" + url + "': bad XMPP domain '" + domain + "'";
      return false;
    }
  }
  std::string host, port;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      *error = "live target '" + url + "': write an IPv6 address as [ADDR]:PORT";
      return false;
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos) {
      *error = "live target '" + url + "' has no port (xmpp://HOST:PORT)";
      return false;
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p <= 0 || p > 65535) {
    *error = "live target '" + url + "': bad port '" + port + "'";
    return false;
  }
  // Resolve without touching the network for numeric hosts; names must
  // resolve to loopback addresses only.
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (host.empty() || ::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    *error = "live target '" + url + "': cannot resolve host '" + host + "'";
    return false;
  }
  std::string numeric;
  bool all_loopback = true;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, buf, sizeof buf);
    } else if (a->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, buf, sizeof buf);
    } else {
      continue;
    }
    if (!IsLoopback(buf)) all_loopback = false;
    if (numeric.empty()) numeric = buf;
  }
  ::freeaddrinfo(found);
  if (!all_loopback || numeric.empty()) {
    *error = "refusing live target '" + url + "': '" + host +
             "' is not a loopback address; live runs only talk to servers on this machine (127.0.0.0/8, ::1)";
    return false;
  }
  config->url = url;
  config->host = numeric;
  config->port = static_cast<uint16_t>(p);
  config->domain = domain;
  return true;
}

std::unique_ptr<Target> MakeLiveTarget(const LiveConfig& config) { return std::make_unique<LiveTarget>(config); }

std::string CheckLive(const LiveConfig& config) {
  Session session(config);
  std::string failure = session.Open(Profile::kOpened);
  return failure.empty() ? std::string() : "the server does not open a new stream (" + failure + ")";
}

}  // namespace xmppfuzz::conform
