// Reader: guard -> backend -> stanza trees -> listener.
//
// The guard hands over whole tokens one by one; the reader collects the
// tokens that lie back to back in the caller's chunk and feeds them to the
// backend in one call (a backend call per token costs more than the parse
// of a short token). Each backend callback is matched to the token it came
// from through a queue of tag offsets, and a backend error is blamed on the
// token holding the byte the backend names, so events, offsets and
// conditions are those of feeding token by token. The batch is fed before
// anything that may depend on the events in it: the end of the chunk, a
// token that is not contiguous with it, and the guard's question whether an
// in-band restart is allowed.
#include <algorithm>

#include "targets/xml/backend.h"
#include "targets/xml/guard.h"
#include "targets/xml/native.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::xml {

class Reader::Impl final : public GuardClient, public BackendSink, public NativeClient {
 public:
  Impl(Backend backend, const Limits& limits, Listener* listener)
      : backend_kind_(backend), limits_(limits), guard_(limits, this), listener_(listener) {
    switch (backend) {
      case Backend::kExpat:
        backend_ = MakeExpatBackend(this);
        break;
      case Backend::kLibxml2:
        backend_ = MakeLibxml2Backend(this);
        break;
      case Backend::kNative:
        native_ = MakeNativeTokenizer(limits, this);
        break;
    }
  }

  Status Feed(std::span<const uint8_t> bytes) {
    if (!error_.ok()) return Status::kError;
    if (native_ != nullptr) {
      bool read = native_->Feed(bytes);
      if (!read && error_.ok()) error_ = native_->error();
      if (!error_.ok()) return Status::kError;
      return closed_ ? Status::kOk : Status::kNeedMore;
    }
    chunk_ = bytes;
    bool scanned = guard_.Scan(bytes);
    // The batch holds tokens before any byte the guard refused: its events
    // and errors come first.
    FlushBatch();
    chunk_ = {};
    if (!scanned && error_.ok()) error_ = guard_.error();
    if (!error_.ok()) return Status::kError;
    return closed_ ? Status::kOk : Status::kNeedMore;
  }

  void Restart() {
    if (!error_.ok()) return;
    if (native_ != nullptr) {
      native_->Restart();
    } else {
      guard_.Restart();
    }
    ResetDocument();
  }

  void SetAuthenticated(bool authenticated) {
    size_t max = authenticated ? guard_limits().max_stanza_bytes : guard_limits().max_stanza_bytes_preauth;
    guard_.set_max_stanza_bytes(max);
    if (native_ != nullptr) native_->set_max_stanza_bytes(max);
  }

  const Error& error() const { return error_; }
  // After the backend or the listener stopped on a token, the guard may
  // have scanned on; report where it would have stopped had the token been
  // fed on its own.
  uint64_t offset() const {
    if (stopped_at_) return *stopped_at_;
    return native_ != nullptr ? native_->offset() : guard_.offset();
  }
  Backend backend() const { return backend_kind_; }

 private:
  const Limits& guard_limits() const { return limits_; }

  void ResetDocument() {
    if (backend_ != nullptr) backend_->Reset();
    text_.clear();
    batch_ = {};
    batch_tokens_.clear();
    tags_.clear();
    next_tag_ = 0;
    depth_ = 0;
    stack_.clear();
    closed_ = false;
  }

  bool SetError(const Error& e) {
    if (error_.ok()) error_ = e;
    return false;
  }

  // A token waiting in the batch: its kind, where it starts in the stream
  // and where it ends in the batch.
  struct BatchToken {
    TokenKind kind;
    uint64_t offset;
    size_t end;
  };
  // A tag whose start or end event the backend has still to report: the
  // offset of its token and the offset the guard stands at when it hands
  // the token over.
  struct PendingTag {
    uint64_t offset;
    uint64_t guard_offset;
  };

  static uint64_t GuardOffsetAfter(TokenKind kind, uint64_t end) {
    // The guard hands over text when it meets the next '<' or the end of
    // the chunk, every other token at its last byte.
    return kind == TokenKind::kText ? end : end - 1;
  }

