// Private to targets/xml: the tokenizer backend interface. A backend parses
// whole tokens that already passed the guard, resolves namespaces and reports
// elements and text to a sink.
#ifndef XMPPFUZZ_TARGETS_XML_BACKEND_H_
#define XMPPFUZZ_TARGETS_XML_BACKEND_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::xml {

class BackendSink {
 public:
  virtual ~BackendSink() = default;
  // Each returns false to stop the backend (the sink then holds the error).
  // |default_ns| is the default namespace declared on this element, if any;
  // like |ns| and |name| it is valid only during the call.
  virtual bool OnStart(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
                       std::optional<std::string_view> default_ns) = 0;
  virtual bool OnEnd() = 0;
  virtual bool OnText(std::string_view text) = 0;
};

struct BackendError {
  Condition condition = Condition::kNone;  // kNone: stopped by the sink
  std::string detail;
  // position is the index in the bytes of the failed Feed() call where the
  // backend found the error, or npos when it cannot say (the reader then
  // blames the last token it fed).
  size_t position = std::string::npos;
};

class TokenizerBackend {
 public:
  virtual ~TokenizerBackend() = default;
  // Feed parses |bytes| (one or more whole tokens, or a piece of text) as the
  // continuation of the current document. Returns false when the backend
  // refused them (|error| says why and where) or the sink stopped it
  // (error->condition stays kNone).
  virtual bool Feed(std::string_view bytes, BackendError* error) = 0;
  // Reset starts a new document.
  virtual void Reset() = 0;
};

// ExpatAllocator stands in for malloc, realloc and free inside one Expat
// backend's parser (Expat's XML_Memory_Handling_Suite), so that a test can
// make an allocation fail. libxml2 has no allocator per parser, only the
// process-wide xmlMemSetup(), so its backend has none.
struct ExpatAllocator {
  void* (*malloc_fcn)(size_t size);
  void* (*realloc_fcn)(void* ptr, size_t size);
  void (*free_fcn)(void* ptr);
};

// MakeExpatBackend returns the Expat backend over |sink|; its parser
// allocates with |allocator| (copied) when given, else with the C library.
// An allocation that fails, the parser's own included, makes Feed() return
// false with resource-constraint.
std::unique_ptr<TokenizerBackend> MakeExpatBackend(BackendSink* sink, const ExpatAllocator* allocator = nullptr);
std::unique_ptr<TokenizerBackend> MakeLibxml2Backend(BackendSink* sink);

}  // namespace xmppfuzz::xml

#endif  // XMPPFUZZ_TARGETS_XML_BACKEND_H_
