// The canonical form (xml.h: Canonical, CanonicalHeader) that makes the two
// backends comparable byte for byte, and the injection-proof Builder: a
// stanza built from hostile strings, serialised and parsed again, is the
// same stanza on both backends and at every chunking.
#include <gtest/gtest.h>

#include "tests/support/reader_collect.h"
#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

// --- Canonical form of parsed stanzas ---------------------------------------

TEST(Canonical, AttributesSortedByName) {
  std::string in = kH + "<message type='chat' to='a@b' id='1' from='c@d'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" from="c@d" id="1" to="a@b" type="chat"/>)")});
}

TEST(Canonical, NamespacedAttributesAfterPlainOnesWithNPrefixes) {
  std::string in = kH + "<message xmlns:b='urn:b' xmlns:a='urn:a' b:x='1' a:y='2' z='3' a:a='4'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xmlns:n0="urn:a" xmlns:n1="urn:b" z="3" n0:a="4" n0:y="2" n1:x="1"/>)")});
}

TEST(Canonical, XmlNamespaceAttributeUsesXmlPrefix) {
  std::string in = kH + "<message xmlns:q='urn:q' q:k='v' xml:lang='en'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xmlns:n0="urn:q" xml:lang="en" n0:k="v"/>)")});
}

TEST(Canonical, AttributeEscaping) {
  std::string in = kH + "<message id='&amp;&lt;&gt;&quot;&#9;&#10;&#13;&apos;'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="&amp;&lt;&gt;&quot;&#9;&#10;&#13;'"/>)")});
}

TEST(Canonical, TextEscaping) {
  std::string in = kH + "<message><body>&amp;&lt;&gt;&quot;&apos;\t&#10;&#13;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\"><body>&amp;&lt;&gt;\"'\t&#10;&#13;</body></message>")});
}

TEST(Canonical, DoubleQuotedInputSameAsSingleQuoted) {
  std::string a = kH + "<message id='x' type='chat'/>";
  std::string b = kH + "<message type=\"chat\"   id=\"x\" />";
  EXPECT_EQ(AgreedLines(a), AgreedLines(b));
}

TEST(Canonical, ChildInheritsNamespaceWithoutDeclaration) {
  std::string in = kH + "<message><body>a</body><x xmlns='urn:x'><message xmlns='jabber:client'/></x></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>a</body><x xmlns="urn:x"><message xmlns="jabber:client"/></x></message>)")});
}

TEST(Canonical, TextMergedAcrossCdataAndReferences) {
  std::string in = kH + "<message><body>a<![CDATA[<b>]]>&amp;c<![CDATA[]]>d</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>a&lt;b&gt;&amp;cd</body></message>)")});
}

TEST(Canonical, TextIsOneNodeAtEveryChunking) {
  std::string in = kH + "<message><body>hello <![CDATA[wor]]>ld&#33;</body></message>";
  for (Backend backend : kBackends) {
    for (size_t chunk : {0, 1, 2, 3, 4, 5, 7}) {
      Error error;
      Collector c = ReadStanzas(backend, in, chunk, &error);
      ASSERT_TRUE(error.ok()) << error.detail;
      ASSERT_EQ(c.stanzas.size(), 1u);
      const Element* body = c.stanzas[0].FirstChild("jabber:client", "body");
      ASSERT_NE(body, nullptr);
      ASSERT_EQ(body->children.size(), 1u) << BackendName(backend) << " chunk " << chunk;
      EXPECT_EQ(body->children[0].text, "hello world!");
    }
  }
}

TEST(Canonical, WhitespaceInsideStanzaIsKept) {
  std::string in = kH + "<message>\n  <body> x </body>\n</message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\">&#10;  <body> x </body>&#10;</message>")});
}

TEST(Canonical, HeaderAttributesSortedAndQuotesNormalised) {
  std::string in = "<stream:stream xml:lang='en' version=\"1.0\" xmlns:stream='http://etherx.jabber.org/streams' "
                   "id='abc' to='example.com' from='juliet@im.example.com' xmlns='jabber:client'>";
  EXPECT_EVENTS(in, {"stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" xmlns=\"jabber:client\" "
                     "from=\"juliet@im.example.com\" id=\"abc\" to=\"example.com\" version=\"1.0\" xml:lang=\"en\">"});
}

TEST(Canonical, HeaderForServerNamespace) {
  std::string in = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  EXPECT_EVENTS(in, {"stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" xmlns=\"jabber:server\" version=\"1.0\">"});
}

