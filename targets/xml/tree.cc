// Stanza tree, canonical serializer, builder and the small shared helpers of
// the XML layer.
#include <algorithm>
#include <array>

#include "targets/xml/xml.h"
#include "targets/base/base.h"

namespace xmppfuzz::xml {
namespace {

constexpr std::array<std::pair<Condition, std::string_view>, 26> kConditionNames = {{
    {Condition::kNone, "none"},
    {Condition::kBadFormat, "bad-format"},
    {Condition::kBadNamespacePrefix, "bad-namespace-prefix"},
    {Condition::kConflict, "conflict"},
    {Condition::kConnectionTimeout, "connection-timeout"},
    {Condition::kHostGone, "host-gone"},
    {Condition::kHostUnknown, "host-unknown"},
    {Condition::kImproperAddressing, "improper-addressing"},
    {Condition::kInternalServerError, "internal-server-error"},
    {Condition::kInvalidFrom, "invalid-from"},
    {Condition::kInvalidNamespace, "invalid-namespace"},
    {Condition::kInvalidXml, "invalid-xml"},
    {Condition::kNotAuthorized, "not-authorized"},
    {Condition::kNotWellFormed, "not-well-formed"},
    {Condition::kPolicyViolation, "policy-violation"},
    {Condition::kRemoteConnectionFailed, "remote-connection-failed"},
    {Condition::kReset, "reset"},
    {Condition::kResourceConstraint, "resource-constraint"},
    {Condition::kRestrictedXml, "restricted-xml"},
    {Condition::kSeeOtherHost, "see-other-host"},
    {Condition::kSystemShutdown, "system-shutdown"},
    {Condition::kUndefinedCondition, "undefined-condition"},
    {Condition::kUnsupportedEncoding, "unsupported-encoding"},
    {Condition::kUnsupportedFeature, "unsupported-feature"},
    {Condition::kUnsupportedStanzaType, "unsupported-stanza-type"},
    {Condition::kUnsupportedVersion, "unsupported-version"},
}};

void AppendEscaped(std::string& out, std::string_view s, bool attribute) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '"':
        if (attribute) out += "&quot;"; else out += c;
        break;
      case '\t':
        if (attribute) out += "&#9;"; else out += c;
        break;
      default: out += c;
    }
  }
}

bool AttributeLess(const Attribute* a, const Attribute* b) {
  if (a->ns != b->ns) return a->ns < b->ns;
  return a->name < b->name;
}

// AppendAttributes writes |e|'s attributes in canonical order, declaring the
// n0, n1, ... prefixes namespaced attributes need.
void AppendAttributes(std::string& out, const Element& e) {
  std::vector<const Attribute*> sorted;
  sorted.reserve(e.attributes.size());
  for (const Attribute& a : e.attributes) sorted.push_back(&a);
  std::sort(sorted.begin(), sorted.end(), AttributeLess);
  std::vector<std::string_view> prefixed_ns;
  for (const Attribute* a : sorted) {
    if (a->ns.empty() || a->ns == kXmlNs) continue;
    if (std::find(prefixed_ns.begin(), prefixed_ns.end(), a->ns) == prefixed_ns.end()) {
      out += " xmlns:n" + std::to_string(prefixed_ns.size()) + "=\"";
      AppendEscaped(out, a->ns, true);
      out += '"';
      prefixed_ns.push_back(a->ns);
    }
  }
  for (const Attribute* a : sorted) {
    out += ' ';
    if (a->ns == kXmlNs) {
      out += "xml:";
    } else if (!a->ns.empty()) {
      size_t index = std::find(prefixed_ns.begin(), prefixed_ns.end(), a->ns) - prefixed_ns.begin();
      out += "n" + std::to_string(index) + ":";
    }
    out += a->name;
    out += "=\"";
    AppendEscaped(out, a->value, true);
    out += '"';
  }
}

