// xmppfuzz-adapter-gloox — the exec adapter (conformance/adapters/gloox/
// README.md) for gloox's stream parser: the public gloox::Parser with a
// TagHandler that does with each Tag what gloox::ClientBase::handleTag does,
// printing the events in the `xmppfuzz parse` line format (exec protocol 1).
//
//   xmppfuzz-adapter-gloox --persistent  `input SIDE N` requests on stdin
//   xmppfuzz-adapter-gloox --once        one input on stdin, XMPPFUZZ_SIDE
//   xmppfuzz-adapter-gloox --check       exit 0 (the library loaded)
// Normally started through ./run, which finds the binary in the build tree.
//
// Exit status: 0 at the end of the input(s); --once: 1 after an error line;
// 2 on a malformed request or bad usage (one line on stderr).
#include <gloox/gloox.h>
#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "targets/xml/xml.h"

namespace {

// The largest input and request line the adapter takes; xmppfuzz sends
// vectors (a few MiB at most), so anything larger is a framing error.
constexpr size_t kMaxInputBytes = size_t{256} << 20;
constexpr size_t kMaxHeaderLine = 4096;

// EscapeForLine escapes a peer's bytes for a `log` line: `\` as `\\`, bytes
// 0x00-0x1F and 0x7F as \xHH, every other byte as is (the exec protocol's
// `routed` escaping).
std::string EscapeForLine(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Unescape reverses gloox's util::escape (the five predefined entities are
// all Tag::xml() writes in text). False if |s| holds anything else after an
// ampersand.
bool Unescape(std::string_view s, std::string* out) {
  static const struct {
    std::string_view entity;
    char c;
  } kEntities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&apos;", '\''}, {"&quot;", '"'}};
  out->clear();
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      *out += s[i++];
      continue;
    }
    bool matched = false;
    for (const auto& e : kEntities) {
      if (s.substr(i, e.entity.size()) == e.entity) {
        *out += e.c;
        i += e.entity.size();
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

// Session is one stream: a fresh gloox::Parser (deleteRoot true, as
// ClientBase's member is built) and the events it gave, as lines.
class Session : public gloox::TagHandler {
 public:
  Session() : parser_(this) {}

  // Feed gives |bytes| to the parser as ClientBase::parse does (a copy fed
  // with Parser::feed) and appends the event lines to |out|. A parse error
  // is ClientBase's: it sends <stream:error><restricted-xml/> and
  // disconnects with ConnParseError.
  void Feed(const std::string& bytes, std::string* out) {
    out_ = out;
    std::string copy = bytes;
    const int position = parser_.feed(copy);
    if (position >= 0 && !disconnected_) {
      Line("error restricted-xml offset=" + std::to_string(position));
      disconnected_ = true;
    }
    out_ = nullptr;
  }

 private:
  // handleTag is ClientBase::handleTag's dispatch: a null Tag is the end of
  // the stream, {streams}stream a header (version checked by
  // checkStreamVersion), {streams}error a stream error (handled, then
  // disconnect), anything else a stanza or nonza.
  void handleTag(gloox::Tag* tag) override {
    if (disconnected_) {
      // ClientBase has disconnected, but Parser::feed still runs over the
      // rest of the bytes it was given; nothing of it is reported.
      if (tag != nullptr) Line("log after the disconnect: " + EscapeForLine(tag->xml()));
      return;
    }
    if (tag == nullptr) {
      Line("stream-close");
      disconnected_ = true;
      return;
    }
    if (tag->name() == "stream" && tag->xmlns() == gloox::XMLNS_STREAM) {
      content_ns_ = tag->xmlns(gloox::EmptyString);
      std::optional<xmppfuzz::xml::Element> header = Convert(*tag);
      if (!header) return;
      Line("stream-open " + xmppfuzz::xml::CanonicalHeader(*header, content_ns_));
      if (!CheckStreamVersion(tag->findAttribute("version"))) {
        Line("log ClientBase::checkStreamVersion refuses version '" +
             EscapeForLine(tag->findAttribute("version")) +
             "': disconnect(ConnStreamVersionError) sends </stream:stream> without a stream error");
        Line("error unsupported-version");
        disconnected_ = true;
      }
      return;
    }
    std::optional<xmppfuzz::xml::Element> stanza = Convert(*tag);
    if (!stanza) return;
    Line("stanza " + xmppfuzz::xml::Canonical(*stanza));
    if (tag->name() == "error" && tag->xmlns() == gloox::XMLNS_STREAM) {
      Line("log ClientBase::handleStreamError, then disconnect(ConnStreamError)");
      disconnected_ = true;
    }
  }

  // CheckStreamVersion is ClientBase::checkStreamVersion: an empty version
  // is refused; otherwise the major number (atoi of what precedes the first
  // dot, 0 without a dot or with the dot first) must not exceed gloox's 1.
  static bool CheckStreamVersion(const std::string& version) {
    if (version.empty()) return false;
    int major = 0;
    const size_t dot = version.find('.');
    if (dot != 0 && dot != std::string::npos) major = std::atoi(version.substr(0, dot).c_str());
    return major <= 1;
  }

  // Convert turns a gloox Tag into the project's tree, with namespaces as
  // gloox's users see them (Tag::xmlns(), Attribute::xmlns(); README): an
  // element whose gloox namespace is empty is in its parent's namespace (the
  // header's content namespace at the top), an attribute prefixed xml: is in
  // the XML namespace, and
  // xmlns / xmlns:* attributes are declarations, not attributes. Children
  // and text come in document order from one walk over Tag::xml() (the
  // Tag's text nodes are not public). nullopt, with a log line, if that
  // serialisation cannot be walked.
  std::optional<xmppfuzz::xml::Element> Convert(const gloox::Tag& tag) {
    const std::string xml = tag.xml();
    size_t pos = 0;
    xmppfuzz::xml::Element element;
    if (!ConvertAt(tag, content_ns_, xml, &pos, &element) || pos != xml.size()) {
      Line("log cannot walk gloox's serialisation: " + EscapeForLine(xml));
      return std::nullopt;
    }
    return element;
  }

  // ConvertAt fills |out| from |tag|, whose serialisation starts at |*pos|
  // in |xml|, and moves |*pos| past it. Tag::xmlns() gives a prefix's
  // namespace or a default namespace declared on the Tag itself, never an
  // inherited default one: an empty answer means |parent_ns| (the header's
  // content namespace for a top-level Tag). False if |xml| does not have the
  // shape Tag::xml() writes.
  bool ConvertAt(const gloox::Tag& tag, const std::string& parent_ns, const std::string& xml, size_t* pos,
                 xmppfuzz::xml::Element* out) {
    out->ns = tag.xmlns();
    if (out->ns.empty()) out->ns = parent_ns;
    out->name = tag.name();
    for (const gloox::Tag::Attribute* a : tag.attributes()) {
      const std::string& prefix = a->prefix();
      if (prefix == "xmlns" || (prefix.empty() && (a->name() == "xmlns" || a->name().starts_with("xmlns:"))))
        continue;
      xmppfuzz::xml::Attribute attr;
      attr.name = a->name();
      attr.value = a->value();
      if (prefix == "xml")
        attr.ns = xmppfuzz::xml::kXmlNs;
      else if (!prefix.empty())
        attr.ns = a->xmlns();
      out->attributes.push_back(std::move(attr));
    }
    // The start tag: values are escaped, so its first '>' ends it.
    const size_t gt = xml.find('>', *pos);
    if (xml.compare(*pos, 1, "<") != 0 || gt == std::string::npos) return false;
    *pos = gt + 1;
    if (xml[gt - 1] == '/') return tag.children().empty();
    auto child = tag.children().begin();
    std::string text;
    while (true) {
      const size_t lt = xml.find('<', *pos);
      if (lt == std::string::npos) return false;
      if (lt > *pos) {
        if (!Unescape(std::string_view(xml).substr(*pos, lt - *pos), &text)) return false;
        AppendText(out, text);
      }
      *pos = lt;
      if (xml.compare(lt, 2, "</") == 0) break;
      if (child == tag.children().end()) return false;
      xmppfuzz::xml::Node node;
      if (!ConvertAt(**child, out->ns, xml, pos, &node.element)) return false;
      out->children.push_back(std::move(node));
      ++child;
    }
    const size_t end = xml.find('>', *pos);
    if (end == std::string::npos || child != tag.children().end()) return false;
    *pos = end + 1;
    return true;
  }

  static void AppendText(xmppfuzz::xml::Element* e, const std::string& text) {
    if (text.empty()) return;
    if (!e->children.empty() && e->children.back().is_text) {
      e->children.back().text += text;
      return;
    }
    xmppfuzz::xml::Node node;
    node.is_text = true;
    node.text = text;
    e->children.push_back(std::move(node));
  }

  void Line(const std::string& line) {
    *out_ += line;
    *out_ += '\n';
  }

  gloox::Parser parser_;
  std::string* out_ = nullptr;
  std::string content_ns_;
  bool disconnected_ = false;
};

// Run parses |bytes| as one new stream and returns the answer lines.
// |side| "server" (c2s bytes) goes through the same parser: gloox has no
// server, and its Parser does not depend on the direction.
std::string Run(std::string_view side, const std::string& bytes) {
  std::string out;
  if (side == "server")
    out += "log gloox has no server side; the c2s bytes go through the same gloox::Parser\n";
  Session session;
  session.Feed(bytes, &out);
  return out;
}

bool WriteAll(const std::string& s) {
  return std::fwrite(s.data(), 1, s.size(), stdout) == s.size() && std::fflush(stdout) == 0;
}

// ReadLine reads one LF-terminated line (without the LF) of at most
// kMaxHeaderLine bytes. nullopt at EOF before any byte; |*bad| set for an
// overlong or unterminated line.
std::optional<std::string> ReadLine(bool* bad) {
  std::string line;
  int c;
  while ((c = std::fgetc(stdin)) != EOF) {
    if (c == '\n') return line;
    if (line.size() == kMaxHeaderLine) {
      *bad = true;
      return std::nullopt;
    }
    line += static_cast<char>(c);
  }
  if (!line.empty()) *bad = true;
  return std::nullopt;
}

// ParseRequest reads `input SIDE N [more fields]` into |side| and |n|.
bool ParseRequest(const std::string& line, std::string* side, size_t* n) {
  size_t a = line.find(' ');
  if (a == std::string::npos || line.compare(0, a, "input") != 0) return false;
  size_t b = line.find(' ', a + 1);
  if (b == std::string::npos) return false;
  *side = line.substr(a + 1, b - a - 1);
  if (*side != "server" && *side != "client") return false;
  size_t c = line.find(' ', b + 1);
  const std::string digits = line.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1);
  if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *n = std::stoull(digits);
  return *n <= kMaxInputBytes;
}

int Persistent() {
  // gloox::GLOOX_VERSION is the version of the library loaded at run time.
  if (!WriteAll("xmppfuzz-exec 1 gloox-" + gloox::GLOOX_VERSION + ".Parser\n")) return 2;
  while (true) {
    bool bad = false;
    std::optional<std::string> line = ReadLine(&bad);
    if (!line) {
      if (!bad) return 0;
      std::fprintf(stderr, "xmppfuzz-adapter-gloox: unterminated or overlong request line\n");
      return 2;
    }
    std::string side;
    size_t n = 0;
    if (!ParseRequest(*line, &side, &n)) {
      std::fprintf(stderr, "xmppfuzz-adapter-gloox: bad request line: %s\n", EscapeForLine(*line).c_str());
      return 2;
    }
    std::string bytes(n, '\0');
    if (n > 0 && std::fread(bytes.data(), 1, n, stdin) != n) {
      std::fprintf(stderr, "xmppfuzz-adapter-gloox: EOF inside an input of %zu bytes\n", n);
      return 2;
    }
    if (!WriteAll(Run(side, bytes) + "done\n")) return 2;
  }
}

// Once answers one input, all of stdin, on the side XMPPFUZZ_SIDE names.
// Returns 1 when the answer ends with an error line, 0 otherwise, 2 for a
// missing or invalid XMPPFUZZ_SIDE, an oversized input or a failed write.
int Once() {
  const char* env = std::getenv("XMPPFUZZ_SIDE");
  const std::string side = env != nullptr ? env : "";
  if (side != "server" && side != "client") {
    std::fprintf(stderr, "xmppfuzz-adapter-gloox: --once: XMPPFUZZ_SIDE must be server or client\n");
    return 2;
  }
  std::string bytes;
  char buf[65536];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    if (bytes.size() + got > kMaxInputBytes) {
      std::fprintf(stderr, "xmppfuzz-adapter-gloox: input over %zu bytes\n", kMaxInputBytes);
      return 2;
    }
    bytes.append(buf, got);
  }
  const std::string answer = Run(side, bytes);
  if (!WriteAll(answer)) return 2;
  return answer.starts_with("error ") || answer.find("\nerror ") != std::string::npos ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--persistent") == 0) return Persistent();
  if (argc == 2 && std::strcmp(argv[1], "--once") == 0) return Once();
  if (argc == 2 && std::strcmp(argv[1], "--check") == 0) return 0;
  std::fprintf(stderr, "usage: run --persistent | --once | --check\n");
  return 2;
}