TEST(Canonical, HeaderOfANonStreamElement) {
  Element e;
  e.ns = "urn:x";
  e.name = "root";
  e.attributes.push_back({"", "a", "<\""});
  EXPECT_EQ(CanonicalHeader(e, "jabber:client"), R"(<root xmlns="urn:x" a="&lt;&quot;">)");
}

TEST(Canonical, DirectElementRules) {
  Element e;
  e.ns = "jabber:client";
  e.name = "message";
  e.attributes = {{"urn:b", "p", "1"}, {"", "to", "x"}, {std::string(kXmlNs), "lang", "en"}, {"urn:a", "q", "2"}};
  Node text;
  text.is_text = true;
  text.text = "1 < 2 & \"3\"\r\n";
  e.children.push_back(text);
  EXPECT_EQ(Canonical(e),
            R"(<message xmlns="jabber:client" xmlns:n0="urn:a" xmlns:n1="urn:b" to="x" xml:lang="en" n0:q="2" n1:p="1">)"
            "1 &lt; 2 &amp; \"3\"&#13;&#10;</message>");
  std::string parent = "jabber:client";
  EXPECT_EQ(Canonical(Element{"jabber:client", "x", {}, {}}, &parent), "<x/>");
  EXPECT_EQ(Canonical(Element{"", "x", {}, {}}, &parent), "<x xmlns=\"\"/>");
}

// Parsing a canonical form gives the same canonical form again.
TEST(Canonical, Idempotent) {
  std::string in = kH + "<message xmlns:a='urn:a' a:z='&#9;' id='\"' xml:lang='en'><body>x&#13;y</body>"
                        "<c:x xmlns:c='urn:c' c:y='1'/></message>";
  std::vector<std::string> first = AgreedLines(in);
  ASSERT_EQ(first.size(), 2u);
  std::string canonical = first[1].substr(7);
  EXPECT_EVENTS(kH + canonical, {kOpen, first[1]});
}

// --- Builder round trip -----------------------------------------------------

// RoundTrip serialises |e|, parses it back inside a stream on both backends
// at several chunkings, and checks each result equals |e|.
::testing::AssertionResult RoundTrip(const Element& e) {
  std::string canonical = Canonical(e);
  for (Backend backend : kBackends) {
    for (size_t chunk : {0, 1, 3, 5}) {
      Error error;
      Collector c = ReadStanzas(backend, kH + canonical, chunk, &error);
      if (!error.ok()) {
        return ::testing::AssertionFailure() << BackendName(backend) << " chunk " << chunk << ": "
                                             << ConditionName(error.condition) << " at " << error.offset << " ("
                                             << error.detail << ") parsing " << Printable(canonical);
      }
      if (c.stanzas.size() != 1 || !(c.stanzas[0] == e)) {
        return ::testing::AssertionFailure() << BackendName(backend) << " chunk " << chunk << ": got "
                                             << (c.stanzas.empty() ? "nothing" : Printable(Canonical(c.stanzas[0])))
                                             << " for " << Printable(canonical);
      }
    }
  }
  return ::testing::AssertionSuccess();
}

const std::vector<std::string> kHostile = {
    "\"><message to='admin@example.com'>",
    "'/><iq type='set'>",
    "]]>",
    "<![CDATA[x]]>",
    "&amp;",
    "&lt;&#60;&#x3C;",
    "&foo;",
    "a\nb\r\nc\rd\te",
    "  leading and trailing  ",
    "</body></message><message>",
    "<!-- comment --><?pi?>",
    "\xE2\x80\xAE\xEF\xBB\xBF\xF0\x9F\x98\x80",
    "\"'\"'",
};

TEST(BuilderRoundTrip, HostileText) {
  for (const std::string& s : kHostile) {
    std::optional<Element> e = Builder("jabber:client", "message").Child("jabber:client", "body").Text(s).Build();
    ASSERT_TRUE(e.has_value()) << Printable(s);
    EXPECT_TRUE(RoundTrip(*e));
    EXPECT_EQ(e->FirstChild("jabber:client", "body")->Text(), s);
  }
}

TEST(BuilderRoundTrip, HostileAttributeValues) {
  for (const std::string& s : kHostile) {
    std::optional<Element> e = Builder("jabber:client", "message").Attr("id", s).AttrNs("urn:x", "v", s).Build();
    ASSERT_TRUE(e.has_value()) << Printable(s);
    EXPECT_TRUE(RoundTrip(*e));
  }
}

TEST(BuilderRoundTrip, HostileNamespaceNames) {
  for (const std::string& s : kHostile) {
    std::optional<Element> e = Builder("jabber:client", "message").Child("urn:" + s, "x").AttrNs("urn:a" + s, "y", "1").Build();
    ASSERT_TRUE(e.has_value()) << Printable(s);
    EXPECT_TRUE(RoundTrip(*e));
  }
}

