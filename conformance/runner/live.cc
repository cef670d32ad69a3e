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
#include <cstdio>
#include <functional>
#include <optional>

#include "targets/base/base.h"
#include "targets/sasl/sasl.h"
#include "targets/stream/stream.h"
#include "targets/tls/tls.h"

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
constexpr int kStepTimeoutMs = 5000;  // each step of opening a stream and logging in
constexpr size_t kWriteChunk = 16384;   // bytes per write, so answers are read between writes
constexpr int kSettleMs = 300;          // reading on after the probe's answer
constexpr size_t kDetailBytes = 400;    // how much of a reply a report quotes
constexpr size_t kKeepBytes = 2048;     // head and tail of a reply kept for the report
constexpr size_t kMaxBounces = 16;      // stanza error conditions kept per vector
constexpr size_t kMaxConditionName = 64;
constexpr size_t kMaxSaslQueue = 4;     // SASL elements kept unanswered (an exchange has one at a time)
constexpr int kSaslRounds = 8;          // challenges per log-in, at most

Clock::time_point After(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 1 << 30));
}

// Quote renders peer bytes for a report (base::EscapeBytes: printable ASCII
// but '\\' as is, any other byte as \xHH), cut at |max| bytes with a marker.
// Peer bytes only ever reach a report through it.
std::string Quote(std::string_view bytes, size_t max) {
  if (bytes.size() <= max) return base::EscapeBytes(bytes);
  return base::EscapeBytes(bytes.substr(0, max)) + "...(cut at " + std::to_string(max) + " of " +
         std::to_string(bytes.size()) + " bytes)";
}

// ByteLog keeps the first and the last kKeepBytes of what a peer sent, and
// counts the rest: a report quotes a reply's head and tail (where a stream
// error or the close is) without holding the reply.
class ByteLog {
 public:
  void Append(std::string_view bytes) {
    total_ += bytes.size();
    if (head_.size() < kKeepBytes) head_.append(bytes.substr(0, kKeepBytes - head_.size()));
    if (bytes.size() >= kKeepBytes) {
      tail_.assign(bytes.substr(bytes.size() - kKeepBytes));
    } else {
      tail_.append(bytes);
      if (tail_.size() > 2 * kKeepBytes) tail_.erase(0, tail_.size() - kKeepBytes);
    }
  }
  void Clear() {
    head_.clear();
    tail_.clear();
    total_ = 0;
  }
  uint64_t total() const { return total_; }

  // Quote renders the log printable in at most |max| bytes of the reply:
  // all of it, or its head and tail with the length between.
  std::string Quote(size_t max = kDetailBytes) const {
    if (total_ <= max) return base::EscapeBytes(std::string_view(head_).substr(0, total_));
    std::string_view tail(tail_);
    return base::EscapeBytes(std::string_view(head_).substr(0, max / 2)) + "...(" + std::to_string(total_) +
           " bytes in all)..." + base::EscapeBytes(tail.substr(tail.size() - std::min(tail.size(), max / 2)));
  }


 private:
  std::string head_;
  std::string tail_;
  uint64_t total_ = 0;
};

// Connection is one TCP connection with deadlines on every operation.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool Connect(const LiveConfig& config, Clock::time_point deadline, std::string* error) {
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
    while (true) {
      pollfd p{fd_, POLLOUT, 0};
      int n = ::poll(&p, 1, RemainingMs(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = "connect: timed out";
        return false;
      }
      break;
    }
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &so_len);
    if (so_error == ECONNRESET) {
      // The handshake completed and the peer reset at once: it took the
      // connection, which has ended.
      eof_ = reset_ = true;
      return true;
    }
    if (so_error != 0) {
      *error = std::string("connect: ") + std::strerror(so_error);
      return false;
    }
    return true;
  }

  enum class ReadResult { kData, kEof, kTimeout };

  // Read waits for bytes until |deadline| and appends at most |max| (> 0)
  // of them to |out|.
  ReadResult Read(Clock::time_point deadline, size_t max, std::string* out) {
    if (eof_) return ReadResult::kEof;
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      int n = ::poll(&p, 1, RemainingMs(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ReadResult::kTimeout;
      char buf[65536];
      ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, max), 0);
      if (got > 0) {
        out->append(buf, static_cast<size_t>(got));
        return ReadResult::kData;
      }
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got < 0) reset_ = true;
      eof_ = true;  // an orderly close or a reset
      return ReadResult::kEof;
    }
  }

  // Send writes |bytes| until |deadline|, handing whatever the peer sends
  // meanwhile to |on_read| (whose false stops the sending) so that neither
  // side blocks. Returns false when the peer closed or reset the
  // connection, |on_read| said stop, or the deadline passed.
  bool Send(std::string_view bytes, Clock::time_point deadline, size_t read_max,
            const std::function<bool(std::string_view)>& on_read) {
    size_t pos = 0;
    while (pos < bytes.size()) {
      if (Clock::now() >= deadline) return false;  // poll() stays ready while the peer floods
      pollfd p{fd_, static_cast<short>(POLLOUT | (eof_ ? 0 : POLLIN)), 0};
      int n = ::poll(&p, 1, RemainingMs(deadline));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      // Read first: a peer that refuses the input answers and closes while
      // we still write, and writing on would make it reset the connection,
      // which can discard its answer before we read it.
      // Then write in the same round: a peer that never stops sending
      // must not keep our bytes from going out.
      if ((p.revents & POLLIN) != 0) {
        std::string in;
        ReadResult r = Read(Clock::now(), read_max, &in);
        if (!in.empty() && !on_read(in)) return false;
        if (r == ReadResult::kEof) return false;
      }
      if ((p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        size_t len = std::min(bytes.size() - pos, kWriteChunk);
        ssize_t sent = ::send(fd_, bytes.data() + pos, len, MSG_NOSIGNAL);
        if (sent < 0) {
          if (errno == EAGAIN || errno == EINTR) continue;
          reset_ = errno == ECONNRESET || errno == EPIPE;
          eof_ = true;  // the peer is gone
          return false;
        }
        pos += static_cast<size_t>(sent);
      }
    }
    return true;
  }

  bool eof() const { return eof_; }
  bool reset() const { return reset_; }

 private:
  int fd_ = -1;
  bool eof_ = false;
  bool reset_ = false;
};

