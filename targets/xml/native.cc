// The native backend: a one-pass pull tokenizer with namespace resolution.
//
// The input is cut into tokens by one scanner per token type (text,
// CDATA section, start tag, end tag, reference, XML declaration, and the
// markup after '<' that tells them and comments, PIs and DOCTYPEs apart).
// Each scanner runs a tight loop over the bytes that cannot end or break its
// token, chosen by a 256-entry table of byte classes, and hands every other
// character to a small per-token step that returns "continue", "token
// complete" or a rule (an error code of kRules). When the bytes run out in
// the middle of a token, the scanner is "partial": its state is a few
// integers, so the next Feed() resumes where the last one stopped, never
// rescans, and whatever the chunking the same characters reach the same
// steps in the same order, which is why events and error offsets do not
// depend on it. A tag or reference whose bytes are all in the chunk is read
// in one go first (FastStartTag, FastEndTag, FastRef): they take only what
// the steps would take without a refusal, leave the state the steps would,
// and on anything else leave everything as it was for the steps to read the
// token from its first byte; a chunk boundary or a rule broken inside a
// token is the steps' job. Text and CDATA are handed on as they are read (a partial
// UTF-8 character of at most 3 bytes is the only thing kept); a tag cut by
// a chunk boundary keeps its bytes until its '>' (bounded by the stanza
// limit, which every tag counts against).
#include "targets/xml/native.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "targets/base/base.h"
#include "targets/xml/name_chars.h"