TEST(BuilderRoundTrip, MixedContentAndNesting) {
  std::optional<Element> e = Builder("jabber:client", "message")
                                 .Attr("to", "romeo@example.net")
                                 .AttrNs(std::string(kXmlNs), "lang", "en")
                                 .Text("before")
                                 .Child("jabber:client", "body")
                                 .Text("]]>")
                                 .Up()
                                 .Text(" middle ")
                                 .Child("http://jabber.org/protocol/xhtml-im", "html")
                                 .Child("http://www.w3.org/1999/xhtml", "body")
                                 .Child("http://www.w3.org/1999/xhtml", "p")
                                 .Text("<script>")
                                 .Up()
                                 .Up()
                                 .Up()
                                 .Text("after")
                                 .Build();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(RoundTrip(*e));
}

TEST(BuilderRoundTrip, AdjacentTextIsMerged) {
  std::optional<Element> e = Builder("jabber:client", "message").Text("a").Text("").Text("b").Build();
  ASSERT_TRUE(e.has_value());
  ASSERT_EQ(e->children.size(), 1u);
  EXPECT_EQ(e->Text(), "ab");
  EXPECT_TRUE(RoundTrip(*e));
}

TEST(BuilderRoundTrip, NoNamespaceRoot) {
  std::optional<Element> e = Builder("", "x").Child("", "y").Text("1").Build();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(Canonical(*e), "<x xmlns=\"\"><y>1</y></x>");
  EXPECT_TRUE(RoundTrip(*e));
}

// --- Builder refusals -------------------------------------------------------

TEST(BuilderRefuses, InvalidUtf8InText) {
  Builder b("jabber:client", "message");
  b.Text("ok\xC3");
  EXPECT_FALSE(b.Build().has_value());
  EXPECT_FALSE(b.error().empty());
}

TEST(BuilderRefuses, InvalidUtf8InAttribute) {
  EXPECT_FALSE(Builder("jabber:client", "message").Attr("id", "\xED\xA0\x80").Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "message").Attr("id", "\xC0\x80").Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "message").Attr("id", "\xFF").Build().has_value());
}

TEST(BuilderRefuses, NulAndControls) {
  EXPECT_FALSE(Builder("jabber:client", "message").Text(std::string("a\0b", 3)).Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "message").Attr("id", "\x01").Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "message").Text("\x1F").Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "message").Text("\xEF\xBF\xBE").Build().has_value());
}

TEST(BuilderRefuses, InvalidElementNames) {
  for (const char* name : {"", "1a", "a b", "a:b", "<x", "x>", "xmlfoo", "XML", "-a", ".a", "a/"}) {
    EXPECT_FALSE(Builder("jabber:client", name).Build().has_value()) << name;
    EXPECT_FALSE(Builder("jabber:client", "message").Child("urn:x", name).Build().has_value()) << name;
  }
}

TEST(BuilderRefuses, InvalidAttributeNames) {
  for (const char* name : {"", "xmlns", "xmlns:a", "xml:lang", "a=b", "a'", "a\"", " a", "1"}) {
    EXPECT_FALSE(Builder("jabber:client", "message").Attr(name, "v").Build().has_value()) << name;
  }
}

TEST(BuilderRefuses, ReservedNamespaces) {
  EXPECT_FALSE(Builder(std::string(kXmlNs), "x").Build().has_value());
  EXPECT_FALSE(Builder(std::string(kXmlnsNs), "x").Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "m").AttrNs(std::string(kXmlnsNs), "a", "v").Build().has_value());
  EXPECT_FALSE(Builder("jabber:client", "m").Child(std::string(kXmlNs), "x").Build().has_value());
  EXPECT_FALSE(Builder("urn:\x01", "x").Build().has_value());
}

TEST(BuilderRefuses, DuplicateAttribute) {
  EXPECT_FALSE(Builder("jabber:client", "m").Attr("id", "1").Attr("id", "2").Build().has_value());
  EXPECT_TRUE(Builder("jabber:client", "m").Attr("id", "1").AttrNs("urn:x", "id", "2").Build().has_value());
}

TEST(BuilderRefuses, ErrorSticks) {
  Builder b("jabber:client", "message");
  b.Attr("bad name", "v").Attr("id", "1").Text("fine");
  EXPECT_FALSE(b.Build().has_value());
  EXPECT_EQ(b.error(), "invalid attribute name");
}