// Reply follows what the server sends with the reference stream parser,
// client side (stream::Side::kClient): the server's header is checked as a
// client checks it, its stanzas by the RFC 6120 rules, under limits of its
// own. Bytes the parser refuses end the reply: nothing after them counts,
// and the vector's outcome is invalid-reply. Reply keeps no stanza: each
// is looked at as it arrives and only what the classification needs stays
// (the last features, the SASL and bind outcomes, the probe's answer and
// up to kMaxBounces stanza error conditions), so its memory is bounded by
// the parser's limits whatever the server sends.
class Reply {
 public:
  Reply() : parser_(ParserOptions()) {}

  void Feed(std::string_view bytes) {
    all_.Append(bytes);
    since_mark_.Append(bytes);
    if (refusal_) return;
    parser_.Feed(bytes);
    for (stream::Event& e : parser_.TakeEvents()) Handle(e);
  }

  // Mark starts the part of the reply that answers the vector.
  void Mark() {
    since_mark_.Clear();
    probe_answered_ = false;
    marked_ = true;
    bounces_.clear();
  }

  int opens() const { return opens_; }
  int features_seen() const { return features_seen_; }
  const xml::Element& features() const { return features_; }
  bool stream_closed() const { return stream_closed_; }
  const std::optional<std::string>& stream_error() const { return stream_error_; }
  // refusal is the reference parser's error on the server's bytes, if any.
  const std::optional<xml::Error>& refusal() const { return refusal_; }
  // HasSasl / TakeSasl: the SASL elements (challenge, success, failure)
  // the server sent before the mark, oldest first, each taken once.
  bool HasSasl() const { return !sasl_.empty() || sasl_overflow_; }
  bool sasl_overflow() const { return sasl_overflow_; }
  std::optional<xml::Element> TakeSasl() {
    if (sasl_.empty()) return std::nullopt;
    xml::Element e = std::move(sasl_.front());
    sasl_.erase(sasl_.begin());
    return e;
  }
  const std::optional<bool>& bound() const { return bound_; }
  bool probe_answered() const { return probe_answered_; }
  const std::vector<std::string>& bounces() const { return bounces_; }
  const ByteLog& all() const { return all_; }
  const ByteLog& since_mark() const { return since_mark_; }

  // RefusalText says how the parser refused the reply, printable.
  std::string RefusalText() const {
    if (!refusal_) return {};
    return std::string(xml::ConditionName(refusal_->condition)) + " at byte " + std::to_string(refusal_->offset) +
           " of the reply (" + Quote(refusal_->detail, 200) + ")";
  }

 private:
  // The limits for a server's bytes bound the runner's memory, not the
  // server: a server routes back what a vector (or, on a shared account,
  // a parallel vector) sent, with attributes and namespaces of its own
  // added, so they sit well above the reference's defaults.
  static stream::Options ParserOptions() {
    stream::Options o;
    o.backend = xml::Backend::kExpat;
    o.side = stream::Side::kClient;
    o.limits.max_stanza_bytes = o.limits.max_stanza_bytes_preauth = kLiveStanzaBytes;
    o.limits.max_text_bytes = kLiveStanzaBytes;
    o.limits.max_depth = kLiveMaxDepth;
    o.limits.max_attributes = 1024;
    o.limits.max_namespace_decls = 1024;
    o.limits.max_name_bytes = 4096;
    return o;
  }

  static std::string ConditionOf(const xml::Element& error, std::string_view ns) {
    for (const xml::Node& n : error.children) {
      if (!n.is_text && n.element.ns == ns && n.element.name != "text") {
        return n.element.name.substr(0, kMaxConditionName);
      }
    }
    return "undefined-condition";
  }

  void Handle(stream::Event& e) {
    switch (e.kind) {
      case stream::Event::Kind::kStreamOpen: ++opens_; return;
      case stream::Event::Kind::kStreamClose: stream_closed_ = true; return;
      case stream::Event::Kind::kError: refusal_ = e.error; return;
      case stream::Event::Kind::kStanza: break;
    }
    const xml::Element& s = e.element;
    if (s.ns == xml::kStreamsNs && s.name == "error") {
      if (!stream_error_) stream_error_ = ConditionOf(s, kStreamErrorNs);
      return;
    }
    if (s.ns == xml::kStreamsNs && s.name == "features") {
      ++features_seen_;
      features_ = std::move(e.element);
      return;
    }
    if (s.ns == stream::kSaslNs && (s.name == "success" || s.name == "failure" || s.name == "challenge")) {
      if (marked_) {
        probe_answered_ = true;  // the pre-authentication probe is a SASL <auth/>
      } else if (sasl_.size() < kMaxSaslQueue) {
        sasl_.push_back(std::move(e.element));
      } else {
        sasl_overflow_ = true;  // more unanswered SASL elements than an exchange has
      }
      return;
    }
    const std::string* id = s.Attr("id");
    const std::string* type = s.Attr("type");
    if (s.name == "iq" && id != nullptr && *id == "xmppfuzz-bind" && !marked_) {
      bound_ = type != nullptr && *type == "result" && s.FirstChild(kBindNs, "bind") != nullptr;
      return;
    }
    if (s.name == "iq" && id != nullptr && *id == kProbeId) {
      if (marked_) probe_answered_ = true;
      return;
    }
    if (!marked_ || type == nullptr || *type != "error") return;
    std::string condition = "undefined-condition";
    if (const xml::Element* error = s.FirstChild(s.ns, "error")) condition = ConditionOf(*error, kStanzaErrorNs);
    if (bounces_.size() < kMaxBounces && std::find(bounces_.begin(), bounces_.end(), condition) == bounces_.end()) {
      bounces_.push_back(condition);
    }
  }