namespace xmppfuzz::xml {
namespace {

// Rule is one refusal of the native tokenizer. kRules maps each to its RFC
// 6120 condition and renders its detail text.
enum class Rule : uint8_t {
  kInvalidUtf8,
  kUtf16Input,
  kForbiddenChar,
  kDataBeforeHeader,
  kDataAfterEnd,
  kDataBetweenStanzas,
  kCdataEndInText,
  kTooMuchText,
  kStanzaTooLarge,
  kNameTooLong,
  kTooManyAttributes,
  kTooManyNamespaceDecls,
  kTooDeep,
  kProcessingInstruction,
  kComment,
  kMarkupDeclaration,
  kEntityReference,
  kCdataOutsideStream,
  kMalformedCdata,
  kLtNotName,
  kBadElementName,
  kBadStartTag,
  kAttrWithoutValue,
  kAttrNotQuoted,
  kLtInValue,
  kNoSpaceBetweenAttrs,
  kSlashNotGt,
  kEndTagWithoutName,
  kBadEndTag,
  kMismatchedEndTag,
  kMalformedQName,
  kDuplicateAttr,
  kDuplicateExpandedAttr,
  kAmpNotRef,
  kEntityWithoutSemicolon,
  kEmptyCharRef,
  kCharRefNotXmlChar,
  kBadCharRef,
  kCharRefOutOfRange,
  kXmlDeclTooLong,
  kXmlDeclNoVersion,
  kXmlDeclBadVersion,
  kXmlDeclBadEncoding,
  kXmlDeclBadStandalone,
  kXmlDeclUnexpected,
  kXmlDeclMalformed,
  kReservedDefaultNs,
  kXmlnsPrefixDeclared,
  kXmlPrefixRebound,
  kXmlNsRebound,
  kXmlnsNsBound,
  kPrefixUndeclared,
  kElementXmlnsPrefix,
  kElementXmlPrefix,
  kUnboundPrefix,
  kCount,
};

struct RuleInfo {
  Rule rule;
  Condition condition;
  std::string_view detail;
};

using C = Condition;
constexpr std::array<RuleInfo, static_cast<size_t>(Rule::kCount)> kRules = {{
    {Rule::kInvalidUtf8, C::kUnsupportedEncoding, "invalid UTF-8"},
    {Rule::kUtf16Input, C::kUnsupportedEncoding, "UTF-16 or UTF-32 input (RFC 6120 section 11.6)"},
    {Rule::kForbiddenChar, C::kNotWellFormed, "character not allowed in XML"},
    {Rule::kDataBeforeHeader, C::kNotWellFormed, "character data before the stream header"},
    {Rule::kDataAfterEnd, C::kNotWellFormed, "data after the end of the stream"},
    {Rule::kDataBetweenStanzas, C::kBadFormat, "character data between stanzas"},
    {Rule::kCdataEndInText, C::kNotWellFormed, "']]>' in character data"},
    {Rule::kTooMuchText, C::kPolicyViolation, "too much character data in one stanza"},
    {Rule::kStanzaTooLarge, C::kPolicyViolation, "stanza longer than the stanza size limit"},
    {Rule::kNameTooLong, C::kPolicyViolation, "name longer than the name length limit"},
    {Rule::kTooManyAttributes, C::kPolicyViolation, "more attributes on one element than the limit"},
    {Rule::kTooManyNamespaceDecls, C::kPolicyViolation, "more namespace declarations on one element than the limit"},
    {Rule::kTooDeep, C::kPolicyViolation, "element nesting deeper than the depth limit"},
    {Rule::kProcessingInstruction, C::kRestrictedXml, "processing instruction (RFC 6120 section 11.1)"},
    {Rule::kComment, C::kRestrictedXml, "comment (RFC 6120 section 11.1)"},
    {Rule::kMarkupDeclaration, C::kRestrictedXml, "markup declaration or DTD (RFC 6120 section 11.1)"},
    {Rule::kEntityReference, C::kRestrictedXml, "entity reference other than the predefined ones (RFC 6120 section 11.1)"},
    {Rule::kCdataOutsideStream, C::kNotWellFormed, "CDATA section outside the stream"},
    {Rule::kMalformedCdata, C::kNotWellFormed, "malformed CDATA section"},
    {Rule::kLtNotName, C::kNotWellFormed, "'<' not followed by a name"},
    {Rule::kBadElementName, C::kNotWellFormed, "unexpected character in element name"},
    {Rule::kBadStartTag, C::kNotWellFormed, "unexpected character in start tag"},
    {Rule::kAttrWithoutValue, C::kNotWellFormed, "attribute without a value"},
    {Rule::kAttrNotQuoted, C::kNotWellFormed, "attribute value not quoted"},
    {Rule::kLtInValue, C::kNotWellFormed, "'<' in an attribute value"},
    {Rule::kNoSpaceBetweenAttrs, C::kNotWellFormed, "no whitespace between attributes"},
    {Rule::kSlashNotGt, C::kNotWellFormed, "'/' not followed by '>' in a tag"},
    {Rule::kEndTagWithoutName, C::kNotWellFormed, "end tag without a name"},
    {Rule::kBadEndTag, C::kNotWellFormed, "unexpected character in end tag"},
    {Rule::kMismatchedEndTag, C::kNotWellFormed, "end tag does not match the open element"},
    {Rule::kMalformedQName, C::kNotWellFormed, "malformed qualified name (Namespaces in XML 1.0 section 3)"},
    {Rule::kDuplicateAttr, C::kNotWellFormed, "attribute appears twice"},
    {Rule::kDuplicateExpandedAttr, C::kNotWellFormed, "attribute appears twice by expanded name"},
    {Rule::kAmpNotRef, C::kNotWellFormed, "'&' not followed by a reference"},
    {Rule::kEntityWithoutSemicolon, C::kNotWellFormed, "entity reference without ';'"},
    {Rule::kEmptyCharRef, C::kNotWellFormed, "empty character reference"},
    {Rule::kCharRefNotXmlChar, C::kNotWellFormed, "character reference to a character not allowed in XML"},
    {Rule::kBadCharRef, C::kNotWellFormed, "bad character reference"},
    {Rule::kCharRefOutOfRange, C::kNotWellFormed, "character reference out of range"},
    {Rule::kXmlDeclTooLong, C::kNotWellFormed, "XML declaration longer than 256 bytes"},
    {Rule::kXmlDeclNoVersion, C::kNotWellFormed, "XML declaration without version first"},
    {Rule::kXmlDeclBadVersion, C::kNotWellFormed, "XML version other than 1.x"},
    {Rule::kXmlDeclBadEncoding, C::kUnsupportedEncoding, "encoding other than UTF-8 declared (RFC 6120 section 11.6)"},
    {Rule::kXmlDeclBadStandalone, C::kNotWellFormed, "bad standalone value"},
    {Rule::kXmlDeclUnexpected, C::kNotWellFormed, "unexpected pseudo-attribute in the XML declaration"},
    {Rule::kXmlDeclMalformed, C::kNotWellFormed, "malformed XML declaration"},
    {Rule::kReservedDefaultNs, C::kBadNamespacePrefix, "reserved namespace name bound as the default namespace"},
    {Rule::kXmlnsPrefixDeclared, C::kBadNamespacePrefix, "the xmlns prefix declared"},
    {Rule::kXmlPrefixRebound, C::kBadNamespacePrefix, "the xml prefix bound to another namespace"},
    {Rule::kXmlNsRebound, C::kBadNamespacePrefix, "the XML namespace bound to another prefix"},
    {Rule::kXmlnsNsBound, C::kBadNamespacePrefix, "the xmlns namespace name bound to a prefix"},
    {Rule::kPrefixUndeclared, C::kBadNamespacePrefix, "prefix undeclared with an empty namespace name"},
    {Rule::kElementXmlnsPrefix, C::kBadNamespacePrefix, "element with the xmlns prefix"},
    {Rule::kElementXmlPrefix, C::kBadNamespacePrefix, "element with the xml prefix"},
    {Rule::kUnboundPrefix, C::kBadNamespacePrefix, "unbound prefix"},
}};

// The table is indexed by rule; this checks it is in enum order.
constexpr bool RulesInOrder() {
  for (size_t i = 0; i < kRules.size(); ++i) {
    if (static_cast<size_t>(kRules[i].rule) != i) return false;
  }
  return true;
}
static_assert(RulesInOrder(), "kRules must list the rules in enum order");

// Byte classes: ASCII bytes that a scanner's tight loop may take without
// looking further, per scanner.
enum : uint8_t {
  kPlainText = 1,   // text: not < & ] > CR
  kPlainCdata = 2,  // CDATA: not ] > CR
  kPlainValue = 4,  // attribute value: not < & " '
  kPlainName = 8,   // name after its first character: ASCII letter, digit . - _ :
  kNameStart = 16,  // ASCII name start: letter _ :
  kWs = 32,         // XML whitespace: SP TAB LF CR
  kDecode = 64,     // a value byte DecodeValue rewrites: & TAB LF CR
  kNcName = 128,    // kPlainName but ':'
};
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = kPlainText | kPlainCdata | kPlainValue;
  for (int c : {'\t', '\n'}) t[c] = kPlainText | kPlainCdata | kPlainValue;
  t['\r'] = kPlainValue;
  for (int c : {'<', '&', ']', '>'}) t[c] &= ~kPlainText;
  for (int c : {']', '>'}) t[c] &= ~kPlainCdata;
  for (int c : {'<', '&', '"', '\''}) t[c] &= ~kPlainValue;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kPlainName;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kPlainName;
  for (int c = '0'; c <= '9'; ++c) t[c] |= kPlainName;
  for (int c : {'.', '-', '_', ':'}) t[c] |= kPlainName;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kNameStart;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kNameStart;
  for (int c : {'_', ':'}) t[c] |= kNameStart;
  for (int c : {' ', '\t', '\n', '\r'}) t[c] |= kWs;
  for (int c : {'&', '\t', '\n', '\r'}) t[c] |= kDecode;
  for (int c = 0; c < 256; ++c) {
    if ((t[c] & kPlainName) && c != ':') t[c] |= kNcName;
  }
  return t;
}();

bool IsWs(uint32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'; }

// FindColon is name.find(':') for short names, without a library call.
inline size_t FindColon(std::string_view name) {
  for (size_t k = 0; k < name.size(); ++k) {
    if (name[k] == ':') return k;
  }
  return std::string_view::npos;
}

enum class Decoded : uint8_t { kChar, kPartial, kInvalid };

// Decode reads the character at |p| (|n| >= 1 bytes there). kChar: |*cp|
// and its length |*len|. kInvalid: the sequence is impossible at byte
// |*len| - 1 (base::Utf8Decoder's rules). kPartial: all |n| bytes are a
// valid beginning.
Decoded Decode(const uint8_t* p, size_t n, uint32_t* cp, size_t* len) {
  base::Utf8Decoder d;
  for (size_t i = 0; i < n; ++i) {
    switch (d.Push(p[i])) {
      case base::Utf8Decoder::kChar:
        *cp = d.code_point();
        *len = i + 1;
        return Decoded::kChar;
      case base::Utf8Decoder::kInvalid:
        *len = i + 1;
        return Decoded::kInvalid;
      case base::Utf8Decoder::kNeedMore:
        break;
    }
  }
  return Decoded::kPartial;
}

// XmlCharSequence returns the length of the complete multi-byte UTF-8
// sequence at |p| (a byte from 0x80; |n| bytes there) when it encodes an XML
// Char, else 0: base::Utf8Decoder's well-formedness (shortest form, no
// surrogates, nothing above U+10FFFF) and not U+FFFE or U+FFFF, every other
// multi-byte character being an XML Char.
[[gnu::always_inline]] inline size_t XmlCharSequence(const uint8_t* p, size_t n) {
  const uint8_t lead = p[0];
  if (lead >= 0xC2 && lead <= 0xDF) return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (n < 3) return 0;
    const uint8_t lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
    return lead == 0xEF && p[1] == 0xBF && p[2] >= 0xBE ? 0 : 3;  // U+FFFE, U+FFFF
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (n < 4) return 0;
    const uint8_t lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    return 4;
  }
  return 0;
}

uint32_t FirstCodePoint(std::string_view s) {
  uint32_t cp = 0;
  return base::DecodeUtf8(s, 0, &cp) != 0 ? cp : 0;
}

constexpr std::array<std::string_view, 5> kPredefined = {"lt", "gt", "amp", "apos", "quot"};
constexpr std::string_view kPredefinedChars = "<>&'\"";

bool IsPredefinedPrefix(std::string_view name) {
  for (std::string_view p : kPredefined) {
    if (p.substr(0, name.size()) == name) return true;
  }
  return false;
}

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

// CheckXmlDecl checks a whole XML declaration "<?xml ... ?>". On a refusal
// it returns false with the rule and the offset within |decl| it is
// charged to.
bool CheckXmlDecl(std::string_view s, Rule* rule, size_t* at) {
  size_t pos = 5;  // after "<?xml"
  int index = 0;
  bool saw_encoding = false, saw_standalone = false;
  auto ws = [&] {
    while (pos < s.size() && IsWs(static_cast<unsigned char>(s[pos]))) ++pos;
  };
  auto malformed = [&] {
    *rule = Rule::kXmlDeclMalformed;
    *at = 0;
    return false;
  };
  for (;;) {
    size_t before = pos;
    ws();
    if (pos < s.size() && s[pos] == '?') break;
    if (pos == before) return malformed();
    size_t start = pos;
    while (pos < s.size() && s[pos] >= 'a' && s[pos] <= 'z') ++pos;
    std::string_view name = s.substr(start, pos - start);
    ws();
    if (pos >= s.size() || s[pos] != '=') return malformed();
    ++pos;
    ws();
    if (pos >= s.size() || (s[pos] != '"' && s[pos] != '\'')) return malformed();
    char quote = s[pos++];
    size_t end = s.find(quote, pos);
    if (end == std::string_view::npos) return malformed();
    std::string_view value = s.substr(pos, end - pos);
    size_t value_pos = pos;
    pos = end + 1;
    if (index == 0) {
      if (name != "version") {
        *rule = Rule::kXmlDeclNoVersion;
        *at = 0;
        return false;
      }
      // XML 1.0 fifth edition section 2.8: VersionNum is '1.' [0-9]+.
      if (value.size() < 3 || value.substr(0, 2) != "1." ||
          value.find_first_not_of("0123456789", 2) != std::string_view::npos) {
        *rule = Rule::kXmlDeclBadVersion;
        *at = value_pos;
        return false;
      }
    } else if (name == "encoding" && !saw_encoding && !saw_standalone) {
      saw_encoding = true;
      if (!EqualsIgnoreCase(value, "UTF-8")) {
        *rule = Rule::kXmlDeclBadEncoding;
        *at = value_pos;
        return false;
      }
    } else if (name == "standalone" && !saw_standalone) {
      saw_standalone = true;
      if (value != "yes" && value != "no") {
        *rule = Rule::kXmlDeclBadStandalone;
        *at = value_pos;
        return false;
      }
    } else {
      *rule = Rule::kXmlDeclUnexpected;
      *at = 0;
      return false;
    }
    ++index;
  }
  if (index == 0 || s.substr(pos) != "?>") return malformed();
  return true;
}

// DecodeValue appends the value of an attribute whose raw bytes (between
// the quotes, already checked) are |raw| to |out|: references decoded,
// line ends normalised and whitespace characters written as spaces (XML 1.0
// sections 2.11 and 3.3.3).
void DecodeValue(std::string_view raw, std::string* out) {
  size_t i = 0;
  while (i < raw.size() && !(kByteClass[static_cast<uint8_t>(raw[i])] & kDecode)) ++i;
  if (i == raw.size()) {  // nothing to rewrite: the common case
    out->append(raw);
    return;
  }
  out->reserve(out->size() + raw.size());
  out->append(raw.data(), i);
  for (; i < raw.size(); ++i) {
    char c = raw[i];
    if (!(kByteClass[static_cast<uint8_t>(c)] & kDecode)) {
      size_t run = i + 1;
      while (run < raw.size() && !(kByteClass[static_cast<uint8_t>(raw[run])] & kDecode)) ++run;
      out->append(raw.data() + i, run - i);
      i = run - 1;
    } else if (c == '&') {
      size_t semi = raw.find(';', i);
      std::string_view ref = raw.substr(i + 1, semi - i - 1);
      i = semi;
      if (ref[0] != '#') {
        for (size_t k = 0; k < kPredefined.size(); ++k) {
          if (kPredefined[k] == ref) out->push_back(kPredefinedChars[k]);
        }
        continue;
      }
      bool hex = ref.size() > 1 && ref[1] == 'x';
      uint32_t v = 0;
      for (size_t k = hex ? 2 : 1; k < ref.size(); ++k) {
        char d = ref[k];
        uint32_t digit = d >= '0' && d <= '9' ? d - '0' : d >= 'a' && d <= 'f' ? d - 'a' + 10 : d - 'A' + 10;
        v = v * (hex ? 16 : 10) + digit;
      }
      base::AppendUtf8(*out, v);
    } else if (c == '\r') {
      out->push_back(' ');
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {  // LF or TAB
      out->push_back(' ');
    }
  }
}

// ScanText returns how many bytes from |p| (|n| there) TextStep would take
// without a change: ASCII text other than < & ] > CR and control characters,
// and complete multi-byte XML characters. SkipPlainValue returns how many
// bytes of an attribute value quoted by |quote| are ASCII other than that
// quote, & <, control characters (TAB, LF and CR included: they are
// rewritten), the caller taking the others. With SSE2 (every x86-64) they
// test 16 bytes at a time and finish with a byte loop, which is the whole of
// them elsewhere; the loop reads every tail under 16 bytes, so the tests,
// which split every input at every byte, run both.
inline size_t ScanText(const uint8_t* p, size_t n) {
  size_t k = 0;
#if defined(__SSE2__)
  const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), rsqb = _mm_set1_epi8(']'),
                gt = _mm_set1_epi8('>'), space = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n');
  while (k + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
    // Signed: controls and 0x80-0xFF are below SP; TAB and LF are text.
    const __m128i low = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)), _mm_cmplt_epi8(v, space));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)),
                                      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, rsqb), _mm_cmpeq_epi8(v, gt)), low));
    unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(stop));
    size_t next = k + 16;
    while (bits != 0) {  // multi-byte characters are taken without reloading
      const size_t at = k + static_cast<size_t>(__builtin_ctz(bits));
      const size_t len = p[at] >= 0x80 ? XmlCharSequence(p + at, n - at) : 0;
      if (len == 0) return at;
      if (at + len >= next) {
        next = at + len;
        break;
      }
      bits &= ~0u << (at + len - k);
    }
    k = next;
  }
