#include "targets/xml/guard.h"

#include <algorithm>
#include <array>

#include "targets/xml/name_chars.h"

namespace xmppfuzz::xml {
namespace {

bool IsWs(uint32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'; }

// Byte classes for Guard::FastRun: ASCII bytes that change nothing but the
// counters in text, in an attribute value, and in a name after its first
// character.
enum : uint8_t { kPlainText = 1, kPlainValue = 2, kPlainName = 4, kPlainKeptValue = 8 };
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = kPlainText | kPlainValue;
  for (int c : {'\t', '\n', '\r'}) t[c] = kPlainText | kPlainValue;
  for (int c : {'<', '&', ']', '>'}) t[c] &= ~kPlainText;  // ']' and '>' make up "]]>"
  for (int c : {'<', '&', '"', '\''}) t[c] &= ~kPlainValue;
  for (int c = 0x20; c < 0x80; ++c) t[c] |= t[c] & kPlainValue ? kPlainKeptValue : 0;  // no TAB, LF, CR to normalise
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kPlainName;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kPlainName;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kPlainName;
  for (int c : {'.', '-', '_', ':'}) t[c] |= kPlainName;
  return t;
}();

// XmlCharSequence returns the length of the multi-byte UTF-8 sequence at |p|
// (|n| bytes available) when it is complete, well formed (RFC 3629) and
// encodes an XML Char (not U+FFFE or U+FFFF); otherwise 0.
size_t XmlCharSequence(const uint8_t* p, size_t n) {
  uint32_t cp;
  size_t len = base::DecodeUtf8(std::string_view(reinterpret_cast<const char*>(p), n), 0, &cp);
  return len != 0 && cp != 0xFFFE && cp != 0xFFFF ? len : 0;
}

// FirstCodePoint decodes the first character of |s|, UTF-8 that the guard
// has already validated (part of a name it built).
uint32_t FirstCodePoint(std::string_view s) {
  base::Utf8Decoder decoder;
  for (char c : s) {
    if (decoder.Push(static_cast<uint8_t>(c)) != base::Utf8Decoder::kNeedMore) break;
  }
  return decoder.code_point();
}

constexpr std::array<std::string_view, 5> kPredefined = {"lt", "gt", "amp", "apos", "quot"};

bool IsPredefinedPrefix(std::string_view name) {
  for (std::string_view p : kPredefined) {
    if (p.substr(0, name.size()) == name) return true;
  }
  return false;
}

// DeclParser reads the pseudo-attributes of an XML declaration
// "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>".
class DeclParser {
 public:
  explicit DeclParser(std::string_view s) : s_(s) {}