  stream::Parser parser_;
  ByteLog all_;
  ByteLog since_mark_;
  bool marked_ = false;
  int opens_ = 0;
  int features_seen_ = 0;
  xml::Element features_;
  bool stream_closed_ = false;
  std::optional<std::string> stream_error_;
  std::optional<xml::Error> refusal_;
  std::vector<xml::Element> sasl_;
  bool sasl_overflow_ = false;
  std::optional<bool> bound_;
  bool probe_answered_ = false;
  std::vector<std::string> bounces_;
};

// Session drives one connection: STARTTLS and the TLS handshake when the
// run uses TLS, then open, log in, play, classify, all before one deadline.
// With TLS every byte read is ciphertext counted against kLiveReadCapBytes
// before it reaches the TLS session, and the plaintext it yields goes to
// the reply parser; nothing is sent or parsed in the clear after
// <starttls/> (tls::StarttlsClient drops what follows <proceed/>).
class Session {
 public:
  Session(const LiveConfig& config, std::string_view user, Clock::time_point deadline)
      : config_(config), user_(user), deadline_(deadline), reply_(std::make_unique<Reply>()) {}

  // Step is a deadline |ms| from now, never past the session's.
  Clock::time_point Step(int ms) const { return std::min(After(ms), deadline_); }

  // Stopped reports whether nothing more will be read: the stream ended,
  // erred, was refused by our parser, or went over the read cap, or the
  // TLS layer ended (close_notify, an alert, a record that fails).
  bool Stopped() const {
    return reply_->stream_error() || reply_->stream_closed() || reply_->refusal() || conn_.eof() || flooded_ ||
           tls_ended_;
  }

  // Take feeds plaintext to the reply. In cleartext the bytes are what was
  // read and count against the cap here; with TLS, OnWire counted the
  // ciphertext already. Returns false once reading must stop.
  bool Take(std::string_view bytes) {
    if (tls_ == nullptr) {
      read_ += bytes.size();
      if (read_ > kLiveReadCapBytes) {
        flooded_ = true;
        bytes.remove_suffix(read_ - kLiveReadCapBytes);
      }
    }
    reply_->Feed(bytes);
    return !Stopped();
  }

  // OnWire takes bytes read from the socket: plaintext straight to Take,
  // TLS records through the session (counted against the cap first, so a
  // peer that sends records forever is flooded, whatever they hold).
  bool OnWire(std::string_view bytes) {
    if (tls_ == nullptr) {
      if (discarding_) {
        // After <proceed/> and before our ClientHello: plaintext that can
        // only have been injected. Counted, dropped, never parsed.
        read_ += bytes.size();
        dropped_ += bytes.size();
        if (read_ > kLiveReadCapBytes) flooded_ = true;
        return !flooded_;
      }
      // During the STARTTLS negotiation the bytes are the negotiation's
      // too, whether they came in while we waited or while we wrote.
      if (negotiating_) negotiation_in_.append(bytes);
      return Take(bytes);
    }
    read_ += bytes.size();
    if (read_ > kLiveReadCapBytes) {
      flooded_ = true;
      return false;
    }
    if (!tls_->Feed(bytes)) return TlsEnded();
    if (!tls_->established()) return true;  // the handshake loop drives it
    return DrainTls();
  }

  // DrainTls hands the application data the session has to the reply.
  bool DrainTls() {
    std::string plain;
    tls::Progress p = tls_->Read(&plain);
    if (!plain.empty() && !Take(plain)) return false;
    if (p == tls::Progress::kDone || p == tls::Progress::kFailed) return TlsEnded();
    // A TLS 1.3 server may answer with records of its own (a KeyUpdate
    // acknowledgement); they are sent with the next write.
    return !Stopped();
  }

  bool TlsEnded() {
    tls_ended_ = true;
    if (!tls_->failure().ok()) {
      tls_note_ = " [TLS: " + std::string(tls::ErrorName(tls_->failure().code)) +
                  (tls_->detail().empty() ? "" : " (" + Quote(tls_->detail(), 200) + ")") + "]";
    } else {
      tls_note_ = " [TLS: close_notify]";
    }
    return false;
  }

  size_t ReadMax() const { return read_ > kLiveReadCapBytes ? 1 : kLiveReadCapBytes + 1 - read_; }

  // ReadSome waits for bytes until |deadline| and hands them on. Returns
  // false on a timeout.
  bool ReadSome(Clock::time_point deadline) {
    std::string in;
    Connection::ReadResult r = conn_.Read(deadline, ReadMax(), &in);
    if (!in.empty()) OnWire(in);
    return r != Connection::ReadResult::kTimeout;
  }

