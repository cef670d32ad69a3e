#include "bench/stream_gen.h"

#include <array>
#include <vector>

namespace xmppfuzz::bench {
namespace {

constexpr std::string_view kDeclaration = "<?xml version='1.0'?>";
constexpr std::string_view kStreamAttributes =
    "to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "version='1.0' xml:lang='en'";
constexpr std::string_view kTrailer = "</stream:stream>";

// Rng is splitmix64: small, fast and the same on every platform (the
// standard distributions are not specified bit for bit).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  size_t Between(size_t lo, size_t hi) { return lo + Below(hi - lo + 1); }
  bool Percent(size_t p) { return Below(100) < p; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[Below(N)];
  }

 private:
  uint64_t state_;
};

constexpr std::array<std::string_view, 10> kUsers = {"juliet", "romeo",  "nurse",    "benvolio", "mercutio",
                                                      "tybalt", "paris", "laurence", "capulet",  "montague"};
constexpr std::array<std::string_view, 3> kDomains = {"example.com", "example.net", "shakespeare.lit"};
constexpr std::array<std::string_view, 4> kResources = {"balcony", "orchard", "chamber", "phone-4f2a"};
constexpr std::array<std::string_view, 16> kWords = {
    "wherefore", "art",   "thou",  "the",   "light", "through", "yonder", "window",
    "breaks",    "sweet", "rose",  "name",  "would", "smell",   "as",     "parting"};
// Pieces that are one character each once parsed: entity and character
// references and non-ASCII UTF-8 of every length.
constexpr std::array<std::string_view, 16> kSpecials = {
    "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#169;", "&#x1F600;", "\xC3\xA9",
    "\xC3\xBC", "\xC3\x9F", "\xD0\x96", "\xD0\xBF", "\xE2\x86\x92", "\xE6\x97\xA5", "\xE8\xAA\x9E", "\xF0\x9F\x98\x80"};
constexpr std::array<std::string_view, 5> kPunctuation = {", ", ". ", "? ", "!\n", " - "};

// Writer appends markup and keeps the reference counts.
class Writer {
 public:
  explicit Writer(GeneratedStream* out) : out_(out) {}

  void Raw(std::string_view s) { out_->bytes += s; }

  // Start writes <name attrs>; |attrs| is pre-rendered ("a='1' b='2'").
  void Start(std::string_view name, std::string_view attrs = {}) {
    OpenTag(name, attrs);
    out_->bytes += '>';
    names_.emplace_back(name);
  }
  void Empty(std::string_view name, std::string_view attrs = {}) {
    OpenTag(name, attrs);
    out_->bytes += "/>";
  }
  void End() {
    ++out_->tags;
    out_->bytes += "</";
    out_->bytes += names_.back();
    out_->bytes += '>';
    names_.pop_back();
  }
  // Leaf writes <name attrs>text</name>; |text| is already escaped.
  void Leaf(std::string_view name, std::string_view attrs, std::string_view text) {
    Start(name, attrs);
    out_->bytes += text;
    End();
  }
  size_t size() const { return out_->bytes.size(); }

 private:
  void OpenTag(std::string_view name, std::string_view attrs) {
    if (names_.size() == 1) ++out_->stanzas;
    ++out_->elements;
    ++out_->tags;
    out_->bytes += '<';
    out_->bytes += name;
    if (!attrs.empty()) {
      out_->bytes += ' ';
      out_->bytes += attrs;
    }
  }

  GeneratedStream* out_;
  std::vector<std::string> names_;
};

void Attr(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += name;
  out += "='";
  out += value;
  out += '\'';
}

std::string Hex(Rng& rng, size_t digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < digits; ++i) s += kDigits[rng.Below(16)];
  return s;
}

std::string Jid(Rng& rng, bool with_resource) {
  std::string s(rng.Pick(kUsers));
  s += '@';
  s += rng.Pick(kDomains);
  if (with_resource) {
    s += '/';
    s += rng.Pick(kResources);
  }
  return s;
}