  // Next reads one pseudo-attribute; false at the end or on a syntax error
  // (then bad() is true).
  bool Next(std::string_view* name, std::string_view* value, size_t* value_pos) {
    size_t ws = pos_;
    while (pos_ < s_.size() && IsWs(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '?') return false;
    if (pos_ == ws) return Bad();
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= 'a' && s_[pos_] <= 'z') ++pos_;
    *name = s_.substr(start, pos_ - start);
    while (pos_ < s_.size() && IsWs(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ >= s_.size() || s_[pos_] != '=') return Bad();
    ++pos_;
    while (pos_ < s_.size() && IsWs(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) return Bad();
    char quote = s_[pos_++];
    size_t end = s_.find(quote, pos_);
    if (end == std::string_view::npos) return Bad();
    *value = s_.substr(pos_, end - pos_);
    *value_pos = pos_;
    pos_ = end + 1;
    return true;
  }
  bool bad() const { return bad_; }
  bool at_end() const { return s_.substr(pos_) == "?>"; }

 private:
  bool Bad() {
    bad_ = true;
    return false;
  }
  std::string_view s_;
  size_t pos_ = 5;  // after "<?xml"
  bool bad_ = false;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

}  // namespace

Guard::Guard(const Limits& limits, GuardClient* client)
    : limits_(limits), max_stanza_bytes_(limits.max_stanza_bytes_preauth), client_(client) {}

void Guard::Restart() {
  if (!error_.ok()) return;
  state_ = State::kProlog;
  utf8_.Reset();
  doc_start_ = offset_;
  bom_seen_ = false;
  token_start_ = offset_;
  carry_.clear();
  depth_ = 0;
  in_stanza_ = false;
  ResetScope();
}

void Guard::ResetScope() {
  bindings_.clear();
  scope_marks_.clear();
  open_names_.clear();
}

const std::string* Guard::LookupPrefix(std::string_view prefix) const {
  for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
    if (it->prefix == prefix) return &it->uri;
  }
  return nullptr;
}

// CheckTagNamespaces runs when a start tag is complete. The order of the
// checks is fixed, so one input always gives one answer.
bool Guard::CheckTagNamespaces() {
  // Attribute uniqueness by qualified name (XML 1.0 section 3.1 WFC).
  for (size_t i = 1; i < attrs_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (attrs_[i].qname == attrs_[j].qname) {
        return Fail(Condition::kNotWellFormed, attrs_[i].offset, "attribute '" + attrs_[i].qname + "' appears twice");
      }
    }
  }
  // Declarations (Namespaces in XML 1.0 section 3, "Reserved Prefixes and
  // Namespace Names" and "Prefix Undeclaring").
  for (const PendingAttribute& a : attrs_) {
    if (a.qname == "xmlns") {
      if (a.value == kXmlNs || a.value == kXmlnsNs) {
        return Fail(Condition::kBadNamespacePrefix, a.offset, "reserved namespace name bound as the default namespace");
      }
      bindings_.push_back(Binding{"", a.value});
    } else if (a.qname.starts_with("xmlns:")) {
      std::string_view prefix = std::string_view(a.qname).substr(6);
      if (prefix == "xmlns") return Fail(Condition::kBadNamespacePrefix, a.offset, "the xmlns prefix declared");
      if (prefix == "xml" && a.value != kXmlNs) return Fail(Condition::kBadNamespacePrefix, a.offset, "the xml prefix bound to another namespace");
      if (prefix != "xml" && a.value == kXmlNs) return Fail(Condition::kBadNamespacePrefix, a.offset, "the XML namespace bound to another prefix");
      if (a.value == kXmlnsNs) return Fail(Condition::kBadNamespacePrefix, a.offset, "the xmlns namespace name bound to a prefix");
      if (a.value.empty()) return Fail(Condition::kBadNamespacePrefix, a.offset, "prefix undeclared with an empty namespace name");
      bindings_.push_back(Binding{std::string(prefix), a.value});
    }
  }
  // Every prefix in use must be bound.
  size_t colon = tag_name_.find(':');
  if (colon != std::string::npos) {
    std::string_view prefix = std::string_view(tag_name_).substr(0, colon);
    if (prefix == "xmlns") return Fail(Condition::kBadNamespacePrefix, lt_at_, "element with the xmlns prefix");
    // No element is defined in the XML namespace, and the canonical form
    // could not write one back (a default namespace may not be bound to it).
    if (prefix == "xml") return Fail(Condition::kBadNamespacePrefix, lt_at_, "element with the xml prefix");
    if (prefix != "xml" && LookupPrefix(prefix) == nullptr) {
      return Fail(Condition::kBadNamespacePrefix, lt_at_, "unbound prefix '" + std::string(prefix) + "'");
    }
  }
  expanded_.clear();
  for (const PendingAttribute& a : attrs_) {
    size_t c = a.qname.find(':');
    if (c == std::string::npos || a.qname == "xmlns" || a.qname.starts_with("xmlns:")) continue;
    std::string_view prefix = std::string_view(a.qname).substr(0, c);
    std::string_view uri = kXmlNs;
    if (prefix != "xml") {
      const std::string* bound = LookupPrefix(prefix);
      if (bound == nullptr) return Fail(Condition::kBadNamespacePrefix, a.offset, "unbound prefix '" + std::string(prefix) + "'");
      uri = *bound;
    }
    std::pair<std::string_view, std::string_view> name{uri, std::string_view(a.qname).substr(c + 1)};
    for (const auto& other : expanded_) {
      if (other == name) return Fail(Condition::kNotWellFormed, a.offset, "attribute '" + a.qname + "' appears twice by expanded name");
    }
    expanded_.push_back(name);
  }
  return true;
}

bool Guard::Fail(Condition c, uint64_t at, std::string detail) {
  error_.condition = c;
  error_.offset = at;
  error_.detail = std::move(detail);
  return false;
}

bool Guard::Scan(std::span<const uint8_t> bytes) {
  if (!error_.ok() || stopped_) return false;
  chunk_ = bytes;
  chunk_start_ = offset_;
  const uint8_t* data = bytes.data();
  constexpr uint32_t kFastStates = 1u << static_cast<int>(State::kText) | 1u << static_cast<int>(State::kAttrValue) |
                                   1u << static_cast<int>(State::kStartName) | 1u << static_cast<int>(State::kAttrName) |
                                   1u << static_cast<int>(State::kEndName);
  for (size_t i = 0; i < bytes.size();) {
    bool fast = (kFastStates >> static_cast<int>(state_) & 1) != 0 && utf8_.idle();
    size_t run = fast ? FastRun(data + i, bytes.size() - i) : 0;
    if (run != 0) {
      offset_ += run;
      i += run;
      // A run stops at a byte FastRun would not take (or at a limit, where
      // it would take none): that byte goes to Step() straight away.
      if (i == bytes.size()) break;
    }
    if (!Step(data[i])) return false;
    ++offset_;
    ++i;
  }
  if (token_start_ < offset_) {
    if (state_ == State::kText && depth_ >= 2 && utf8_.idle()) {
      // Validated text may go to the backend in pieces: it cannot fail there.
      if (!EndToken(TokenKind::kText, offset_)) return false;
    } else {
      size_t from = token_start_ > chunk_start_ ? token_start_ - chunk_start_ : 0;
      carry_.append(reinterpret_cast<const char*>(chunk_.data()) + from, chunk_.size() - from);
    }
  }
  chunk_ = {};
  return true;
}

bool Guard::EndToken(TokenKind kind, uint64_t end) {
  size_t from = token_start_ > chunk_start_ ? token_start_ - chunk_start_ : 0;
  size_t to = end - chunk_start_;
  const char* base = reinterpret_cast<const char*>(chunk_.data());
  std::string_view bytes;
  if (carry_.empty()) {
    bytes = std::string_view(base + from, to - from);
  } else {
    carry_.append(base + from, to - from);
    bytes = carry_;
  }
  bool ok = client_->OnToken(kind, bytes, token_start_);
  carry_.clear();
  token_start_ = end;
  if (!ok) stopped_ = true;
  return ok;
}

void Guard::DropToken(uint64_t end) {
  carry_.clear();
  token_start_ = end;
}

inline size_t Guard::FastRun(const uint8_t* p, size_t n) {
  uint8_t mask;
  size_t limit = n;
  switch (state_) {
    case State::kText:
      if (depth_ < 2 || text_bytes_ >= limits_.max_text_bytes) return 0;
      mask = kPlainText;
      limit = std::min<uint64_t>(limit, limits_.max_text_bytes - text_bytes_);
      break;
    case State::kAttrValue:
      mask = keep_value_ ? kPlainKeptValue : kPlainValue;
      break;
    case State::kEndName:
      if (name_.empty()) return 0;  // the first character has its own rule
      [[fallthrough]];
    case State::kStartName:
    case State::kAttrName:
      if (name_.size() >= limits_.max_name_bytes) return 0;
      mask = kPlainName;
      limit = std::min(limit, limits_.max_name_bytes - name_.size());
      break;
    default:
      return 0;
  }
  if (in_stanza_) {
    if (stanza_bytes_ >= max_stanza_bytes_) return 0;
    limit = std::min<uint64_t>(limit, max_stanza_bytes_ - stanza_bytes_);
  }
  size_t i = 0;
  if (mask == kPlainName) {
    while (i < limit && (kByteClass[p[i]] & kPlainName)) ++i;
    name_.append(reinterpret_cast<const char*>(p), i);
  } else {
    while (i < limit) {
      if (kByteClass[p[i]] & mask) {
        ++i;
        continue;
      }
      size_t len = p[i] >= 0x80 ? XmlCharSequence(p + i, limit - i) : 0;
      if (len == 0) break;
      i += len;
    }
    if (state_ == State::kText && i != 0) {
      text_bytes_ += i;
      brackets_ = 0;
    }
    if (mask == kPlainKeptValue) attrs_.back().value.append(reinterpret_cast<const char*>(p), i);
  }
  if (in_stanza_) stanza_bytes_ += i;
  return i;
}

inline bool Guard::Step(uint8_t b) {
  if (in_stanza_ && ++stanza_bytes_ > max_stanza_bytes_) return FailStanzaBytes();
  if (b < 0x80 && utf8_.idle()) return StepChar(b, offset_);
  return StepMultiByte(b);
}

bool Guard::FailStanzaBytes() {
  return Fail(Condition::kPolicyViolation, offset_, "stanza exceeds " + std::to_string(max_stanza_bytes_) + " bytes");
}

bool Guard::StepMultiByte(uint8_t b) {
  if (utf8_.idle()) char_start_ = offset_;
  switch (utf8_.Push(b)) {
    case base::Utf8Decoder::kInvalid:
      return Fail(Condition::kUnsupportedEncoding, char_start_, "invalid UTF-8");
    case base::Utf8Decoder::kNeedMore:
      return true;
    case base::Utf8Decoder::kChar:
      break;
  }
  return StepChar(utf8_.code_point(), char_start_);
}

bool Guard::BeginDocument(uint64_t at) {
  doc_start_ = at;
  bom_seen_ = false;
  depth_ = 0;
  in_stanza_ = false;
  ResetScope();
  client_->OnInbandRestart(at);
  return true;
}

bool Guard::OnLt(uint64_t at) {
  lt_at_ = at;
  token_start_ = at;
  carry_.clear();
  state_ = State::kLt;
  return true;
}

bool Guard::NameByte(uint32_t cp, uint64_t at) {
  if (name_.size() + base::Utf8Length(cp) > limits_.max_name_bytes) {
    return Fail(Condition::kPolicyViolation, at, "name longer than " + std::to_string(limits_.max_name_bytes) + " bytes");
  }
  if (cp < 0x80) {
    name_.push_back(static_cast<char>(cp));
  } else {
    base::AppendUtf8(name_, cp);
  }
  return true;
}

bool Guard::CheckQName(uint64_t at) {
  size_t colon = name_.find(':');
  if (colon == std::string::npos) return true;
  if (colon == 0 || colon + 1 == name_.size() || name_.find(':', colon + 1) != std::string::npos ||
      !IsNameStartChar(FirstCodePoint(std::string_view(name_).substr(colon + 1)))) {
    return Fail(Condition::kNotWellFormed, at, "malformed qualified name '" + name_ + "' (Namespaces in XML 1.0 section 3)");
  }
  return true;
}

bool Guard::FinishStartName() {
  if (!CheckQName(lt_at_ + 1)) return false;
  tag_name_ = name_;
  if (depth_ == 1) {
    size_t colon = name_.find(':');
    std::string_view local = colon == std::string::npos ? std::string_view(name_) : std::string_view(name_).substr(colon + 1);
    if (local == "stream" && client_->AllowRestart()) {
      uint64_t bytes_so_far = stanza_bytes_;
      BeginDocument(lt_at_);
      in_stanza_ = true;  // the header counts against the stanza limit
      stanza_bytes_ = bytes_so_far;
    }
  }
  return true;
}

bool Guard::FinishAttrName() {
  if (!CheckQName(name_start_)) return false;
  keep_value_ = name_ == "xmlns" || name_.starts_with("xmlns:");
  PendingAttribute& attr = attrs_.emplace_back();
  attr.qname.assign(name_);
  attr.offset = name_start_;
  if (keep_value_) {
    if (++ns_decls_ > limits_.max_namespace_decls) {
      return Fail(Condition::kPolicyViolation, name_start_,
                  "more than " + std::to_string(limits_.max_namespace_decls) + " namespace declarations on one element");
    }
  }
  return true;
}

bool Guard::CompleteStartTag() {
  size_t mark = bindings_.size();
  if (!CheckTagNamespaces()) return false;
  scope_marks_.push_back(mark);
  open_names_.push_back(tag_name_);
  if (!EndToken(TokenKind::kStartTag, offset_ + 1)) return false;
  ++depth_;
  if (depth_ == 1) in_stanza_ = false;  // the header is done
  if (depth_ == 2) text_bytes_ = 0;
  state_ = State::kText;
  brackets_ = 0;
  return true;
}

bool Guard::CompleteEmptyTag() {
  size_t mark = bindings_.size();
  if (!CheckTagNamespaces()) return false;
  bindings_.resize(mark);
  if (!EndToken(TokenKind::kEmptyTag, offset_ + 1)) return false;
  if (depth_ <= 1) in_stanza_ = false;
  state_ = depth_ == 0 ? State::kEpilog : State::kText;
  brackets_ = 0;
  return true;
}

bool Guard::CompleteEndTag() {
  if (open_names_.empty() || open_names_.back() != name_) {
    return Fail(Condition::kNotWellFormed, lt_at_,
                "end tag '" + name_ + "' does not match '" + (open_names_.empty() ? "" : open_names_.back()) + "'");
  }
  open_names_.pop_back();
  bindings_.resize(scope_marks_.back());
  scope_marks_.pop_back();
  if (!EndToken(TokenKind::kEndTag, offset_ + 1)) return false;
  --depth_;
  if (depth_ <= 1) in_stanza_ = false;
  state_ = depth_ == 0 ? State::kEpilog : State::kText;
  brackets_ = 0;
  return true;
}

bool Guard::CheckXmlDecl() {
  DeclParser p(decl_);
  std::string_view name, value;
  size_t value_pos = 0;
  int index = 0;
  bool saw_encoding = false, saw_standalone = false;
  while (p.Next(&name, &value, &value_pos)) {
    if (index == 0) {
      if (name != "version") return Fail(Condition::kNotWellFormed, decl_start_, "XML declaration without version first");
      // XML 1.0 fifth edition section 2.8: VersionNum is '1.' [0-9]+, and a
      // 1.0 processor reads any 1.x document as 1.0.
      if (value.size() < 3 || value.substr(0, 2) != "1." ||
          value.find_first_not_of("0123456789", 2) != std::string_view::npos) {
        return Fail(Condition::kNotWellFormed, decl_start_ + value_pos, "XML version other than 1.x");
      }
    } else if (name == "encoding" && !saw_encoding && !saw_standalone) {
      saw_encoding = true;
      if (!EqualsIgnoreCase(value, "UTF-8")) {
        return Fail(Condition::kUnsupportedEncoding, decl_start_ + value_pos,
                    "encoding other than UTF-8 declared (RFC 6120 section 11.6)");
      }
    } else if (name == "standalone" && !saw_standalone) {
      saw_standalone = true;
      if (value != "yes" && value != "no") return Fail(Condition::kNotWellFormed, decl_start_ + value_pos, "bad standalone value");
    } else {
      return Fail(Condition::kNotWellFormed, decl_start_, "unexpected pseudo-attribute in the XML declaration");
    }
    ++index;
  }
  if (p.bad() || index == 0 || !p.at_end()) return Fail(Condition::kNotWellFormed, decl_start_, "malformed XML declaration");
  return true;
}

bool Guard::RefDone(uint32_t decoded) {
  state_ = ref_return_;
  brackets_ = 0;
  if (ref_return_ == State::kAttrValue && keep_value_) base::AppendUtf8(attrs_.back().value, decoded);
  if (ref_return_ == State::kText) {
    if (depth_ <= 1) return Fail(Condition::kBadFormat, ref_at_, "character data between stanzas");
    // Counted decoded, as literal text is: &#x10000; is 4 bytes of data,
    // whatever way it was written.
    text_bytes_ += base::Utf8Length(decoded);
    if (text_bytes_ > limits_.max_text_bytes) return Fail(Condition::kPolicyViolation, ref_at_, "too much character data in one stanza");
  }
  return true;
}

bool Guard::StepChar(uint32_t cp, uint64_t at) {
  switch (state_) {
    case State::kProlog:
      if (at == doc_start_ && cp == 0xFEFF && !bom_seen_) {  // one UTF-8 byte order mark
        DropToken(offset_ + 1);
        doc_start_ = offset_ + 1;
        bom_seen_ = true;
        return true;
      }
      if (at == doc_start_ && cp == 0) return Fail(Condition::kUnsupportedEncoding, at, "UTF-16 or UTF-32 input (RFC 6120 section 11.6)");
      if (IsWs(cp)) {
        DropToken(offset_ + 1);
        return true;
      }
      if (cp == '<') return OnLt(at);
      if (!IsXmlChar(cp)) return Fail(Condition::kNotWellFormed, at, "character not allowed in XML");
      return Fail(Condition::kNotWellFormed, at, "character data before the stream header");

    case State::kEpilog:
      if (IsWs(cp)) {
        DropToken(offset_ + 1);
        return true;
      }
      return Fail(Condition::kNotWellFormed, at, "data after the end of the stream");

    case State::kText:
      if (cp == '<') {
        if (token_start_ < at && !EndToken(TokenKind::kText, at)) return false;
        return OnLt(at);
      }
      if (cp == '&') {
        // Between stanzas a reference is character data from its '&' on;
        // refusing it here also keeps its digits from being buffered.
        if (depth_ <= 1) return Fail(Condition::kBadFormat, at, "character data between stanzas");
        ref_at_ = at;
        ref_return_ = State::kText;
        state_ = State::kRef;
        return true;
      }
      if (!IsXmlChar(cp)) return Fail(Condition::kNotWellFormed, at, "character not allowed in XML");
      if (cp == '>' && brackets_ >= 2) return Fail(Condition::kNotWellFormed, at - 2, "']]>' in character data");
      brackets_ = cp == ']' ? brackets_ + 1 : 0;
      if (depth_ <= 1) {
        if (!IsWs(cp)) return Fail(Condition::kBadFormat, at, "character data between stanzas");
        DropToken(offset_ + 1);
        return true;
      }
      text_bytes_ += base::Utf8Length(cp);
      if (text_bytes_ > limits_.max_text_bytes) {
        return Fail(Condition::kPolicyViolation, at, "too much character data in one stanza");
      }
      return true;

    case State::kLt:
      if (cp == '/') {
        if (depth_ <= 1) {  // the stream's end tag counts like a stanza, so it is bounded
          in_stanza_ = true;
          stanza_bytes_ = offset_ - lt_at_ + 1;
        }
        state_ = State::kEndName;
        name_.clear();
        return true;
      }
      if (cp == '!') {
        state_ = State::kBang;
        return true;
      }
      if (cp == '?') {
        if (lt_at_ == doc_start_) {
          state_ = State::kPiTarget;
          match_ = 0;
          return true;
        }
        if (depth_ == 1 && client_->AllowRestart()) {
          BeginDocument(lt_at_);
          state_ = State::kPiTarget;
          match_ = 0;
          return true;
        }
        return Fail(Condition::kRestrictedXml, lt_at_, "processing instruction (RFC 6120 section 11.1)");
      }
      if (cp == 0 && lt_at_ == doc_start_) return Fail(Condition::kUnsupportedEncoding, at, "UTF-16 input (RFC 6120 section 11.6)");
      if (!IsNameStartChar(cp)) return Fail(Condition::kNotWellFormed, at, "'<' not followed by a name");
      if (depth_ + 1 > limits_.max_depth) {
        return Fail(Condition::kPolicyViolation, lt_at_, "element nesting deeper than " + std::to_string(limits_.max_depth));
      }
      if (depth_ <= 1) {
        in_stanza_ = true;
        stanza_bytes_ = offset_ - lt_at_ + 1;
      }
      name_.clear();
      attrs_.clear();
      attributes_ = 0;
      ns_decls_ = 0;
      state_ = State::kStartName;
      return NameByte(cp, at);

    case State::kBang:
      if (cp == '[') {
        if (depth_ == 0) return Fail(Condition::kNotWellFormed, lt_at_, "CDATA section outside the stream");
        if (depth_ == 1) return Fail(Condition::kBadFormat, lt_at_, "character data between stanzas");
        state_ = State::kCdataOpen;
        match_ = 1;
        return true;
      }
      return Fail(Condition::kRestrictedXml, lt_at_,
                  cp == '-' ? "comment (RFC 6120 section 11.1)" : "markup declaration or DTD (RFC 6120 section 11.1)");

    case State::kCdataOpen: {
      static constexpr std::string_view kOpen = "[CDATA[";
      if (cp != static_cast<uint8_t>(kOpen[match_])) return Fail(Condition::kNotWellFormed, at, "malformed CDATA section");
      if (++match_ == kOpen.size()) {
        state_ = State::kCdata;
        brackets_ = 0;
      }
      return true;
    }

    case State::kCdata:
      if (!IsXmlChar(cp)) return Fail(Condition::kNotWellFormed, at, "character not allowed in XML");
      if (cp == '>' && brackets_ >= 2) {
        state_ = State::kText;
        brackets_ = 0;
        return EndToken(TokenKind::kCdata, offset_ + 1);
      }
      brackets_ = cp == ']' ? brackets_ + 1 : 0;
      text_bytes_ += base::Utf8Length(cp);
      if (text_bytes_ > limits_.max_text_bytes) return Fail(Condition::kPolicyViolation, at, "too much character data in one stanza");
      return true;

    case State::kPiTarget: {
      static constexpr std::string_view kXml = "xml";
      if (match_ < kXml.size()) {
        if (cp != static_cast<uint8_t>(kXml[match_])) {
          return Fail(Condition::kRestrictedXml, lt_at_, "processing instruction (RFC 6120 section 11.1)");
        }
        ++match_;
        return true;
      }
      if (!IsWs(cp)) return Fail(Condition::kRestrictedXml, lt_at_, "processing instruction (RFC 6120 section 11.1)");
      state_ = State::kXmlDecl;
      decl_start_ = lt_at_;
      decl_ = "<?xml";
      base::AppendUtf8(decl_, cp);
      return true;
    }

    case State::kXmlDecl:
      if (!IsXmlChar(cp)) return Fail(Condition::kNotWellFormed, at, "character not allowed in XML");
      base::AppendUtf8(decl_, cp);
      if (decl_.size() > 256) return Fail(Condition::kNotWellFormed, decl_start_, "XML declaration longer than 256 bytes");
      if (cp == '>' && decl_[decl_.size() - 2] == '?') {
        if (!CheckXmlDecl()) return false;
        state_ = State::kProlog;
        return EndToken(TokenKind::kXmlDecl, offset_ + 1);
      }
      return true;

    case State::kStartName:
      if (IsNameChar(cp)) return NameByte(cp, at);
      if (IsWs(cp)) {
        state_ = State::kTagSpace;
        return FinishStartName();
      }
      if (cp == '>') return FinishStartName() && CompleteStartTag();
      if (cp == '/') {
        state_ = State::kEmptySlash;
        return FinishStartName();
      }
      return Fail(Condition::kNotWellFormed, at, "unexpected character in element name");

    case State::kTagSpace:
      if (IsWs(cp)) return true;
      if (cp == '>') return CompleteStartTag();
      if (cp == '/') {
        state_ = State::kEmptySlash;
        return true;
      }
      if (!IsNameStartChar(cp)) return Fail(Condition::kNotWellFormed, at, "unexpected character in start tag");
      if (++attributes_ > limits_.max_attributes) {
        return Fail(Condition::kPolicyViolation, at, "more than " + std::to_string(limits_.max_attributes) + " attributes on one element");
      }
      name_.clear();
      name_start_ = at;
      state_ = State::kAttrName;
      return NameByte(cp, at);

    case State::kAttrName:
      if (IsNameChar(cp)) return NameByte(cp, at);
      if (IsWs(cp)) {
        state_ = State::kAttrAfterName;
        return FinishAttrName();
      }
      if (cp == '=') {
        state_ = State::kAttrEq;
        return FinishAttrName();
      }
      return Fail(Condition::kNotWellFormed, at, "attribute without a value");

    case State::kAttrAfterName:
      if (IsWs(cp)) return true;
      if (cp == '=') {
        state_ = State::kAttrEq;
        return true;
      }
      return Fail(Condition::kNotWellFormed, at, "attribute without a value");

    case State::kAttrEq:
      if (IsWs(cp)) return true;
      if (cp == '"' || cp == '\'') {
        quote_ = static_cast<uint8_t>(cp);
        state_ = State::kAttrValue;
        return true;
      }
      return Fail(Condition::kNotWellFormed, at, "attribute value not quoted");

    case State::kAttrValue:
      if (cp == quote_) {
        state_ = State::kAfterValue;
        return true;
      }
      if (cp == '<') return Fail(Condition::kNotWellFormed, at, "'<' in an attribute value");
      if (cp == '&') {
        ref_at_ = at;
        ref_return_ = State::kAttrValue;
        state_ = State::kRef;
        return true;
      }
      if (!IsXmlChar(cp)) return Fail(Condition::kNotWellFormed, at, "character not allowed in XML");
      if (keep_value_) base::AppendUtf8(attrs_.back().value, IsWs(cp) ? ' ' : cp);  // XML 1.0 section 3.3.3
      return true;

    case State::kAfterValue:
      if (IsWs(cp)) {
        state_ = State::kTagSpace;
        return true;
      }
      if (cp == '>') return CompleteStartTag();
      if (cp == '/') {
        state_ = State::kEmptySlash;
        return true;
      }
      return Fail(Condition::kNotWellFormed, at, "no whitespace between attributes");

    case State::kEmptySlash:
      if (cp == '>') return CompleteEmptyTag();
      return Fail(Condition::kNotWellFormed, at, "'/' not followed by '>' in a tag");

    case State::kEndName:
      if (name_.empty() ? IsNameStartChar(cp) : IsNameChar(cp)) return NameByte(cp, at);
      if (name_.empty()) return Fail(Condition::kNotWellFormed, at, "end tag without a name");
      if (IsWs(cp)) {
        state_ = State::kEndSpace;
        return CheckQName(lt_at_ + 2);
      }
      if (cp == '>') return CheckQName(lt_at_ + 2) && CompleteEndTag();
      return Fail(Condition::kNotWellFormed, at, "unexpected character in end tag");

    case State::kEndSpace:
      if (IsWs(cp)) return true;
      if (cp == '>') return CompleteEndTag();
      return Fail(Condition::kNotWellFormed, at, "unexpected character in end tag");

    case State::kRef:
      if (cp == '#') {
        state_ = State::kCharRef;
        ref_value_ = 0;
        ref_digits_ = 0;
        ref_hex_ = false;
        return true;
      }
      if (!IsNameStartChar(cp)) return Fail(Condition::kNotWellFormed, ref_at_, "'&' not followed by a reference");
      ref_name_.clear();
      base::AppendUtf8(ref_name_, cp);
      state_ = State::kEntityName;
      if (!IsPredefinedPrefix(ref_name_)) {
        return Fail(Condition::kRestrictedXml, ref_at_, "entity reference other than the predefined ones (RFC 6120 section 11.1)");
      }
      return true;

    case State::kEntityName:
      if (cp == ';') {
        for (size_t i = 0; i < kPredefined.size(); ++i) {
          if (kPredefined[i] == ref_name_) return RefDone(static_cast<uint8_t>("<>&'\""[i]));
        }
        return Fail(Condition::kRestrictedXml, ref_at_, "entity reference other than the predefined ones (RFC 6120 section 11.1)");
      }
      if (!IsNameChar(cp)) return Fail(Condition::kNotWellFormed, at, "entity reference without ';'");
      base::AppendUtf8(ref_name_, cp);
      if (!IsPredefinedPrefix(ref_name_)) {
        return Fail(Condition::kRestrictedXml, ref_at_, "entity reference other than the predefined ones (RFC 6120 section 11.1)");
      }
      return true;

    case State::kCharRef:
      if (cp == 'x' && !ref_hex_) {
        ref_hex_ = true;
        state_ = State::kCharRefDigits;
        return true;
      }
      state_ = State::kCharRefDigits;
      [[fallthrough]];

    case State::kCharRefDigits: {
      if (cp == ';') {
        if (ref_digits_ == 0) return Fail(Condition::kNotWellFormed, ref_at_, "empty character reference");
        if (!IsXmlChar(ref_value_)) {
          return Fail(Condition::kNotWellFormed, ref_at_, "character reference to a character not allowed in XML");
        }
        return RefDone(ref_value_);
      }
      uint32_t digit;
      if (cp >= '0' && cp <= '9') {
        digit = cp - '0';
      } else if (ref_hex_ && cp >= 'a' && cp <= 'f') {
        digit = cp - 'a' + 10;
      } else if (ref_hex_ && cp >= 'A' && cp <= 'F') {
        digit = cp - 'A' + 10;
      } else {
        return Fail(Condition::kNotWellFormed, at, "bad character reference");
      }
      ref_value_ = ref_value_ * (ref_hex_ ? 16 : 10) + digit;
      ++ref_digits_;
      if (ref_value_ > 0x10FFFF) return Fail(Condition::kNotWellFormed, ref_at_, "character reference out of range");
      return true;
    }
  }
  return Fail(Condition::kInternalServerError, at, "guard in an unknown state");
}

}  // namespace xmppfuzz::xml