  // Wait reads until |done| holds (true), or the stream ends, errs, is
  // refused or floods, or |deadline| passes (false).
  bool Wait(Clock::time_point deadline, const std::function<bool()>& done) {
    while (true) {
      if (done()) return true;
      if (Stopped()) return false;
      // Checked here, not only by poll(): a peer that never stops sending
      // keeps poll() ready, however late it is.
      if (Clock::now() >= deadline) {
        if (Clock::now() >= deadline_) deadline_hit_ = true;
        return done();
      }
      if (!ReadSome(deadline)) {
        if (Clock::now() >= deadline_) deadline_hit_ = true;
        return done();
      }
    }
  }

  // SendWire writes bytes as they are (plaintext before TLS, records after).
  bool SendWire(std::string_view bytes, Clock::time_point deadline) {
    if (Stopped()) return false;
    bool ok = conn_.Send(bytes, deadline, ReadMax(), [this](std::string_view in) { return OnWire(in); });
    if (!ok && Clock::now() >= deadline_) deadline_hit_ = true;
    return ok;
  }

  // Send writes stream bytes: in the clear, or through TLS a chunk at a
  // time (so a large vector is never held encrypted in full).
  bool Send(std::string_view bytes, Clock::time_point deadline) {
    if (tls_ == nullptr) return SendWire(bytes, deadline);
    do {
      std::string_view chunk = bytes.substr(0, kWriteChunk);
      bytes.remove_prefix(chunk.size());
      if (Stopped()) return false;
      if (!tls_->Write(chunk)) return TlsEnded();
      if (!SendWire(tls_->TakeOutput(), deadline)) return false;
    } while (!bytes.empty());
    return true;
  }

  // Notes are the report's remarks on how the connection ended.
  std::string Notes() const {
    std::string notes;
    if (reply_->refusal()) notes += " [reply refused by the reference parser: " + reply_->RefusalText() + "]";
    if (flooded_) notes += " [the server sent more than " + std::to_string(kLiveReadCapBytes >> 20) + " MiB: reading stopped]";
    notes += tls_note_;
    if (conn_.reset()) notes += " [connection reset]";
    if (deadline_hit_) notes += " [the vector's deadline passed]";
    return notes;
  }

  std::string Failure(const std::string& step) const {
    std::string why = step;
    if (reply_->refusal()) {
      why += ": the reference parser refused the server's bytes";
    } else if (flooded_) {
      why += ": the server flooded the connection";
    } else if (reply_->stream_error()) {
      why += ": the server sent stream error <" + Quote(*reply_->stream_error(), kMaxConditionName) + "/>";
    } else if (conn_.eof() || reply_->stream_closed() || tls_ended_) {
      why += ": the server closed the connection";
    } else {
      why += ": no answer";
    }
    std::string sent = reply_->all().Quote();
    if (!before_tls_.empty()) sent = "(before TLS) " + before_tls_ + " (inside TLS) " + sent;
    return why + "; it sent: " + sent + Notes();
  }

  // Interrupted classifies a session that ended before the vector was
  // sent (no probe was answered).
  Outcome Interrupted() const {
    Outcome o;
    if (reply_->refusal()) {
      o.kind = Outcome::Kind::kInvalidReply;
      o.condition = reply_->refusal()->condition;
    } else if (flooded_) {
      o.kind = Outcome::Kind::kFlooded;
    } else if (reply_->stream_error()) {
      o.kind = Outcome::Kind::kRefused;
      o.condition = xml::ConditionFromName(*reply_->stream_error()).value_or(xml::Condition::kUndefinedCondition);
    } else if (!tls_failure_.empty()) {
      o.kind = Outcome::Kind::kRefusedTls;
      o.tls_code = tls_failure_;
    } else if (conn_.eof() || reply_->stream_closed() || tls_ended_) {
      o.kind = Outcome::Kind::kClosed;
    } else {
      o.kind = Outcome::Kind::kNoAnswer;
    }
    return o;
  }

  // Open connects and sends what |profile| puts before a vector: with TLS,
  // STARTTLS and the handshake first (raw: the vector's bytes are the whole
  // stream inside TLS); then nothing (raw), a stream header (opened), or a
  // stream header and a log-in with resource binding (authenticated).
  // Returns "" or why it failed.
  std::string Open(Profile profile) {
    std::string error;
    if (!conn_.Connect(config_, Step(kStepTimeoutMs), &error)) return "cannot connect: " + error;
    if (config_.use_tls) {
      if (std::string failed = StartTls(); !failed.empty()) return failed;
    }
    if (profile == Profile::kRaw) return {};
    if (!OpenStream(1)) return Failure("opening the stream");
    if (profile == Profile::kOpened) return {};
    if (std::string failed = LogIn(); !failed.empty()) return failed;
    if (!OpenStream(2)) return Failure("restarting the stream after logging in");
    if (!Send("<iq type='set' id='xmppfuzz-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>",
              Step(kStepTimeoutMs))) {
      return Failure("binding a resource");
    }
    Wait(Step(kStepTimeoutMs), [&] { return reply_->bound().has_value(); });
    if (!reply_->bound() || !*reply_->bound()) return Failure("binding a resource");
    // Available presence, so that a message to our own bare JID is delivered
    // to this resource rather than bounced (RFC 6121 8.5.2.1).
    if (!Send("<presence/>", Step(kStepTimeoutMs))) return Failure("sending initial presence");
    return {};
  }

