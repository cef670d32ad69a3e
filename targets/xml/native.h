// Private to targets/xml: the native backend, a one-pass pull tokenizer of
// our own that does what the guard and a tokenizer library do together:
// restricted XML, UTF-8, XML character, limit, tag-matching, attribute
// uniqueness and namespace rules, reference decoding, line-end and attribute
// value normalisation and namespace resolution, with no Expat or libxml2
// underneath. docs/design.md ("The native tokenizer") describes it.
#ifndef XMPPFUZZ_TARGETS_XML_NATIVE_H_
#define XMPPFUZZ_TARGETS_XML_NATIVE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::xml {

// NativeClient receives what the native tokenizer reads, in stream order.
class NativeClient {
 public:
  virtual ~NativeClient() = default;
  // OnStartTag reports a start tag (or the start of an empty-element tag)
  // with its resolved namespace, local name and attributes (xmlns
  // declarations are not attributes); |default_ns| is the default namespace
  // declared on the element, if any. |offset| is the tag's '<', |last| its
  // last byte. Returns false to stop the tokenizer (the client then holds the
  // error).
  virtual bool OnStartTag(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
                          const std::optional<std::string>& default_ns, uint64_t offset, uint64_t last) = 0;
  // OnEndTag reports an end tag, or the end of an empty-element tag.
  virtual bool OnEndTag(uint64_t offset, uint64_t last) = 0;
  // OnText reports decoded, normalised character data, in pieces.
  virtual bool OnText(std::string_view text) = 0;
  // AllowRestart is asked when a new stream header appears at stanza level.
  virtual bool AllowRestart() = 0;
  // OnInbandRestart is called when AllowRestart() said yes.
  virtual void OnInbandRestart(uint64_t offset) = 0;
};

// NativeTokenizer is the native backend's state for one stream. Its memory
// is a few hundred bytes plus what the current tag, the open elements and
// their namespace declarations need, all bounded by the limits.
class NativeTokenizer {
 public:
  virtual ~NativeTokenizer() = default;
  // Feed consumes |bytes|. Returns false on an error (see error()) or when
  // the client stopped it (the client holds the error then).
  virtual bool Feed(std::span<const uint8_t> bytes) = 0;
  // Restart makes the next byte the first byte of a new document.
  virtual void Restart() = 0;
  virtual void set_max_stanza_bytes(size_t n) = 0;
  virtual const Error& error() const = 0;
  // offset is the number of bytes consumed, or on an error the offset of
  // the byte at which it was found.
  virtual uint64_t offset() const = 0;
};

std::unique_ptr<NativeTokenizer> MakeNativeTokenizer(const Limits& limits, NativeClient* client);

}  // namespace xmppfuzz::xml

#endif  // XMPPFUZZ_TARGETS_XML_NATIVE_H_