// Text returns escaped character data of exactly |chars| characters as a
// parser reports them (a reference or a multi-byte sequence is one).
std::string Text(Rng& rng, size_t chars) {
  std::string s;
  size_t n = 0;
  while (n < chars) {
    size_t kind = rng.Below(10);
    if (kind < 2) {
      s += rng.Pick(kSpecials);
      ++n;
    } else if (kind < 3 && n + 2 <= chars) {
      std::string_view p = rng.Pick(kPunctuation);
      s += p;
      n += p.size();
    } else {
      std::string_view w = rng.Pick(kWords);
      w = w.substr(0, chars - n);
      s += w;
      n += w.size();
      if (n < chars) {
        s += ' ';
        ++n;
      }
    }
  }
  return s;
}

// TextBytes returns escaped character data of exactly |bytes| bytes.
std::string TextBytes(Rng& rng, size_t bytes) {
  std::string s;
  while (s.size() < bytes) {
    std::string piece = Text(rng, 1);
    if (s.size() + piece.size() > bytes) piece.assign(bytes - s.size(), 'z');
    s += piece;
  }
  return s;
}

void Message(Writer& w, Rng& rng) {
  std::string attrs;
  bool groupchat = rng.Percent(10);
  Attr(attrs, "to", groupchat ? "capulets@conference.example.com" : Jid(rng, rng.Percent(70)));
  Attr(attrs, "id", "m-" + Hex(rng, 8));
  Attr(attrs, "type", groupchat ? "groupchat" : "chat");
  if (rng.Percent(50)) Attr(attrs, "xml:lang", "en");
  w.Start("message", attrs);
  w.Leaf("body", {}, Text(rng, rng.Between(20, 400)));
  if (rng.Percent(30)) w.Leaf("thread", {}, Hex(rng, 32));
  if (rng.Percent(50)) w.Empty("active", "xmlns='http://jabber.org/protocol/chatstates'");
  if (rng.Percent(30)) w.Empty("request", "xmlns='urn:xmpp:receipts'");
  w.End();
}

void Presence(Writer& w, Rng& rng) {
  static constexpr std::array<std::string_view, 4> kShow = {"away", "chat", "dnd", "xa"};
  std::string attrs;
  if (rng.Percent(10)) Attr(attrs, "to", "capulets@conference.example.com/" + std::string(rng.Pick(kUsers)));
  bool unavailable = rng.Percent(10);
  if (unavailable) Attr(attrs, "type", "unavailable");
  w.Start("presence", attrs);
  if (!unavailable) {
    if (rng.Percent(60)) w.Leaf("show", {}, rng.Pick(kShow));
    if (rng.Percent(60)) w.Leaf("status", {}, Text(rng, rng.Between(5, 60)));
    if (rng.Percent(50)) w.Leaf("priority", {}, std::to_string(rng.Between(0, 50)));
    w.Empty("c",
            "xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org/client' "
            "ver='QgayPKawpkPSDYmwT/WM94uAlu0='");
  } else if (rng.Percent(50)) {
    w.Leaf("status", {}, Text(rng, rng.Between(5, 60)));
  }
  w.End();
}

void Iq(Writer& w, Rng& rng) {
  size_t kind = rng.Below(10);
  std::string attrs;
  if (kind < 4) {  // roster set (RFC 6121 section 2.3)
    Attr(attrs, "type", "set");
    Attr(attrs, "id", "r-" + Hex(rng, 8));
    w.Start("iq", attrs);
    w.Start("query", "xmlns='jabber:iq:roster'");
    size_t items = rng.Between(5, 50);
    for (size_t i = 0; i < items; ++i) {
      std::string item;
      Attr(item, "jid", Jid(rng, false));
      Attr(item, "name", Text(rng, rng.Between(3, 20)));
      w.Start("item", item);
      w.Leaf("group", {}, rng.Percent(50) ? "Friends" : "Famille \xC3\xA9largie");
      w.End();
    }
    w.End();
    w.End();
  } else if (kind < 6) {  // disco#info result (XEP-0030), the reply to a caps query
    Attr(attrs, "type", "result");
    Attr(attrs, "id", "d-" + Hex(rng, 8));
    Attr(attrs, "to", "example.com");
    w.Start("iq", attrs);
    w.Start("query", "xmlns='http://jabber.org/protocol/disco#info' node='https://example.org/client#QgayPKawpkPSDYmwT/WM94uAlu0='");
    w.Empty("identity", "category='client' type='pc' name='Example Client'");
    static constexpr std::array<std::string_view, 8> kFeatures = {
        "http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
        "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc",
        "http://jabber.org/protocol/chatstates", "urn:xmpp:receipts", "urn:xmpp:ping", "urn:xmpp:time"};
    for (std::string_view f : kFeatures) w.Empty("feature", "var='" + std::string(f) + "'");
    w.End();
    w.End();
  } else {  // disco#info query or XEP-0199 ping to the server
    Attr(attrs, "type", "get");
    Attr(attrs, "id", "q-" + Hex(rng, 8));
    Attr(attrs, "to", "example.com");
    w.Start("iq", attrs);
    if (kind < 8) {
      w.Empty("query", "xmlns='http://jabber.org/protocol/disco#info'");
    } else {
      w.Empty("ping", "xmlns='urn:xmpp:ping'");
    }
    w.End();
  }
}