  // ProbeStarttls opens a stream in the clear and reports whether the features
  // offer STARTTLS (|*offered|). Returns "" or why it could not tell.
  std::string ProbeStarttls(bool* offered) {
    std::string error;
    if (!conn_.Connect(config_, Step(kStepTimeoutMs), &error)) return "cannot connect: " + error;
    tls::StarttlsConfig sc;
    sc.require_tls = false;
    sc.domain = config_.domain;
    tls::StarttlsClient client(sc);
    tls::StarttlsWait w = client.Start();
    negotiating_ = true;
    if (!SendWire(client.output(), Step(kStepTimeoutMs)) && negotiation_in_.empty()) {
      return Failure("opening the stream");
    }
    Clock::time_point step = Step(kStepTimeoutMs);
    while (true) {
      if (!negotiation_in_.empty()) {
        w = client.Feed(negotiation_in_);
        negotiation_in_.clear();
        if (w == tls::StarttlsWait::kSend) {  // <starttls/> queued: it is offered
          *offered = true;
          return {};
        }
        if (w == tls::StarttlsWait::kNoTls) {
          *offered = false;
          return {};
        }
        if (w != tls::StarttlsWait::kNeedBytes) break;
      }
      if (Stopped() || !ReadSome(step)) break;
    }
    return Failure("reading the stream features");
  }

  // Play sends the vector's bytes and the probe and classifies the answer.
  Observation Play(std::string_view input, bool preauth) {
    Observation obs;
    reply_->Mark();
    bool sent = Send(input, deadline_) && Send(preauth ? kPreauthProbe : kProbe, Step(kStepTimeoutMs));
    (void)sent;  // a refused vector may well stop the server reading
    // Bounces may be routed after the probe's answer: give them a moment, so
    // that a run classifies the same way every time.
    // A large input takes a server time to read and parse (a loaded Lua or
    // Erlang server needs seconds for 256 KiB): allow 1 ms more per 64 bytes,
    // so that a slow answer is not taken for no answer.
    int wait_ms = config_.timeout_ms + static_cast<int>(std::min<size_t>(input.size() / 64, 60000));
    if (Wait(Step(wait_ms), [&] { return reply_->probe_answered(); })) {
      Wait(Step(kSettleMs), [] { return false; });
    }
    obs.detail = reply_->since_mark().total() == 0 ? "(nothing)" : reply_->since_mark().Quote();
    obs.detail += Notes();
    // What the parser refused or what went over the cap decides first:
    // nothing the server did after (or instead of) a valid reply can pass.
    if (reply_->refusal()) {
      obs.outcome.kind = Outcome::Kind::kInvalidReply;
      obs.outcome.condition = reply_->refusal()->condition;
    } else if (flooded_) {
      obs.outcome.kind = Outcome::Kind::kFlooded;
    } else if (reply_->stream_error()) {
      obs.outcome.kind = Outcome::Kind::kRefused;
      auto c = xml::ConditionFromName(*reply_->stream_error());
      obs.outcome.condition = c.value_or(xml::Condition::kUndefinedCondition);
      if (!c) obs.detail = "unknown stream error <" + Quote(*reply_->stream_error(), kMaxConditionName) + "/>; " + obs.detail;
    } else if (reply_->probe_answered()) {
      obs.outcome.stanza_conditions = reply_->bounces();
      obs.outcome.kind = obs.outcome.stanza_conditions.empty() ? Outcome::Kind::kAccepted : Outcome::Kind::kStanzaError;
    } else if (reply_->stream_closed() || conn_.eof() || tls_ended_) {
      // A TLS alert or close_notify ends the connection as a TCP close does
      // in the clear; the detail names it.
      obs.outcome.kind = Outcome::Kind::kClosed;
    } else {
      obs.outcome.kind = Outcome::Kind::kNoAnswer;
    }
    return obs;
  }

  // Summary says how the session logged in: the mechanism, and the TLS
  // version and suite.
  std::string Summary() const {
    std::string out = "with " + (mechanism_.empty() ? std::string("no mechanism") : mechanism_);
    if (tls_ != nullptr && tls_->established()) {
      out += " over " + tls::VersionName(tls_->version()) + " " + tls_->cipher_name();
    } else {
      out += " in cleartext";
    }
    return out;
  }

  bool OpenStream(int nth) {
    std::string header = Prelude(Profile::kOpened, Side::kClientToServer, config_.domain);
    if (!Send(header, Step(kStepTimeoutMs))) return false;
    return Wait(Step(kStepTimeoutMs), [&] { return reply_->opens() >= nth && reply_->features_seen() >= nth; });
  }