  // GuardClient
  bool OnToken(TokenKind kind, std::string_view bytes, uint64_t offset) override {
    if (!error_.ok()) return false;
    const char* chunk_begin = reinterpret_cast<const char*>(chunk_.data());
    bool in_chunk = bytes.data() >= chunk_begin && bytes.data() + bytes.size() <= chunk_begin + chunk_.size();
    if (batch_.empty() || bytes.data() != batch_.data() + batch_.size() || !in_chunk) {
      if (!FlushBatch()) return false;
      batch_ = std::string_view(bytes.data(), 0);
    }
    batch_ = std::string_view(batch_.data(), batch_.size() + bytes.size());
    batch_tokens_.push_back(BatchToken{kind, offset, batch_.size()});
    uint64_t guard_offset = GuardOffsetAfter(kind, offset + bytes.size());
    if (kind == TokenKind::kStartTag || kind == TokenKind::kEmptyTag || kind == TokenKind::kEndTag) {
      tags_.push_back(PendingTag{offset, guard_offset});
      if (kind == TokenKind::kEmptyTag) tags_.push_back(PendingTag{offset, guard_offset});  // its end
    }
    // Bytes the guard carried over from an earlier chunk do not outlive
    // this call.
    if (!in_chunk) return FlushBatch();
    return true;
  }

  bool AllowRestart() override {
    // The answer depends on the stanzas before, so they must be through.
    if (!FlushBatch()) return false;
    return listener_->AllowInbandRestart();
  }

  void OnInbandRestart(uint64_t) override {
    FlushBatch();
    ResetDocument();
  }

  // FlushBatch feeds the batch to the backend. Returns false when there is
  // an error (error_ then holds it).
  bool FlushBatch() {
    if (batch_.empty()) return error_.ok();
    BackendError be;
    bool ok = backend_->Feed(batch_, &be);
    if (ok) {
      batch_ = {};
      batch_tokens_.clear();
      tags_.erase(tags_.begin(), tags_.begin() + static_cast<ptrdiff_t>(next_tag_));
      next_tag_ = 0;
      return error_.ok();
    }
    if (error_.ok()) {
      // The backend refused a token: the one holding the byte it names.
      auto it = be.position == std::string::npos
                    ? batch_tokens_.end() - 1
                    : std::upper_bound(batch_tokens_.begin(), batch_tokens_.end() - 1, be.position,
                                       [](size_t pos, const BatchToken& t) { return pos < t.end; });
      uint64_t end = it->offset + (it->end - (it == batch_tokens_.begin() ? 0 : (it - 1)->end));
      stopped_at_ = GuardOffsetAfter(it->kind, end);
      if (be.condition != Condition::kNone) SetError(Error{be.condition, it->offset, be.detail});
      if (error_.ok()) SetError(Error{Condition::kInternalServerError, it->offset, "backend stopped without an error"});
    }
    batch_ = {};
    batch_tokens_.clear();
    return false;
  }

  // TakeTag returns the tag the backend's next start or end event belongs to.
  PendingTag TakeTag() {
    if (next_tag_ < tags_.size()) return tags_[next_tag_++];
    // Not reached: every event the backend reports comes from a tag fed.
    static const PendingTag kNone{0, 0};
    return tags_.empty() ? kNone : tags_.back();
  }

  // Stop records where the guard would have stopped when the listener
  // refused the event of |tag|.
  bool Stop(const Error& e, const PendingTag& tag) {
    stopped_at_ = tag.guard_offset;
    return SetError(e);
  }

  // BackendSink
  bool OnStart(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
               std::optional<std::string_view> default_ns) override {
    if (!error_.ok()) return false;  // a backend may call on after being stopped
    return StartElement(ns, name, std::move(attributes), default_ns, TakeTag());
  }

  bool OnEnd() override {
    if (!error_.ok()) return false;
    return EndElement(TakeTag());
  }

  // NativeClient: the native tokenizer reports each tag as it completes,
  // with its offsets (no batch, no queue of tags).
  bool OnStartTag(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
                  const std::optional<std::string>& default_ns, uint64_t offset, uint64_t last) override {
    if (!error_.ok()) return false;
    std::optional<std::string_view> default_view;
    if (default_ns) default_view = *default_ns;
    return StartElement(ns, name, std::move(attributes), default_view, PendingTag{offset, last});
  }

  bool OnEndTag(uint64_t offset, uint64_t last) override {
    if (!error_.ok()) return false;
    return EndElement(PendingTag{offset, last});
  }

