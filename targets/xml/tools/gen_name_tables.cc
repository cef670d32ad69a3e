// gen_name_tables: measures which non-ASCII code points the system Expat and
// libxml2 accept in XML names, and writes the intersection as range tables
// for targets/xml/name_chars.cc.
//
// Expat 2.x classifies name characters with the XML 1.0 fourth edition
// (Appendix B) tables; libxml2 2.9 uses the fifth edition's much wider
// NameStartChar/NameChar productions (section 2.3). The guard accepts a name
// only if both backends would, so that a name never makes the backends
// disagree (the class of parser differentials behind stanza smuggling).
//
// For each Char U+0080..U+10FFFF (no surrogates, no U+FFFE/U+FFFF) and each
// tokenizer configuration (Expat, Expat in namespace mode, libxml2 SAX2 in
// namespace mode), a code point X counts as a name-start character only if
// X is accepted first in an element name, an attribute name, a prefix and a
// local name after a prefix (Namespaces in XML 1.0 section 3 makes both
// NCNames), and as a name character only if it is accepted after "a" in the
// same places. A document counts as accepted only if the parse reports no
// error and the reported names contain X as often as the document does.
//
// Usage: gen_name_tables [--command TEXT] OUTPUT
#include <expat.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "targets/base/base.h"
#include "targets/xml/xml.h"

