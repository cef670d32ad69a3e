// inproc:expat-default and inproc:libxml2-default (declared in inproc.h):
// the XML vectors through the real parsers as applications configure them,
// without the reference's guard, to report what a maintainer who uses the
// parser as-is is exposed to (issue 15, "Real parsers with their default
// settings").
#include <expat.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "conformance/runner/inproc.h"
#include "targets/base/base.h"

namespace xmppfuzz::conform {
namespace {

using Kind = Outcome::Kind;

// Expat's namespace separator: U+001F (libstrophe's choice) cannot occur in
// a namespace name of well-formed XML, so names split without ambiguity.
constexpr char kSeparator = '\x1F';

// The runner stops recording (and the parser) past these bounds: the parser
// had not refused by then, so the vector counts as what it showed so far.
constexpr size_t kMaxDepth = 1024;
constexpr size_t kMaxRecordedBytes = 8u << 20;
constexpr size_t kMaxNotes = 16;

bool Predefined(std::string_view name) {
  return name == "lt" || name == "gt" || name == "amp" || name == "apos" || name == "quot";
}

// Recorder turns a parser's element and text callbacks into the reference's
// canonical events: the root start tag is stream-open, each child of the
// root a stanza, the root's end stream-close. Text directly under the root
// is ignored, as XMPP applications ignore it.
class Recorder {
 public:
  // Start returns false when a bound is reached (the caller stops the parser).
  bool Start(xml::Element e, const std::string& content_ns) {
    if (!Count(e)) return false;
    if (depth_ == 0) {
      events.push_back("stream-open " + xml::CanonicalHeader(e, content_ns));
    } else {
      if (open_.size() >= kMaxDepth) {
        stopped = "the runner stopped at nesting depth " + std::to_string(kMaxDepth) + " (the parser had not refused)";
        return false;
      }
      open_.push_back(std::move(e));
    }
    ++depth_;
    return true;
  }

  void End() {
    if (depth_ == 0) return;
    --depth_;
    if (depth_ == 0) {
      events.push_back("stream-close");
      return;
    }
    xml::Element done = std::move(open_.back());
    open_.pop_back();
    if (open_.empty()) {
      events.push_back("stanza " + xml::Canonical(done));
    } else {
      xml::Node n;
      n.element = std::move(done);
      open_.back().children.push_back(std::move(n));
    }
  }

  bool Text(std::string_view s) {
    if (open_.empty()) return true;
    bytes_ += s.size();
    if (bytes_ > kMaxRecordedBytes) {
      stopped = "the runner stopped after " + std::to_string(kMaxRecordedBytes >> 20) +
                " MiB of text and attributes (the parser had not refused)";
      return false;
    }
    auto& children = open_.back().children;
    if (!children.empty() && children.back().is_text) {
      children.back().text.append(s);
    } else {
      xml::Node n;
      n.is_text = true;
      n.text.assign(s);
      children.push_back(std::move(n));
    }
    return true;
  }

  std::vector<std::string> events;
  std::string stopped;  // why recording stopped, or ""

 private:
  bool Count(const xml::Element& e) {
    bytes_ += e.name.size() + e.ns.size();
    for (const xml::Attribute& a : e.attributes) bytes_ += a.ns.size() + a.name.size() + a.value.size();
    if (bytes_ > kMaxRecordedBytes) {
      stopped = "the runner stopped after " + std::to_string(kMaxRecordedBytes >> 20) +
                " MiB of text and attributes (the parser had not refused)";
      return false;
    }
    return true;
  }

  size_t depth_ = 0;
  size_t bytes_ = 0;
  std::vector<xml::Element> open_;  // the open elements of the current stanza
};

// Run is what one parse saw, whichever parser ran it.
struct Run {
  std::string_view bytes;  // prelude + input, as fed
  int64_t base = 0;        // the prelude's size: positions in notes are relative to the input
  Recorder recorder;
  std::string content_ns;  // the default namespace declared on the root
  bool root_seen = false;
  std::vector<std::string> expanded;  // what was expanded or asked for
  std::vector<std::string> dropped;   // what was skipped
  std::vector<std::string> notes;     // non-fatal errors, declarations
  bool stop = false;                  // the runner asked the parser to stop
  // The parser's fatal error.
  bool error = false;
  xml::Condition condition = xml::Condition::kNone;
  int64_t error_offset = 0;
  std::string error_text;

