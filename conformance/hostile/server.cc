// The scripted hostile XMPP server (README "Hostile server: client
// libraries"). One connection is played by a Session: a state machine with
// one function per state and a driver loop, over a Channel (TCP, TLS over
// TCP, or RFC 6455 WebSocket framing over either).
#include "conformance/hostile/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "conformance/hostile/hostile.h"
#include "conformance/hostile/internal.h"
#include "conformance/runner/oracle.h"
#include "targets/sasl/sasl.h"
#include "targets/stream/stream.h"
#include "targets/tls/tls.h"

namespace xmppfuzz::hostile {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxConnections = 4;  // a client that reconnects for ever is bounded by its wall clock
constexpr size_t kMaxClientBytes = 4u << 20;
// A client that used at least this share of the wall clock on the CPU while
// our server waited for it is working (a SCRAM key derivation in JavaScript
// on a loaded machine), not silent: the wait goes on. An idle client (one
// waiting on its socket or a timer) uses next to none.
constexpr double kBusyShare = 0.05;
// The longest our server waits on a busy client in one step; the driver's
// own wall-clock and CPU limits end it sooner.
constexpr int kMaxPatienceMs = 120000;

int64_t MsLeft(Clock::time_point deadline) {
  return std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}

std::string RandomAlnum(size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  unsigned char buf[64];
  while (out.size() < n) {
    RAND_bytes(buf, sizeof buf);
    for (unsigned char c : buf) {
      if (out.size() < n && c < 248) out += kAlphabet[c % 62];
    }
  }
  return out;
}

std::string Listen(int* fd, int* port) {
  *fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0) return std::string("socket: ") + std::strerror(errno);
  int one = 1;
  ::setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(*fd, 8) != 0 ||
      ::getsockname(*fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string e = std::string("bind 127.0.0.1: ") + std::strerror(errno);
    ::close(*fd);
    *fd = -1;
    return e;
  }
  *port = ntohs(addr.sin_port);
  return {};
}

// ---- channels -------------------------------------------------------------------

// Channel moves bytes to and from the client. Recv: 1 bytes appended, 0
// timed out, -1 the client closed or the channel failed.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual bool Send(std::string_view bytes) = 0;
  virtual int Recv(std::string* out, int timeout_ms) = 0;
};

