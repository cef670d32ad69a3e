// xmppfuzz reference XML layer: a streaming reader for XMPP streams over
// three tokenizer backends (Expat, libxml2, native), one stanza tree type, one
// canonical serializer and an escaping stanza builder.
//
// Bytes go in with Reader::Feed(); events come out through a Reader::Listener.
// On the Expat and libxml2 backends every byte first passes the guard, a small
// lexical scanner of our own that enforces RFC 6120 section 11 (restricted
// XML, UTF-8 only), XML character rules and every size limit as the bytes
// arrive, and cuts the input into whole tokens. Only guarded, whole tokens
// reach the library, so both see the same token sequence whatever the
// caller's chunking was. The native backend is a one-pass tokenizer of our own
// that applies the same rules at the same bytes with resumable scanners. On
// all three, events and error offsets are chunk-invariant by construction.
#ifndef XMPPFUZZ_TARGETS_XML_XML_H_
#define XMPPFUZZ_TARGETS_XML_XML_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xmppfuzz::xml {

inline constexpr std::string_view kStreamsNs = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
inline constexpr std::string_view kXmlnsNs = "http://www.w3.org/2000/xmlns/";

// Condition is an RFC 6120 section 4.9.3 stream error condition. kNone means
// no error.
enum class Condition : uint8_t {
  kNone,
  kBadFormat,
  kBadNamespacePrefix,
  kConflict,
  kConnectionTimeout,
  kHostGone,
  kHostUnknown,
  kImproperAddressing,
  kInternalServerError,
  kInvalidFrom,
  kInvalidNamespace,
  kInvalidXml,
  kNotAuthorized,
  kNotWellFormed,
  kPolicyViolation,
  kRemoteConnectionFailed,
  kReset,
  kResourceConstraint,
  kRestrictedXml,
  kSeeOtherHost,
  kSystemShutdown,
  kUndefinedCondition,
  kUnsupportedEncoding,
  kUnsupportedFeature,
  kUnsupportedStanzaType,
  kUnsupportedVersion,
};

// ConditionName returns the RFC 6120 element name ("restricted-xml", ...), or
// "none" for kNone.
std::string_view ConditionName(Condition c);

// ConditionFromName returns the condition named |name|, or nullopt.
std::optional<Condition> ConditionFromName(std::string_view name);

// Error is a sticky parse error: the condition, the absolute byte offset of
// the first byte that made the input unacceptable, and a human-readable
// detail (never containing secrets; may quote a few input bytes, escaped).
struct Error {
  Condition condition = Condition::kNone;
  uint64_t offset = 0;
  std::string detail;

  bool ok() const { return condition == Condition::kNone; }
};

struct Attribute {
  std::string ns;  // resolved namespace name; empty for unqualified attributes
  std::string name;  // local name
  std::string value;
  bool operator==(const Attribute&) const = default;
};

struct Node;

// Element is a stanza tree node with resolved namespaces. Prefixes are not
// kept: two documents that differ only in prefixes give equal trees.
struct Element {
  std::string ns;  // empty: no namespace
  std::string name;
  std::vector<Attribute> attributes;  // in document order
  std::vector<Node> children;         // adjacent text is always merged

  // Attr returns the value of the attribute |name| in namespace |ns|, or null.
  const std::string* Attr(std::string_view name, std::string_view ns = {}) const;
  // ChildElementCount counts element children (not text).
  size_t ChildElementCount() const;
  // FirstChild returns the first element child named {ns}name, or null.
  const Element* FirstChild(std::string_view ns, std::string_view name) const;
  // Text returns the concatenation of this element's direct text children.
  std::string Text() const;

  bool operator==(const Element&) const;
};

struct Node {
  bool is_text = false;
  std::string text;  // when is_text
  Element element;   // when !is_text
  bool operator==(const Node&) const = default;
};