namespace {

// A probe is a document template: '@' stands for the code point under test.
// |uses| is how many times the code point appears in the names the parser
// reports (element and attribute names with their prefixes; namespace
// declarations excluded).
struct Probe {
  const char* tmpl;
  int uses;
};

// Every placement at once, so that the common case (accepted everywhere)
// costs one parse.
constexpr Probe kStartAll = {"<@ xmlns:p='urn:x' xmlns:@='urn:y' @='v' p:@='w'><p:@/><@:a/></@>", 5};
constexpr Probe kNameAll = {"<a@ xmlns:p='urn:x' xmlns:a@='urn:y' a@='v' p:a@='w'><p:a@/><a@:a/></a@>", 5};

// The same placements one at a time: tried only when the combined document
// is refused, in case it failed for a reason other than X.
constexpr Probe kStartProbes[] = {
    {"<@/>", 1},
    {"<a @='v'/>", 1},
    {"<p:@ xmlns:p='urn:x'/>", 1},
    {"<a xmlns:p='urn:x' p:@='v'/>", 1},
    {"<@:a xmlns:@='urn:x'/>", 1},
};
constexpr Probe kNameProbes[] = {
    {"<a@/>", 1},
    {"<a a@='v'/>", 1},
    {"<p:a@ xmlns:p='urn:x'/>", 1},
    {"<a xmlns:p='urn:x' p:a@='v'/>", 1},
    {"<a@:a xmlns:a@='urn:x'/>", 1},
};

bool IsXmlChar(uint32_t cp) {
  return (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

std::string Utf8(uint32_t cp) {
  std::string out;
  xmppfuzz::base::AppendUtf8(out, cp);
  return out;
}

std::string Instantiate(const char* tmpl, const std::string& x) {
  std::string doc;
  for (const char* p = tmpl; *p != '\0'; ++p) {
    if (*p == '@') {
      doc += x;
    } else {
      doc += *p;
    }
  }
  return doc;
}

int CountOccurrences(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

// A Tokenizer parses one whole document and says whether it was accepted;
// names() holds every element and attribute name it reported, concatenated.
// Each keeps one parser and resets it between documents.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual bool Parse(const std::string& doc) = 0;
  const std::string& names() const { return names_; }

 protected:
  std::string names_;
};

class ExpatTokenizer final : public Tokenizer {
 public:
  explicit ExpatTokenizer(bool ns) : ns_(ns) {
    parser_ = ns_ ? XML_ParserCreateNS("UTF-8", '\x01') : XML_ParserCreate("UTF-8");
  }
  ~ExpatTokenizer() override { XML_ParserFree(parser_); }

  bool Parse(const std::string& doc) override {
    XML_ParserReset(parser_, "UTF-8");
    XML_SetHashSalt(parser_, 1);  // spares a getrandom() call per document
    XML_SetUserData(parser_, this);
    XML_SetStartElementHandler(parser_, &ExpatTokenizer::Start);
    if (ns_) XML_SetReturnNSTriplet(parser_, XML_TRUE);  // report prefixes too
    names_.clear();
    return XML_Parse(parser_, doc.data(), static_cast<int>(doc.size()), XML_TRUE) == XML_STATUS_OK;
  }

 private:
  static void Start(void* user, const XML_Char* name, const XML_Char** atts) {
    auto* self = static_cast<ExpatTokenizer*>(user);
    self->names_ += name;
    for (size_t i = 0; atts[i] != nullptr; i += 2) {
      // Without namespace processing, declarations are plain attributes.
      if (!self->ns_ && std::strncmp(atts[i], "xmlns", 5) == 0) continue;
      self->names_ += ' ';
      self->names_ += atts[i];
    }
  }

  bool ns_;
  XML_Parser parser_;
};

// Configured like targets/xml/backend_libxml2.cc: SAX2 push parser, and any
// error at level error or fatal refuses the document.
class Libxml2Tokenizer final : public Tokenizer {
 public:
  Libxml2Tokenizer() {
    sax_.initialized = XML_SAX2_MAGIC;
    sax_.startElementNs = &Libxml2Tokenizer::Start;
    sax_.serror = &Libxml2Tokenizer::OnError;
    ctxt_ = xmlCreatePushParserCtxt(&sax_, this, nullptr, 0, nullptr);
  }
  ~Libxml2Tokenizer() override { xmlFreeParserCtxt(ctxt_); }

  bool Parse(const std::string& doc) override {
    // A reset keeps the context's name dictionary, which would otherwise
    // grow by every name tried and make each lookup slower.
    if (++parses_ % kParsesPerContext == 0) {
      xmlFreeParserCtxt(ctxt_);
      ctxt_ = xmlCreatePushParserCtxt(&sax_, this, nullptr, 0, nullptr);
    }
    xmlCtxtResetPush(ctxt_, nullptr, 0, nullptr, "UTF-8");
    xmlCtxtUseOptions(ctxt_, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOENT);
    ctxt_->userData = this;
    names_.clear();
    failed_ = false;
    xmlParseChunk(ctxt_, doc.data(), static_cast<int>(doc.size()), 1);
    return !failed_ && ctxt_->wellFormed && ctxt_->nsWellFormed;
  }

 private:
  static void Start(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar*, int, const xmlChar**,
                    int nb_attributes, int, const xmlChar** attributes) {
    auto* self = static_cast<Libxml2Tokenizer*>(ctx);
    auto append = [self](const xmlChar* prefix, const xmlChar* local) {
      if (prefix != nullptr) {
        self->names_ += reinterpret_cast<const char*>(prefix);
        self->names_ += ':';
      }
      self->names_ += reinterpret_cast<const char*>(local);
    };
    append(prefix, localname);
    for (int i = 0; i < nb_attributes; ++i) {  // localname, prefix, URI, value, end
      self->names_ += ' ';
      append(attributes[5 * i + 1], attributes[5 * i]);
    }
  }

  static void OnError(void* ctx, xmlErrorPtr e) {
    if (e != nullptr && e->level >= XML_ERR_ERROR) static_cast<Libxml2Tokenizer*>(ctx)->failed_ = true;
  }

  static constexpr uint64_t kParsesPerContext = 4096;

  xmlSAXHandler sax_{};
  xmlParserCtxtPtr ctxt_ = nullptr;
  uint64_t parses_ = 0;
  bool failed_ = false;
};

bool Accepts(Tokenizer& t, const Probe& probe, const std::string& x) {
  return t.Parse(Instantiate(probe.tmpl, x)) && CountOccurrences(t.names(), x) == probe.uses;
}

// AcceptsAll: true if |t| accepts |x| in every placement.
template <size_t N>
bool AcceptsAll(Tokenizer& t, const Probe& combined, const Probe (&probes)[N], const std::string& x) {
  if (Accepts(t, combined, x)) return true;
  for (const Probe& probe : probes) {
    if (!Accepts(t, probe, x)) return false;
  }
  return true;
}

struct Range {
  uint32_t first;
  uint32_t last;
};

void Add(std::vector<Range>& ranges, uint32_t cp) {
  if (!ranges.empty() && ranges.back().last + 1 == cp) {
    ranges.back().last = cp;
  } else {
    ranges.push_back({cp, cp});
  }
}

uint64_t CountCodePoints(const std::vector<Range>& ranges) {
  uint64_t n = 0;
  for (const Range& r : ranges) n += r.last - r.first + 1;
  return n;
}

void WriteTable(std::ostream& out, const char* name, const std::vector<Range>& ranges) {
  out << "constexpr CodePointRange " << name << "[] = {\n";
  char line[64];
  for (const Range& r : ranges) {
    std::snprintf(line, sizeof line, "    {0x%04X, 0x%04X},\n", r.first, r.last);
    out << line;
  }
  out << "};\n";
}

int Usage() {
  std::fprintf(stderr, "usage: gen_name_tables [--command TEXT] OUTPUT\n       gen_name_tables --explain HEX\n");
  return 2;
}

// Explain prints every probe's verdict for one code point on each tokenizer.
int Explain(uint32_t cp, std::initializer_list<std::pair<const char*, Tokenizer*>> tokenizers) {
  std::string x = Utf8(cp);
  for (auto [label, t] : tokenizers) {
    for (const Probe* probes : {&kStartAll, &kNameAll, kStartProbes, kNameProbes}) {
      size_t n = probes == kStartProbes ? std::size(kStartProbes) : probes == kNameProbes ? std::size(kNameProbes) : 1;
      for (size_t i = 0; i < n; ++i) {
        bool parsed = t->Parse(Instantiate(probes[i].tmpl, x));
        int uses = CountOccurrences(t->names(), x);
        std::printf("%-9s %-72s %s, %d/%d uses\n", label, probes[i].tmpl, parsed ? "parsed" : "refused", uses,
                    probes[i].uses);
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command = "scripts/gen-name-tables";
  std::string output;
  long explain = -1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--explain" && i + 1 < argc) {
      explain = std::strtol(argv[++i], nullptr, 16);
    } else if (arg == "--command" && i + 1 < argc) {
      command = argv[++i];
    } else if (output.empty() && !arg.starts_with("-")) {
      output = arg;
    } else {
      return Usage();
    }
  }
  if (output.empty() == (explain < 0)) return Usage();

  LIBXML_TEST_VERSION
  auto started = std::chrono::steady_clock::now();
  ExpatTokenizer expat(false);
  ExpatTokenizer expat_ns(true);
  Libxml2Tokenizer libxml2;
  if (explain >= 0) {
    return Explain(static_cast<uint32_t>(explain), {{"expat", &expat}, {"expat-ns", &expat_ns}, {"libxml2", &libxml2}});
  }

  // Self-check: an ASCII letter must pass every placement on every
  // tokenizer and a digit must fail as a start, or the probes are wrong.
  for (Tokenizer* t : {static_cast<Tokenizer*>(&expat), static_cast<Tokenizer*>(&expat_ns),
                       static_cast<Tokenizer*>(&libxml2)}) {
    if (!Accepts(*t, kStartAll, "b") || !Accepts(*t, kNameAll, "b") ||
        !AcceptsAll(*t, kStartAll, kStartProbes, "b") || !AcceptsAll(*t, kNameAll, kNameProbes, "1") ||
        AcceptsAll(*t, kStartAll, kStartProbes, "1")) {
      std::fprintf(stderr, "gen_name_tables: probe self-check failed\n");
      return 1;
    }
  }

  std::vector<Range> start, name;
  uint64_t expat_start = 0, expat_name = 0, libxml2_start = 0, libxml2_name = 0;
  for (uint32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
    if (!IsXmlChar(cp)) continue;
    std::string x = Utf8(cp);
    bool expat_s = AcceptsAll(expat, kStartAll, kStartProbes, x) && AcceptsAll(expat_ns, kStartAll, kStartProbes, x);
    bool expat_n = AcceptsAll(expat, kNameAll, kNameProbes, x) && AcceptsAll(expat_ns, kNameAll, kNameProbes, x);
    bool libxml2_s = AcceptsAll(libxml2, kStartAll, kStartProbes, x);
    bool libxml2_n = AcceptsAll(libxml2, kNameAll, kNameProbes, x);
    expat_start += expat_s;
    expat_name += expat_n;
    libxml2_start += libxml2_s;
    libxml2_name += libxml2_n;
    if (expat_s && libxml2_s) Add(start, cp);
    if (expat_n && libxml2_n) Add(name, cp);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "gen_name_tables: cannot write %s\n", output.c_str());
    return 1;
  }
  out << "// Generated by " << command << " (targets/xml/tools/gen_name_tables.cc). Do not edit.\n"
      << "// Measured against " << XML_ExpatVersion() << " and libxml2 " << LIBXML_DOTTED_VERSION << ".\n"
      << "//\n"
      << "// Non-ASCII code points (U+0080..U+10FFFF, XML Chars only) that both\n"
      << "// backends accept in names, as sorted inclusive ranges. Expat follows the\n"
      << "// XML 1.0 fourth edition tables (Appendix B), libxml2 the fifth edition\n"
      << "// (section 2.3); these are the intersection, tested as element names,\n"
      << "// attribute names, prefixes and local names after a prefix.\n"
      << "//   kNameStartRanges: accepted as the first character of a name\n"
      << "//     (" << start.size() << " ranges, " << CountCodePoints(start) << " code points; Expat alone "
      << expat_start << ", libxml2 alone " << libxml2_start << ").\n"
      << "//   kNameRanges: accepted after the first character\n"
      << "//     (" << name.size() << " ranges, " << CountCodePoints(name) << " code points; Expat alone " << expat_name
      << ", libxml2 alone " << libxml2_name << ").\n\n";
  WriteTable(out, "kNameStartRanges", start);
  out << "\n";
  WriteTable(out, "kNameRanges", name);
  out.close();
  if (!out) {
    std::fprintf(stderr, "gen_name_tables: write to %s failed\n", output.c_str());
    return 1;
  }
  std::fprintf(stderr, "gen_name_tables: %zu start ranges, %zu name ranges, %.1f s\n", start.size(), name.size(),
               seconds);
  return 0;
}