#endif
  while (k < n) {
    if (kByteClass[p[k]] & kPlainText) {
      ++k;
      continue;
    }
    const size_t len = p[k] >= 0x80 ? XmlCharSequence(p + k, n - k) : 0;
    if (len == 0) break;
    k += len;
  }
  return k;
}

inline size_t SkipPlainValue(const uint8_t* p, size_t n, uint8_t quote) {
  size_t k = 0;
#if defined(__SSE2__)
  const __m128i q = _mm_set1_epi8(static_cast<char>(quote)), lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'),
                space = _mm_set1_epi8(0x20);
  for (; k + 16 <= n; k += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, amp)),
                                      _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmplt_epi8(v, space)));
    const int bits = _mm_movemask_epi8(stop);
    if (bits != 0) return k + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(bits)));
  }
#endif
  while (k < n && (kByteClass[p[k]] & (kPlainValue | kDecode)) == kPlainValue) ++k;
  return k;
}

// SkipNcName returns how many bytes from |p| (|n| there) are ASCII name
// characters other than ':' (letters, digits, '.', '-', '_'), 16 at a time
// with SSE2 and a byte loop for the rest (as SkipPlainText).
inline size_t SkipNcName(const uint8_t* p, size_t n) {
  size_t k = 0;
#if defined(__SSE2__)
  // x in [lo, hi] (unsigned) is x + (0x80 - lo) < -128 + (hi - lo + 1) (signed).
  const __m128i to_a = _mm_set1_epi8(static_cast<char>(0x80 - 'a')), letters = _mm_set1_epi8(-128 + 26),
                to_0 = _mm_set1_epi8(static_cast<char>(0x80 - '0')), digits = _mm_set1_epi8(-128 + 10),
                lower = _mm_set1_epi8(0x20), dot = _mm_set1_epi8('.'), dash = _mm_set1_epi8('-'), low = _mm_set1_epi8('_');
  for (; k + 16 <= n; k += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
    const __m128i letter = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, lower), to_a), letters);
    const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, to_0), digits);
    const __m128i punct = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, dash)), _mm_cmpeq_epi8(v, low));
    const unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), punct))) ^ 0xFFFFu;
    if (bits != 0) return k + static_cast<size_t>(__builtin_ctz(bits));
  }
#endif
  while (k < n && (kByteClass[p[k]] & kNcName)) ++k;
  return k;
}

// ScanPlainQName scans an ASCII name from its first byte at |p[0]| (not
// past |end|) and returns where it ends, or 0 when the steps must read it:
// a first byte other than an ASCII letter or '_', a colon that CheckQName
// refuses (a second one, or one not followed by a letter or '_'), or no
// byte after it before |end| (that byte may be a non-ASCII name character).
// |*colon| is where its colon is, 0 for none.
inline size_t ScanPlainQName(const uint8_t* p, size_t end, uint32_t* colon) {
  if (!(kByteClass[p[0]] & kNameStart) || p[0] == ':') return 0;
  size_t k = 1 + SkipNcName(p + 1, end - 1);
  *colon = 0;
  if (k < end && p[k] == ':') {
    *colon = static_cast<uint32_t>(k);
    ++k;
    if (k >= end || !(kByteClass[p[k]] & kNameStart) || p[k] == ':') return 0;
    ++k;
    k += SkipNcName(p + k, end - k);
    if (k < end && p[k] == ':') return 0;
  }
  return k < end ? k : 0;
}

// PlainRef reads a reference from the byte after its '&' (|n| bytes there):
// one of the predefined entities or a character reference to an XML Char,
// complete with its ';'. Returns its length after the '&' with the character
// in |*decoded|, or 0 for anything else (a rule broken or the bytes run out:
// RefStep reads those).
inline size_t PlainRef(const uint8_t* p, size_t n, uint32_t* decoded) {
  if (n < 3) return 0;  // the shortest is "lt;"
  switch (p[0]) {
    case '#': {
      const bool hex = p[1] == 'x';
      uint32_t v = 0;
      size_t digits = 0;
      for (size_t k = hex ? 2 : 1; k < n; ++k) {
        const uint8_t c = p[k];
        uint32_t digit;
        if (c >= '0' && c <= '9') {
          digit = c - '0';
        } else if (c == ';') {
          if (digits == 0 || !IsXmlChar(v)) return 0;
          *decoded = v;
          return k + 1;
        } else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
          digit = (c | 0x20) - 'a' + 10;
        } else {
          return 0;
        }
        v = v * (hex ? 16 : 10) + digit;
        ++digits;
        if (v > 0x10FFFF) return 0;
      }
      return 0;
    }
    case 'l':
    case 'g':
      if (p[1] != 't' || p[2] != ';') return 0;
      *decoded = p[0] == 'l' ? '<' : '>';
      return 3;
    case 'a':
      if (n >= 4 && p[1] == 'm' && p[2] == 'p' && p[3] == ';') {
        *decoded = '&';
        return 4;
      }
      if (n >= 5 && p[1] == 'p' && p[2] == 'o' && p[3] == 's' && p[4] == ';') {
        *decoded = '\'';
        return 5;
      }
      return 0;
    case 'q':
      if (n >= 5 && p[1] == 'u' && p[2] == 'o' && p[3] == 't' && p[4] == ';') {
        *decoded = '"';
        return 5;
      }
      return 0;
    default:
      return 0;
  }
}

// EncodeUtf8 writes |cp| (at most U+10FFFF) to |out| and returns its length.
inline size_t EncodeUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

class Native final : public NativeTokenizer {
 public:
  Native(const Limits& limits, NativeClient* client)
      : limits_(limits), max_stanza_bytes_(limits.max_stanza_bytes_preauth), client_(client) {}

  bool Feed(std::span<const uint8_t> bytes) override;
  void Restart() override;
  void set_max_stanza_bytes(size_t n) override { max_stanza_bytes_ = n; }
  const Error& error() const override { return error_; }
  uint64_t offset() const override { return offset_; }

 private:
  enum class State : uint8_t {
    kProlog, kEpilog, kText, kLt, kBang, kCdataOpen, kCdata, kPiTarget, kXmlDecl,
    kStartName, kTagSpace, kAttrName, kAttrAfterName, kAttrEq, kAttrValue, kAfterValue,
    kEmptySlash, kEndName, kEndSpace, kRef, kEntityName, kCharRef, kCharRefDigits,
  };
  struct AttrSpan {
    uint64_t name;  // offset of the qualified name
    uint32_t name_len;
    uint32_t colon;  // where its colon is, 0 for none
    bool xmlns;     // a namespace declaration
    uint64_t value;  // offset of the raw value (after the quote)
    uint64_t value_end;
    bool decode = true;  // false: no reference or whitespace to rewrite, the raw value is the value
  };
  // A namespace binding; its prefix and URI are bytes of ns_bytes_.
  struct Binding {
    uint32_t prefix;
    uint32_t prefix_len;
    uint32_t uri;
    uint32_t uri_len;
  };
  // What a whole-token scanner did: kBail leaves everything as it was for
  // the per-character steps to read the token; kDone consumed it; kFailed
  // is an error or a stop, with offset_ set as Feed() reports it.
  enum class Fast : uint8_t { kBail, kDone, kFailed };