void AppendElement(std::string& out, const Element& e, const std::string* parent_ns) {
  out += '<';
  out += e.name;
  if (parent_ns == nullptr || *parent_ns != e.ns) {
    out += " xmlns=\"";
    AppendEscaped(out, e.ns, true);
    out += '"';
  }
  AppendAttributes(out, e);
  if (e.children.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const Node& child : e.children) {
    if (child.is_text) {
      AppendEscaped(out, child.text, false);
    } else {
      AppendElement(out, child.element, &e.ns);
    }
  }
  out += "</";
  out += e.name;
  out += '>';
}

}  // namespace

std::string_view ConditionName(Condition c) {
  for (const auto& [cond, name] : kConditionNames) {
    if (cond == c) return name;
  }
  return "undefined-condition";
}

std::optional<Condition> ConditionFromName(std::string_view name) {
  for (const auto& [cond, n] : kConditionNames) {
    if (n == name) return cond;
  }
  return std::nullopt;
}

std::string_view BackendName(Backend b) {
  switch (b) {
    case Backend::kExpat: return "expat";
    case Backend::kLibxml2: return "libxml2";
    case Backend::kNative: return "native";
  }
  return "unknown";  // not reached: the switch names every backend
}

std::optional<Backend> BackendFromName(std::string_view name) {
  for (Backend b : kBackends) {
    if (BackendName(b) == name) return b;
  }
  return std::nullopt;
}

const std::string* Element::Attr(std::string_view attr_name, std::string_view attr_ns) const {
  for (const Attribute& a : attributes) {
    if (a.name == attr_name && a.ns == attr_ns) return &a.value;
  }
  return nullptr;
}

size_t Element::ChildElementCount() const {
  return std::count_if(children.begin(), children.end(), [](const Node& n) { return !n.is_text; });
}

const Element* Element::FirstChild(std::string_view child_ns, std::string_view child_name) const {
  for (const Node& n : children) {
    if (!n.is_text && n.element.ns == child_ns && n.element.name == child_name) return &n.element;
  }
  return nullptr;
}

std::string Element::Text() const {
  std::string out;
  for (const Node& n : children) {
    if (n.is_text) out += n.text;
  }
  return out;
}

bool Element::operator==(const Element& other) const {
  if (ns != other.ns || name != other.name || children != other.children) return false;
  // Attribute order carries no meaning in XML.
  if (attributes.size() != other.attributes.size()) return false;
  std::vector<const Attribute*> a, b;
  for (const Attribute& x : attributes) a.push_back(&x);
  for (const Attribute& x : other.attributes) b.push_back(&x);
  std::sort(a.begin(), a.end(), AttributeLess);
  std::sort(b.begin(), b.end(), AttributeLess);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(*a[i] == *b[i])) return false;
  }
  return true;
}

std::string Canonical(const Element& e, const std::string* parent_ns) {
  std::string out;
  AppendElement(out, e, parent_ns);
  return out;
}

Limits CanonicalLimits(const Limits& input, size_t canonical_bytes) {
  Limits l = input;
  size_t digits = std::to_string(input.max_attributes == 0 ? 0 : input.max_attributes - 1).size();
  l.max_attributes = 2 * input.max_attributes + 1;
  l.max_namespace_decls = std::max(input.max_namespace_decls, input.max_attributes + 1);
  l.max_name_bytes = input.max_name_bytes + digits;
  size_t bytes = std::max({input.max_stanza_bytes, input.max_stanza_bytes_preauth, canonical_bytes});
  l.max_stanza_bytes = l.max_stanza_bytes_preauth = bytes;
  return l;
}

size_t CanonicalSizeBound(const Element& e, const std::string* parent_ns) {
  // <name xmlns="NS" ...> ... </name>: 2 names, 5 bytes of markup, 9 for xmlns="".
  size_t n = 2 * e.name.size() + 5 + ((parent_ns == nullptr || *parent_ns != e.ns) ? e.ns.size() + 9 : 0);
  for (const Attribute& a : e.attributes) {
    // ' nK:name="value"' with every value byte escaped at most 6-fold, and
    // its own ' xmlns:nK="NS"' declaration.
    n += a.name.size() + 6 * a.value.size() + a.ns.size() + 32;
  }
  for (const Node& c : e.children) n += c.is_text ? 5 * c.text.size() : CanonicalSizeBound(c.element, &e.ns);
  return n;
}

