// Restricted XML (RFC 6120 section 11.1): comments, processing instructions,
// DTDs and entity references other than the five predefined ones are refused
// with restricted-xml at their first byte; predefined entities and character
// references are accepted and decoded (XML 1.0 section 4.1, 4.6).
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

// --- Comments ---------------------------------------------------------------

TEST(Comment, BeforeXmlDeclaration) {
  EXPECT_STREAM_ERROR("<!-- hello -->" + kH, C::kRestrictedXml, 0);
}

TEST(Comment, InPrologAfterDeclaration) {
  std::string in = kDecl + "<!-- hello -->" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(Comment, BetweenStanzas) {
  std::string in = kH + "<presence/><!-- keepalive -->";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 11);
}

TEST(Comment, InsideStanza) {
  std::string in = kH + "<message><!-- x --><body>hi</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 9);
}

TEST(Comment, DeepInsideStanza) {
  std::string in = kH + "<message><body>a<!---->b</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, At(in, "<!--"));
}

// The guard refuses at "<!-", before the comment is complete.
TEST(Comment, RefusedBeforeItEnds) {
  std::string in = kH + "<message><!-";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 9);
}

// "<!--" written with references inside an attribute value is plain text.
TEST(Comment, EscapedInAttributeIsText) {
  std::string in = kH + "<message id='&lt;!-- x --&gt;'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="&lt;!-- x --&gt;"/>)")});
}

// A literal "<!--" cannot appear in an attribute value at all.
TEST(Comment, LiteralInAttributeIsNotWellFormed) {
  std::string in = kH + "<message id='<!-- x -->'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 13);
}

TEST(Comment, EscapedInTextIsText) {
  std::string in = kH + "<message><body>&lt;!-- x --&gt;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>&lt;!-- x --&gt;</body></message>)")});
}

TEST(Comment, InsideStreamHeaderPosition) {
  // Between the header and the first stanza: depth 1, still restricted-xml.
  std::string in = kH + "<!---->";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size());
}

// --- Processing instructions ------------------------------------------------

TEST(ProcessingInstruction, InPrologAfterDeclaration) {
  std::string in = kDecl + "<?foo bar?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(ProcessingInstruction, XmlStylesheet) {
  std::string in = kDecl + "<?xml-stylesheet href='evil.xsl' type='text/xsl'?>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(ProcessingInstruction, XmlStylesheetAtVeryStart) {
  EXPECT_STREAM_ERROR("<?xml-stylesheet href='a'?>" + kStreamStart, C::kRestrictedXml, 0);
}

TEST(ProcessingInstruction, TargetStartingWithXmlAtStart) {
  EXPECT_STREAM_ERROR("<?xmlfoo?>" + kStreamStart, C::kRestrictedXml, 0);
}

TEST(ProcessingInstruction, UppercaseXmlTarget) {
  EXPECT_STREAM_ERROR("<?XML version='1.0'?>" + kStreamStart, C::kRestrictedXml, 0);
}

TEST(ProcessingInstruction, BetweenStanzas) {
  std::string in = kH + "<presence/><?php echo 1; ?>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 11);
}

TEST(ProcessingInstruction, InsideStanza) {
  std::string in = kH + "<message><?foo?></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 9);
}

// An XML declaration is only allowed as the first bytes of a document.
TEST(ProcessingInstruction, XmlDeclarationAfterWhitespace) {
  EXPECT_STREAM_ERROR(" " + kH, C::kRestrictedXml, 1);
}

TEST(ProcessingInstruction, SecondXmlDeclaration) {
  std::string in = kDecl + kDecl + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(ProcessingInstruction, XmlDeclarationInsideStanza) {
  std::string in = kH + "<message><?xml version='1.0'?></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 9);
}

// Without a SASL exchange, a new XML declaration is no stream restart.
TEST(ProcessingInstruction, XmlDeclarationBetweenStanzasWithoutRestart) {
  std::string in = kH + "<presence/>" + kH;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 11);
}

TEST(ProcessingInstruction, DeclarationVariantsAccepted) {
  std::string in = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone='yes' ?>" + kStreamStart;
  EXPECT_EVENTS(in, {kOpen});
}

// --- DOCTYPE and markup declarations ----------------------------------------