  // Fail records |rule| at |at|. The detail is the rule's text from kRules,
  // with the bytes it concerns (escaped: they come from the peer) or the
  // limit it breached when given.
  bool Fail(Rule rule, uint64_t at, std::string_view context = {}) {
    const RuleInfo& info = kRules[static_cast<size_t>(rule)];
    std::string detail(info.detail);
    if (!context.empty()) detail += ": '" + base::EscapeBytes(context, 64) + "'";
    error_ = Error{info.condition, at, std::move(detail)};
    return false;
  }
  bool FailLimit(Rule rule, uint64_t at, size_t limit) {
    Fail(rule, at);
    error_.detail += " (" + std::to_string(limit) + ")";
    return false;
  }
  bool Stopped() {
    stopped_ = true;
    return false;
  }

  uint64_t LimitPos() const { return std::max<uint64_t>(stanza_lt_ + max_stanza_bytes_, stanza_from_); }
  size_t Index(uint64_t abs) const { return static_cast<size_t>(abs - chunk_start_); }
  bool InTag() const;

  // The scanners' tight loops (FastRun) and per-character steps.
  size_t FastRun(const uint8_t* p, size_t n);
  bool Step(uint32_t cp, uint64_t at);
  bool ProseStep(uint32_t cp, uint64_t at);
  bool TextStep(uint32_t cp, uint64_t at);
  bool MarkupStep(uint32_t cp, uint64_t at);
  bool CdataStep(uint32_t cp, uint64_t at);
  bool DeclStep(uint32_t cp, uint64_t at);
  bool StartTagStep(uint32_t cp, uint64_t at);
  bool EndTagStep(uint32_t cp, uint64_t at);
  bool RefStep(uint32_t cp, uint64_t at);

  bool CompleteCarriedChar(size_t* i);
  void FinishChunk();
  bool NameChar(uint32_t cp, uint64_t at);
  bool CheckQName(std::string_view name, uint64_t at);
  bool FinishStartName(uint64_t at);
  bool FinishAttrName(uint64_t at);
  bool RefDone(uint32_t decoded);
  bool CompleteStartTag(bool empty);
  bool CompleteEndTag();
  bool ResolveTag(std::string_view tag);
  // LookupPrefix finds the binding in scope for |prefix|; false if none.
  bool LookupPrefix(std::string_view prefix, std::string_view* uri) const;
  std::string_view Uri(const Binding& b) const { return std::string_view(ns_bytes_).substr(b.uri, b.uri_len); }
  void PopBindings(size_t mark) {
    if (mark >= bindings_.size()) return;
    ns_bytes_.resize(bindings_[mark].prefix);
    bindings_.resize(mark);
  }
  // The whole-token scanners: a tag or a reference whose bytes are all in
  // the chunk, before the stanza limit, read in one go. They accept exactly
  // what the steps accept and leave the same state; anything else (a rule
  // broken, a limit reached, a non-ASCII name, the end of the chunk) is a
  // bail-out, and the steps read the token instead, from its first byte.
  Fast FastTag(size_t* i);
  Fast FastStartTag(size_t* i);
  Fast FastEndTag(size_t* i);
  Fast FastRef(size_t* i, size_t window);
  void BeginDocument(uint64_t at);
  void ResetScope();
  std::string_view TagBytes(uint64_t from, uint64_t to);
  // ReleasePending empties the copy of a tag cut by a chunk boundary, and
  // frees it after a large tag so an idle stream stays small.
  void ReleasePending() {
    pending_.clear();
    if (pending_.capacity() > 4096) std::string().swap(pending_);
    scratch_.clear();
    if (scratch_.capacity() > 4096) std::string().swap(scratch_);
  }

  // Text and CDATA output.
  bool Emit(size_t from, size_t to) {
    if (from >= to || depth_ < 2) return true;
    return client_->OnText(std::string_view(reinterpret_cast<const char*>(data_) + from, to - from)) || Stopped();
  }
  bool EmitLiteral(std::string_view s) { return depth_ < 2 || client_->OnText(s) || Stopped(); }
  bool EmitCdata(size_t stop, size_t keep);

  Limits limits_;
  size_t max_stanza_bytes_;
  NativeClient* client_;
  Error error_;
  bool stopped_ = false;

  State state_ = State::kProlog;
  State ref_return_ = State::kText;
  uint64_t offset_ = 0;  // absolute offset of the next byte
  uint64_t doc_start_ = 0;
  bool bom_seen_ = false;

  // The chunk being read.
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t chunk_start_ = 0;
  size_t run_ = 0;        // text: index in the chunk where the unreported text begins
  size_t carry_idx_ = 0;  // index where a partial character at the chunk's end begins

  // A character cut by a chunk boundary.
  uint8_t cbuf_[4] = {};
  size_t clen_ = 0;
  uint64_t cstart_ = 0;

  size_t depth_ = 0;
  bool in_stanza_ = false;
  uint64_t stanza_lt_ = 0;    // '<' of the current top-level element (or header)
  uint64_t stanza_from_ = 0;  // first byte counted against the stanza limit
  uint64_t text_bytes_ = 0;

  // The current tag.
  uint64_t lt_at_ = 0;
  uint64_t name_start_ = 0;
  uint64_t name_end_ = 0;  // end of the element name
  size_t name_colon_ = 0;  // where the element name's colon is, 0 for none
  size_t name_len_ = 0;
  size_t attributes_ = 0;
  size_t ns_decls_ = 0;
  uint8_t quote_ = 0;
  std::vector<AttrSpan> attrs_;
  std::string pending_;  // the bytes of a tag cut by a chunk boundary, from its '<'
  std::string scratch_;

  // Markup and CDATA.
  size_t match_ = 0;
  size_t brackets_ = 0;
  size_t held_ = 0;  // trailing ']' of a CDATA section not reported yet (from earlier chunks)
  bool cr_ = false;  // the last text character was a literal CR (a following LF is dropped)
  std::string decl_;
  uint64_t decl_start_ = 0;

  // The reference being scanned.
  uint64_t ref_at_ = 0;
  char ref_name_[8] = {};
  size_t ref_name_len_ = 0;
  uint32_t ref_value_ = 0;
  bool ref_hex_ = false;
  size_t ref_digits_ = 0;

  // Namespace scope and open elements.
  std::vector<Binding> bindings_;
  std::string ns_bytes_;  // the prefixes and URIs of bindings_, in order
  std::vector<size_t> scope_marks_;
  std::string open_names_;           // qualified names of the open elements, back to back
  std::vector<uint32_t> open_ends_;  // where each ends in open_names_
  std::vector<Attribute> out_attrs_;
  std::optional<std::string> default_ns_{std::in_place};  // reused: the default namespace declared on a tag
};

bool Native::InTag() const {
  switch (state_) {
    case State::kLt:
    case State::kStartName:
    case State::kTagSpace:
    case State::kAttrName:
    case State::kAttrAfterName:
    case State::kAttrEq:
    case State::kAttrValue:
    case State::kAfterValue:
    case State::kEmptySlash:
    case State::kEndName:
    case State::kEndSpace:
      return true;
    case State::kRef:
    case State::kEntityName:
    case State::kCharRef:
    case State::kCharRefDigits:
      return ref_return_ == State::kAttrValue;
    case State::kProlog:
    case State::kEpilog:
    case State::kText:
    case State::kBang:
    case State::kCdataOpen:
    case State::kCdata:
    case State::kPiTarget:
    case State::kXmlDecl:
      return false;
  }
  return false;
}

void Native::Restart() {
  if (!error_.ok()) return;
  state_ = State::kProlog;
  clen_ = 0;
  doc_start_ = offset_;
  bom_seen_ = false;
  depth_ = 0;
  in_stanza_ = false;
  ReleasePending();
  cr_ = false;
  held_ = 0;
  ResetScope();
}

void Native::ResetScope() {
  bindings_.clear();
  ns_bytes_.clear();
  scope_marks_.clear();
  open_names_.clear();
  open_ends_.clear();
}

void Native::BeginDocument(uint64_t at) {
  doc_start_ = at;
  bom_seen_ = false;
  depth_ = 0;
  in_stanza_ = false;
  ResetScope();
  client_->OnInbandRestart(at);
}

std::string_view Native::TagBytes(uint64_t from, uint64_t to) {
  const char* chunk = reinterpret_cast<const char*>(data_);
  if (pending_.empty() || from >= chunk_start_) return std::string_view(chunk + Index(from), to - from);
  // pending_ holds the tag from lt_at_ up to the start of this chunk.
  if (to <= chunk_start_) return std::string_view(pending_).substr(from - lt_at_, to - from);
  scratch_.assign(pending_, from - lt_at_);
  scratch_.append(chunk, Index(to));
  return scratch_;
}