  void Note(std::vector<std::string>* list, std::string s) {
    for (const std::string& seen : *list) {
      if (seen == s) return;
    }
    if (list->size() < kMaxNotes) list->push_back(std::move(s));
    else if (list->size() == kMaxNotes) list->push_back("...");
  }
};

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : "; ") + i;
  return s;
}

// Finish turns a run into the observation, relative to the vector's input.
Observation Finish(Run& run, const Vector& v, size_t prelude_size, std::string_view parser) {
  Observation obs;
  std::vector<std::string>& events = run.recorder.events;
  size_t first = 0;
  if (v.profile != Profile::kRaw) {
    if (events.empty() || events[0].rfind("stream-open ", 0) != 0) {
      if (!run.error || run.error_offset >= static_cast<int64_t>(prelude_size)) {
        obs.broken = std::string(parser) + " did not report the standard stream header";
      }
    } else {
      first = 1;
    }
  }
  for (size_t i = first; i < events.size(); ++i) obs.events.push_back(events[i]);
  std::string detail;
  if (run.error) {
    obs.outcome.kind = Kind::kRefused;
    obs.outcome.condition = run.condition;
    obs.outcome.offset = run.error_offset - static_cast<int64_t>(prelude_size);
    detail = std::string(parser) + " error at byte " + std::to_string(*obs.outcome.offset) + ": " + run.error_text;
  } else if (!run.expanded.empty()) {
    obs.outcome.kind = Kind::kExpanded;
    detail = std::string(parser) + " expanded: " + Join(run.expanded);
  } else if (!run.dropped.empty()) {
    obs.outcome.kind = Kind::kDropped;
    detail = std::string(parser) + " skipped and went on: " + Join(run.dropped);
  } else {
    obs.outcome.kind = Kind::kAccepted;
    detail = std::string(parser) + " parsed it without an error";
  }
  // What else happened, after the line that classifies.
  if (run.error && !run.expanded.empty()) detail += "\nexpanded before the error: " + Join(run.expanded);
  if ((run.error || !run.expanded.empty()) && !run.dropped.empty()) detail += "\nskipped: " + Join(run.dropped);
  if (!run.notes.empty()) detail += "\nnotes: " + Join(run.notes);
  if (!run.recorder.stopped.empty()) detail += "\n" + run.recorder.stopped;
  obs.detail = std::move(detail);
  return obs;
}

// --- Expat -------------------------------------------------------------------

xml::Condition ExpatCondition(XML_Error e) {
  switch (e) {
    case XML_ERROR_NO_MEMORY:
    case XML_ERROR_AMPLIFICATION_LIMIT_BREACH: return xml::Condition::kResourceConstraint;
    case XML_ERROR_UNKNOWN_ENCODING:
    case XML_ERROR_INCORRECT_ENCODING: return xml::Condition::kUnsupportedEncoding;
    case XML_ERROR_UNBOUND_PREFIX:
    case XML_ERROR_UNDECLARING_PREFIX:
    case XML_ERROR_RESERVED_PREFIX_XML:
    case XML_ERROR_RESERVED_PREFIX_XMLNS:
    case XML_ERROR_RESERVED_NAMESPACE_URI: return xml::Condition::kBadNamespacePrefix;
    default: return xml::Condition::kNotWellFormed;
  }
}

struct ExpatRun : Run {
  XML_Parser parser = nullptr;
  std::set<std::string> general;  // declared general entities