// Canonical renders |e| in the canonical form on one line:
//  - the element carries xmlns="..." when its namespace differs from
//    |parent_ns| (always on the outermost element, where parent_ns is null);
//  - attributes are sorted by (namespace, name); a namespaced attribute uses
//    prefix "xml" for the XML namespace and otherwise n0, n1, ... declared on
//    the same element, after the attributes' own order;
//  - attribute values are double-quoted with & < > " TAB LF CR escaped as
//    &amp; &lt; &gt; &quot; &#9; &#10; &#13;; text escapes & < > LF CR the
//    same way; nothing else is escaped (UTF-8 is written as is);
//  - an element with no children is written <name/>.
// Parsing the output again gives an equal tree, under the limits
// CanonicalLimits() returns (the canonical form may be longer than the
// input it came from).
std::string Canonical(const Element& e, const std::string* parent_ns = nullptr);


// CanonicalHeader renders a stream header start tag, without a closing tag:
// <stream:stream xmlns:stream="http://etherx.jabber.org/streams"
// xmlns="CONTENT-NS" attrs...> with attributes in canonical order. A header
// element that is not {streams}stream is rendered with Canonical() less its
// closing, so an invalid header still prints unambiguously.
std::string CanonicalHeader(const Element& header, std::string_view content_ns);

// IsXmlChar reports whether |cp| is an XML 1.0 Char.
bool IsXmlChar(uint32_t cp);

// ValidateText returns true when |s| is valid UTF-8 made only of XML Chars,
// i.e. it can be carried in XML text or an attribute value.
bool ValidateText(std::string_view s);

// IsValidName reports whether |s| is an XML name the reference accepts for an
// element or attribute local name: non-empty, ASCII, [A-Za-z_] then
// [A-Za-z0-9._-], no colon.
bool IsValidName(std::string_view s);

// Builder builds a stanza from untrusted strings. Every name is validated and
// every text and attribute value is checked to be representable (UTF-8 of XML
// Chars); the serializer escapes all of it, so the result cannot inject
// markup. On the first invalid input the builder remembers the error and
// Build() returns nullopt.
class Builder {
 public:
  Builder(std::string_view ns, std::string_view name);
  Builder& Attr(std::string_view name, std::string_view value);
  Builder& AttrNs(std::string_view ns, std::string_view name, std::string_view value);
  Builder& Text(std::string_view text);
  // Child opens a child element; Up() returns to its parent.
  Builder& Child(std::string_view ns, std::string_view name);
  Builder& Up();
  std::optional<Element> Build() const;
  const std::string& error() const { return error_; }

 private:
  Element* Current();
  Element root_;
  std::vector<size_t> path_;  // child indices from root to the current element
  std::string error_;
};

// Backend names the tokenizer under a Reader. kExpat and kLibxml2 parse the
// guard's whole tokens with those libraries; kNative is our own one-pass
// tokenizer (targets/xml/native.cc), with no library underneath. Code that
// picks a backend does so from kBackends or with a switch that names every
// backend, never with a default that falls to one of them.
enum class Backend : uint8_t { kExpat, kLibxml2, kNative };

// kBackends lists every backend, in the order tests and reports show them.
inline constexpr std::array<Backend, 3> kBackends = {Backend::kExpat, Backend::kLibxml2, Backend::kNative};

// BackendName returns "expat", "libxml2" or "native".
std::string_view BackendName(Backend b);
// BackendFromName returns the backend BackendName() calls |name|, or nullopt.
std::optional<Backend> BackendFromName(std::string_view name);

// Limits bound the memory and work one stream can cause. Each is enforced as
// the bytes arrive; breaching one gives policy-violation at the offset of the
// first byte over the limit.
struct Limits {
  size_t max_stanza_bytes = 256 * 1024;   // one top-level element, tags included
  size_t max_stanza_bytes_preauth = 10000;  // the same before authentication
  size_t max_depth = 32;                  // open elements, the stream element included
  size_t max_attributes = 64;             // per element, xmlns declarations included
  size_t max_name_bytes = 256;            // any qualified name
  size_t max_namespace_decls = 16;        // per element
  size_t max_text_bytes = 256 * 1024;     // character data in one stanza
};