bool Native::Feed(std::span<const uint8_t> bytes) {
  if (!error_.ok() || stopped_) return false;
  data_ = bytes.data();
  size_ = bytes.size();
  chunk_start_ = offset_;
  run_ = 0;
  carry_idx_ = size_;
  size_t i = 0;
  if (clen_ != 0 && !CompleteCarriedChar(&i)) return false;
  while (i < size_) {
    size_t window = size_ - i;  // bytes before the stanza limit
    if (in_stanza_) {
      uint64_t limit = LimitPos();
      if (offset_ >= limit) return FailLimit(Rule::kStanzaTooLarge, offset_, max_stanza_bytes_);
      window = std::min<uint64_t>(window, limit - offset_);
    }
    if (state_ == State::kLt || state_ == State::kRef) {
      Fast f = state_ == State::kLt ? FastTag(&i) : FastRef(&i, window);
      if (f == Fast::kDone) continue;
      if (f == Fast::kFailed) return false;
    }
    size_t run = FastRun(data_ + i, window);
    i += run;
    offset_ += run;
    if (state_ == State::kText && run < window && data_[i] == '<') {
      // TextStep's '<', the usual end of text, without decoding or dispatch.
      uint64_t at = offset_++;
      ++i;
      if (!Emit(run_, i - 1)) return false;
      cr_ = false;
      lt_at_ = at;
      pending_.clear();
      state_ = State::kLt;
      continue;
    }
    if (run != 0) continue;
    uint8_t b = data_[i];
    uint32_t cp = b;
    size_t len = 1;
    if (b >= 0x80) {
      switch (Decode(data_ + i, window, &cp, &len)) {
        case Decoded::kChar:
          break;
        case Decoded::kInvalid: {
          uint64_t at = offset_;
          offset_ += len - 1;
          return Fail(Rule::kInvalidUtf8, at);
        }
        case Decoded::kPartial:
          if (window < size_ - i) {  // the next byte is over the stanza limit
            offset_ += window;
            return FailLimit(Rule::kStanzaTooLarge, offset_, max_stanza_bytes_);
          }
          std::memcpy(cbuf_, data_ + i, size_ - i);
          clen_ = size_ - i;
          cstart_ = offset_;
          carry_idx_ = i;
          offset_ += size_ - i;
          i = size_;
          continue;
      }
    }
    uint64_t at = offset_;
    offset_ += len;
    i += len;
    if (!Step(cp, at)) {
      if (error_.ok()) return false;
      offset_ = at + len - 1;  // the byte at which the refusal was found
      return false;
    }
  }
  FinishChunk();
  data_ = nullptr;
  return error_.ok() && !stopped_;
}

Native::Fast Native::FastRef(size_t* i, size_t window) {
  uint32_t decoded = 0;
  size_t n = PlainRef(data_ + *i, window, &decoded);
  if (n == 0) return Fast::kBail;
  *i += n;
  offset_ += n;
  if (RefDone(decoded)) return Fast::kDone;
  if (!error_.ok()) offset_ -= 1;  // the ';', as Feed() reports a step's refusal
  return Fast::kFailed;
}

Native::Fast Native::FastTag(size_t* i) {
  if (lt_at_ < chunk_start_) return Fast::kBail;  // the '<' was in an earlier chunk
  return data_[*i] == '/' ? FastEndTag(i) : FastStartTag(i);
}

// FastStartTag reads a start tag from the byte after its '<' as MarkupStep
// and StartTagStep would, ASCII names only, and completes it.
Native::Fast Native::FastStartTag(size_t* i) {
  const uint8_t* d = data_;
  const size_t first = *i;
  if (depth_ + 1 > limits_.max_depth) return Fast::kBail;
  // Every byte up to the '>' must come before the stanza limit. A top-level
  // tag is counted from its '<' from its second name byte on (MarkupStep).
  const bool top = depth_ <= 1;
  const uint64_t limit = top ? std::max<uint64_t>(lt_at_ + max_stanza_bytes_, offset_ + 1)
                             : in_stanza_ ? LimitPos() : UINT64_MAX;
  const size_t end = static_cast<size_t>(std::min<uint64_t>(size_, limit - chunk_start_));
  if (first >= end) return Fast::kBail;
  const size_t max_name = limits_.max_name_bytes;
  uint32_t name_colon = 0;
  const size_t name_len = ScanPlainQName(d + first, end - first, &name_colon);
  size_t p = first + name_len;
  if (name_len == 0 || name_len > max_name || (!(kByteClass[d[p]] & kWs) && d[p] != '>' && d[p] != '/')) return Fast::kBail;
  // A stream header at stanza level asks the client (FinishStartName).
  if (depth_ == 1 && name_len >= 6 && std::memcmp(d + p - 6, "stream", 6) == 0 && (name_len == 6 || d[p - 7] == ':')) {
    return Fast::kBail;
  }
  attrs_.clear();
  size_t attributes = 0;
  size_t ns_decls = 0;
  bool empty = false;
  for (;;) {
    uint8_t c = d[p];
    bool space = false;
    if (kByteClass[c] & kWs) {
      do {
        ++p;
      } while (p < end && (kByteClass[d[p]] & kWs));
      if (p >= end) return Fast::kBail;
      c = d[p];
      space = true;
    }
    if (c == '>') {
      ++p;
      break;
    }
    if (c == '/') {
      if (p + 1 >= end || d[p + 1] != '>') return Fast::kBail;
      p += 2;
      empty = true;
      break;
    }
    // An attribute: after whitespace, below the attribute limit.
    if (!space || ++attributes > limits_.max_attributes) return Fast::kBail;
    const size_t name_at = p;
    uint32_t colon = 0;
    const size_t attr_len = ScanPlainQName(d + p, end - p, &colon);
    if (attr_len == 0 || attr_len > max_name) return Fast::kBail;
    p += attr_len;
    const bool xmlns = attr_len >= 5 && std::memcmp(d + name_at, "xmlns", 5) == 0 && (attr_len == 5 || d[name_at + 5] == ':');
    if (xmlns && ++ns_decls > limits_.max_namespace_decls) return Fast::kBail;
    while (kByteClass[d[p]] & kWs) {
      if (++p >= end) return Fast::kBail;
    }
    if (d[p] != '=') return Fast::kBail;
    do {
      if (++p >= end) return Fast::kBail;
    } while (kByteClass[d[p]] & kWs);
    const uint8_t quote = d[p];
    if (quote != '"' && quote != '\'') return Fast::kBail;
    const size_t value_at = ++p;
    bool decode = false;
    for (;;) {
      p += SkipPlainValue(d + p, end - p, quote);
      if (p >= end) return Fast::kBail;
      c = d[p];
      if (c == quote) break;
      size_t n = 0;
      if (c == '"' || c == '\'') {
        n = 1;
      } else if (c == '\t' || c == '\n' || c == '\r') {
        n = 1;
        decode = true;
      } else if (c == '&') {
        decode = true;
        uint32_t decoded;
        n = PlainRef(d + p + 1, end - p - 1, &decoded);
        if (n != 0) ++n;
      } else if (c >= 0x80) {
        n = XmlCharSequence(d + p, end - p);
      }
      if (n == 0) return Fast::kBail;  // '<', a character not allowed, a reference RefStep must read
      p += n;
    }
    attrs_.push_back(AttrSpan{chunk_start_ + name_at, static_cast<uint32_t>(attr_len), colon, xmlns, chunk_start_ + value_at,
                              chunk_start_ + p, decode});
    if (++p >= end) return Fast::kBail;
  }
  // What the steps would have left.
  if (top) {
    in_stanza_ = true;
    stanza_lt_ = lt_at_;
    stanza_from_ = offset_ + 1;
  }
  name_end_ = chunk_start_ + first + name_len;
  name_colon_ = name_colon;
  attributes_ = attributes;
  ns_decls_ = ns_decls;
  *i = p;
  offset_ = chunk_start_ + p;
  if (CompleteStartTag(empty)) return Fast::kDone;
  if (!error_.ok()) offset_ -= 1;  // the '>'
  return Fast::kFailed;
}

// FastEndTag reads an end tag inside a stanza from its '/' as MarkupStep and
// EndTagStep would, an ASCII name only, and completes it.
Native::Fast Native::FastEndTag(size_t* i) {
  if (depth_ <= 1 || !in_stanza_) return Fast::kBail;  // the stream's own end tag is the steps' job
  const uint8_t* d = data_;
  const size_t end = static_cast<size_t>(std::min<uint64_t>(size_, LimitPos() - chunk_start_));
  const size_t first = *i + 1;
  if (first >= end) return Fast::kBail;
  uint32_t colon = 0;
  const size_t name_len = ScanPlainQName(d + first, end - first, &colon);
  size_t p = first + name_len;
  if (name_len == 0 || name_len > limits_.max_name_bytes) return Fast::kBail;
  while (kByteClass[d[p]] & kWs) {
    if (++p >= end) return Fast::kBail;
  }
  if (d[p] != '>') return Fast::kBail;
  name_end_ = chunk_start_ + first + name_len;
  *i = p + 1;
  offset_ = chunk_start_ + p + 1;
  if (CompleteEndTag()) return Fast::kDone;
  if (!error_.ok()) offset_ -= 1;  // the '>'
  return Fast::kFailed;
}

bool Native::CompleteCarriedChar(size_t* i) {
  while (*i < size_) {
    uint64_t abs = chunk_start_ + *i;
    if (in_stanza_ && abs >= LimitPos()) return FailLimit(Rule::kStanzaTooLarge, abs, max_stanza_bytes_);
    cbuf_[clen_++] = data_[(*i)++];
    offset_ = chunk_start_ + *i;
    uint32_t cp = 0;
    size_t len = 0;
    switch (Decode(cbuf_, clen_, &cp, &len)) {
      case Decoded::kInvalid:
        clen_ = 0;
        offset_ -= 1;
        return Fail(Rule::kInvalidUtf8, cstart_);
      case Decoded::kPartial:
        continue;
      case Decoded::kChar:
        clen_ = 0;
        if (!Step(cp, cstart_)) return false;
        run_ = *i;
        return true;
    }
  }
  carry_idx_ = 0;
  return true;
}