class TcpChannel final : public Channel {
 public:
  explicit TcpChannel(int fd) : fd_(fd) {}
  bool Send(std::string_view bytes) override {
    while (!bytes.empty()) {
      struct pollfd p = {fd_, POLLOUT, 0};
      if (::poll(&p, 1, 2000) <= 0) return false;  // a client that stops reading
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  int Recv(std::string* out, int timeout_ms) override {
    struct pollfd p = {fd_, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r == 0) return 0;
    if (r < 0) return errno == EINTR ? 0 : -1;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return n < 0 && errno == EINTR ? 0 : -1;
    out->append(buf, static_cast<size_t>(n));
    return 1;
  }

 private:
  int fd_;
};

// TlsEngine is the server side of TLS over memory BIOs: tls::Session
// (hardened) or, for the weak-policy scenarios, a bare OpenSSL server that
// offers only what the scenario says.
class TlsEngine {
 public:
  virtual ~TlsEngine() = default;
  virtual bool Feed(std::string_view bytes) = 0;
  virtual void FeedEof() = 0;
  virtual std::string TakeOutput() = 0;
  virtual tls::Progress Handshake() = 0;
  virtual tls::Progress Read(std::string* out) = 0;
  virtual bool Write(std::string_view data) = 0;
  virtual std::string Describe() const = 0;  // version and suite
  virtual std::string FailureText() const = 0;
};

class SessionEngine final : public TlsEngine {
 public:
  explicit SessionEngine(std::unique_ptr<tls::Session> s) : s_(std::move(s)) {}
  bool Feed(std::string_view bytes) override { return s_->Feed(bytes); }
  void FeedEof() override { s_->FeedEof(); }
  std::string TakeOutput() override { return s_->TakeOutput(); }
  tls::Progress Handshake() override { return s_->Handshake(); }
  tls::Progress Read(std::string* out) override { return s_->Read(out); }
  bool Write(std::string_view data) override { return s_->Write(data); }
  std::string Describe() const override { return tls::VersionName(s_->version()) + " " + s_->cipher_name(); }
  std::string FailureText() const override {
    return std::string(tls::ErrorName(s_->failure().code)) + (s_->detail().empty() ? "" : " (" + s_->detail() + ")");
  }

 private:
  std::unique_ptr<tls::Session> s_;
};

class LaxEngine final : public TlsEngine {
 public:
  LaxEngine(const std::string& weak, X509* cert, EVP_PKEY* key) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_security_level(ctx_, 0);
    if (weak == "1.0") {
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, TLS1_VERSION);
    } else {
      SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    }
    // Suites without AEAD (CBC with HMAC-SHA1): what RFC 9325 section 4.2 no longer recommends.
    SSL_CTX_set_cipher_list(ctx_, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0");
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    ssl_ = SSL_new(ctx_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_, rbio_, wbio_);
    SSL_set_accept_state(ssl_);
    ERR_clear_error();
  }
  ~LaxEngine() override {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  bool Feed(std::string_view bytes) override {
    return BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  void FeedEof() override { BIO_set_mem_eof_return(rbio_, 0); }
  std::string TakeOutput() override {
    std::string out;
    char buf[16384];
    int n;
    while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  tls::Progress Handshake() override {
    if (failed_) return BIO_ctrl_pending(wbio_) > 0 ? tls::Progress::kWantWrite : tls::Progress::kFailed;
    int r = SSL_do_handshake(ssl_);
    bool pending = BIO_ctrl_pending(wbio_) > 0;
    if (r == 1) return pending ? tls::Progress::kWantWrite : tls::Progress::kDone;
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ) return pending ? tls::Progress::kWantWrite : tls::Progress::kWantRead;
    failed_ = true;
    unsigned long code = ERR_get_error();
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    failure_ = buf;
    ERR_clear_error();
    return pending ? tls::Progress::kWantWrite : tls::Progress::kFailed;
  }
  tls::Progress Read(std::string* out) override {
    char buf[16384];
    while (true) {
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n > 0) {
        out->append(buf, static_cast<size_t>(n));
        continue;
      }
      int e = SSL_get_error(ssl_, n);
      ERR_clear_error();
      if (e == SSL_ERROR_WANT_READ) return tls::Progress::kWantRead;
      if (e == SSL_ERROR_ZERO_RETURN) return tls::Progress::kDone;
      return tls::Progress::kFailed;
    }
  }
  bool Write(std::string_view data) override {
    if (data.empty()) return true;
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0;
  }
  std::string Describe() const override {
    return std::string(SSL_get_version(ssl_)) + " " + SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_));
  }
  std::string FailureText() const override { return failure_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  bool failed_ = false;
  std::string failure_;
};

std::unique_ptr<TlsEngine> MakeEngine(const Script& script, std::string* error) {
  const tls::testing::Issued& leaf = Pki().leaves.at(script.cert);
  if (!script.weak_tls.empty()) return std::make_unique<LaxEngine>(script.weak_tls, leaf.cert.get(), leaf.key.get());
  tls::SessionConfig config;
  config.role = tls::Role::kServer;
  config.certificate = leaf.cert.get();
  config.private_key = leaf.key.get();
  tls::Failure failure;
  std::string detail;
  auto s = tls::Session::Create(config, &failure, &detail);
  if (!s) {
    *error = "tls::Session::Create: " + std::string(tls::ErrorName(failure.code)) + " " + detail;
    return nullptr;
  }
  return std::make_unique<SessionEngine>(std::move(s));
}

class TlsChannel final : public Channel {
 public:
  TlsChannel(Channel* inner, std::unique_ptr<TlsEngine> engine) : inner_(inner), engine_(std::move(engine)) {}
  // Handshake runs the server handshake; |pending| holds client bytes that
  // arrived before (none: STARTTLS discards them). Returns false with |why|.
  bool Handshake(int timeout_ms, std::string* why) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      tls::Progress p = engine_->Handshake();
      std::string out = engine_->TakeOutput();
      if (!out.empty() && !inner_->Send(out)) {
        *why = "the client stopped reading during the handshake";
        return false;
      }
      if (p == tls::Progress::kDone) return true;
      if (p == tls::Progress::kFailed) {
        *why = engine_->FailureText();
        return false;
      }
      if (p == tls::Progress::kWantWrite) continue;
      std::string in;
      int r = inner_->Recv(&in, static_cast<int>(std::min<int64_t>(MsLeft(deadline), 500)));
      if (r < 0) {
        engine_->FeedEof();
        p = engine_->Handshake();
        *why = "the client closed the connection during the handshake (" + engine_->FailureText() + ")";
        return false;
      }
      if (r == 0 && MsLeft(deadline) == 0) {
        *why = "the client went silent during the handshake";
        return false;
      }
      if (!in.empty() && !engine_->Feed(in)) {
        engine_->Handshake();
        std::string alert = engine_->TakeOutput();
        *why = engine_->FailureText();
        return false;
      }
    }
  }
  bool Send(std::string_view bytes) override {
    if (!engine_->Write(bytes)) return false;
    std::string out = engine_->TakeOutput();
    return out.empty() || inner_->Send(out);
  }
  int Recv(std::string* out, int timeout_ms) override {
    size_t before = out->size();
    tls::Progress p = engine_->Read(out);
    if (out->size() > before) return 1;
    if (p == tls::Progress::kDone || p == tls::Progress::kFailed) return -1;
    std::string in;
    int r = inner_->Recv(&in, timeout_ms);
    if (r <= 0) return r;
    if (!engine_->Feed(in)) return -1;
    p = engine_->Read(out);
    std::string pending = engine_->TakeOutput();  // e.g. TLS 1.3 key updates
    if (!pending.empty()) inner_->Send(pending);
    if (out->size() > before) return 1;
    return p == tls::Progress::kDone || p == tls::Progress::kFailed ? -1 : 0;
  }
  std::string Describe() const { return engine_->Describe(); }

 private:
  Channel* inner_;
  std::unique_ptr<TlsEngine> engine_;
};

// WsChannel is the server side of RFC 6455 over |inner|: Accept reads the
// opening handshake; then each Send is one text frame and each Recv returns
// one message (frames reassembled; pings answered).
class WsChannel final : public Channel {
 public:
  explicit WsChannel(Channel* inner) : inner_(inner) {}