// CanonicalLimits returns the limits under which the canonical form of any
// stanza that |input| admitted parses back, given the canonical string's
// length |canonical_bytes|. The canonical form grows by its documented
// rules, and only by them:
//  - depth and character data per stanza do not change (text is counted
//    decoded; the same characters come back);
//  - attributes per element: an xmlns="..." and one xmlns:nK per attribute
//    namespace may be added, so 2 x max_attributes + 1; namespace
//    declarations per element: max_attributes + 1 at most;
//  - names: an attribute prefix of one byte may become nK, K below
//    max_attributes, so max_name_bytes + the digits of max_attributes - 1;
//  - stanza size: escapes (up to 6 bytes for 1: &quot;) and xmlns="..." on
//    every element whose namespace differs from its parent's have no fixed
//    ratio to the input, so the size limit is the canonical length itself
//    (the limit bounds what a peer sends, not the tree it stands for).
Limits CanonicalLimits(const Limits& input, size_t canonical_bytes);

// CanonicalSizeBound is an upper bound on Canonical(e).size(), computed
// without rendering (xmlns="..." on each element can make the canonical form
// far longer than its input, e.g. many <p:x/> children of a long namespace).
size_t CanonicalSizeBound(const Element& e, const std::string* parent_ns = nullptr);

enum class Status : uint8_t {
  kOk,        // the stream closed cleanly; nothing more is expected
  kNeedMore,  // all bytes accepted; the stream is still open
  kError,     // see error(); sticky until Reset()
};

// Reader is the incremental XML layer of an XMPP stream.
class Reader {
 public:
  // Listener receives the events of Feed(), in stream order. The reader
  // hands the backend whole tokens in batches, so an event may come after
  // the guard has read further into the chunk: a listener calls Restart()
  // and SetAuthenticated() between Feed() calls, not from an event. The
  // exception is AllowInbandRestart(): it is asked only once every event
  // before it is out, with the reader at the new header, so a listener may
  // call SetAuthenticated() from it (the stream parser does, client side).
  class Listener {
   public:
    virtual ~Listener() = default;
    // OnStreamOpen delivers the stream header element (no children) and the
    // default namespace in scope on it. Returning an error stops the reader.
    virtual Error OnStreamOpen(Element header, std::string content_ns, uint64_t offset) = 0;
    // OnStanzaStart is told the namespace and local name of a top-level
    // element at its start tag, so an element that can only be refused is
    // refused there, without waiting for an end tag that may never come.
    // Returning an error stops the reader (offset: the start tag's).
    virtual Error OnStanzaStart(std::string_view /*ns*/, std::string_view /*name*/, uint64_t /*offset*/) {
      return Error{};
    }
    // OnStanza delivers a complete top-level element.
    virtual Error OnStanza(Element stanza, uint64_t offset) = 0;
    virtual Error OnStreamClose(uint64_t offset) = 0;
    // AllowInbandRestart is asked when a new stream header (an XML
    // declaration or a start tag whose local name is "stream") appears where
    // a stanza could start. True: the reader starts a new XML document there,
    // as after a STARTTLS or SASL success restart (RFC 6120 4.3.3).
    virtual bool AllowInbandRestart() { return false; }
  };

  Reader(Backend backend, Limits limits, Listener* listener);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  Status Feed(std::span<const uint8_t> bytes);
  Status Feed(std::string_view bytes) {
    return Feed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // Restart starts a new XML document at the next byte (RFC 6120 4.3.3).
  void Restart();
  // SetAuthenticated switches between the pre- and post-authentication
  // stanza size limits.
  void SetAuthenticated(bool authenticated);

  const Error& error() const;
  // offset is the number of bytes consumed so far.
  uint64_t offset() const;
  Backend backend() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmppfuzz::xml

#endif  // XMPPFUZZ_TARGETS_XML_XML_H_