void Native::FinishChunk() {
  size_t end = clen_ != 0 ? carry_idx_ : size_;
  if (state_ == State::kText) {
    Emit(run_, end);
  } else if (state_ == State::kCdata) {
    size_t keep = std::min<size_t>(brackets_, 2);
    if (EmitCdata(end, keep)) held_ = keep;
  } else if (InTag()) {
    size_t from = lt_at_ > chunk_start_ ? Index(lt_at_) : 0;
    pending_.append(reinterpret_cast<const char*>(data_) + from, size_ - from);
  }
  run_ = 0;
}

bool Native::EmitCdata(size_t stop, size_t keep) {
  size_t chunk_len = stop > run_ ? stop - run_ : 0;
  size_t emit = held_ + chunk_len - keep;
  size_t from_held = std::min(held_, emit);
  for (size_t k = 0; k < from_held; ++k) {
    if (!EmitLiteral("]")) return false;
  }
  held_ = 0;
  return Emit(run_, run_ + (emit - from_held));
}

inline size_t Native::FastRun(const uint8_t* p, size_t n) {
  uint8_t mask;
  size_t limit = n;
  switch (state_) {
    case State::kText: {
      if (depth_ < 2 || cr_ || text_bytes_ >= limits_.max_text_bytes) return 0;
      limit = std::min<uint64_t>(limit, limits_.max_text_bytes - text_bytes_);
      const size_t i = ScanText(p, limit);
      if (i != 0) {
        text_bytes_ += i;
        brackets_ = 0;
      }
      return i;
    }
    case State::kCdata:
      if (cr_ || text_bytes_ >= limits_.max_text_bytes) return 0;
      mask = kPlainCdata;
      limit = std::min<uint64_t>(limit, limits_.max_text_bytes - text_bytes_);
      break;
    case State::kAttrValue:
      mask = kPlainValue;
      break;
    case State::kEndName:
      if (name_len_ == 0) return 0;
      [[fallthrough]];
    case State::kStartName:
    case State::kAttrName: {
      if (name_len_ >= limits_.max_name_bytes) return 0;
      limit = std::min(limit, limits_.max_name_bytes - name_len_);
      size_t i = 0;
      while (i < limit && (kByteClass[p[i]] & kPlainName)) ++i;
      name_len_ += i;
      return i;
    }
    default:
      return 0;
  }
  size_t i = 0;
  while (i < limit) {
    if (kByteClass[p[i]] & mask) {
      ++i;
      continue;
    }
    size_t len = p[i] >= 0x80 ? XmlCharSequence(p + i, limit - i) : 0;
    if (len == 0) break;
    i += len;
  }
  if (i != 0 && (state_ == State::kText || state_ == State::kCdata)) {
    text_bytes_ += i;
    brackets_ = 0;
  }
  return i;
}

bool Native::Step(uint32_t cp, uint64_t at) {
  switch (state_) {
    case State::kProlog:
    case State::kEpilog:
      return ProseStep(cp, at);
    case State::kText:
      return TextStep(cp, at);
    case State::kLt:
    case State::kBang:
    case State::kCdataOpen:
    case State::kPiTarget:
      return MarkupStep(cp, at);
    case State::kCdata:
      return CdataStep(cp, at);
    case State::kXmlDecl:
      return DeclStep(cp, at);
    case State::kStartName:
    case State::kTagSpace:
    case State::kAttrName:
    case State::kAttrAfterName:
    case State::kAttrEq:
    case State::kAttrValue:
    case State::kAfterValue:
    case State::kEmptySlash:
      return StartTagStep(cp, at);
    case State::kEndName:
    case State::kEndSpace:
      return EndTagStep(cp, at);
    case State::kRef:
    case State::kEntityName:
    case State::kCharRef:
    case State::kCharRefDigits:
      return RefStep(cp, at);
  }
  return false;
}

// Whitespace before the root element and after it.
bool Native::ProseStep(uint32_t cp, uint64_t at) {
  if (state_ == State::kEpilog) return IsWs(cp) || Fail(Rule::kDataAfterEnd, at);
  if (at == doc_start_ && cp == 0xFEFF && !bom_seen_) {  // one UTF-8 byte order mark
    doc_start_ = offset_;
    bom_seen_ = true;
    return true;
  }
  if (at == doc_start_ && cp == 0) return Fail(Rule::kUtf16Input, at);
  if (IsWs(cp)) return true;
  if (cp == '<') {
    lt_at_ = at;
    pending_.clear();
    state_ = State::kLt;
    return true;
  }
  return Fail(IsXmlChar(cp) ? Rule::kDataBeforeHeader : Rule::kForbiddenChar, at);
}

// Character data inside the stream element.
bool Native::TextStep(uint32_t cp, uint64_t at) {
  bool carried = at < chunk_start_;
  if (cp == '<') {
    if (!Emit(run_, Index(at))) return false;
    cr_ = false;
    lt_at_ = at;
    pending_.clear();
    state_ = State::kLt;
    return true;
  }
  if (cp == '&') {
    if (depth_ <= 1) return Fail(Rule::kDataBetweenStanzas, at);
    if (!Emit(run_, Index(at))) return false;
    cr_ = false;
    ref_at_ = at;
    ref_return_ = State::kText;
    state_ = State::kRef;
    return true;
  }
  if (!IsXmlChar(cp)) return Fail(Rule::kForbiddenChar, at);
  if (cp == '>' && brackets_ >= 2) return Fail(Rule::kCdataEndInText, at - 2);
  brackets_ = cp == ']' ? brackets_ + 1 : 0;
  if (depth_ <= 1) return IsWs(cp) || Fail(Rule::kDataBetweenStanzas, at);
  text_bytes_ += base::Utf8Length(cp);
  if (text_bytes_ > limits_.max_text_bytes) return FailLimit(Rule::kTooMuchText, at, limits_.max_text_bytes);
  if (cp == '\r') {  // XML 1.0 section 2.11: CR LF and a lone CR are read as LF
    if (!Emit(run_, Index(at)) || !EmitLiteral("\n")) return false;
    run_ = Index(offset_);
    cr_ = true;
    return true;
  }
  if (cp == '\n' && cr_) {
    if (!Emit(run_, Index(at))) return false;
    run_ = Index(offset_);
    cr_ = false;
    return true;
  }
  cr_ = false;
  if (carried) {
    return EmitLiteral(std::string_view(reinterpret_cast<const char*>(cbuf_), base::Utf8Length(cp)));
  }
  return true;
}

// After '<': which markup this is.
bool Native::MarkupStep(uint32_t cp, uint64_t at) {
  switch (state_) {
    case State::kLt:
      if (cp == '/') {
        if (depth_ <= 1) {  // the stream's end tag counts like a stanza, so it is bounded
          in_stanza_ = true;
          stanza_lt_ = lt_at_;
          stanza_from_ = offset_;
        }
        state_ = State::kEndName;
        name_len_ = 0;
        name_start_ = offset_;
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
        if (!error_.ok() || stopped_) return Stopped();
        return Fail(Rule::kProcessingInstruction, lt_at_);
      }
      if (cp == 0 && lt_at_ == doc_start_) return Fail(Rule::kUtf16Input, at);
      if (!IsNameStartChar(cp)) return Fail(Rule::kLtNotName, at);
      if (depth_ + 1 > limits_.max_depth) return FailLimit(Rule::kTooDeep, lt_at_, limits_.max_depth);
      if (depth_ <= 1) {
        in_stanza_ = true;
        stanza_lt_ = lt_at_;
        stanza_from_ = offset_;
      }
      name_len_ = 0;
      attrs_.clear();
      attributes_ = 0;
      ns_decls_ = 0;
      state_ = State::kStartName;
      return NameChar(cp, at);

    case State::kBang:
      if (cp == '[') {
        if (depth_ == 0) return Fail(Rule::kCdataOutsideStream, lt_at_);
        if (depth_ == 1) return Fail(Rule::kDataBetweenStanzas, lt_at_);
        state_ = State::kCdataOpen;
        match_ = 1;
        return true;
      }
      return Fail(cp == '-' ? Rule::kComment : Rule::kMarkupDeclaration, lt_at_);

    case State::kCdataOpen: {
      static constexpr std::string_view kOpen = "[CDATA[";
      if (cp != static_cast<uint8_t>(kOpen[match_])) return Fail(Rule::kMalformedCdata, at);
      if (++match_ == kOpen.size()) {
        state_ = State::kCdata;
        brackets_ = 0;
        held_ = 0;
        cr_ = false;
        run_ = Index(offset_);
      }
      return true;
    }

    case State::kPiTarget: {
      static constexpr std::string_view kXml = "xml";
      if (match_ < kXml.size()) {
        if (cp != static_cast<uint8_t>(kXml[match_])) return Fail(Rule::kProcessingInstruction, lt_at_);
        ++match_;
        return true;
      }
      if (!IsWs(cp)) return Fail(Rule::kProcessingInstruction, lt_at_);
      state_ = State::kXmlDecl;
      decl_start_ = lt_at_;
      decl_ = "<?xml";
      base::AppendUtf8(decl_, cp);
      return true;
    }

    default:
      return false;
  }
}

