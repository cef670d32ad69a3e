// STARTTLS policy state machines (RFC 6120 section 5) over the reference
// stream parser.
#include "targets/stream/stream.h"
#include "targets/tls/tls.h"

namespace xmppfuzz::tls {

constexpr std::string_view kTlsNs = "urn:ietf:params:xml:ns:xmpp-tls";

// StreamStep is one thing the peer's stream did: an event, and how many
// bytes of the chunk being fed it took to get there.
struct StreamStep {
  enum class Kind : uint8_t { kNone, kOpen, kElement, kClose, kRefused } kind = Kind::kNone;
  xml::Element element;
  uint64_t offset = 0;      // of the event's first byte
  uint64_t end = 0;         // absolute offset just past the bytes consumed
  std::string condition;    // kRefused: the stream parser's condition
};

// StreamFeeder feeds the plaintext phase to a stream parser one byte at a
// time, so that it knows the exact byte at which each element ended: what
// follows <starttls/> or <proceed/> in the same chunk can then be cut off.
// The phase is short (a header, features and one element, all under the
// pre-authentication stanza limit), so the byte-wise feed costs nothing.
class StreamFeeder {
 public:
  StreamFeeder(stream::Side side, xml::Backend backend) : parser_(Options(side, backend)) {}

  // Next consumes |bytes| from |*pos| until the parser produced an event and
  // returns it; kNone when the bytes ran out first.
  StreamStep Next(std::string_view bytes, size_t* pos) {
    while (queue_.empty() && *pos < bytes.size()) {
      parser_.Feed(bytes.substr((*pos)++, 1));
      ++consumed_;
      for (stream::Event& e : parser_.TakeEvents()) {
        StreamStep step;
        step.offset = e.offset;
        step.end = consumed_;
        switch (e.kind) {
          case stream::Event::Kind::kStreamOpen: step.kind = StreamStep::Kind::kOpen; break;
          case stream::Event::Kind::kStanza:
            step.kind = StreamStep::Kind::kElement;
            step.element = std::move(e.element);
            break;
          case stream::Event::Kind::kStreamClose: step.kind = StreamStep::Kind::kClose; break;
          case stream::Event::Kind::kError:
            step.kind = StreamStep::Kind::kRefused;
            step.offset = e.error.offset;
            step.condition = std::string(xml::ConditionName(e.error.condition));
            break;
        }
        queue_.push_back(std::move(step));
      }
    }
    if (queue_.empty()) return {};
    StreamStep step = std::move(queue_.front());
    queue_.erase(queue_.begin());
    return step;
  }

  uint64_t consumed() const { return consumed_; }

 private:
  static stream::Options Options(stream::Side side, xml::Backend backend) {
    stream::Options o;
    o.side = side;
    o.backend = backend;
    return o;
  }

