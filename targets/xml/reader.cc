// Reader: guard -> backend -> stanza trees -> listener.
#include "targets/xml/backend.h"
#include "targets/xml/guard.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::xml {

class Reader::Impl final : public GuardClient, public BackendSink {
 public:
  Impl(Backend backend, const Limits& limits, Listener* listener)
      : backend_kind_(backend), limits_(limits), guard_(limits, this), listener_(listener) {
    backend_ = backend == Backend::kExpat ? MakeExpatBackend(this) : MakeLibxml2Backend(this);
  }

  Status Feed(std::span<const uint8_t> bytes) {
    if (!error_.ok()) return Status::kError;
    if (!guard_.Scan(bytes)) {
      if (error_.ok()) error_ = guard_.error();
      return Status::kError;
    }
    return closed_ ? Status::kOk : Status::kNeedMore;
  }

  void Restart() {
    if (!error_.ok()) return;
    guard_.Restart();
    ResetDocument();
  }

  void SetAuthenticated(bool authenticated) {
    guard_.set_max_stanza_bytes(authenticated ? guard_limits().max_stanza_bytes : guard_limits().max_stanza_bytes_preauth);
  }

  const Error& error() const { return error_; }
  uint64_t offset() const { return guard_.offset(); }
  Backend backend() const { return backend_kind_; }

 private:
  const Limits& guard_limits() const { return limits_; }

  void ResetDocument() {
    backend_->Reset();
    depth_ = 0;
    stack_.clear();
    closed_ = false;
  }

  bool SetError(const Error& e) {
    if (error_.ok()) error_ = e;
    return false;
  }

  // GuardClient
  bool OnToken(TokenKind, std::string_view bytes, uint64_t offset) override {
    token_offset_ = offset;
    BackendError be;
    if (backend_->Feed(bytes, &be)) return true;
    if (be.condition != Condition::kNone) SetError(Error{be.condition, offset, be.detail});
    if (error_.ok()) SetError(Error{Condition::kInternalServerError, offset, "backend stopped without an error"});
    return false;
  }

  bool AllowRestart() override { return listener_->AllowInbandRestart(); }

  void OnInbandRestart(uint64_t) override { ResetDocument(); }

  // BackendSink
  bool OnStart(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
               const std::optional<std::string>& default_ns) override {
    if (!error_.ok()) return false;  // a backend may call on after being stopped
    if (depth_ == 0) {
      ++depth_;
      Element header;
      header.ns = ns;
      header.name = name;
      header.attributes = std::move(attributes);
      Error e = listener_->OnStreamOpen(std::move(header), default_ns.value_or(std::string()), token_offset_);
      return e.ok() || SetError(e);
    }
    if (depth_ == 1) {
      stanza_ = Element{};
      stanza_.ns = ns;
      stanza_.name = name;
      stanza_.attributes = std::move(attributes);
      stanza_offset_ = token_offset_;
      stack_.assign(1, &stanza_);
    } else {
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

  bool OnEnd() override {
    if (!error_.ok()) return false;
    if (depth_ == 0) return SetError(Error{Condition::kInternalServerError, token_offset_, "end without start"});
    --depth_;
    if (depth_ == 0) {
      closed_ = true;
      Error e = listener_->OnStreamClose(token_offset_);
      return e.ok() || SetError(e);
    }
    if (depth_ == 1) {
      stack_.clear();
      Error e = listener_->OnStanza(std::move(stanza_), stanza_offset_);
      return e.ok() || SetError(e);
    }
    stack_.pop_back();
    return true;
  }

  bool OnText(std::string_view text) override {
    if (!error_.ok()) return false;
    if (depth_ < 2 || text.empty()) return true;
    Element* e = stack_.back();
    if (!e->children.empty() && e->children.back().is_text) {
      e->children.back().text.append(text);
    } else {
      Node& node = e->children.emplace_back();
      node.is_text = true;
      node.text.assign(text);
    }
    return true;
  }

  Backend backend_kind_;
  Limits limits_;
  Guard guard_;
  Listener* listener_;
  std::unique_ptr<TokenizerBackend> backend_;
  Error error_;
  uint64_t token_offset_ = 0;
  uint64_t stanza_offset_ = 0;
  size_t depth_ = 0;
  bool closed_ = false;
  Element stanza_;
  std::vector<Element*> stack_;
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