bool Native::CdataStep(uint32_t cp, uint64_t at) {
  if (!IsXmlChar(cp)) return Fail(Rule::kForbiddenChar, at);
  if (cp == '>' && brackets_ >= 2) {
    if (!EmitCdata(Index(at), 2)) return false;
    state_ = State::kText;
    brackets_ = 0;
    cr_ = false;
    run_ = Index(offset_);
    return true;
  }
  brackets_ = cp == ']' ? brackets_ + 1 : 0;
  text_bytes_ += base::Utf8Length(cp);
  if (text_bytes_ > limits_.max_text_bytes) return FailLimit(Rule::kTooMuchText, at, limits_.max_text_bytes);
  if (cp == '\r') {
    if (!EmitCdata(Index(at), 0) || !EmitLiteral("\n")) return false;
    run_ = Index(offset_);
    cr_ = true;
    return true;
  }
  if (cp == '\n' && cr_) {
    if (!EmitCdata(Index(at), 0)) return false;
    run_ = Index(offset_);
    cr_ = false;
    return true;
  }
  cr_ = false;
  if (at < chunk_start_) {  // a character cut by the chunk boundary: its bytes are not in this chunk
    if (!EmitCdata(run_, 0)) return false;
    return EmitLiteral(std::string_view(reinterpret_cast<const char*>(cbuf_), base::Utf8Length(cp)));
  }
  return true;
}

bool Native::DeclStep(uint32_t cp, uint64_t at) {
  if (!IsXmlChar(cp)) return Fail(Rule::kForbiddenChar, at);
  base::AppendUtf8(decl_, cp);
  if (decl_.size() > 256) return Fail(Rule::kXmlDeclTooLong, decl_start_);
  if (cp == '>' && decl_[decl_.size() - 2] == '?') {
    Rule rule;
    size_t rel = 0;
    if (!CheckXmlDecl(decl_, &rule, &rel)) return Fail(rule, decl_start_ + rel);
    state_ = State::kProlog;
  }
  return true;
}

bool Native::NameChar(uint32_t cp, uint64_t at) {
  size_t len = base::Utf8Length(cp);
  if (name_len_ + len > limits_.max_name_bytes) return FailLimit(Rule::kNameTooLong, at, limits_.max_name_bytes);
  name_len_ += len;
  return true;
}

bool Native::CheckQName(std::string_view name, uint64_t at) {
  size_t colon = FindColon(name);
  if (colon == std::string_view::npos) return true;
  if (colon == 0 || colon + 1 == name.size() || name.find(':', colon + 1) != std::string_view::npos ||
      !IsNameStartChar(FirstCodePoint(name.substr(colon + 1)))) {
    return Fail(Rule::kMalformedQName, at, name);
  }
  return true;
}

bool Native::FinishStartName(uint64_t at) {
  name_end_ = at;
  std::string_view name = TagBytes(lt_at_ + 1, at);
  if (!CheckQName(name, lt_at_ + 1)) return false;
  size_t colon = FindColon(name);
  name_colon_ = colon == std::string_view::npos ? 0 : colon;
  if (depth_ == 1) {
    size_t colon = FindColon(name);
    std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
    if (local == "stream") {
      if (client_->AllowRestart()) {
        BeginDocument(lt_at_);
        in_stanza_ = true;  // the header counts against the stanza limit, from the same '<'
      } else if (!error_.ok() || stopped_) {
        return Stopped();
      }
    }
  }
  return true;
}

bool Native::FinishAttrName(uint64_t at) {
  std::string_view name = TagBytes(name_start_, at);
  if (!CheckQName(name, name_start_)) return false;
  bool xmlns = name == "xmlns" || name.starts_with("xmlns:");
  size_t colon = FindColon(name);
  attrs_.push_back(AttrSpan{name_start_, static_cast<uint32_t>(name.size()),
                            colon == std::string_view::npos ? 0 : static_cast<uint32_t>(colon), xmlns, 0, 0});
  if (xmlns && ++ns_decls_ > limits_.max_namespace_decls) return FailLimit(Rule::kTooManyNamespaceDecls, name_start_, limits_.max_namespace_decls);
  return true;
}

bool Native::StartTagStep(uint32_t cp, uint64_t at) {
  switch (state_) {
    case State::kStartName:
      if (IsNameChar(cp)) return NameChar(cp, at);
      if (IsWs(cp)) {
        state_ = State::kTagSpace;
        return FinishStartName(at);
      }
      if (cp == '>') return FinishStartName(at) && CompleteStartTag(false);
      if (cp == '/') {
        state_ = State::kEmptySlash;
        return FinishStartName(at);
      }
      return Fail(Rule::kBadElementName, at);

    case State::kTagSpace:
      if (IsWs(cp)) return true;
      if (cp == '>') return CompleteStartTag(false);
      if (cp == '/') {
        state_ = State::kEmptySlash;
        return true;
      }
      if (!IsNameStartChar(cp)) return Fail(Rule::kBadStartTag, at);
      if (++attributes_ > limits_.max_attributes) return FailLimit(Rule::kTooManyAttributes, at, limits_.max_attributes);
      name_len_ = 0;
      name_start_ = at;
      state_ = State::kAttrName;
      return NameChar(cp, at);

    case State::kAttrName:
      if (IsNameChar(cp)) return NameChar(cp, at);
      if (IsWs(cp)) {
        state_ = State::kAttrAfterName;
        return FinishAttrName(at);
      }
      if (cp == '=') {
        state_ = State::kAttrEq;
        return FinishAttrName(at);
      }
      return Fail(Rule::kAttrWithoutValue, at);

    case State::kAttrAfterName:
      if (IsWs(cp)) return true;
      if (cp == '=') {
        state_ = State::kAttrEq;
        return true;
      }
      return Fail(Rule::kAttrWithoutValue, at);

    case State::kAttrEq:
      if (IsWs(cp)) return true;
      if (cp == '"' || cp == '\'') {
        quote_ = static_cast<uint8_t>(cp);
        attrs_.back().value = offset_;
        state_ = State::kAttrValue;
        return true;
      }
      return Fail(Rule::kAttrNotQuoted, at);

    case State::kAttrValue:
      if (cp == quote_) {
        attrs_.back().value_end = at;
        state_ = State::kAfterValue;
        return true;
      }
      if (cp == '<') return Fail(Rule::kLtInValue, at);
      if (cp == '&') {
        ref_at_ = at;
        ref_return_ = State::kAttrValue;
        state_ = State::kRef;
        return true;
      }
      return IsXmlChar(cp) || Fail(Rule::kForbiddenChar, at);

    case State::kAfterValue:
      if (IsWs(cp)) {
        state_ = State::kTagSpace;
        return true;
      }
      if (cp == '>') return CompleteStartTag(false);
      if (cp == '/') {
        state_ = State::kEmptySlash;
        return true;
      }
      return Fail(Rule::kNoSpaceBetweenAttrs, at);

    case State::kEmptySlash:
      if (cp == '>') return CompleteStartTag(true);
      return Fail(Rule::kSlashNotGt, at);

    default:
      return false;
  }
}

bool Native::EndTagStep(uint32_t cp, uint64_t at) {
  if (state_ == State::kEndName) {
    if (name_len_ == 0 ? IsNameStartChar(cp) : IsNameChar(cp)) return NameChar(cp, at);
    if (name_len_ == 0) return Fail(Rule::kEndTagWithoutName, at);
    name_end_ = at;
    if (IsWs(cp)) {
      state_ = State::kEndSpace;
      return CheckQName(TagBytes(lt_at_ + 2, at), lt_at_ + 2);
    }
    if (cp == '>') return CheckQName(TagBytes(lt_at_ + 2, at), lt_at_ + 2) && CompleteEndTag();
    return Fail(Rule::kBadEndTag, at);
  }
  if (IsWs(cp)) return true;
  if (cp == '>') return CompleteEndTag();
  return Fail(Rule::kBadEndTag, at);
}

bool Native::RefStep(uint32_t cp, uint64_t at) {
  switch (state_) {
    case State::kRef:
      if (cp == '#') {
        state_ = State::kCharRef;
        ref_value_ = 0;
        ref_digits_ = 0;
        ref_hex_ = false;
        return true;
      }
      if (!IsNameStartChar(cp)) return Fail(Rule::kAmpNotRef, ref_at_);
      if (cp >= 0x80) return Fail(Rule::kEntityReference, ref_at_);  // no predefined name has it
      ref_name_[0] = static_cast<char>(cp);
      ref_name_len_ = 1;
      state_ = State::kEntityName;
      if (!IsPredefinedPrefix(std::string_view(ref_name_, 1))) return Fail(Rule::kEntityReference, ref_at_);
      return true;

    case State::kEntityName:
      if (cp == ';') {
        std::string_view name(ref_name_, ref_name_len_);
        for (size_t i = 0; i < kPredefined.size(); ++i) {
          if (kPredefined[i] == name) return RefDone(static_cast<uint8_t>(kPredefinedChars[i]));
        }
        return Fail(Rule::kEntityReference, ref_at_);
      }
      if (!IsNameChar(cp)) return Fail(Rule::kEntityWithoutSemicolon, at);
      if (cp >= 0x80 || ref_name_len_ >= 4) return Fail(Rule::kEntityReference, ref_at_);
      ref_name_[ref_name_len_++] = static_cast<char>(cp);
      if (!IsPredefinedPrefix(std::string_view(ref_name_, ref_name_len_))) return Fail(Rule::kEntityReference, ref_at_);
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
        if (ref_digits_ == 0) return Fail(Rule::kEmptyCharRef, ref_at_);
        if (!IsXmlChar(ref_value_)) return Fail(Rule::kCharRefNotXmlChar, ref_at_);
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
        return Fail(Rule::kBadCharRef, at);
      }
      ref_value_ = ref_value_ * (ref_hex_ ? 16 : 10) + digit;
      ++ref_digits_;
      if (ref_value_ > 0x10FFFF) return Fail(Rule::kCharRefOutOfRange, ref_at_);
      return true;
    }

    default:
      return false;
  }
}