std::string CanonicalHeader(const Element& header, std::string_view content_ns) {
  std::string out;
  if (header.ns == kStreamsNs && header.name == "stream") {
    out += "<stream:stream xmlns:stream=\"";
    out += kStreamsNs;
    out += "\" xmlns=\"";
    AppendEscaped(out, content_ns, true);
    out += '"';
    AppendAttributes(out, header);
    out += '>';
    return out;
  }
  Element bare = header;
  bare.children.clear();
  out = Canonical(bare);
  out.erase(out.size() - 2);  // "/>"
  out += '>';
  return out;
}

bool IsXmlChar(uint32_t cp) {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  if (cp < 0xD800) return true;
  if (cp < 0xE000) return false;
  if (cp < 0xFFFE) return true;
  return cp >= 0x10000 && cp <= 0x10FFFF;
}

bool ValidateText(std::string_view s) {
  base::Utf8Decoder d;
  for (unsigned char c : s) {
    switch (d.Push(c)) {
      case base::Utf8Decoder::kInvalid: return false;
      case base::Utf8Decoder::kChar:
        if (!IsXmlChar(d.code_point())) return false;
        break;
      case base::Utf8Decoder::kNeedMore: break;
    }
  }
  return d.idle();
}

bool IsValidName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool other = (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!alpha && !(i > 0 && other)) return false;
  }
  // Names beginning with "xml" (any case) are reserved (XML 1.0 section 2.3).
  if (s.size() >= 3 && (s[0] | 0x20) == 'x' && (s[1] | 0x20) == 'm' && (s[2] | 0x20) == 'l') return false;
  return true;
}

Builder::Builder(std::string_view ns, std::string_view name) {
  root_.ns = ns;
  root_.name = name;
  if (!IsValidName(name)) error_ = "invalid element name";
  if (!ValidateText(ns) || ns == kXmlNs || ns == kXmlnsNs) error_ = "invalid element namespace";
}

Element* Builder::Current() {
  Element* e = &root_;
  for (size_t index : path_) e = &e->children[index].element;
  return e;
}

Builder& Builder::Attr(std::string_view name, std::string_view value) { return AttrNs("", name, value); }

Builder& Builder::AttrNs(std::string_view ns, std::string_view name, std::string_view value) {
  if (!error_.empty()) return *this;
  if (!IsValidName(name)) {
    error_ = "invalid attribute name";
  } else if (!ValidateText(value) || !ValidateText(ns)) {
    error_ = "attribute value is not valid XML text";
  } else if (ns == kXmlnsNs) {
    error_ = "invalid attribute namespace";
  } else if (Current()->Attr(name, ns) != nullptr) {
    error_ = "duplicate attribute";
  } else {
    Current()->attributes.push_back(Attribute{std::string(ns), std::string(name), std::string(value)});
  }
  return *this;
}

Builder& Builder::Text(std::string_view text) {
  if (!error_.empty() || text.empty()) return *this;
  if (!ValidateText(text)) {
    error_ = "text is not valid XML text";
    return *this;
  }
  Element* e = Current();
  if (!e->children.empty() && e->children.back().is_text) {
    e->children.back().text += text;
  } else {
    Node n;
    n.is_text = true;
    n.text = text;
    e->children.push_back(std::move(n));
  }
  return *this;
}

Builder& Builder::Child(std::string_view ns, std::string_view name) {
  if (!error_.empty()) return *this;
  if (!IsValidName(name) || !ValidateText(ns) || ns == kXmlNs || ns == kXmlnsNs) {
    error_ = "invalid child element";
    return *this;
  }
  Element* e = Current();
  Node n;
  n.element.ns = ns;
  n.element.name = name;
  e->children.push_back(std::move(n));
  path_.push_back(e->children.size() - 1);
  return *this;
}

Builder& Builder::Up() {
  if (!path_.empty()) path_.pop_back();
  return *this;
}

std::optional<Element> Builder::Build() const {
  if (!error_.empty()) return std::nullopt;
  return root_;
}

}  // namespace xmppfuzz::xml