  void Stop() {
    stop = true;
    XML_StopParser(parser, XML_FALSE);
  }
  // EventBytes is the document bytes of the current event ("" inside an
  // entity's replacement text, where Expat reports the reference).
  std::string_view EventBytes() {
    XML_Index at = XML_GetCurrentByteIndex(parser);
    int n = XML_GetCurrentByteCount(parser);
    if (at < 0 || n <= 0 || static_cast<size_t>(at) + static_cast<size_t>(n) > bytes.size()) return {};
    return bytes.substr(static_cast<size_t>(at), static_cast<size_t>(n));
  }
  std::string At() { return " at " + std::to_string(XML_GetCurrentByteIndex(parser) - base); }
  // References records the general entity references in |raw| (a start tag
  // or a reference token): Expat expands those it has a declaration for.
  void References(std::string_view raw) {
    for (size_t i = raw.find('&'); i != std::string_view::npos; i = raw.find('&', i + 1)) {
      size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos || i + 1 >= raw.size() || raw[i + 1] == '#') continue;
      std::string name(raw.substr(i + 1, semi - i - 1));
      if (Predefined(name)) continue;
      if (general.count(name) != 0) Note(&expanded, "entity &" + name + ";" + At());
    }
  }
};

xml::Element ExpatElement(const XML_Char* name, const XML_Char** atts) {
  xml::Element e;
  auto split = [](std::string_view full, std::string* ns, std::string* local) {
    size_t sep = full.rfind(kSeparator);
    if (sep == std::string_view::npos) {
      local->assign(full);
    } else {
      ns->assign(full.substr(0, sep));
      local->assign(full.substr(sep + 1));
    }
  };
  split(name, &e.ns, &e.name);
  for (size_t i = 0; atts[i] != nullptr; i += 2) {
    xml::Attribute a;
    split(atts[i], &a.ns, &a.name);
    a.value = atts[i + 1];
    e.attributes.push_back(std::move(a));
  }
  return e;
}

void XMLCALL ExpatStart(void* data, const XML_Char* name, const XML_Char** atts) {
  auto* run = static_cast<ExpatRun*>(data);
  // The event is the start tag (references in attribute values) or, for an
  // element of an entity's replacement text, the reference itself.
  run->References(run->EventBytes());
  xml::Element e = ExpatElement(name, atts);
  // Attributes past the specified ones are defaults from an ATTLIST.
  size_t specified = static_cast<size_t>(XML_GetSpecifiedAttributeCount(run->parser)) / 2;
  for (size_t i = specified; i < e.attributes.size(); ++i) {
    run->Note(&run->expanded, "attribute '" + e.attributes[i].name + "' of <" + e.name + "> defaulted by the DTD to '" +
                                  e.attributes[i].value + "'" + run->At());
  }
  if (!run->recorder.Start(std::move(e), run->content_ns)) run->Stop();
  run->root_seen = true;
}

void XMLCALL ExpatEnd(void* data, const XML_Char*) { static_cast<ExpatRun*>(data)->recorder.End(); }

void XMLCALL ExpatText(void* data, const XML_Char* s, int len) {
  auto* run = static_cast<ExpatRun*>(data);
  std::string_view raw = run->EventBytes();
  if (!raw.empty() && raw[0] == '&') run->References(raw);
  if (!run->recorder.Text(std::string_view(s, static_cast<size_t>(len)))) run->Stop();
}

void XMLCALL ExpatNamespace(void* data, const XML_Char* prefix, const XML_Char* uri) {
  auto* run = static_cast<ExpatRun*>(data);
  if (!run->root_seen && prefix == nullptr) run->content_ns = uri == nullptr ? "" : uri;
}

void XMLCALL ExpatComment(void* data, const XML_Char*) {
  auto* run = static_cast<ExpatRun*>(data);
  run->Note(&run->dropped, "comment" + run->At());
}

void XMLCALL ExpatPi(void* data, const XML_Char* target, const XML_Char*) {
  auto* run = static_cast<ExpatRun*>(data);
  run->Note(&run->dropped, "processing instruction '" + std::string(target) + "'" + run->At());
}