 private:
  // StartTls negotiates STARTTLS in the clear with tls::StarttlsClient (TLS
  // required: a server that does not offer it, or answers <failure/>, is
  // refused), runs the handshake with a tls::Session that verifies the
  // certificate for the XMPP domain, and leaves a fresh reply parser for
  // the stream restarted inside TLS. Returns "" or why it failed.
  std::string StartTls() {
    tls::StarttlsConfig sc;
    sc.require_tls = true;
    sc.domain = config_.domain;
    tls::StarttlsClient client(sc);
    tls::StarttlsWait w = client.Start();
    negotiating_ = true;
    // A server that answers (or refuses) before our header is out has its
    // bytes read while we write: they are looked at before giving up.
    if (!SendWire(client.output(), Step(kStepTimeoutMs)) && negotiation_in_.empty()) {
      return Failure("opening the stream for STARTTLS");
    }
    Clock::time_point step = Step(kStepTimeoutMs);
    while (true) {
      if (!negotiation_in_.empty()) {
        std::string in = std::move(negotiation_in_);
        negotiation_in_.clear();
        w = client.Feed(in);
        if (w == tls::StarttlsWait::kStartTls) break;
        if (w == tls::StarttlsWait::kSend && !SendWire(client.output(), Step(kStepTimeoutMs))) {
          if (!negotiation_in_.empty()) continue;  // the server answered (or refused) meanwhile
          return Failure("sending <starttls/>");
        }
        if (w == tls::StarttlsWait::kFailed || w == tls::StarttlsWait::kNoTls) {
          tls_failure_ = std::string(tls::ErrorName(client.failure().code));
          return Failure("negotiating STARTTLS (" + tls_failure_ + ")");
        }
        continue;
      }
      if (Stopped()) return Failure("negotiating STARTTLS");
      if (!ReadSome(step)) {
        if (Clock::now() >= deadline_) deadline_hit_ = true;
        return Failure("negotiating STARTTLS (waiting in state " + std::string(tls::StateName(client.state())) + ")");
      }
    }
    negotiating_ = false;
    // Plaintext that came after <proceed/> before our ClientHello can only
    // have been injected: dropped with the rest, and so is whatever comes
    // until the TLS session exists (OnWire).
    discarding_ = true;
    dropped_ = client.discarded_bytes() + negotiation_in_.size();
    negotiation_in_.clear();
    // Whatever followed <proceed/> was dropped by the STARTTLS client; the
    // restarted stream gets a parser of its own.
    before_tls_ = reply_->all().Quote();
    reply_ = std::make_unique<Reply>();

    tls::SessionConfig tc;
    tc.role = tls::Role::kClient;
    tc.reference_domain = config_.domain;
    tc.trust_store = config_.trust.get();
    tls::Failure f;
    std::string detail;
    tls_ = tls::Session::Create(tc, &f, &detail);
    if (tls_ == nullptr) {
      tls_failure_ = std::string(tls::ErrorName(f.code));
      return "TLS session: " + tls_failure_ + " (" + Quote(detail, 200) + ")";
    }
    step = Step(kStepTimeoutMs);
    while (true) {
      tls::Progress p = tls_->Handshake();
      if (tls_->HasOutput() && !SendWire(tls_->TakeOutput(), step)) break;
      if (p == tls::Progress::kDone) break;
      if (p == tls::Progress::kFailed || tls_ended_ || flooded_) break;
      if (p == tls::Progress::kWantRead) {
        std::string in;
        Connection::ReadResult r = conn_.Read(step, ReadMax(), &in);
        if (!in.empty() && !OnWire(in)) break;
        if (r == Connection::ReadResult::kEof) tls_->FeedEof();
        if (r == Connection::ReadResult::kTimeout) {
          if (Clock::now() >= deadline_) deadline_hit_ = true;
          tls_failure_ = "handshake-failed";
          return Failure("the TLS handshake (no answer)");
        }
      }
    }
    if (!tls_->established()) {
      if (dropped_ > 0) tls_note_ += " [" + std::to_string(dropped_) + " bytes after <proceed/> dropped, never read]";
      tls_failure_ = std::string(tls::ErrorName(tls_->failure().code));
      if (tls_failure_ == "none") tls_failure_ = "handshake-failed";
      tls_ended_ = false;  // classified as refused-tls, not as a close
      return "the TLS handshake failed: " + tls_failure_ +
             (tls_->detail().empty() ? "" : " (" + Quote(tls_->detail(), 200) + ")") +
             (tls_->verify_result() != 0 ? " [X509 verify error " + std::to_string(tls_->verify_result()) + "]" : "") +
             (Clock::now() >= deadline_ ? " [the vector's deadline passed]" : "") + tls_note_;
    }
    if (dropped_ > 0) tls_note_ = " [" + std::to_string(dropped_) + " bytes after <proceed/> dropped, never read]";
    // Application data that came with the handshake's last flight.
    DrainTls();
    return {};
  }

  // Bindings returns the channel bindings this TLS connection gives.
  std::vector<sasl::ChannelBinding> Bindings() const {
    std::vector<sasl::ChannelBinding> out;
    if (tls_ == nullptr) return out;
    for (tls::ChannelBindingType t : {tls::ChannelBindingType::kTlsExporter, tls::ChannelBindingType::kTlsServerEndPoint,
                                      tls::ChannelBindingType::kTlsUnique}) {
      sasl::ChannelBinding b;
      b.type = static_cast<sasl::CbType>(t);
      if (tls_->ChannelBinding(t, &b.data).ok()) out.push_back(std::move(b));
    }
    return out;
  }

  // SendSasl writes one SASL element of |kind| carrying |data|.
  bool SendSasl(sasl::ElementKind kind, const std::string& mechanism, std::optional<std::string> data) {
    sasl::SaslElement e;
    e.kind = kind;
    e.mechanism = mechanism;
    e.data = std::move(data);
    std::optional<xml::Element> element = sasl::BuildElement(e);
    return element && Send(xml::Canonical(*element), Step(kStepTimeoutMs));
  }

  // NextSasl waits for the server's next SASL element and parses it.
  // Returns "" or why not.
  std::string NextSasl(sasl::SaslElement* out, const std::string& what) {
    Wait(Step(kStepTimeoutMs), [&] { return reply_->HasSasl(); });
    if (reply_->sasl_overflow()) return Failure(what + ": more SASL elements than the exchange has");
    std::optional<xml::Element> element = reply_->TakeSasl();
    if (!element) return Failure(what);
    sasl::Failure f;
    if (!sasl::ParseElement(*element, out, &f)) return Failure(what + ": a malformed SASL element (" + sasl::Describe(f) + ")");
    return {};
  }