  bool Accept(int timeout_ms, std::string* why) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > 16384) {
        *why = "an HTTP request over 16 KiB";
        return false;
      }
      int r = inner_->Recv(&buf_, static_cast<int>(std::min<int64_t>(MsLeft(deadline), 500)));
      if (r < 0 || (r == 0 && MsLeft(deadline) == 0)) {
        *why = "no WebSocket opening handshake";
        return false;
      }
    }
    std::string request = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::string key, protocols;
    bool upgrade = false;
    size_t pos = request.find("\r\n");
    std::string first = request.substr(0, pos);
    while (pos != std::string::npos) {
      size_t next = request.find("\r\n", pos + 2);
      std::string line = request.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "sec-websocket-key") key = value;
      if (name == "sec-websocket-protocol") protocols = value;
      if (name == "upgrade") {
        for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        upgrade = value == "websocket";
      }
    }
    if (first.rfind("GET /xmpp-websocket", 0) != 0 || !upgrade || key.empty()) {
      inner_->Send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      *why = "not a WebSocket upgrade for /xmpp-websocket: " + Escape(first, 200);
      return false;
    }
    // RFC 6455 4.2.2: the accept value is base64(SHA-1(key + GUID)).
    std::string material = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(material.data(), material.size(), digest, &n, EVP_sha1(), nullptr);
    std::string accept = sasl::Base64Encode(std::string_view(reinterpret_cast<char*>(digest), n));
    std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: " + accept + "\r\n";
    // RFC 7395 3.1: the subprotocol is "xmpp".
    if (protocols.find("xmpp") != std::string::npos) response += "Sec-WebSocket-Protocol: xmpp\r\n";
    response += "\r\n";
    return inner_->Send(response);
  }

  bool Send(std::string_view bytes) override {
    std::string frame;
    frame += static_cast<char>(0x81);  // FIN, text
    if (bytes.size() < 126) {
      frame += static_cast<char>(bytes.size());
    } else if (bytes.size() < 65536) {
      frame += static_cast<char>(126);
      frame += static_cast<char>(bytes.size() >> 8);
      frame += static_cast<char>(bytes.size() & 0xff);
    } else {
      frame += static_cast<char>(127);
      for (int i = 7; i >= 0; --i) frame += static_cast<char>((static_cast<uint64_t>(bytes.size()) >> (8 * i)) & 0xff);
    }
    frame.append(bytes);
    return inner_->Send(frame);
  }

  int Recv(std::string* out, int timeout_ms) override {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      int got = TakeFrame(out);
      if (got != 0) return got;
      int r = inner_->Recv(&buf_, static_cast<int>(MsLeft(deadline)));
      if (r < 0) return -1;
      if (r == 0 && MsLeft(deadline) == 0) return 0;
    }
  }
  bool closed_by_client() const { return close_seen_; }

 private:
  // TakeFrame: 1 a whole message moved to |out|, 0 need bytes, -1 close/bad.
  int TakeFrame(std::string* out) {
    while (true) {
      if (buf_.size() < 2) return 0;
      const auto* b = reinterpret_cast<const unsigned char*>(buf_.data());
      bool fin = (b[0] & 0x80) != 0;
      int opcode = b[0] & 0x0f;
      bool masked = (b[1] & 0x80) != 0;
      uint64_t len = b[1] & 0x7f;
      size_t at = 2;
      if (len == 126) {
        if (buf_.size() < 4) return 0;
        len = (static_cast<uint64_t>(b[2]) << 8) | b[3];
        at = 4;
      } else if (len == 127) {
        if (buf_.size() < 10) return 0;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
        at = 10;
      }
      if (!masked || len > kMaxClientBytes) return -1;  // RFC 6455 5.1: client frames are masked
      if (buf_.size() < at + 4 + len) return 0;
      const unsigned char* mask = b + at;
      std::string payload = buf_.substr(at + 4, static_cast<size_t>(len));
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
      buf_.erase(0, at + 4 + static_cast<size_t>(len));
      if (opcode == 0x8) {
        close_seen_ = true;
        std::string frame = "\x88";
        frame += static_cast<char>(0);
        inner_->Send(frame);
        return -1;
      }
      if (opcode == 0x9) {  // ping: pong with the same payload
        std::string frame = "\x8a";
        frame += static_cast<char>(payload.size() < 126 ? payload.size() : 0);
        if (payload.size() < 126) frame += payload;
        inner_->Send(frame);
        continue;
      }
      if (opcode == 0xa) continue;
      message_ += payload;
      if (fin) {
        out->append(message_);
        message_.clear();
        return 1;
      }
    }
  }

  Channel* inner_;
  std::string buf_;
  std::string message_;
  bool close_seen_ = false;
};

// ---- the XMPP layer -----------------------------------------------------------

using conform::oracle::XmlAttr;

std::string Bare() { return std::string(kUser) + "@" + std::string(kDomain); }

std::string SaslElement(std::string_view name, std::string_view data) {
  std::string s = "<" + std::string(name) + " xmlns='urn:ietf:params:xml:ns:xmpp-sasl'";
  if (data.empty()) return s + "/>";
  return s + ">" + sasl::Base64Encode(data) + "</" + std::string(name) + ">";
}

// Credentials for every SCRAM hash, derived once per process.
const sasl::StoredCredentials& Credentials(sasl::Hash hash) {
  static std::mutex m;
  static std::map<sasl::Hash, sasl::StoredCredentials> cache;
  std::lock_guard<std::mutex> lock(m);
  auto it = cache.find(hash);
  if (it == cache.end()) {
    auto c = sasl::DeriveCredentials(hash, kPassword, "xmppfuzz-hostile-salt", sasl::kMinIterations);
    it = cache.emplace(hash, *c).first;
  }
  return it->second;
}

class Session {
 public:
  enum class State : uint8_t {
    kReadHeader,   // the client's first stream header
    kNegotiate,    // features sent; <starttls/> or <auth/> next
    kHandshake,    // TLS
    kReadTlsHeader,
    kAuth,         // mechanisms offered; <auth/> next
    kScram,        // inside a SCRAM exchange
    kReadRestart,  // after <success/>: the restarted header
    kBind,
    kOnline,
    kClose,
    kDone,
  };

  Session(const ServeConfig& config, ServerLog* log, int fd, const std::atomic<bool>* stop,
          const std::atomic<pid_t>* client_group)
      : config_(config), s_(config.script), log_(log), fd_(fd), stop_(stop), client_group_(client_group), tcp_(fd) {}