void XMLCALL ExpatDoctype(void* data, const XML_Char* name, const XML_Char* sysid, const XML_Char*, int) {
  auto* run = static_cast<ExpatRun*>(data);
  std::string s = "DOCTYPE " + std::string(name);
  if (sysid != nullptr) s += " SYSTEM '" + std::string(sysid) + "'";
  run->Note(&run->dropped, s + run->At());
}

void XMLCALL ExpatEntityDecl(void* data, const XML_Char* name, int is_parameter, const XML_Char* value, int,
                             const XML_Char*, const XML_Char* sysid, const XML_Char*, const XML_Char*) {
  auto* run = static_cast<ExpatRun*>(data);
  if (is_parameter == 0) run->general.insert(name);
  std::string what = std::string(is_parameter != 0 ? "parameter" : "general") + " entity '" + name + "' declared";
  if (value == nullptr && sysid != nullptr) what += " SYSTEM '" + std::string(sysid) + "'";
  run->Note(&run->notes, what);
}

// Expat asks the application for an external entity; without a handler it
// skips the reference, which is what returning "done" without parsing does.
int XMLCALL ExpatExternal(XML_Parser p, const XML_Char*, const XML_Char*, const XML_Char* sysid, const XML_Char*) {
  auto* run = static_cast<ExpatRun*>(XML_GetUserData(p));
  run->Note(&run->dropped, "external entity SYSTEM '" + std::string(sysid == nullptr ? "" : sysid) +
                               "' (Expat loads nothing by itself)" + run->At());
  return XML_STATUS_OK;
}

void XMLCALL ExpatSkipped(void* data, const XML_Char* name, int is_parameter) {
  auto* run = static_cast<ExpatRun*>(data);
  run->Note(&run->dropped, std::string(is_parameter != 0 ? "parameter " : "") + "entity reference '" + name +
                               "' skipped" + run->At());
}

Observation RunExpat(const Vector& v) {
  std::string prelude = Prelude(v.profile, v.side);
  std::string bytes = prelude + v.input;
  ExpatRun run;
  run.bytes = bytes;
  run.base = static_cast<int64_t>(prelude.size());
  run.parser = XML_ParserCreateNS(nullptr, kSeparator);
  Observation obs;
  if (run.parser == nullptr) {
    obs.broken = "XML_ParserCreateNS failed";
    return obs;
  }
  XML_SetUserData(run.parser, &run);
  XML_SetElementHandler(run.parser, ExpatStart, ExpatEnd);
  XML_SetCharacterDataHandler(run.parser, ExpatText);
  XML_SetStartNamespaceDeclHandler(run.parser, ExpatNamespace);
  // Recording only: none of these changes what Expat parses or expands.
  XML_SetCommentHandler(run.parser, ExpatComment);
  XML_SetProcessingInstructionHandler(run.parser, ExpatPi);
  XML_SetStartDoctypeDeclHandler(run.parser, ExpatDoctype);
  XML_SetEntityDeclHandler(run.parser, ExpatEntityDecl);
  XML_SetExternalEntityRefHandler(run.parser, ExpatExternal);
  XML_SetSkippedEntityHandler(run.parser, ExpatSkipped);
  // A stream never ends: isFinal stays false, as in a server's read loop.
  XML_Status st = XML_Parse(run.parser, bytes.data(), static_cast<int>(bytes.size()), XML_FALSE);
  if (st == XML_STATUS_ERROR && !run.stop) {
    XML_Error code = XML_GetErrorCode(run.parser);
    run.error = true;
    run.condition = ExpatCondition(code);
    run.error_offset = XML_GetCurrentByteIndex(run.parser);
    run.error_text = std::string(XML_ErrorString(code)) + " (XML_Error " + std::to_string(static_cast<int>(code)) + ")";
  }
  XML_ParserFree(run.parser);
  const XML_Expat_Version ver = XML_ExpatVersionInfo();
  return Finish(run, v, prelude.size(),
                "Expat " + std::to_string(ver.major) + "." + std::to_string(ver.minor) + "." + std::to_string(ver.micro));
}

