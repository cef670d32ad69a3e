// Expat backend: namespace mode with U+0001 as the separator. U+0001 is not
// an XML Char, so no namespace name can contain it (the class of
// CVE-2022-25236, separator injection into namespace URIs, cannot arise).
#include <expat.h>

#include "targets/xml/backend.h"

namespace xmppfuzz::xml {
namespace {

constexpr XML_Char kSeparator = '\x01';

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
// A fixed salt makes hash-table layout, and so coverage, repeatable.
constexpr unsigned long kFuzzingHashSalt = 0x786d7070;
#endif

void SplitName(const XML_Char* qname, std::string_view* ns, std::string_view* local) {
  std::string_view s(qname);
  size_t sep = s.find(kSeparator);
  if (sep == std::string_view::npos) {
    *ns = {};
    *local = s;
  } else {
    *ns = s.substr(0, sep);
    *local = s.substr(sep + 1);
  }
}

Condition MapError(XML_Error code) {
  switch (code) {
    case XML_ERROR_UNBOUND_PREFIX:
    case XML_ERROR_UNDECLARING_PREFIX:
    case XML_ERROR_RESERVED_PREFIX_XML:
    case XML_ERROR_RESERVED_PREFIX_XMLNS:
    case XML_ERROR_RESERVED_NAMESPACE_URI:
      return Condition::kBadNamespacePrefix;
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_PARAM_ENTITY_REF:
    case XML_ERROR_MISPLACED_XML_PI:
      return Condition::kRestrictedXml;
    case XML_ERROR_UNKNOWN_ENCODING:
    case XML_ERROR_INCORRECT_ENCODING:
      return Condition::kUnsupportedEncoding;
    case XML_ERROR_NO_MEMORY:
      return Condition::kResourceConstraint;
    default:
      return Condition::kNotWellFormed;
  }
}

class ExpatBackend final : public TokenizerBackend {
 public:
  ExpatBackend(BackendSink* sink, const ExpatAllocator* allocator) : sink_(sink) {
    if (allocator != nullptr) {
      memory_ = XML_Memory_Handling_Suite{allocator->malloc_fcn, allocator->realloc_fcn, allocator->free_fcn};
    }
    Create();
  }
  ~ExpatBackend() override {
    if (parser_ != nullptr) XML_ParserFree(parser_);
  }

  bool Feed(std::string_view bytes, BackendError* error) override {
    if (parser_ == nullptr) {  // Expat could not allocate the parser itself
      error->condition = Condition::kResourceConstraint;
      error->detail = "expat: parser not allocated";
      return false;
    }
    restricted_ = nullptr;
    uint64_t fed_before = fed_;
    fed_ += bytes.size();
    if (XML_Parse(parser_, bytes.data(), static_cast<int>(bytes.size()), XML_FALSE) == XML_STATUS_OK) return true;
    XML_Index at = restricted_ != nullptr ? restricted_at_ : XML_GetCurrentByteIndex(parser_);
    if (at >= 0 && static_cast<uint64_t>(at) >= fed_before) error->position = static_cast<size_t>(at - fed_before);
    if (sink_stopped_) {
      error->condition = Condition::kNone;
    } else if (restricted_ != nullptr) {
      error->condition = Condition::kRestrictedXml;
      error->detail = restricted_;
    } else {
      XML_Error code = XML_GetErrorCode(parser_);
      error->condition = MapError(code);
      error->detail = std::string("expat: ") + XML_ErrorString(code);
    }
    return false;
  }

  void Reset() override {
    if (parser_ == nullptr) {
      Create();
      return;
    }
    XML_ParserReset(parser_, "UTF-8");
    Configure();
  }

 private:
  void Create() {
    const XML_Char separator[] = {kSeparator, '\0'};
    parser_ = XML_ParserCreate_MM("UTF-8", memory_ ? &*memory_ : nullptr, separator);
    if (parser_ != nullptr) Configure();
  }