  void Run() {
    channel_ = &tcp_;
    if (config_.websocket && !StartWebSocket()) return;
    NewParser();
    while (state_ != State::kDone && !stop_->load()) {
      State before = state_;
      switch (state_) {
        case State::kReadHeader: ReadHeader(); break;
        case State::kNegotiate: Negotiate(); break;
        case State::kHandshake: Handshake(); break;
        case State::kReadTlsHeader: ReadTlsHeader(); break;
        case State::kAuth: Auth(); break;
        case State::kScram: Scram(); break;
        case State::kReadRestart: ReadRestart(); break;
        case State::kBind: Bind(); break;
        case State::kOnline: Online(); break;
        case State::kClose: CloseStream(); break;
        case State::kDone: break;
      }
      if (state_ != before) log_->Note(std::string("state ") + StateName(state_));
    }
  }

  static const char* StateName(State s) {
    switch (s) {
      case State::kReadHeader: return "read-header";
      case State::kNegotiate: return "negotiate";
      case State::kHandshake: return "handshake";
      case State::kReadTlsHeader: return "read-tls-header";
      case State::kAuth: return "auth";
      case State::kScram: return "scram";
      case State::kReadRestart: return "read-restart";
      case State::kBind: return "bind";
      case State::kOnline: return "online";
      case State::kClose: return "close";
      case State::kDone: return "done";
    }
    return "?";
  }

 private:
  // ---- transport

  bool StartWebSocket() {
    std::string why;
    // RFC 7395 has no STARTTLS: TLS is the transport's (wss), always on here.
    std::string error;
    auto engine = MakeEngine(s_, &error);
    if (!engine) {
      log_->Note(error);
      return false;
    }
    tls_ = std::make_unique<TlsChannel>(&tcp_, std::move(engine));
    if (!tls_->Handshake(config_.idle_ms, &why)) {
      log_->tls_failure = why;
      log_->Note("wss handshake failed: " + Escape(why));
      return false;
    }
    log_->tls_established = true;
    log_->tls_version = tls_->Describe();
    tls_up_ = true;
    ws_ = std::make_unique<WsChannel>(tls_.get());
    if (!ws_->Accept(config_.idle_ms, &why)) {
      log_->Note("websocket: " + why);
      return false;
    }
    log_->sent_over_tls = true;
    channel_ = ws_.get();
    return true;
  }

  void NewParser() {
    stream::Options o;
    o.side = stream::Side::kServer;
    o.authenticated = authenticated_;
    parser_ = std::make_unique<stream::Parser>(o);
  }

  bool SendRaw(std::string_view bytes) {
    if (!channel_->Send(bytes)) {
      log_->Note("the client stopped reading");
      state_ = State::kDone;
      return false;
    }
    return true;
  }

  void SendHeader(const std::string& replacement = {}) {
    std::string id = RandomAlnum(12);
    if (config_.websocket) {
      SendRaw("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='" + std::string(kDomain) + "' id='" + id +
              "' version='1.0' xml:lang='en'/>");
    } else {
      SendRaw(replacement.empty() ? stream::ServerHeader(kDomain, id) : replacement);
    }
  }

  static std::string Features(const std::string& inner) {
    return "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>" + inner + "</stream:features>";
  }

  static std::string Mechanisms(const std::vector<std::string>& names) {
    std::string s = "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
    for (const std::string& n : names) s += "<mechanism>" + n + "</mechanism>";
    return s + "</mechanisms>";
  }

  // ClientCpu reads the CPU time of the driver's process group; false when
  // no driver is watched or its group is gone.
  bool ClientCpu(double* cpu) const {
    pid_t group = client_group_ == nullptr ? 0 : client_group_->load();
    return group > 0 && GroupCpuSeconds(group, cpu);
  }

  // Next returns the client's next stream event, or nullopt when it went
  // silent for |timeout_ms|, closed, or broke the stream rules (logged).
  // Silent means idle: with |patient|, a client that kept the CPU busy
  // (kBusyShare of the wait) is waited for again, up to kMaxPatienceMs, so
  // that a slow machine never makes our server give up on a client that is
  // still computing its next move (the verdict would then be judged on a
  // scenario that never ran).
  std::optional<stream::Event> Next(int timeout_ms, bool patient = true) {
    auto start = Clock::now();
    auto deadline = start + std::chrono::milliseconds(timeout_ms);
    auto mark = start;
    double cpu_mark = 0;
    patient = patient && ClientCpu(&cpu_mark);
    while (true) {
      if (!pending_.empty()) {
        stream::Event e = std::move(pending_.front());
        pending_.erase(pending_.begin());
        if (e.kind == stream::Event::Kind::kError) {
          log_->client_error = std::string(xml::ConditionName(e.error.condition)) + " at " + std::to_string(e.offset);
          log_->Note("our parser refused the client's bytes: " + log_->client_error);
          closed_ = true;
          return std::nullopt;
        }
        if (e.kind == stream::Event::Kind::kStreamClose) {
          log_->Note("the client closed the stream");
          closed_ = true;
          return std::nullopt;
        }
        return e;
      }
      if (closed_ || stop_->load()) return std::nullopt;
      std::string in;
      int r = channel_->Recv(&in, static_cast<int>(std::min<int64_t>(MsLeft(deadline), 200)));
      if (r < 0) {
        log_->Note("the client closed the connection");
        closed_ = true;
        return std::nullopt;
      }
      if (r == 0) {
        if (MsLeft(deadline) > 0) continue;
        if (patient && ClientBusy(&mark, &cpu_mark) &&
            Clock::now() - start < std::chrono::milliseconds(kMaxPatienceMs)) {
          if (!waited_on_busy_) log_->Note("waiting on a busy client (it is using the CPU)");
          waited_on_busy_ = true;
          deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
          continue;
        }
        return std::nullopt;
      }
      received_ += in.size();
      if (received_ > kMaxClientBytes) {
        log_->Note("the client sent more than 4 MiB");
        closed_ = true;
        return std::nullopt;
      }
      if (config_.websocket) {
        // RFC 7395 framing elements stand for the stream header and its end.
        if (in.rfind("<open", 0) == 0) {
          in = stream::ClientHeader(kDomain);
        } else if (in.rfind("<close", 0) == 0) {
          in = "</stream:stream>";
        }
      }
      parser_->Feed(in);
      for (stream::Event& e : parser_->TakeEvents()) pending_.push_back(std::move(e));
    }
  }