TEST(BuilderAccepts, ValidUnicodeEverywhere) {
  std::string s = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD";
  std::optional<Element> e = Builder("urn:" + s, "x").Attr("v", s).Text(s).Build();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(RoundTrip(*e));
}

// --- The canonical form's growth (issue 10, finding 4) ----------------------
// Three stanzas within the default limits whose canonical forms are not:
// each must parse back under CanonicalLimits (the documented growth), and
// each shows the growth the limits allow for. The same inputs are in
// corpora/stream_parser_fuzzer/canonical_growth_*.
namespace growth {

std::string StanzaOf(const std::string& stanza_bytes, Element* out) {
  stream::Options o;
  o.authenticated = true;
  stream::Parser parser(o);
  parser.Feed(kH + stanza_bytes);
  std::vector<stream::Event> events = parser.TakeEvents();
  if (events.size() != 2 || events[1].kind != stream::Event::Kind::kStanza) return "not one stanza";
  *out = events[1].element;
  return events[1].Line();
}

// ParsesBack reparses the canonical form of |e| under |limits| and
// returns its event line (or the error line).
std::string ParsesBack(const Element& e, const Limits& limits) {
  stream::Options o;
  o.authenticated = true;
  o.limits = limits;
  std::vector<std::string> lines = stream::ParseAll(o, kH + Canonical(e));
  return lines.size() == 2 ? lines[1] : lines.back();
}

void ExpectGrowthAllowedFor(const std::string& stanza_bytes, const char* grows) {
  Element e;
  std::string line = StanzaOf(stanza_bytes, &e);
  ASSERT_EQ(line.rfind("stanza ", 0), 0u) << grows << ": " << line;
  std::string canonical = Canonical(e);
  EXPECT_EQ(ParsesBack(e, CanonicalLimits(Limits{}, canonical.size())), line) << grows;
  EXPECT_EQ(ParsesBack(e, Limits{}).rfind("error policy-violation", 0), 0u)
      << grows << ": the default limits were expected to refuse the canonical form";
  EXPECT_LE(canonical.size(), CanonicalSizeBound(e)) << grows;
}

TEST(CanonicalGrowth, SixtyFourAttributesGainAnXmlns) {
  std::string attrs;
  for (int i = 0; i < 64; ++i) attrs += " a" + std::to_string(i) + "=''";
  ExpectGrowthAllowedFor("<message" + attrs + "/>", "xmlns= makes 65 attributes");
}

TEST(CanonicalGrowth, PrefixedNameOf256BytesGetsN0) {
  ExpectGrowthAllowedFor("<message xmlns:p='urn:p' p:" + std::string(254, 'a') + "='v'/>", "n0: makes 257 bytes");
}

TEST(CanonicalGrowth, StanzaOfGreaterThanSignsIsEscaped) {
  std::string stanza = "<message><body>" + std::string(262144 - 32, '>') + "</body></message>";
  ASSERT_EQ(stanza.size(), 262144u);
  ExpectGrowthAllowedFor(stanza, "&gt; makes it 4 times as long");
}

TEST(CanonicalLimits, FollowTheDocumentedRules) {
  Limits in;
  Limits out = CanonicalLimits(in, 1000);
  EXPECT_EQ(out.max_attributes, 129u);
  EXPECT_EQ(out.max_namespace_decls, 65u);
  EXPECT_EQ(out.max_name_bytes, 258u);  // "p:" -> "n63:"
  EXPECT_EQ(out.max_depth, in.max_depth);
  EXPECT_EQ(out.max_text_bytes, in.max_text_bytes);
  EXPECT_EQ(out.max_stanza_bytes, in.max_stanza_bytes);
  EXPECT_EQ(CanonicalLimits(in, 1u << 20).max_stanza_bytes, 1u << 20);
}

// Character data is counted decoded whether written literally or as a
// reference, so the canonical form (which writes U+10000 as is) counts the
// same: 2 references to U+10000 are 8 bytes of text.
TEST(CanonicalGrowth, CharacterReferencesCountDecoded) {
  stream::Options o;
  o.authenticated = true;
  o.limits.max_text_bytes = 7;
  std::string in = kH + "<message><body>&#x10000;&#x10000;</body></message>";
  std::vector<std::string> lines = stream::ParseAll(o, in);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().rfind("error policy-violation", 0), 0u) << lines.back();
  o.limits.max_text_bytes = 8;
  lines = stream::ParseAll(o, in);
  EXPECT_EQ(lines.back().rfind("stanza ", 0), 0u) << lines.back();
}

}  // namespace growth
}  // namespace
}  // namespace xmppfuzz::xml
