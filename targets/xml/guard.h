// Private to targets/xml: the guard, a byte-at-a-time lexical scanner that
// stands in front of the tokenizer backends.
//
// It refuses, at the exact offending byte and before any backend sees it:
// invalid UTF-8 and non-XML characters, comments, processing instructions,
// DOCTYPEs and every markup declaration, entity references other than the
// five predefined ones, character references to non-characters, an XML
// declaration naming an encoding other than UTF-8, malformed tag syntax, and
// every size limit. It then hands whole tokens (a tag, a CDATA section, a run
// of text, the XML declaration) to its client, so what a backend sees does
// not depend on how the caller chunked the input.
//
// It also checks what needs no tokenizer's opinion and on which tokenizers
// differ in the order of their checks: end tags match start tags, no
// attribute appears twice (by qualified or by expanded name), every prefix is
// bound, and xmlns declarations respect Namespaces in XML 1.0 section 3. The
// backends still parse every token and resolve namespaces themselves.
#ifndef XMPPFUZZ_TARGETS_XML_GUARD_H_
#define XMPPFUZZ_TARGETS_XML_GUARD_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "targets/base/base.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::xml {

enum class TokenKind : uint8_t { kXmlDecl, kStartTag, kEmptyTag, kEndTag, kText, kCdata };

class GuardClient {
 public:
  virtual ~GuardClient() = default;
  // OnToken receives a whole token (text may come in several pieces). It
  // returns false to stop scanning; the client then holds the error.
  virtual bool OnToken(TokenKind kind, std::string_view bytes, uint64_t offset) = 0;
  // AllowRestart is asked when a new stream header appears at stanza level.
  virtual bool AllowRestart() = 0;
  // OnInbandRestart is called when AllowRestart() said yes: the token that
  // starts at |offset| is the first of a new document.
  virtual void OnInbandRestart(uint64_t offset) = 0;
};

class Guard {
 public:
  Guard(const Limits& limits, GuardClient* client);

  // Scan consumes |bytes|. Returns false on error (see error()) or when the
  // client stopped it.
  bool Scan(std::span<const uint8_t> bytes);

  // Restart makes the next byte the first byte of a new document.
  void Restart();
  void set_max_stanza_bytes(size_t n) { max_stanza_bytes_ = n; }

  const Error& error() const { return error_; }
  uint64_t offset() const { return offset_; }
  // closed reports that the root element has ended.
  bool closed() const { return state_ == State::kEpilog; }

 private:
  enum class State : uint8_t {
    kProlog, kEpilog, kText, kLt, kBang, kCdataOpen, kCdata, kPiTarget, kXmlDecl,
    kStartName, kTagSpace, kAttrName, kAttrAfterName, kAttrEq, kAttrValue, kAfterValue,
    kEmptySlash, kEndName, kEndSpace, kRef, kEntityName, kCharRef, kCharRefDigits,
  };

  bool Fail(Condition c, uint64_t at, std::string detail);
  // FastRun consumes the longest prefix of |p| (|n| bytes) that Step() would
  // accept byte by byte without leaving the current state or reaching a
  // limit: plain text, attribute value or name bytes. Returns its length
  // (0: use Step()); the caller advances offset_. Called only between
  // characters.
  size_t FastRun(const uint8_t* p, size_t n);
  bool Step(uint8_t b);
  bool StepMultiByte(uint8_t b);
  bool FailStanzaBytes();
  bool StepChar(uint32_t cp, uint64_t at);
  bool OnLt(uint64_t at);
  bool NameByte(uint32_t cp, uint64_t at);
  bool CheckQName(uint64_t at);
  bool FinishStartName();
  bool FinishAttrName();
  bool CompleteStartTag();
  bool CompleteEmptyTag();
  bool CompleteEndTag();
  bool EndToken(TokenKind kind, uint64_t end);
  void DropToken(uint64_t end);
  bool CheckXmlDecl();
  bool RefDone(uint32_t decoded);
  bool BeginDocument(uint64_t at);
  bool CheckTagNamespaces();
  const std::string* LookupPrefix(std::string_view prefix) const;
  void ResetScope();

  Limits limits_;
  size_t max_stanza_bytes_;
  GuardClient* client_;
  Error error_;
  bool stopped_ = false;  // the client refused a token and holds the error

  State state_ = State::kProlog;
  State ref_return_ = State::kText;  // state to go back to after a reference
  base::Utf8Decoder utf8_;
  uint64_t offset_ = 0;     // absolute offset of the next byte
  uint64_t char_start_ = 0;  // offset of the current character's first byte
  uint64_t doc_start_ = 0;   // offset where the current document began
  bool bom_seen_ = false;    // the current document began with a byte order mark

  // The token being scanned: its start, and the bytes of it that arrived in
  // earlier chunks (only when it straddles a chunk boundary).
  uint64_t token_start_ = 0;
  std::string carry_;
  std::span<const uint8_t> chunk_;
  uint64_t chunk_start_ = 0;

  size_t depth_ = 0;           // open elements
  uint64_t stanza_bytes_ = 0;  // bytes of the current top-level element or header
  uint64_t text_bytes_ = 0;    // character data in the current stanza
  bool in_stanza_ = false;

  // Current tag.
  uint64_t lt_at_ = 0;        // offset of '<'
  size_t name_len_ = 0;
  size_t colons_ = 0;
  bool last_colon_ = false;
  std::string name_;          // current tag or attribute name (bounded by max_name_bytes)
  std::string tag_name_;      // qualified name of the current start tag
  uint64_t name_start_ = 0;
  size_t attributes_ = 0;
  size_t ns_decls_ = 0;
  uint8_t quote_ = 0;
  bool restart_candidate_ = false;

  // Markup being matched ("[CDATA[", "xml"), CDATA "]]>" and text "]]>".
  size_t match_ = 0;
  size_t brackets_ = 0;
  std::string decl_;          // the XML declaration, bounded
  uint64_t decl_start_ = 0;

  // Namespace scope and open elements (bounded by the depth, attribute,
  // name and stanza size limits).
  struct Binding {
    std::string prefix;
    std::string uri;
  };
  struct PendingAttribute {
    std::string qname;
    uint64_t offset;
    std::string value;  // decoded and normalised; kept for xmlns declarations only
  };
  std::vector<Binding> bindings_;
  std::vector<size_t> scope_marks_;       // bindings_.size() when each open element started
  std::vector<std::string> open_names_;   // qualified names of the open elements
  std::vector<PendingAttribute> attrs_;   // attributes of the current start tag
  // (namespace, local name) of the prefixed attributes of the current start
  // tag, views into attrs_ and bindings_; a member only to keep its storage.
  std::vector<std::pair<std::string_view, std::string_view>> expanded_;
  bool keep_value_ = false;               // the current attribute is an xmlns declaration

  // Reference being scanned.
  uint64_t ref_at_ = 0;
  std::string ref_name_;
  uint32_t ref_value_ = 0;
  bool ref_hex_ = false;
  size_t ref_digits_ = 0;
};

}  // namespace xmppfuzz::xml

#endif  // XMPPFUZZ_TARGETS_XML_GUARD_H_