  // LogIn authenticates on the opened stream: PLAIN when --mechanism PLAIN
  // asks for it, otherwise SCRAM (--mechanism, or the strongest offered:
  // -PLUS with the first binding of tls-exporter, tls-server-end-point,
  // tls-unique that the server names, every one when it names none). The
  // server's signature must verify. Returns "" or why it failed.
  std::string LogIn() {
    sasl::Offer offer;
    sasl::Failure f;
    if (!sasl::ParseFeatures(reply_->features(), &offer, &f)) {
      return Failure("logging in: the server offers no SASL mechanisms on this stream (" + sasl::Describe(f) + ")");
    }
    auto offered = [&](std::string_view name) {
      return std::find(offer.mechanisms.begin(), offer.mechanisms.end(), name) != offer.mechanisms.end();
    };
    if (!config_.mechanism.empty() && !offered(config_.mechanism)) {
      return Failure("logging in: the server does not offer " + config_.mechanism + " on this connection");
    }
    if (config_.mechanism == "PLAIN") {
      std::string credentials = std::string(1, '\0') + user_ + std::string(1, '\0') + config_.password;
      if (!SendSasl(sasl::ElementKind::kAuth, "PLAIN", credentials)) return Failure("logging in");
      sasl::SaslElement answer;
      if (std::string e = NextSasl(&answer, "logging in"); !e.empty()) return e;
      if (answer.kind != sasl::ElementKind::kSuccess) {
        return Failure("logging in: SASL PLAIN failed for user '" + Quote(user_, 64) + "' (" +
                       std::string(sasl::ErrorName(answer.condition)) + ")");
      }
      mechanism_ = "PLAIN";
      return {};
    }
    sasl::ClientPolicy policy;
    policy.tls = tls_ != nullptr;
    policy.allow_plain = false;
    policy.channel_bindings = Bindings();
    sasl::Offer choose = offer;
    if (!config_.mechanism.empty()) choose.mechanisms = {config_.mechanism};
    sasl::Selection selection;
    if (!sasl::SelectMechanism(choose, policy, &selection, &f)) {
      return Failure("logging in: no SCRAM mechanism to use (" + sasl::Describe(f) + ")");
    }
    sasl::ScramClientConfig cc;
    cc.username = user_;
    cc.password = config_.password;
    sasl::ApplySelection(selection, offer, &cc);
    if (!config_.mechanism.empty()) {
      // An explicit choice: the real offer decides 'y' against 'n'. Without
      // -PLUS asked for, the client says it does not bind ('n'), so a server
      // that offers -PLUS is not shown a downgrade it must refuse.
      cc.server_offered_plus = std::any_of(offer.mechanisms.begin(), offer.mechanisms.end(), [](const std::string& m) {
        auto mech = sasl::MechanismFromName(m);
        return mech && sasl::IsPlus(*mech);
      });
      if (!sasl::IsPlus(cc.mechanism)) cc.channel_binding.reset();
      cc.no_mutual_cb_fallback = false;
    }
    mechanism_ = std::string(sasl::MechanismName(cc.mechanism));
    if (cc.channel_binding && sasl::IsPlus(cc.mechanism)) {
      mechanism_ += " (" + std::string(sasl::CbTypeName(cc.channel_binding->type)) + ")";
    }
    sasl::ScramClient client(cc);
    sasl::Wait w = client.Step();
    if (w != sasl::Wait::kSend) return "logging in: our SCRAM client failed (" + sasl::Describe(client.failure()) + ")";
    if (!SendSasl(sasl::ElementKind::kAuth, std::string(sasl::MechanismName(cc.mechanism)), client.output())) {
      return Failure("logging in with " + mechanism_);
    }
    for (int round = 0; round < kSaslRounds; ++round) {
      sasl::SaslElement answer;
      if (std::string e = NextSasl(&answer, "logging in with " + mechanism_); !e.empty()) return e;
      if (answer.kind == sasl::ElementKind::kFailure) {
        return Failure("logging in: " + mechanism_ + " failed for user '" + Quote(user_, 64) + "' (" +
                       std::string(sasl::ErrorName(answer.condition)) + ")");
      }
      if (answer.kind == sasl::ElementKind::kSuccess && client.state() == sasl::ScramClient::State::kDone) return {};
      if (answer.kind != sasl::ElementKind::kChallenge && answer.kind != sasl::ElementKind::kSuccess) {
        return Failure("logging in: unexpected <" + std::string(sasl::ElementKindName(answer.kind)) + "/>");
      }
      w = client.Step(answer.data.value_or(""));
      if (w == sasl::Wait::kFailure) {
        SendSasl(sasl::ElementKind::kAbort, {}, std::nullopt);
        return Failure("logging in: our SCRAM client refused the server (" + sasl::Describe(client.failure()) + ")");
      }
      if (answer.kind == sasl::ElementKind::kSuccess) {
        if (w == sasl::Wait::kSuccess) return {};
        return Failure("logging in: <success/> before the exchange was complete");
      }
      if (w == sasl::Wait::kSend) {
        if (!SendSasl(sasl::ElementKind::kResponse, {}, client.output())) return Failure("logging in with " + mechanism_);
      } else if (w == sasl::Wait::kSuccess) {
        // server-final came in a challenge (RFC 6120 6.4.6 allows it):
        // answer with an empty response and wait for <success/>.
        if (!SendSasl(sasl::ElementKind::kResponse, {}, std::nullopt)) return Failure("logging in with " + mechanism_);
      }
    }
    return Failure("logging in: more than " + std::to_string(kSaslRounds) + " SASL rounds");
  }