  // ClientBusy reports whether the client used kBusyShare of the wall clock
  // on the CPU since |mark|, and moves the mark to now.
  bool ClientBusy(Clock::time_point* mark, double* cpu_mark) const {
    double cpu = 0;
    if (!ClientCpu(&cpu)) return false;
    auto now = Clock::now();
    double wall_s = std::chrono::duration<double>(now - *mark).count();
    bool busy = cpu - *cpu_mark >= kBusyShare * wall_s;
    *mark = now;
    *cpu_mark = cpu;
    return busy;
  }

  // ---- states

  void ReadHeader() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish();
    if (e->kind != stream::Event::Kind::kStreamOpen) return Finish("a stanza before the stream header");
    SendHeader();
    using S = Script::Starttls;
    if (tls_up_) {  // wss
      SendRaw(Features(Mechanisms(s_.mechanisms)));
      state_ = State::kAuth;
      return;
    }
    switch (s_.starttls) {
      case S::kRequired:
      case S::kFail:
        SendRaw(Features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"));
        break;
      case S::kOptional:
        SendRaw(Features("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + Mechanisms(s_.mechanisms)));
        break;
      case S::kNone: SendRaw(Features(Mechanisms(s_.mechanisms))); break;
    }
    state_ = State::kNegotiate;
  }

  void Negotiate() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish();
    const xml::Element& el = e->element;
    if (el.ns == stream::kTlsNs && el.name == "starttls") {
      log_->starttls_requested = true;
      if (s_.starttls == Script::Starttls::kFail) {
        // RFC 6120 5.4.2.2: <failure/>, then the server closes. The hostile
        // one keeps the stream and offers PLAIN in the clear instead.
        SendRaw("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        SendRaw(Features(Mechanisms({"PLAIN"})));
        starttls_failed_ = true;
        state_ = State::kAuth;
        return;
      }
      if (!SendRaw("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")) return;
      state_ = State::kHandshake;
      return;
    }
    if (el.ns == sasl::kSaslNs && el.name == "auth") {
      pending_.insert(pending_.begin(), std::move(*e));
      state_ = State::kAuth;
      return;
    }
    Finish("unexpected " + Escape(el.name, 80) + " before TLS");
  }

  void Handshake() {
    std::string error;
    auto engine = MakeEngine(s_, &error);
    if (!engine) return Finish(error);
    // Client bytes after <starttls/> (none from a conforming client) are
    // dropped, as StarttlsServer does.
    pending_.clear();
    tls_ = std::make_unique<TlsChannel>(&tcp_, std::move(engine));
    std::string why;
    if (!tls_->Handshake(config_.idle_ms, &why)) {
      log_->tls_failure = why;
      log_->Note("TLS handshake failed: " + Escape(why));
      state_ = State::kDone;
      return;
    }
    log_->tls_established = true;
    log_->tls_version = tls_->Describe();
    log_->Note("TLS up: " + log_->tls_version);
    tls_up_ = true;
    channel_ = tls_.get();
    NewParser();
    state_ = State::kReadTlsHeader;
  }

  void ReadTlsHeader() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish("no stream header over TLS");
    if (e->kind != stream::Event::Kind::kStreamOpen) return Finish("a stanza before the stream header");
    log_->sent_over_tls = true;
    SendHeader();
    SendRaw(Features(Mechanisms(s_.mechanisms)));
    state_ = State::kAuth;
  }

  void Auth() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish();
    const xml::Element& el = e->element;
    if (el.ns != sasl::kSaslNs || el.name != "auth") return Finish("expected <auth/>, got " + Escape(el.name, 80));
    const std::string* m = el.Attr("mechanism");
    std::string mech = m == nullptr ? "" : *m;
    log_->auth_mechanisms.push_back(Escape(mech, 64));
    if (!tls_up_) log_->auth_before_tls = true;
    if (starttls_failed_) log_->auth_after_starttls_failure = true;
    log_->Note("auth " + Escape(mech, 64) + (tls_up_ ? " over TLS" : " in the clear"));
    auto data = sasl::Base64Decode(el.Text());
    std::string initial = data ? *data : std::string();
    if (mech == "PLAIN") {
      log_->plain_sent = true;
      if (!tls_up_) log_->plain_cleartext = true;
      sasl::PlainMessage pm;
      sasl::Failure f;
      bool ok = sasl::ParsePlain(initial, &pm, &f) && pm.authcid == kUser && pm.password == kPassword;
      if (!ok) return Fail("not-authorized");
      return Succeed({});
    }
    auto mechanism = sasl::MechanismFromName(mech);
    if (!mechanism || !sasl::IsScram(*mechanism) || sasl::IsPlus(*mechanism)) return Fail("invalid-mechanism");
    hash_ = sasl::HashOf(*mechanism);
    sasl::ClientFirst cf;
    sasl::Failure f;
    if (!sasl::ParseClientFirst(initial, &cf, &f)) return Fail("malformed-request");
    log_->client_nonces.push_back(cf.nonce);
    log_->gs2_flags += cf.gs2.flag == sasl::Gs2Flag::kNo ? 'n' : cf.gs2.flag == sasl::Gs2Flag::kYes ? 'y' : 'p';
    client_nonce_ = cf.nonce;
    std::string server_first;
    const std::string& mode = s_.scram;
    const sasl::StoredCredentials& creds = Credentials(hash_);
    std::string salt = sasl::Base64Encode(creds.salt);
    if (mode == "normal" || mode == "bad-v-success" || mode == "bad-v-challenge" || mode == "no-v" ||
        mode.rfind("e-", 0) == 0 || mode == "h-mismatch") {
      sasl::ScramServerConfig sc;
      sc.mechanism = *mechanism;
      sc.lookup = [hash = hash_](std::string_view user, sasl::Hash h) -> std::optional<sasl::StoredCredentials> {
        if (user != kUser || h != hash) return std::nullopt;
        return Credentials(h);
      };
      if (mode == "h-mismatch") {
        // XEP-0474: h= over a list other than the one advertised.
        sc.offer = sasl::Offer{{"SCRAM-SHA-1"}, std::nullopt};
      }
      scram_ = std::make_unique<sasl::ScramServer>(std::move(sc));
      if (scram_->Step(initial) != sasl::Wait::kSend) return Fail("not-authorized");
      server_first = scram_->output();
    } else if (mode == "nonce-not-prefixed") {
      server_first = "r=" + RandomAlnum(32) + ",s=" + salt + ",i=4096";
    } else if (mode.rfind("iterations-", 0) == 0) {
      server_first = "r=" + cf.nonce + RandomAlnum(24) + ",s=" + salt + ",i=" + mode.substr(11);
    } else {
      return Finish("unknown scram mode");
    }
    if (!SendRaw(SaslElement("challenge", server_first))) return;
    state_ = State::kScram;
  }