  // StartElement and EndElement build the stanza tree and talk to the
  // listener, for every backend.
  bool StartElement(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
                    std::optional<std::string_view> default_ns, PendingTag tag) {
    if (depth_ == 0) {
      ++depth_;
      Element header;
      header.ns = ns;
      header.name = name;
      header.attributes = std::move(attributes);
      Error e = listener_->OnStreamOpen(std::move(header), std::string(default_ns.value_or(std::string_view())), tag.offset);
      return e.ok() || Stop(e, tag);
    }
    if (depth_ == 1) {
      Error start = listener_->OnStanzaStart(ns, name, tag.offset);
      if (!start.ok()) return Stop(start, tag);
      stanza_ = Element{};
      stanza_.ns = ns;
      stanza_.name = name;
      stanza_.attributes = std::move(attributes);
      stanza_offset_ = tag.offset;
      stack_.assign(1, &stanza_);
    } else {
      FlushText();
      Element* parent = stack_.back();
      Node& node = parent->children.emplace_back();
      node.element.ns = ns;
      node.element.name = name;
      node.element.attributes = std::move(attributes);
      stack_.push_back(&node.element);
    }
    ++depth_;
    return true;
  }

  bool EndElement(PendingTag tag) {
    if (depth_ == 0) return Stop(Error{Condition::kInternalServerError, tag.offset, "end without start"}, tag);
    if (depth_ >= 2) FlushText();
    --depth_;
    if (depth_ == 0) {
      closed_ = true;
      Error e = listener_->OnStreamClose(tag.offset);
      return e.ok() || Stop(e, tag);
    }
    if (depth_ == 1) {
      stack_.clear();
      Error e = listener_->OnStanza(std::move(stanza_), stanza_offset_);
      return e.ok() || Stop(e, tag);
    }
    stack_.pop_back();
    return true;
  }

  bool OnText(std::string_view text) override {
    if (!error_.ok()) return false;
    if (depth_ < 2) return true;
    // Backends report a run of text in many pieces (Expat one per
    // reference and per line); collecting them here gives the text node
    // one allocation of the right size.
    text_.append(text);
    return true;
  }

  // FlushText adds the text collected since the last tag to the current
  // element, merged with a text node before it.
  void FlushText() {
    if (text_.empty()) return;
    Element* e = stack_.back();
    if (!e->children.empty() && e->children.back().is_text) {
      e->children.back().text.append(text_);
      text_.clear();
      return;
    }
    Node& node = e->children.emplace_back();
    node.is_text = true;
    // A long text keeps the buffer (the reader does not hold on to it); a
    // short one is copied, and the buffer is kept for the next.
    if (text_.size() > kKeptTextBytes) {
      node.text = std::move(text_);
      text_ = std::string();
    } else {
      node.text.assign(text_);
      text_.clear();
    }
  }

  Backend backend_kind_;
  Limits limits_;
  Guard guard_;
  Listener* listener_;
  std::unique_ptr<TokenizerBackend> backend_;  // kExpat, kLibxml2
  std::unique_ptr<NativeTokenizer> native_;    // kNative
  Error error_;
  std::optional<uint64_t> stopped_at_;  // see offset()
  std::span<const uint8_t> chunk_;      // the bytes being scanned
  std::string_view batch_;              // whole tokens back to back in chunk_, not yet fed
  std::vector<BatchToken> batch_tokens_;
  std::vector<PendingTag> tags_;        // tags fed whose events are still to come, from next_tag_ on
  size_t next_tag_ = 0;
  uint64_t stanza_offset_ = 0;
  size_t depth_ = 0;
  bool closed_ = false;
  Element stanza_;
  std::vector<Element*> stack_;
  // Text of the current element since its last child tag, not yet in the
  // tree. Its capacity stays below about twice kKeptTextBytes.
  static constexpr size_t kKeptTextBytes = 1024;
  std::string text_;
};

Reader::Reader(Backend backend, Limits limits, Listener* listener)
    : impl_(std::make_unique<Impl>(backend, limits, listener)) {}
Reader::~Reader() = default;
Status Reader::Feed(std::span<const uint8_t> bytes) { return impl_->Feed(bytes); }
void Reader::Restart() { impl_->Restart(); }
void Reader::SetAuthenticated(bool authenticated) { impl_->SetAuthenticated(authenticated); }
const Error& Reader::error() const { return impl_->error(); }
uint64_t Reader::offset() const { return impl_->offset(); }
Backend Reader::backend() const { return impl_->backend(); }

}  // namespace xmppfuzz::xml