// Repeat opens a stream, writes stanzas with |stanza| until the stream is
// about |target_bytes| long, and closes it.
template <typename F>
GeneratedStream Repeat(size_t target_bytes, F stanza) {
  GeneratedStream out;
  Writer w(&out);
  ++out.tags;  // the XML declaration
  w.Raw(kDeclaration);
  w.Start("stream:stream", kStreamAttributes);
  while (w.size() + kTrailer.size() < target_bytes) stanza(w);
  w.End();
  return out;
}

}  // namespace

std::string_view StreamHeader() {
  static const std::string header =
      std::string(kDeclaration) + "<stream:stream " + std::string(kStreamAttributes) + ">";
  return header;
}

GeneratedStream StreamMix(size_t target_bytes, uint64_t seed) {
  Rng rng(seed);
  return Repeat(target_bytes, [&](Writer& w) {
    size_t kind = rng.Below(100);
    if (kind < 60) {
      Message(w, rng);
    } else if (kind < 85) {
      Presence(w, rng);
    } else {
      Iq(w, rng);
    }
    if (rng.Percent(20)) w.Raw("\n");  // whitespace keepalives and pretty senders
  });
}

GeneratedStream StanzaSizeStream(size_t stanza_bytes, size_t target_bytes, uint64_t seed) {
  Rng rng(seed);
  return Repeat(target_bytes, [&](Writer& w) {
    size_t start = w.size();
    std::string attrs;
    Attr(attrs, "to", "romeo@example.net/orchard");
    Attr(attrs, "id", "m-" + Hex(rng, 8));
    Attr(attrs, "type", "chat");
    w.Start("message", attrs);
    w.Start("body");
    constexpr size_t kClosing = sizeof("</body></message>") - 1;
    size_t used = w.size() - start + kClosing;
    w.Raw(TextBytes(rng, stanza_bytes > used ? stanza_bytes - used : 0));
    w.End();
    w.End();
  });
}

GeneratedStream NestingStream(size_t depth, size_t target_bytes, uint64_t seed) {
  Rng rng(seed);
  return Repeat(target_bytes, [&](Writer& w) {
    std::string attrs;
    Attr(attrs, "to", "romeo@example.net/orchard");
    Attr(attrs, "id", "m-" + Hex(rng, 8));
    Attr(attrs, "type", "chat");
    w.Start("message", attrs);
    for (size_t i = 1; i < depth; ++i) w.Start("n", i == 1 ? "xmlns='urn:example:nest'" : "");
    w.Raw(Text(rng, 16));
    for (size_t i = 0; i < depth; ++i) w.End();
  });
}

GeneratedStream AttributeStream(size_t attributes, size_t target_bytes, uint64_t seed) {
  Rng rng(seed);
  return Repeat(target_bytes, [&](Writer& w) {
    std::string attrs;
    Attr(attrs, "to", "romeo@example.net/orchard");
    Attr(attrs, "id", "m-" + Hex(rng, 8));
    Attr(attrs, "type", "chat");
    w.Start("message", attrs);
    std::string many = "xmlns='urn:example:attrs'";
    for (size_t i = 0; i < attributes; ++i) Attr(many, "a" + std::to_string(i), Hex(rng, 8));
    w.Empty("x", many);
    w.End();
  });
}

}  // namespace xmppfuzz::bench