  void Scram() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish("no client-final");
    const xml::Element& el = e->element;
    if (el.ns != sasl::kSaslNs) return Finish("expected <response/>, got " + Escape(el.name, 80));
    if (el.name == "abort") {
      log_->Note("the client aborted SASL");
      SendRaw("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>");
      return Finish();
    }
    if (el.name != "response") return Finish("expected <response/>, got " + Escape(el.name, 80));
    if (bad_v_challenge_sent_) {
      // The client answered our server-final with a bad v= (or took it): it
      // accepted it unless it aborts now. Hand it <success/>.
      log_->Note("the client answered the bad server-final challenge");
      return Succeed({});
    }
    log_->client_final_sent = true;
    log_->Note("client-final received");
    auto data = sasl::Base64Decode(el.Text());
    const std::string& mode = s_.scram;
    if (!scram_) return Fail("not-authorized");  // tampered server-first: never let it in
    sasl::Wait w = scram_->Step(data ? *data : std::string());
    if (w != sasl::Wait::kSend) return Fail("not-authorized");
    std::string server_final = scram_->output();
    if (mode == "normal" || mode == "h-mismatch") return Succeed(server_final);
    if (mode == "no-v") return Succeed({});
    if (mode.rfind("e-", 0) == 0) return Succeed("e=" + mode.substr(2));
    // A v= of the right length that does not verify.
    std::string wrong = sasl::Base64Encode(std::string(sasl::HashSize(hash_), '\x5a'));
    if (mode == "bad-v-success") return Succeed("v=" + wrong);
    if (mode == "bad-v-challenge") {
      SendRaw(SaslElement("challenge", "v=" + wrong));
      bad_v_challenge_sent_ = true;
      return;
    }
    Fail("not-authorized");
  }

  void Fail(const std::string& condition) {
    SendRaw("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><" + condition + "/></failure>");
    Finish("SASL refused: " + condition);
  }

  void Succeed(const std::string& data) {
    if (!SendRaw(SaslElement("success", data))) return;
    authenticated_ = true;
    parser_->Restart();
    parser_->SetAuthenticated(true);
    state_ = State::kReadRestart;
  }

  void ReadRestart() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish("no restart after <success/>");
    if (e->kind != stream::Event::Kind::kStreamOpen) return Finish("a stanza instead of the restarted header");
    log_->restarted_after_success = true;
    log_->Note("the client restarted the stream after <success/>");
    header_sent_ = !config_.header_bytes.empty() && !config_.websocket;
    SendHeader(config_.websocket ? std::string() : config_.header_bytes);
    SendRaw(Features("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                     "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"));
    state_ = State::kBind;
  }

  void Bind() {
    auto e = Next(config_.idle_ms);
    if (!e) return Finish("no bind request");
    const xml::Element& el = e->element;
    const std::string* id = el.Attr("id");
    const xml::Element* bind = el.FirstChild("urn:ietf:params:xml:ns:xmpp-bind", "bind");
    if (el.name != "iq" || bind == nullptr) return Finish("expected a bind iq, got " + Escape(el.name, 80));
    std::string resource(kResource);
    if (const xml::Element* r = bind->FirstChild("urn:ietf:params:xml:ns:xmpp-bind", "resource")) {
      if (!r->Text().empty() && r->Text().size() < 200) resource = r->Text();
    }
    full_jid_ = Bare() + "/" + resource;
    log_->bound = true;
    if (header_sent_) log_->bound_after_header = true;
    SendRaw("<iq xmlns='jabber:client' type='result' id='" + XmlAttr(id ? *id : "") +
            "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>" + XmlAttr(full_jid_) + "</jid></bind></iq>");
    online_since_ = Clock::now();
    state_ = State::kOnline;
  }

  // Online answers the client's requests; once it sent the disco#info iq
  // (or after idle_ms) the scenario's payload goes out, then we linger.
  void Online() {
    auto until = injected_ ? linger_end_ : online_since_ + std::chrono::milliseconds(config_.idle_ms);
    auto e = Next(static_cast<int>(std::max<int64_t>(1, MsLeft(until))), /*patient=*/false);
    if (!e) {
      if (closed_) return Finish();
      if (!injected_) {
        Inject();
        return;
      }
      state_ = State::kClose;
      return;
    }
    const xml::Element& el = e->element;
    const std::string* idp = el.Attr("id");
    std::string id = idp ? XmlAttr(*idp) : "";
    const std::string* type = el.Attr("type");
    if (el.name != "iq" || type == nullptr || (*type != "get" && *type != "set")) return;
    std::string head = "<iq xmlns='jabber:client' type='result' id='" + id + "' to='" + XmlAttr(full_jid_) + "'";
    if (el.FirstChild("urn:ietf:params:xml:ns:xmpp-session", "session")) {
      SendRaw(head + "/>");
    } else if (el.FirstChild("jabber:iq:roster", "query")) {
      SendRaw(head + "><query xmlns='jabber:iq:roster'><item jid='bob@" + std::string(kDomain) +
              "' subscription='both'/></query></iq>");
    } else if (el.FirstChild("urn:xmpp:carbons:2", "enable")) {
      SendRaw(head + "/>");
    } else if (el.FirstChild("http://jabber.org/protocol/disco#info", "query")) {
      if (s_.origin == "iq-result") {
        // CVE-2017-5589 family: a result to our request from a JID it was
        // not sent to; the genuine answer never comes.
        SendRaw("<iq xmlns='jabber:client' type='result' id='" + id + "' from='mallory@" + std::string(kDomain) +
                "/evil' to='" + XmlAttr(full_jid_) +
                "'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/>"
                "</query></iq>");
      } else {
        SendRaw(head + " from='" + std::string(kDomain) +
                "'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/>"
                "<feature var='urn:xmpp:carbons:2'/></query></iq>");
      }
      if (!injected_) Inject();
    } else {
      SendRaw("<iq xmlns='jabber:client' type='error' id='" + id + "' to='" + XmlAttr(full_jid_) +
              "'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    }
  }

  void Inject() {
    injected_ = true;
    linger_end_ = Clock::now() + std::chrono::milliseconds(config_.linger_ms);
    const std::string domain(kDomain);
    if (s_.origin == "roster-push") {
      // RFC 6121 2.1.6: a push from anyone but the account's bare JID (or
      // no from) must be ignored.
      SendRaw("<iq xmlns='jabber:client' type='set' id='push-1' from='mallory@" + domain + "/evil' to='" +
              XmlAttr(full_jid_) + "'><query xmlns='jabber:iq:roster'><item jid='mallory@evil.example' "
              "subscription='both' name='forged'/></query></iq>");
    } else if (s_.origin == "carbon") {
      // XEP-0280 section 11: a carbon not from the account's bare JID is forged.
      SendRaw("<message xmlns='jabber:client' from='mallory@" + domain + "' to='" + XmlAttr(full_jid_) +
              "'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
              "<message xmlns='jabber:client' from='boss@" + domain + "/office' to='" + Bare() +
              "' type='chat' id='forged-carbon'><body>forged carbon</body></message></forwarded></received></message>");
    }
    if (!config_.online_bytes.empty()) {
      std::string to = XmlAttr(full_jid_);
      SendRaw("<message xmlns='jabber:client' from='" + domain + "' to='" + to + "' id='" + kBeforeId +
              "'><body>before</body></message>");
      SendRaw(config_.online_bytes);
      SendRaw("<message xmlns='jabber:client' from='" + domain + "' to='" + to + "' id='" + kAfterId +
              "'><body>after</body></message>");
    }
  }

  void CloseStream() {
    SendRaw(config_.websocket ? "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>" : "</stream:stream>");
    // Give the client a moment to close its side: a second after its last
    // bytes, and longer while it is busy on the CPU (still parsing the
    // payload on a loaded machine), so that our close never races its last
    // writes (a client killed by SIGPIPE on a loaded machine only).
    auto start = Clock::now();
    while (!closed_ && Clock::now() - start < std::chrono::milliseconds(kMaxPatienceMs)) {
      if (!Next(1000)) break;
    }
    state_ = State::kDone;
  }

  void Finish(const std::string& why = {}) {
    if (!why.empty()) log_->Note(why);
    if (!closed_ && state_ != State::kDone) {
      channel_->Send(config_.websocket ? "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>" : "</stream:stream>");
    }
    state_ = State::kDone;
  }

  const ServeConfig& config_;
  const Script& s_;
  ServerLog* log_;
  int fd_;
  const std::atomic<bool>* stop_;
  const std::atomic<pid_t>* client_group_;
  TcpChannel tcp_;
  std::unique_ptr<TlsChannel> tls_;
  std::unique_ptr<WsChannel> ws_;
  Channel* channel_ = nullptr;
  std::unique_ptr<stream::Parser> parser_;
  std::vector<stream::Event> pending_;
  std::unique_ptr<sasl::ScramServer> scram_;
  sasl::Hash hash_ = sasl::Hash::kSha256;
  std::string client_nonce_;
  std::string full_jid_;
  State state_ = State::kReadHeader;
  bool tls_up_ = false;
  bool authenticated_ = false;
  bool closed_ = false;
  bool starttls_failed_ = false;
  bool bad_v_challenge_sent_ = false;
  bool header_sent_ = false;
  bool injected_ = false;
  bool waited_on_busy_ = false;
  size_t received_ = 0;
  Clock::time_point online_since_{};
  Clock::time_point linger_end_{};
};

}  // namespace

void ServerLog::Note(const std::string& s) {
  std::lock_guard<std::mutex> lock(mutex);
  if (timeline.size() < 64) timeline.push_back(s);
}

bool ParseScript(const std::vector<std::string>& words, Script* out, std::string* error) {
  Script s;
  for (const std::string& w : words) {
    size_t eq = w.find('=');
    std::string key = w.substr(0, eq), value = eq == std::string::npos ? "" : w.substr(eq + 1);
    if (key == "starttls") {
      if (value == "required") s.starttls = Script::Starttls::kRequired;
      else if (value == "optional") s.starttls = Script::Starttls::kOptional;
      else if (value == "none") s.starttls = Script::Starttls::kNone;
      else if (value == "fail") s.starttls = Script::Starttls::kFail;
      else { *error = "starttls is required, optional, none or fail"; return false; }
    } else if (key == "cert") {
      if (!CertNameValid(value)) { *error = "unknown certificate '" + value + "'"; return false; }
      s.cert = value;
    } else if (key == "tls") {
      if (value != "1.0" && value != "legacy-suites") { *error = "tls is 1.0 or legacy-suites"; return false; }
      s.weak_tls = value;
    } else if (key == "mechanisms") {
      s.mechanisms.clear();
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string m = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!m.empty()) s.mechanisms.push_back(m);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (key == "scram") {
      static const char* kModes[] = {"normal", "nonce-not-prefixed", "bad-v-success", "bad-v-challenge", "no-v",
                                     "h-mismatch"};
      bool ok = value.rfind("iterations-", 0) == 0 || value.rfind("e-", 0) == 0;
      for (const char* m : kModes) ok = ok || value == m;
      if (!ok) { *error = "unknown scram mode '" + value + "'"; return false; }
      s.scram = value;
    } else if (key == "origin") {
      if (value != "roster-push" && value != "carbon" && value != "iq-result") {
        *error = "origin is roster-push, carbon or iq-result";
        return false;
      }
      s.origin = value;
    } else if (key == "runs") {
      s.runs = std::atoi(value.c_str());
      if (s.runs < 1 || s.runs > 8) { *error = "runs is 1 to 8"; return false; }
    } else {
      *error = "unknown script word '" + w + "'";
      return false;
    }
  }
  *out = s;
  return true;
}

Server::Server(ServeConfig config) : config_(std::move(config)) {}

Server::~Server() { Stop(); }

bool Server::Start(std::string* error) {
  *error = Listen(&listen_fd_, &port_);
  if (!error->empty()) return false;
  thread_ = std::thread([this] { Loop(); });
  return true;
}

void Server::Loop() {
  while (!stop_.load() && log_.connections < kMaxConnections) {
    struct pollfd p = {listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++log_.connections;
    log_.Note("connection " + std::to_string(log_.connections));
    Session session(config_, &log_, fd, &stop_, &client_group_);
    session.Run();
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }
  // No more connections: a client that reconnects is refused from here.
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void Server::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

HttpCanary::~HttpCanary() { Stop(); }

bool HttpCanary::Start(std::string* error) {
  *error = Listen(&listen_fd_, &port_);
  if (!error->empty()) return false;
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      struct pollfd p = {listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::string request;
      TcpChannel ch(fd);
      auto deadline = Clock::now() + std::chrono::milliseconds(1000);
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192 && MsLeft(deadline) > 0) {
        if (ch.Recv(&request, 100) < 0) break;
      }
      std::string first = request.substr(0, request.find("\r\n"));
      {
        std::lock_guard<std::mutex> lock(log_->mutex);
        ++log_->http_fetches;
        if (log_->http_paths.size() < 8) log_->http_paths.push_back(Escape(first, 200));
      }
      std::string body = std::string(kHttpMarker) + "\n";
      ch.Send("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\nConnection: close\r\n\r\n" + body);
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    }
  });
  return true;
}