  const LiveConfig& config_;
  std::string user_;
  Clock::time_point deadline_;
  Connection conn_;
  std::unique_ptr<Reply> reply_;
  std::unique_ptr<tls::Session> tls_;
  std::string tls_failure_;  // the tls::Error name when STARTTLS or the handshake failed
  std::string tls_note_;
  std::string before_tls_;   // what the server sent before TLS, quoted
  std::string mechanism_;
  bool negotiating_ = false;     // STARTTLS in progress: OnWire keeps the bytes for it
  bool discarding_ = false;      // <proceed/> seen, no TLS session yet: OnWire drops the bytes
  uint64_t dropped_ = 0;         // plaintext bytes dropped after <proceed/>
  std::string negotiation_in_;   // bytes read and not yet given to the STARTTLS client
  uint64_t read_ = 0;
  bool flooded_ = false;
  bool tls_ended_ = false;
  bool deadline_hit_ = false;
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
    Clock::time_point deadline = After(VectorDeadlineMs(config_, v.input.size()));
    Observation obs;
    {
      Session session(config_, config_.user, deadline);
      std::string failure = session.Open(v.profile);
      if (!failure.empty()) {
        obs.outcome = session.Interrupted();
        obs.broken = "before the vector: " + failure;
      } else {
        obs = session.Play(v.input, v.profile != Profile::kAuthenticated);
      }
    }  // the connection is closed before the health check
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

std::string_view LiveTlsName(LiveTls t) {
  switch (t) {
    case LiveTls::kAuto: return "auto";
    case LiveTls::kRequired: return "required";
    case LiveTls::kOff: return "off";
  }
  return "unknown";
}

bool ParseLiveTls(std::string_view name, LiveTls* out) {
  for (LiveTls t : {LiveTls::kAuto, LiveTls::kRequired, LiveTls::kOff}) {
    if (name == LiveTlsName(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

std::string PrepareLive(LiveConfig* config, std::string* notice) {
  if (!config->mechanism.empty() && !sasl::MechanismFromName(config->mechanism)) {
    return "--mechanism: unknown mechanism '" + Quote(config->mechanism, 64) +
           "' (PLAIN, SCRAM-SHA-1, SCRAM-SHA-256, SCRAM-SHA-512, each SCRAM also -PLUS)";
  }
  if (sasl::MechanismFromName(config->mechanism).has_value() &&
      sasl::IsPlus(*sasl::MechanismFromName(config->mechanism)) && config->tls == LiveTls::kOff) {
    return "--mechanism " + config->mechanism + " needs TLS (a channel binding), not --tls off";
  }
  // The trust store is loaded once per run (the system store too, when no
  // --ca is given), not once per connection.
  config->trust.reset();
  if (config->tls == LiveTls::kOff) {
    config->use_tls = false;
    if (!config->user.empty() && notice != nullptr) {
      Session login(*config, config->user, After(4 * HealthCheckMs(*config)));
      std::string failed = login.Open(Profile::kAuthenticated);
      *notice = failed.empty() ? "logged in " + login.Summary() : "the log-in fails: " + failed;
    }
    return {};
  }
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return "cannot make a certificate store";
  config->trust.reset(store, X509_STORE_free);
  if (!config->ca_file.empty()) {
    if (X509_STORE_load_file(store, config->ca_file.c_str()) != 1) {
      return "--ca: cannot load trusted certificates (PEM) from '" + Quote(config->ca_file, 200) + "'";
    }
  } else if (X509_STORE_set_default_paths(store) != 1) {
    return "cannot load the system's trusted certificates (no --ca given)";
  }
  bool offered = config->tls != LiveTls::kOff;
  if (config->tls == LiveTls::kAuto) {
    Session probe(*config, config->user, After(2 * HealthCheckMs(*config)));
    std::string failed = probe.ProbeStarttls(&offered);
    if (!failed.empty()) {
      // Not knowing is never a reason for cleartext: every vector then
      // requires STARTTLS and reports what the server did instead.
      if (notice != nullptr) *notice = "cannot tell whether the server offers STARTTLS (" + failed + "); requiring it";
      offered = true;
    } else if (notice != nullptr && !offered) {
      *notice = "STARTTLS not offered; --tls auto plays every vector in cleartext";
    }
  }
  config->use_tls = offered;
  if (!config->user.empty()) {
    // One log-in ahead of the run says how the vectors will log in (or why
    // they cannot), once.
    Session login(*config, config->user, After(4 * HealthCheckMs(*config)));
    std::string failed = login.Open(Profile::kAuthenticated);
    std::string line = failed.empty() ? "logged in " + login.Summary() : "the log-in fails: " + failed;
    if (notice != nullptr) *notice += (notice->empty() ? "" : "; ") + line;
  }
  return {};
}

std::unique_ptr<Target> MakeLiveTarget(const LiveConfig& config) { return std::make_unique<LiveTarget>(config); }

int VectorDeadlineMs(const LiveConfig& config, size_t input_bytes) {
  uint64_t ms = 4ull * static_cast<uint64_t>(config.timeout_ms) + input_bytes / 64;
  return static_cast<int>(std::min<uint64_t>(ms, kLiveVectorCapMs));
}

int HealthCheckMs(const LiveConfig& config) { return std::min(config.timeout_ms, kLiveHealthCapMs); }

std::string CheckLive(const LiveConfig& config) {
  Connection conn;
  std::string error;
  if (!conn.Connect(config, After(HealthCheckMs(config)), &error)) {
    return "the server does not take new connections (" + error + ")";
  }
  return {};
}

}  // namespace xmppfuzz::conform