// --- libxml2 -----------------------------------------------------------------

// Libxml2Condition maps an xmlParserErrors code (and, for the catch-all
// XML_ERR_INTERNAL_ERROR, its message) to a stream error condition.
xml::Condition Libxml2Condition(int code, std::string_view message = {}) {
  switch (code) {
    case XML_ERR_INTERNAL_ERROR:
      // Also "detected an error in element content": only limits are resources.
      for (std::string_view limit : {"Excessive depth", "Huge input lookup", "huge", "limit"}) {
        if (message.find(limit) != std::string_view::npos) return xml::Condition::kResourceConstraint;
      }
      return xml::Condition::kNotWellFormed;
    case XML_ERR_NO_MEMORY:
    case XML_ERR_ENTITY_LOOP:
    case XML_ERR_NAME_TOO_LONG: return xml::Condition::kResourceConstraint;
    case XML_ERR_UNKNOWN_ENCODING:
    case XML_ERR_UNSUPPORTED_ENCODING: return xml::Condition::kUnsupportedEncoding;
    default:
      if (code >= XML_NS_ERR_XML_NAMESPACE && code <= XML_NS_ERR_COLON) return xml::Condition::kBadNamespacePrefix;
      return xml::Condition::kNotWellFormed;
  }
}

struct Libxml2Run : Run {
  xmlParserCtxtPtr ctxt = nullptr;
  int64_t Offset() const {
    if (ctxt == nullptr || ctxt->input == nullptr || ctxt->inputNr != 1) return -1;
    return static_cast<int64_t>(ctxt->input->consumed) + (ctxt->input->cur - ctxt->input->base);
  }
  std::string At() const { return Offset() < 0 ? " inside an entity" : " at " + std::to_string(Offset() - base); }
  void Stop() {
    stop = true;
    xmlStopParser(ctxt);
  }
};

// The runner's own thread of the single-threaded target: the external
// entity loader is process-wide, so it finds its run through this.
thread_local Libxml2Run* current_libxml2_run = nullptr;

std::string Str(const xmlChar* s) { return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s)); }

void Libxml2Start(void* data, const xmlChar* local, const xmlChar*, const xmlChar* uri, int nb_namespaces,
                  const xmlChar** namespaces, int nb_attributes, int nb_defaulted, const xmlChar** attributes) {
  auto* run = static_cast<Libxml2Run*>(data);
  xml::Element e;
  e.ns = Str(uri);
  e.name = Str(local);
  if (!run->root_seen) {
    for (int i = 0; i < nb_namespaces; ++i) {
      if (namespaces[2 * i] == nullptr) run->content_ns = Str(namespaces[2 * i + 1]);
    }
  }
  for (int i = 0; i < nb_attributes; ++i) {
    const xmlChar** a = attributes + 5 * i;
    xml::Attribute attr;
    attr.name = Str(a[0]);
    attr.ns = Str(a[2]);
    attr.value.assign(reinterpret_cast<const char*>(a[3]), static_cast<size_t>(a[4] - a[3]));
    // Without entity substitution libxml2 hands '&' over as "&#38;", which
    // applications decode (XMPPFramework runs xmlStringLenDecodeEntities).
    for (size_t at = attr.value.find("&#38;"); at != std::string::npos; at = attr.value.find("&#38;", at + 1)) {
      attr.value.replace(at, 5, "&");
    }
    // The last |nb_defaulted| are defaults from an ATTLIST.
    if (i >= nb_attributes - nb_defaulted) {
      run->Note(&run->expanded, "attribute '" + attr.name + "' of <" + e.name + "> defaulted by the DTD to '" +
                                    attr.value + "'" + run->At());
    }
    e.attributes.push_back(std::move(attr));
  }
  if (!run->recorder.Start(std::move(e), run->content_ns)) run->Stop();
  run->root_seen = true;
}