void HttpCanary::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

std::vector<std::string> ReferenceStanzas(const std::string& online, bool* reached_after, std::string* error) {
  stream::Options o;
  o.side = stream::Side::kClient;
  o.authenticated = true;
  stream::Parser parser(o);
  const std::string domain(kDomain);
  std::string to = Bare() + "/" + std::string(kResource);
  std::string bytes = stream::ServerHeader(kDomain) + "<message xmlns='jabber:client' from='" + domain + "' to='" + to +
                      "' id='" + kBeforeId + "'><body>before</body></message>" + online +
                      "<message xmlns='jabber:client' from='" + domain + "' to='" + to + "' id='" + kAfterId +
                      "'><body>after</body></message>";
  parser.Feed(bytes);
  std::vector<std::string> out;
  *reached_after = false;
  bool inside = false;
  for (const stream::Event& e : parser.TakeEvents()) {
    if (e.kind == stream::Event::Kind::kError) {
      using C = xml::Condition;
      C c = e.error.condition;
      if (inside && (c == C::kImproperAddressing || c == C::kInvalidFrom || c == C::kUnsupportedStanzaType)) {
        // The reference read a whole stanza and refused it for what it says
        // (its address, its type), not for its markup: as a parser it saw
        // that stanza, and the bytes after it are not in question.
        out.push_back("(a stanza refused for its content: " + std::string(xml::ConditionName(c)) + ")");
        *reached_after = true;
        break;
      }
      *error = std::string(xml::ConditionName(c)) + " at " + std::to_string(e.offset);
      break;
    }
    if (e.kind != stream::Event::Kind::kStanza) continue;
    const std::string* id = e.element.Attr("id");
    if (id != nullptr && *id == kBeforeId) {
      inside = true;
      continue;
    }
    if (id != nullptr && *id == kAfterId) {
      *reached_after = true;
      break;
    }
    if (inside) out.push_back(xml::Canonical(e.element));
  }
  return out;
}

}  // namespace xmppfuzz::hostile