  void Configure() {
    sink_stopped_ = false;
    fed_ = 0;
    pending_default_ = nullptr;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    XML_SetHashSalt(parser_, kFuzzingHashSalt);
#endif
    XML_SetUserData(parser_, this);
    XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
    XML_SetElementHandler(parser_, &ExpatBackend::Start, &ExpatBackend::End);
    XML_SetCharacterDataHandler(parser_, &ExpatBackend::Chars);
    XML_SetStartNamespaceDeclHandler(parser_, &ExpatBackend::NsDecl);
    // The guard refuses all of these before Expat could see them; refusing
    // them here too keeps the backend safe on its own.
    XML_SetCommentHandler(parser_, [](void* self, const XML_Char*) { Refuse(self, "comment"); });
    XML_SetProcessingInstructionHandler(parser_, [](void* self, const XML_Char*, const XML_Char*) {
      Refuse(self, "processing instruction");
    });
    XML_SetStartDoctypeDeclHandler(parser_, [](void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
      Refuse(self, "DOCTYPE");
    });
    XML_SetEntityDeclHandler(parser_, [](void* self, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                                         const XML_Char*, const XML_Char*, const XML_Char*) {
      Refuse(self, "entity declaration");
    });
    XML_SetSkippedEntityHandler(parser_, [](void* self, const XML_Char*, int) { Refuse(self, "entity reference"); });
  }

  static void Refuse(void* self, const char* what) {
    auto* b = static_cast<ExpatBackend*>(self);
    b->restricted_ = what;
    b->restricted_at_ = XML_GetCurrentByteIndex(b->parser_);
    XML_StopParser(b->parser_, XML_FALSE);
  }

  void Stop() {
    sink_stopped_ = true;
    XML_StopParser(parser_, XML_FALSE);
  }

  static void NsDecl(void* self, const XML_Char* prefix, const XML_Char* uri) {
    auto* b = static_cast<ExpatBackend*>(self);
    // Expat keeps a declaration's namespace name until the end of the
    // element that declares it, so the start handler that follows may view it.
    if (prefix == nullptr) b->pending_default_ = uri == nullptr ? "" : uri;
  }

  static void Start(void* self, const XML_Char* qname, const XML_Char** atts) {
    auto* b = static_cast<ExpatBackend*>(self);
    std::string_view ns, local;
    SplitName(qname, &ns, &local);
    size_t count = 0;
    while (atts[2 * count] != nullptr) ++count;
    std::vector<Attribute> attributes(count);
    for (size_t i = 0; i < count; ++i) {
      std::string_view ans, alocal;
      SplitName(atts[2 * i], &ans, &alocal);
      Attribute& a = attributes[i];
      a.ns.assign(ans);
      a.name.assign(alocal);
      a.value.assign(atts[2 * i + 1]);
    }
    std::optional<std::string_view> default_ns;
    if (b->pending_default_ != nullptr) default_ns = b->pending_default_;
    b->pending_default_ = nullptr;
    if (!b->sink_->OnStart(ns, local, std::move(attributes), default_ns)) b->Stop();
  }

  static void End(void* self, const XML_Char*) {
    auto* b = static_cast<ExpatBackend*>(self);
    if (!b->sink_->OnEnd()) b->Stop();
  }

  static void Chars(void* self, const XML_Char* s, int len) {
    auto* b = static_cast<ExpatBackend*>(self);
    if (!b->sink_->OnText(std::string_view(s, static_cast<size_t>(len)))) b->Stop();
  }

  BackendSink* sink_;
  std::optional<XML_Memory_Handling_Suite> memory_;  // unset: the C library's
  XML_Parser parser_ = nullptr;
  // The default namespace declared on the next start tag, if any (Expat's
  // storage).
  const XML_Char* pending_default_ = nullptr;
  bool sink_stopped_ = false;
  const char* restricted_ = nullptr;
  XML_Index restricted_at_ = -1;
  uint64_t fed_ = 0;  // bytes fed since the document began, for error positions
};

}  // namespace

std::unique_ptr<TokenizerBackend> MakeExpatBackend(BackendSink* sink, const ExpatAllocator* allocator) {
  return std::make_unique<ExpatBackend>(sink, allocator);
}

}  // namespace xmppfuzz::xml