void Libxml2End(void* data, const xmlChar*, const xmlChar*, const xmlChar*) {
  static_cast<Libxml2Run*>(data)->recorder.End();
}

void Libxml2Text(void* data, const xmlChar* s, int len) {
  auto* run = static_cast<Libxml2Run*>(data);
  if (!run->recorder.Text(std::string_view(reinterpret_cast<const char*>(s), static_cast<size_t>(len)))) run->Stop();
}

void Libxml2Comment(void* data, const xmlChar*) {
  auto* run = static_cast<Libxml2Run*>(data);
  run->Note(&run->dropped, "comment" + run->At());
}

void Libxml2Pi(void* data, const xmlChar* target, const xmlChar*) {
  auto* run = static_cast<Libxml2Run*>(data);
  run->Note(&run->dropped, "processing instruction '" + Str(target) + "'" + run->At());
}

void Libxml2Doctype(void* data, const xmlChar* name, const xmlChar*, const xmlChar* sysid) {
  auto* run = static_cast<Libxml2Run*>(data);
  std::string s = "DOCTYPE " + Str(name);
  if (sysid != nullptr) s += " SYSTEM '" + Str(sysid) + "'";
  run->Note(&run->dropped, s + run->At());
}

void Libxml2EntityDecl(void* data, const xmlChar* name, int type, const xmlChar*, const xmlChar* sysid, xmlChar*) {
  auto* run = static_cast<Libxml2Run*>(data);
  bool parameter = type == XML_INTERNAL_PARAMETER_ENTITY || type == XML_EXTERNAL_PARAMETER_ENTITY;
  std::string what = std::string(parameter ? "parameter" : "general") + " entity '" + Str(name) + "' declared";
  if (sysid != nullptr) what += " SYSTEM '" + Str(sysid) + "'";
  run->Note(&run->notes, what);
}

// libxml2 calls this after it has delivered an entity's replacement text
// through the other callbacks (SAX mode without substitution).
void Libxml2Reference(void* data, const xmlChar* name) {
  auto* run = static_cast<Libxml2Run*>(data);
  run->Note(&run->expanded, "entity &" + Str(name) + ";" + run->At());
}

void Libxml2Error(void* data, xmlErrorPtr e) {
  auto* run = static_cast<Libxml2Run*>(data);
  // Only errors of the run in progress, whatever context libxml2 passes.
  if (e == nullptr || run == nullptr || run != current_libxml2_run) return;
  std::string message = e->message == nullptr ? "" : e->message;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string text = message + " (xmlParserErrors " + std::to_string(e->code) + ")";
  if (e->level == XML_ERR_FATAL && !run->error && e->code != XML_ERR_USER_STOP) {
    run->error = true;
    run->condition = Libxml2Condition(e->code, message);
    run->error_offset = run->Offset();
    run->error_text = text;
  } else if (e->code != XML_ERR_USER_STOP) {
    run->Note(&run->notes, (e->level == XML_ERR_WARNING ? "warning: " : "error: ") + text + run->At());
  }
}

// Errors libxml2 reports without a parser context (the encoding layer's
// "input conversion failed") go to the generic handler, by default stderr:
// this one notes them in the run instead.
void Libxml2Generic(void*, const char* format, ...) {
  if (current_libxml2_run == nullptr) return;
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  std::string text = buf;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (!text.empty()) current_libxml2_run->Note(&current_libxml2_run->notes, "libxml2 said: " + text);
}

// Records the request and loads nothing.
xmlParserInputPtr Libxml2Loader(const char* url, const char*, xmlParserCtxtPtr) {
  if (current_libxml2_run != nullptr) {
    current_libxml2_run->Note(&current_libxml2_run->expanded,
                              "external entity load attempted: '" + std::string(url == nullptr ? "" : url) +
                                  "' (the runner loaded nothing)");
  }
  return nullptr;
}