bool Native::RefDone(uint32_t decoded) {
  state_ = ref_return_;
  brackets_ = 0;
  if (ref_return_ != State::kText) return true;  // attribute values are decoded when the tag is complete
  if (depth_ <= 1) return Fail(Rule::kDataBetweenStanzas, ref_at_);
  // Counted decoded, as literal text is: &#x10000; is 4 bytes of data.
  text_bytes_ += base::Utf8Length(decoded);
  if (text_bytes_ > limits_.max_text_bytes) return FailLimit(Rule::kTooMuchText, ref_at_, limits_.max_text_bytes);
  run_ = Index(offset_);
  char buf[4];
  return EmitLiteral(std::string_view(buf, EncodeUtf8(decoded, buf)));
}

bool Native::LookupPrefix(std::string_view prefix, std::string_view* uri) const {
  for (size_t k = bindings_.size(); k-- > 0;) {
    const Binding& b = bindings_[k];
    if (b.prefix_len == prefix.size() &&
        (prefix.empty() || std::memcmp(ns_bytes_.data() + b.prefix, prefix.data(), prefix.size()) == 0)) {
      *uri = Uri(b);
      return true;
    }
  }
  return false;
}

// ResolveTag applies the rules of a complete start tag, in a fixed order
// (one input, one answer), binds its declarations and fills out_attrs_.
bool Native::ResolveTag(std::string_view tag) {
  // The spans are all inside the tag.
  auto name_of = [&](const AttrSpan& a) { return std::string_view(tag.data() + (a.name - lt_at_), a.name_len); };
  auto raw_value = [&](const AttrSpan& a) {
    return std::string_view(tag.data() + (a.value - lt_at_), static_cast<size_t>(a.value_end - a.value));
  };
  // Attribute uniqueness by qualified name (XML 1.0 section 3.1 WFC).
  for (size_t i = 1; i < attrs_.size(); ++i) {
    std::string_view name = name_of(attrs_[i]);
    for (size_t j = 0; j < i; ++j) {
      if (attrs_[j].name_len == name.size() && name_of(attrs_[j])[0] == name[0] && name_of(attrs_[j]) == name) {
        return Fail(Rule::kDuplicateAttr, attrs_[i].name, name);
      }
    }
  }
  // Declarations (Namespaces in XML 1.0 section 3). Each is decoded into
  // ns_bytes_ after its prefix; a refusal ends the stream, so what it left
  // there does not matter.
  size_t plain = 0;  // attributes that are not declarations
  for (const AttrSpan& a : attrs_) {
    if (!a.xmlns) {
      ++plain;
      continue;
    }
    std::string_view qname = name_of(a);
    std::string_view prefix = qname.size() == 5 ? std::string_view() : qname.substr(6);
    size_t prefix_at = ns_bytes_.size();
    ns_bytes_.append(prefix);
    size_t uri_at = ns_bytes_.size();
    if (a.decode) {
      DecodeValue(raw_value(a), &ns_bytes_);
    } else {
      ns_bytes_.append(raw_value(a));
    }
    std::string_view value = std::string_view(ns_bytes_).substr(uri_at);
    if (qname.size() == 5) {
      if (value == kXmlNs || value == kXmlnsNs) return Fail(Rule::kReservedDefaultNs, a.name);
    } else {
      if (prefix == "xmlns") return Fail(Rule::kXmlnsPrefixDeclared, a.name);
      if (prefix == "xml" && value != kXmlNs) return Fail(Rule::kXmlPrefixRebound, a.name);
      if (prefix != "xml" && value == kXmlNs) return Fail(Rule::kXmlNsRebound, a.name);
      if (value == kXmlnsNs) return Fail(Rule::kXmlnsNsBound, a.name);
      if (value.empty()) return Fail(Rule::kPrefixUndeclared, a.name);
    }
    bindings_.push_back(Binding{static_cast<uint32_t>(prefix_at), static_cast<uint32_t>(prefix.size()),
                                static_cast<uint32_t>(uri_at), static_cast<uint32_t>(value.size())});
  }
  if (name_colon_ != 0) {
    std::string_view prefix(tag.data() + 1, name_colon_);
    std::string_view uri;
    if (prefix == "xmlns") return Fail(Rule::kElementXmlnsPrefix, lt_at_);
    if (prefix == "xml") return Fail(Rule::kElementXmlPrefix, lt_at_);
    if (!LookupPrefix(prefix, &uri)) return Fail(Rule::kUnboundPrefix, lt_at_, prefix);
  }
  out_attrs_.clear();
  if (plain == 0) return true;
  out_attrs_.reserve(plain);
  for (size_t i = 0; i < attrs_.size(); ++i) {
    const AttrSpan& a = attrs_[i];
    if (a.xmlns) continue;
    std::string_view aname = name_of(a);
    std::string_view uri;
    std::string_view local = aname;
    if (a.colon != 0) {
      std::string_view prefix = aname.substr(0, a.colon);
      local = aname.substr(a.colon + 1);
      uri = kXmlNs;
      if (prefix != "xml" && !LookupPrefix(prefix, &uri)) return Fail(Rule::kUnboundPrefix, a.name, prefix);
      for (const Attribute& other : out_attrs_) {
        if (!other.ns.empty() && other.ns == uri && other.name == local) return Fail(Rule::kDuplicateExpandedAttr, a.name, aname);
      }
    }
    Attribute& out = out_attrs_.emplace_back();
    if (!uri.empty()) out.ns.append(uri);
    out.name.append(local);
    if (a.decode) {
      DecodeValue(raw_value(a), &out.value);
    } else {
      out.value.append(raw_value(a));
    }
  }
  return true;
}

bool Native::CompleteStartTag(bool empty) {
  uint64_t last = offset_ - 1;
  std::string_view tag = TagBytes(lt_at_, offset_);
  size_t mark = bindings_.size();
  if (!ResolveTag(tag)) return false;
  std::string_view qname(tag.data() + 1, static_cast<size_t>(name_end_ - lt_at_ - 1));
  std::string_view local = name_colon_ == 0 ? qname : qname.substr(name_colon_ + 1);
  std::string_view ns;
  LookupPrefix(qname.substr(0, name_colon_), &ns);
  static const std::optional<std::string> kNoDefault;
  const std::optional<std::string>* default_ns = &kNoDefault;
  for (size_t i = bindings_.size(); i-- > mark;) {
    if (bindings_[i].prefix_len == 0) {
      default_ns_->assign(Uri(bindings_[i]));
      default_ns = &default_ns_;
      break;
    }
  }
  // |ns| and |local| are views into ns_bytes_ and the tag's bytes (the chunk,
  // pending_ or scratch_): those are released only after the client calls.
  if (!empty) {
    scope_marks_.push_back(mark);
    open_names_.append(qname);
    open_ends_.push_back(static_cast<uint32_t>(open_names_.size()));
  }
  uint64_t lt = lt_at_;
  if (empty) {
    if (depth_ <= 1) in_stanza_ = false;
    state_ = depth_ == 0 ? State::kEpilog : State::kText;
  } else {
    ++depth_;
    if (depth_ == 1) in_stanza_ = false;  // the header is done
    if (depth_ == 2) text_bytes_ = 0;
    state_ = State::kText;
  }
  brackets_ = 0;
  cr_ = false;
  run_ = Index(offset_);
  bool go_on = client_->OnStartTag(ns, local, std::move(out_attrs_), *default_ns, lt, last);
  out_attrs_ = {};
  if (go_on && empty) go_on = client_->OnEndTag(lt, last);
  if (empty) PopBindings(mark);
  ReleasePending();
  return go_on || Stopped();
}

bool Native::CompleteEndTag() {
  uint64_t last = offset_ - 1;
  std::string_view name = TagBytes(lt_at_ + 2, name_end_);
  size_t begin = open_ends_.size() < 2 ? 0 : open_ends_[open_ends_.size() - 2];
  if (open_ends_.empty() || std::string_view(open_names_).substr(begin) != name) {
    return Fail(Rule::kMismatchedEndTag, lt_at_, name);
  }
  open_names_.resize(begin);
  open_ends_.pop_back();
  PopBindings(scope_marks_.back());
  scope_marks_.pop_back();
  ReleasePending();
  --depth_;
  if (depth_ <= 1) in_stanza_ = false;
  state_ = depth_ == 0 ? State::kEpilog : State::kText;
  brackets_ = 0;
  cr_ = false;
  run_ = Index(offset_);
  return client_->OnEndTag(lt_at_, last) || Stopped();
}

}  // namespace

std::unique_ptr<NativeTokenizer> MakeNativeTokenizer(const Limits& limits, NativeClient* client) {
  return std::make_unique<Native>(limits, client);
}

}  // namespace xmppfuzz::xml