  stream::Parser parser_;
  std::vector<StreamStep> queue_;
  uint64_t consumed_ = 0;
};

namespace {

bool Is(const xml::Element& e, std::string_view ns, std::string_view name) { return e.ns == ns && e.name == name; }

std::string StreamError(std::string_view condition) {
  return "<stream:error><" + std::string(condition) +
         " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";
}

}  // namespace

std::string_view StarttlsWaitName(StarttlsWait w) {
  switch (w) {
    case StarttlsWait::kSend: return "send";
    case StarttlsWait::kNeedBytes: return "need-bytes";
    case StarttlsWait::kStartTls: return "start-tls";
    case StarttlsWait::kNoTls: return "no-tls";
    case StarttlsWait::kFailed: return "failed";
  }
  return "unknown";
}

std::string_view StateName(StarttlsClient::State s) {
  switch (s) {
    case StarttlsClient::State::kSendHeader: return "send-header";
    case StarttlsClient::State::kReadFeatures: return "read-features";
    case StarttlsClient::State::kReadProceed: return "read-proceed";
    case StarttlsClient::State::kHandshake: return "handshake";
    case StarttlsClient::State::kPlaintext: return "plaintext";
    case StarttlsClient::State::kFailed: return "failed";
  }
  return "unknown";
}

std::string_view StateName(StarttlsServer::State s) {
  switch (s) {
    case StarttlsServer::State::kReadHeader: return "read-header";
    case StarttlsServer::State::kReadStarttls: return "read-starttls";
    case StarttlsServer::State::kHandshake: return "handshake";
    case StarttlsServer::State::kFailed: return "failed";
  }
  return "unknown";
}

// --- Client -------------------------------------------------------------------

StarttlsClient::StarttlsClient(StarttlsConfig config)
    : config_(std::move(config)), feeder_(std::make_unique<StreamFeeder>(stream::Side::kClient, config_.backend)) {}
StarttlsClient::~StarttlsClient() = default;

StarttlsWait StarttlsClient::Fail(Error e, uint64_t offset) {
  failure_ = Failure{e, offset};
  state_ = State::kFailed;
  return StarttlsWait::kFailed;
}

StarttlsWait StarttlsClient::Start() {
  if (state_ != State::kSendHeader) return Fail(Error::kUnexpectedElement, feeder_->consumed());
  output_ = stream::ClientHeader(config_.domain);
  state_ = State::kReadFeatures;
  return StarttlsWait::kSend;
}

StarttlsWait StarttlsClient::Feed(std::string_view bytes) {
  output_.clear();
  if (state_ == State::kFailed) return StarttlsWait::kFailed;
  if (state_ == State::kSendHeader) return Fail(Error::kUnexpectedElement, 0);  // Start() comes first
  if (state_ == State::kHandshake) {
    // Plaintext after <proceed/> (before our ClientHello) can only be
    // injected: drop it.
    discarded_ += bytes.size();
    return StarttlsWait::kStartTls;
  }
  if (state_ == State::kPlaintext) return StarttlsWait::kNoTls;  // the caller's stream logic reads on
  size_t pos = 0;
  bool sent = false;
  while (true) {
    StreamStep step = feeder_->Next(bytes, &pos);
    if (step.kind == StreamStep::Kind::kNone) return sent ? StarttlsWait::kSend : StarttlsWait::kNeedBytes;
    StarttlsWait w = Step(step);
    // After <starttls/> is queued the rest of the chunk is read on (as the
    // server does), so that <proceed/> or <failure/> arriving in the same
    // read as the features is seen, whatever the chunking.
    if (w == StarttlsWait::kSend) {
      sent = true;
      continue;
    }
    if (w == StarttlsWait::kNeedBytes) continue;
    if (w == StarttlsWait::kStartTls) discarded_ += bytes.size() - pos;
    return w;
  }
}

StarttlsWait StarttlsClient::Step(const StreamStep& step) {
  switch (step.kind) {
    case StreamStep::Kind::kNone:
    case StreamStep::Kind::kOpen:
      return StarttlsWait::kNeedBytes;
    case StreamStep::Kind::kClose:
      return Fail(Error::kPeerEndedStream, step.offset);
    case StreamStep::Kind::kRefused:
      stream_error_ = step.condition;
      return Fail(Error::kPeerStreamRefused, step.offset);
    case StreamStep::Kind::kElement:
      break;
  }
  const xml::Element& e = step.element;
  if (Is(e, xml::kStreamsNs, "error")) return Fail(Error::kPeerStreamError, step.offset);
  if (state_ == State::kReadFeatures) {
    if (!Is(e, xml::kStreamsNs, "features")) return Fail(Error::kUnexpectedElement, step.offset);
    if (e.FirstChild(kTlsNs, "starttls") != nullptr) {
      output_ += "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
      state_ = State::kReadProceed;
      return StarttlsWait::kSend;
    }
    // RFC 6120 5.3.1: a client that requires TLS must not go on without it
    // (a man in the middle strips <starttls/> to keep the stream in clear).
    if (config_.require_tls) return Fail(Error::kStarttlsStripped, step.offset);
    state_ = State::kPlaintext;
    return StarttlsWait::kNoTls;
  }
  // kReadProceed
  if (Is(e, kTlsNs, "proceed")) {
    state_ = State::kHandshake;
    return StarttlsWait::kStartTls;
  }
  if (Is(e, kTlsNs, "failure")) return Fail(Error::kStarttlsRefused, step.offset);  // RFC 6120 5.4.2.2
  return Fail(Error::kUnexpectedElement, step.offset);
}

// --- Server -------------------------------------------------------------------

StarttlsServer::StarttlsServer(StarttlsConfig config)
    : config_(std::move(config)), feeder_(std::make_unique<StreamFeeder>(stream::Side::kServer, config_.backend)) {}
StarttlsServer::~StarttlsServer() = default;

StarttlsWait StarttlsServer::Fail(Error e, uint64_t offset, std::string_view condition) {
  failure_ = Failure{e, offset};
  state_ = State::kFailed;
  output_ += StreamError(condition);
  return StarttlsWait::kFailed;
}

StarttlsWait StarttlsServer::Feed(std::string_view bytes) {
  output_.clear();
  if (state_ == State::kFailed) return StarttlsWait::kFailed;
  if (state_ == State::kHandshake) {
    discarded_ += bytes.size();  // see StarttlsClient::Feed
    return StarttlsWait::kStartTls;
  }
  size_t pos = 0;
  while (true) {
    StreamStep step = feeder_->Next(bytes, &pos);
    if (step.kind == StreamStep::Kind::kNone) return output_.empty() ? StarttlsWait::kNeedBytes : StarttlsWait::kSend;
    StarttlsWait w = Step(step);
    if (w == StarttlsWait::kStartTls) {
      // Whatever the client pipelined after <starttls/> was sent before it
      // could have seen <proceed/>: it is dropped, never read after TLS.
      discarded_ += bytes.size() - pos;
      return w;
    }
    if (w == StarttlsWait::kFailed) return w;
  }
}

StarttlsWait StarttlsServer::Step(const StreamStep& step) {
  switch (step.kind) {
    case StreamStep::Kind::kNone:
      return StarttlsWait::kNeedBytes;
    case StreamStep::Kind::kOpen:
      if (state_ != State::kReadHeader) return StarttlsWait::kNeedBytes;
      output_ += stream::ServerHeader(config_.domain, config_.stream_id);
      output_ += "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>";
      output_ += config_.require_tls ? "<required/>" : "";
      output_ += "</starttls></stream:features>";
      state_ = State::kReadStarttls;
      return StarttlsWait::kSend;
    case StreamStep::Kind::kClose:
      failure_ = Failure{Error::kPeerEndedStream, step.offset};
      state_ = State::kFailed;
      output_ += "</stream:stream>";
      return StarttlsWait::kFailed;
    case StreamStep::Kind::kRefused:
      stream_error_ = step.condition;
      return Fail(Error::kPeerStreamRefused, step.offset, step.condition);
    case StreamStep::Kind::kElement:
      break;
  }
  const xml::Element& e = step.element;
  if (Is(e, kTlsNs, "starttls")) {
    output_ += "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    state_ = State::kHandshake;
    return StarttlsWait::kStartTls;
  }
  if (Is(e, xml::kStreamsNs, "error")) return Fail(Error::kPeerStreamError, step.offset, "undefined-condition");
  if (!config_.require_tls) return StarttlsWait::kNeedBytes;  // the caller's stream logic takes over
  // TLS is mandatory-to-negotiate (RFC 6120 5.3.1): SASL first is answered
  // with <encryption-required/> (6.5.4) and the stream closed; a stanza
  // before authentication is <not-authorized/> (4.9.3.12).
  if (Is(e, "urn:ietf:params:xml:ns:xmpp-sasl", "auth")) {
    output_ += "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><encryption-required/></failure>";
    return Fail(Error::kDataBeforeTls, step.offset, "policy-violation");
  }
  return Fail(Error::kDataBeforeTls, step.offset, "not-authorized");
}

}  // namespace xmppfuzz::tls