Observation RunLibxml2(const Vector& v) {
  std::string prelude = Prelude(v.profile, v.side);
  std::string bytes = prelude + v.input;
  Libxml2Run run;
  run.bytes = bytes;
  run.base = static_cast<int64_t>(prelude.size());
  xmlSAXHandler handler;
  std::memset(&handler, 0, sizeof handler);
  handler.initialized = XML_SAX2_MAGIC;
  handler.startElementNs = Libxml2Start;
  handler.endElementNs = Libxml2End;
  handler.characters = Libxml2Text;
  // Recording only (see inproc.h).
  handler.comment = Libxml2Comment;
  handler.processingInstruction = Libxml2Pi;
  handler.internalSubset = Libxml2Doctype;
  handler.entityDecl = Libxml2EntityDecl;
  handler.reference = Libxml2Reference;
  handler.serror = Libxml2Error;
  Observation obs;
  run.ctxt = xmlCreatePushParserCtxt(&handler, &run, nullptr, 0, nullptr);
  if (run.ctxt == nullptr) {
    obs.broken = "xmlCreatePushParserCtxt failed";
    return obs;
  }
  xmlExternalEntityLoader previous = xmlGetExternalEntityLoader();
  xmlSetExternalEntityLoader(Libxml2Loader);
  void* previous_context = xmlGenericErrorContext;
  xmlGenericErrorFunc previous_generic = xmlGenericError;
  xmlSetGenericErrorFunc(nullptr, Libxml2Generic);
  current_libxml2_run = &run;
  // terminate 0: a stream never ends.
  int rc = xmlParseChunk(run.ctxt, bytes.data(), static_cast<int>(bytes.size()), 0);
  current_libxml2_run = nullptr;
  // The push parser leaves a construct it cannot finish without seeing
  // what follows (text up to the next '<', a start tag up to '>') in its
  // buffer: what an application sees then is neither an error nor an event.
  if (rc == 0 && !run.stop && run.ctxt->input != nullptr && run.ctxt->input->end > run.ctxt->input->cur) {
    run.Note(&run.notes, "libxml2 holds the last " + std::to_string(run.ctxt->input->end - run.ctxt->input->cur) +
                             " bytes unparsed, waiting for more input");
  }
  xmlSetGenericErrorFunc(previous_context, previous_generic);
  xmlSetExternalEntityLoader(previous);
  if (rc != 0 && !run.error && !run.stop) {
    run.error = true;
    run.condition = Libxml2Condition(rc);
    run.error_offset = run.Offset();
    run.error_text = "xmlParseChunk returned " + std::to_string(rc);
  }
  if (run.ctxt->myDoc != nullptr) xmlFreeDoc(run.ctxt->myDoc);  // the "SAX compatibility" document of entity declarations
  run.ctxt->myDoc = nullptr;
  xmlFreeParserCtxt(run.ctxt);
  return Finish(run, v, prelude.size(), "libxml2 " LIBXML_DOTTED_VERSION);
}

class DefaultParserTarget final : public Target {
 public:
  explicit DefaultParserTarget(bool expat) : expat_(expat) {}
  std::string Name() const override { return expat_ ? "inproc:expat-default" : "inproc:libxml2-default"; }
  bool Live() const override { return false; }
  std::string NotApplicable(const Vector& v) const override {
    if (v.kind == VectorKind::kXml) return {};
    return Name() + " runs the XML vectors only, not kind " + std::string(VectorKindName(v.kind));
  }
  // One at a time: the libxml2 entity loader is process-wide.
  int Jobs() const override { return 1; }
  Observation Run(const Vector& v) override { return expat_ ? RunExpat(v) : RunLibxml2(v); }

 private:
  bool expat_;
};

}  // namespace

std::unique_ptr<Target> MakeDefaultParserTarget(std::string_view name) {
  if (name == "expat-default") return std::make_unique<DefaultParserTarget>(true);
  if (name == "libxml2-default") return std::make_unique<DefaultParserTarget>(false);
  return nullptr;
}

}  // namespace xmppfuzz::conform