TEST(Doctype, InternalSubset) {
  std::string in = kDecl + "<!DOCTYPE stream [<!ENTITY a 'b'>]>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(Doctype, ExternalSubsetSystem) {
  std::string in = kDecl + "<!DOCTYPE stream:stream SYSTEM 'http://attacker.example/x.dtd'>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(Doctype, ExternalSubsetPublic) {
  std::string in =
      kDecl + "<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0 Strict//EN' 'http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd'>" +
      kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(Doctype, WithoutXmlDeclaration) {
  EXPECT_STREAM_ERROR("<!DOCTYPE stream>" + kStreamStart, C::kRestrictedXml, 0);
}

TEST(Doctype, LowercaseDoctype) {
  EXPECT_STREAM_ERROR(kDecl + "<!doctype stream>", C::kRestrictedXml, kDecl.size());
}

TEST(Doctype, InsideStanza) {
  std::string in = kH + "<message><!DOCTYPE x></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 9);
}

TEST(Doctype, EntityDeclarationBetweenStanzas) {
  std::string in = kH + "<!ENTITY x 'y'>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size());
}

TEST(Doctype, ElementDeclarationInsideStanza) {
  std::string in = kH + "<message><body><!ELEMENT body ANY></body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, At(in, "<!ELEMENT"));
}

TEST(Doctype, AttlistDefaultAttribute) {
  // An ATTLIST default would silently add attributes to stanzas.
  std::string in = kDecl + "<!DOCTYPE s [<!ATTLIST message to CDATA 'admin@example.com'>]>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

// Parameter entities only exist inside a DTD, which is refused at "<!".
TEST(Doctype, ParameterEntityAttempt) {
  std::string in = kDecl + "<!DOCTYPE s [<!ENTITY % p SYSTEM 'http://attacker.example/p.dtd'> %p;]>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

// Outside a DTD, "%name;" is ordinary character data.
TEST(Doctype, ParameterEntitySyntaxInTextIsText) {
  std::string in = kH + "<message><body>%p;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>%p;</body></message>)")});
}

// --- Entity references ------------------------------------------------------

TEST(EntityRef, UndefinedInText) {
  std::string in = kH + "<message><body>a &foo; b</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, At(in, "&foo;"));
}

TEST(EntityRef, UndefinedInAttribute) {
  std::string in = kH + "<message id='&foo;'/>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 13);
}

TEST(EntityRef, UndefinedInStreamHeader) {
  std::string in = "<stream:stream to='&host;' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, 19);
}

// "&ampx;" shares a prefix with "&amp;": refused at its '&' as soon as the
// name can no longer be a predefined one.
TEST(EntityRef, PredefinedPrefixThenMore) {
  std::string in = kH + "<message><body>&ampx;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 15);
}

TEST(EntityRef, TruncatedPredefinedName) {
  std::string in = kH + "<message><body>&am;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 15);
}

TEST(EntityRef, PredefinedNamesAreCaseSensitive) {
  std::string in = kH + "<message><body>&AMP;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 15);
}

TEST(EntityRef, MissingSemicolon) {
  std::string in = kH + "<message><body>&lt b</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 18);
}

TEST(EntityRef, BareAmpersand) {
  std::string in = kH + "<message><body>fish & chips</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "&"));
}

TEST(EntityRef, FivePredefinedInText) {
  std::string in = kH + "<message><body>&lt;&gt;&amp;&apos;&quot;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>&lt;&gt;&amp;'"</body></message>)")});
}

TEST(EntityRef, FivePredefinedInAttribute) {
  std::string in = kH + "<message id='&lt;&gt;&amp;&apos;&quot;'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="&lt;&gt;&amp;'&quot;"/>)")});
}

// --- Character references ---------------------------------------------------

TEST(CharRef, DecimalDecoded) {
  std::string in = kH + "<message><body>&#65;&#233;&#8364;&#128512;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\"><body>A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80</body></message>")});
}

TEST(CharRef, HexDecoded) {
  std::string in = kH + "<message><body>&#x41;&#xe9;&#x20AC;&#x1F600;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\"><body>A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80</body></message>")});
}

TEST(CharRef, LeadingZeros) {
  std::string in = kH + "<message><body>&#0000065;&#x00041;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>AA</body></message>)")});
}

TEST(CharRef, UppercaseXIsNotHex) {
  std::string in = kH + "<message><body>&#X41;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 17);
}

// Whitespace written as references survives attribute-value normalisation
// (XML 1.0 section 3.3.3) and is escaped again in the canonical form.
TEST(CharRef, WhitespaceInAttributeKept) {
  std::string in = kH + "<message id='a&#9;b&#10;c&#13;d'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="a&#9;b&#10;c&#13;d"/>)")});
}

TEST(CharRef, MarkupCharactersStayText) {
  std::string in = kH + "<message><body>&#60;message to='x'/&#62;</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>&lt;message to='x'/&gt;</body></message>)")});
}

TEST(CharRef, Empty) {
  std::string in = kH + "<message><body>&#;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 15);
}

TEST(CharRef, EmptyHex) {
  std::string in = kH + "<message><body>&#x;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 15);
}

TEST(CharRef, OutOfRange) {
  std::string in = kH + "<message><body>&#x110000;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 15);
}

TEST(CharRef, HugeDecimalDoesNotWrap) {
  // 2^32 + 65 would wrap to 'A' in a 32-bit accumulator.
  std::string in = kH + "<message><body>&#4294967361;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 15);
}

TEST(CharRef, NonDigit) {
  std::string in = kH + "<message><body>&#6a;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 18);
}

}  // namespace
}  // namespace xmppfuzz::xml
