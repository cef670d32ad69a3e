// libxml2 backend: the SAX2 push parser in namespace mode. Every error and
// namespace error libxml2 reports (level error or fatal) stops the parse: a
// namespace error that libxml2 would recover from is still an error here, as
// it is for Expat.
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "targets/xml/backend.h"

namespace xmppfuzz::xml {
namespace {

Condition MapError(int code) {
  switch (code) {
    case XML_NS_ERR_XML_NAMESPACE:
    case XML_NS_ERR_UNDEFINED_NAMESPACE:
    case XML_NS_ERR_EMPTY:
      return Condition::kBadNamespacePrefix;
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
    case XML_ERR_PEREF_IN_PROLOG:
    case XML_ERR_RESERVED_XML_NAME:
      return Condition::kRestrictedXml;
    case XML_ERR_UNSUPPORTED_ENCODING:
    case XML_ERR_INVALID_ENCODING:
      return Condition::kUnsupportedEncoding;
    case XML_ERR_NO_MEMORY:
      return Condition::kResourceConstraint;
    default:
      return Condition::kNotWellFormed;
  }
}

std::string_view View(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

class Libxml2Backend final : public TokenizerBackend {
 public:
  explicit Libxml2Backend(BackendSink* sink) : sink_(sink) {
    sax_.initialized = XML_SAX2_MAGIC;
    sax_.startElementNs = &Libxml2Backend::Start;
    sax_.endElementNs = &Libxml2Backend::End;
    sax_.characters = &Libxml2Backend::Chars;
    sax_.ignorableWhitespace = &Libxml2Backend::Chars;
    sax_.cdataBlock = &Libxml2Backend::Cdata;
    sax_.serror = &Libxml2Backend::OnError;
    // The guard refuses these first; refusing them here keeps the backend
    // safe on its own.
    sax_.comment = [](void* ctx, const xmlChar*) { Refuse(ctx, "comment"); };
    sax_.processingInstruction = [](void* ctx, const xmlChar*, const xmlChar*) { Refuse(ctx, "processing instruction"); };
    sax_.internalSubset = [](void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) { Refuse(ctx, "DOCTYPE"); };
    sax_.externalSubset = [](void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) { Refuse(ctx, "external subset"); };
    sax_.entityDecl = [](void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
      Refuse(ctx, "entity declaration");
    };
    sax_.getEntity = [](void* ctx, const xmlChar*) -> xmlEntityPtr {
      Refuse(ctx, "entity reference");
      return nullptr;
    };
    sax_.getParameterEntity = [](void* ctx, const xmlChar*) -> xmlEntityPtr {
      Refuse(ctx, "parameter entity reference");
      return nullptr;
    };
    sax_.reference = [](void* ctx, const xmlChar*) { Refuse(ctx, "entity reference"); };
    NewContext();
  }

  ~Libxml2Backend() override { xmlFreeParserCtxt(ctxt_); }

  bool Feed(std::string_view bytes, BackendError* error) override {
    error_ = BackendError{};
    failed_ = false;
    fed_before_ = fed_;
    fed_ += bytes.size();
    int rc = xmlParseChunk(ctxt_, bytes.data(), static_cast<int>(bytes.size()), 0);
    if (!failed_ && ctxt_->wellFormed) return true;
    if (!failed_) {
      // An error no callback saw (should not happen): report it anyway.
      error_.condition = Condition::kNotWellFormed;
      error_.detail = "libxml2: error " + std::to_string(rc);
    }
    *error = error_;
    return false;
  }

  void Reset() override {
    xmlFreeParserCtxt(ctxt_);
    NewContext();
  }

 private:
  void NewContext() {
    ctxt_ = xmlCreatePushParserCtxt(&sax_, nullptr, nullptr, 0, nullptr);
    ctxt_->_private = this;
    // XML_PARSE_NOENT: without it libxml2 reports an '&' that came from
    // "&amp;" or "&#38;" in an attribute value as the five bytes "&#38;" (for
    // a tree builder to re-parse). Only the predefined entities can reach
    // libxml2 (the guard and getEntity refuse all others), so substitution
    // expands nothing else.
    xmlCtxtUseOptions(ctxt_, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOENT);
    xmlSwitchEncoding(ctxt_, XML_CHAR_ENCODING_UTF8);
    ctxt_->userData = this;
    fed_ = 0;
    failed_ = false;
    sink_stopped_ = false;
  }

  static Libxml2Backend* Self(void* ctx) { return static_cast<Libxml2Backend*>(ctx); }

  void Fail(Condition c, std::string detail) {
    if (failed_) return;
    failed_ = true;
    error_.condition = c;
    error_.detail = std::move(detail);
    if (const xmlParserInputPtr in = ctxt_->input; in != nullptr && in->cur != nullptr && in->base != nullptr) {
      uint64_t at = in->consumed + static_cast<uint64_t>(in->cur - in->base);
      if (at >= fed_before_) error_.position = static_cast<size_t>(at - fed_before_);
    }
    xmlStopParser(ctxt_);
  }

  static void Refuse(void* ctx, const char* what) { Self(ctx)->Fail(Condition::kRestrictedXml, what); }

  static void OnError(void* ctx, xmlErrorPtr e) {
    if (e == nullptr || e->level < XML_ERR_ERROR) return;
    // Namespace names are compared as strings (Namespaces in XML 1.0 section
    // 2.3); Expat does not check their URI syntax, and neither do we.
    // libxml2 raises this one at error level under a warning code.
    if (e->code == XML_WAR_NS_URI) return;
    auto* self = Self(ctx);
    if (self->sink_stopped_) return;
    std::string message = e->message == nullptr ? std::string("error") : std::string(e->message);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    self->Fail(MapError(e->code), "libxml2: " + message);
  }

  void StopForSink() {
    if (failed_) return;
    failed_ = true;
    sink_stopped_ = true;
    error_.condition = Condition::kNone;
    xmlStopParser(ctxt_);
  }

  static void Start(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar* uri, int nb_namespaces,
                    const xmlChar** namespaces, int nb_attributes, int, const xmlChar** attributes) {
    auto* self = Self(ctx);
    if (self->failed_) return;
    std::optional<std::string_view> default_ns;
    for (int i = 0; i < nb_namespaces; ++i) {
      if (namespaces[2 * i] == nullptr) default_ns = View(namespaces[2 * i + 1]);
    }
    std::vector<Attribute> attrs(static_cast<size_t>(nb_attributes));
    for (int i = 0; i < nb_attributes; ++i) {
      const xmlChar** a = attributes + 5 * i;  // localname, prefix, URI, value, end
      Attribute& attr = attrs[static_cast<size_t>(i)];
      attr.ns.assign(View(a[2]));
      attr.name.assign(View(a[0]));
      attr.value.assign(reinterpret_cast<const char*>(a[3]), static_cast<size_t>(a[4] - a[3]));
    }
    if (!self->sink_->OnStart(View(uri), View(localname), std::move(attrs), default_ns)) self->StopForSink();
  }

  static void End(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto* self = Self(ctx);
    if (self->failed_) return;
    if (!self->sink_->OnEnd()) self->StopForSink();
  }

  static void Chars(void* ctx, const xmlChar* s, int len) {
    auto* self = Self(ctx);
    if (self->failed_) return;
    if (!self->sink_->OnText(std::string_view(reinterpret_cast<const char*>(s), static_cast<size_t>(len)))) {
      self->StopForSink();
    }
  }

  // Cdata reports the text of a CDATA section. libxml2's push parser passes
  // it on without the line-end normalisation of XML 1.0 section 2.11, which
  // Expat applies: CR LF and a lone CR become LF here. (The guard hands over
  // each section whole, and libxml2 reports a whole section in one call.)
  static void Cdata(void* ctx, const xmlChar* s, int len) {
    std::string text(reinterpret_cast<const char*>(s), static_cast<size_t>(len));
    size_t out = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
      text[out++] = text[i] == '\r' ? '\n' : text[i];
    }
    text.resize(out);
    Chars(ctx, reinterpret_cast<const xmlChar*>(text.data()), static_cast<int>(text.size()));
  }

  BackendSink* sink_;
  xmlSAXHandler sax_{};
  xmlParserCtxtPtr ctxt_ = nullptr;
  BackendError error_;
  bool failed_ = false;
  bool sink_stopped_ = false;
  uint64_t fed_ = 0;         // bytes fed since the document began, for error positions
  uint64_t fed_before_ = 0;  // the same before the current Feed()
};

}  // namespace

std::unique_ptr<TokenizerBackend> MakeLibxml2Backend(BackendSink* sink) { return std::make_unique<Libxml2Backend>(sink); }

}  // namespace xmppfuzz::xml
