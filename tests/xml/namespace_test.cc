// Namespaces in XML 1.0 and their XMPP uses (RFC 6120 section 4.8, 11.2):
// unbound and reserved prefixes are bad-namespace-prefix at the '<' of the
// tag or at the attribute that uses or declares them; rebinding prefixes is allowed and the canonical form shows resolved
// names; namespace names are carried intact (CVE-2022-25236: a namespace
// name must not be able to forge the separator between URI and local name).
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

// --- Unbound prefixes -------------------------------------------------------

TEST(UnboundPrefix, OnTopLevelElement) {
  std::string in = kH + "<foo:message/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, kH.size());
}

TEST(UnboundPrefix, OnAttribute) {
  std::string in = kH + "<message foo:bar='x'/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "foo:bar"));
}

TEST(UnboundPrefix, OnNestedElement) {
  std::string in = kH + "<message><x:body/></message>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, kH.size() + 9);
}

TEST(UnboundPrefix, OutOfScopeAfterSibling) {
  std::string in = kH + "<message><a xmlns:p='urn:p'/><p:b/></message>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "<p:b"));
}

TEST(UnboundPrefix, OnStreamHeader) {
  EXPECT_STREAM_ERROR("<stream:stream xmlns='jabber:client' version='1.0'>", C::kBadNamespacePrefix, 0);
}

TEST(UnboundPrefix, StreamPrefixUsedInStanzaAfterOwnScope) {
  // The stream prefix is in scope for every stanza: this is the stream
  // namespace, not an unbound prefix.
  std::string in = kH + "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<error xmlns="http://etherx.jabber.org/streams"><host-unknown xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></error>)")});
}

// --- Rebinding --------------------------------------------------------------

TEST(Rebinding, StreamPrefixInsideStanza) {
  std::string in = kH + "<message xmlns:stream='urn:other'><stream:foo/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><foo xmlns="urn:other"/></message>)")});
}

// With the stream prefix rebound, <stream:error/> is an extension element in
// another namespace, not a stream error.
TEST(Rebinding, StreamErrorWithReboundPrefixIsNotAStreamError) {
  std::string in = kH + "<stream:error xmlns:stream='urn:other'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<error xmlns="urn:other"/>)")});
}

TEST(Rebinding, StreamPrefixBoundToContentNamespace) {
  std::string in = kH + "<stream:message xmlns:stream='jabber:client'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"/>)")});
}

TEST(Rebinding, PrefixedStanzaEqualsDefaultNamespaced) {
  std::string in = kH + "<c:message xmlns:c='jabber:client'><c:body>hi</c:body></c:message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body>hi</body></message>)")});
}

TEST(Rebinding, OtherStreamPrefix) {
  std::string in =
      "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client' to='example.com' version='1.0'>"
      "<presence/></s:stream>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<presence xmlns="jabber:client"/>)"), "stream-close"});
}

TEST(Rebinding, DefaultNamespaceChangedForChild) {
  std::string in = kH + "<iq type='get' id='1'><query xmlns='jabber:iq:roster'><item/></query></iq>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<iq xmlns="jabber:client" id="1" type="get"><query xmlns="jabber:iq:roster"><item/></query></iq>)")});
}

TEST(Rebinding, CloseTagMustUseSamePrefix) {
  std::string in = kH + "<c:message xmlns:c='jabber:client'></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "</message>"));
}

// --- Default namespace games ------------------------------------------------

TEST(DefaultNamespace, UndeclaredInsideStanza) {
  std::string in = kH + "<message><x xmlns=''><y/></x></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><x xmlns=""><y/></x></message>)")});
}

TEST(DefaultNamespace, UndeclaredOnTopLevelElement) {
  std::string in = kH + "<message xmlns=''/>";
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kH.size());
}

TEST(DefaultNamespace, StreamWithoutDefaultNamespace) {
  std::string in = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, 0);
}

// --- Namespace names --------------------------------------------------------

TEST(NamespaceName, SpaceIsKeptIntact) {
  std::string in = kH + "<message><a:b xmlns:a='urn:x y'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><b xmlns="urn:x y"/></message>)")});
}

TEST(NamespaceName, SpaceInAttributeNamespace) {
  std::string in = kH + "<message xmlns:a='urn:x y' a:b='1'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xmlns:n0="urn:x y" n0:b="1"/>)")});
}

// U+0001 (the Expat backend's separator) is no XML character at all.
TEST(NamespaceName, ControlCharacterIsNotWellFormed) {
  std::string in = kH + "<message xmlns:a='urn:x\x01y'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, At(in, "\x01"));
}

TEST(NamespaceName, NewlineReferenceKept) {
  std::string in = kH + "<message><a:b xmlns:a='urn:x&#10;y'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><b xmlns="urn:x&#10;y"/></message>)")});
}

TEST(NamespaceName, LiteralNewlineNormalisedToSpace) {
  std::string in = kH + "<message><a:b xmlns:a='urn:x\ny'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><b xmlns="urn:x y"/></message>)")});
}

TEST(NamespaceName, EscapedMarkupKept) {
  std::string in = kH + "<message><b xmlns='urn:&quot;&gt;&lt;x'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><b xmlns="urn:&quot;&gt;&lt;x"/></message>)")});
}

// --- Reserved prefixes and names --------------------------------------------

TEST(Reserved, XmlPrefixWithWrongUri) {
  std::string in = kH + "<message xmlns:xml='urn:not-xml'/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "xmlns:xml"));
}

TEST(Reserved, XmlPrefixWithItsOwnUriIsAllowed) {
  std::string in = kH + "<message xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xml:lang="en"/>)")});
}

TEST(Reserved, OtherPrefixBoundToXmlNamespace) {
  std::string in = kH + "<message xmlns:foo='http://www.w3.org/XML/1998/namespace'/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "xmlns:foo"));
}

TEST(Reserved, DefaultNamespaceIsXmlNamespace) {
  std::string in = kH + "<message><b xmlns='http://www.w3.org/XML/1998/namespace'/></message>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, in.rfind("xmlns="));
}

TEST(Reserved, XmlnsPrefixDeclared) {
  std::string in = kH + "<message xmlns:xmlns='urn:x'/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "xmlns:xmlns"));
}

TEST(Reserved, PrefixBoundToXmlnsNamespace) {
  std::string in = kH + "<message xmlns:a='http://www.w3.org/2000/xmlns/'/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "xmlns:a"));
}

TEST(Reserved, UndeclaringAPrefix) {
  std::string in = kH + "<message xmlns:p=''/>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, At(in, "xmlns:p"));
}

TEST(Reserved, UndeclaringAPrefixInsideStanza) {
  std::string in = kH + "<message xmlns:p='urn:p'><p:a xmlns:p=''/></message>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, in.rfind("xmlns:p"));
}

// No element lives in the XML namespace, and the canonical form could not
// express one: <foo xmlns="http://www.w3.org/XML/1998/namespace"/> would be
// refused when parsed again.
TEST(Reserved, XmlPrefixOnElement) {
  std::string in = kH + "<message><xml:foo/></message>";
  EXPECT_STREAM_ERROR(in, C::kBadNamespacePrefix, kH.size() + 9);
}

TEST(Reserved, XmlLangIsInTheXmlNamespace) {
  std::string in = kH + "<message xml:lang='de'><body xml:lang='en'>x</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xml:lang="de"><body xml:lang="en">x</body></message>)")});
}

// --- Qualified name syntax --------------------------------------------------

TEST(QName, TwoColonsInElementName) {
  std::string in = kH + "<message><a:b:c xmlns:a='urn:a'/></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 10);
}

TEST(QName, EmptyLocalPartOfAttribute) {
  std::string in = kH + "<message xmlns:='urn:a'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 9);
}

TEST(QName, LeadingColonInElementName) {
  std::string in = kH + "<message><:b/></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 10);
}

TEST(QName, DigitAfterColon) {
  std::string in = kH + "<message><a:1 xmlns:a='urn:a'/></message>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, kH.size() + 10);
}

// --- Duplicate attributes through namespaces --------------------------------

TEST(DuplicateAttribute, TwoPrefixesSameUri) {
  std::string in = kH + "<message xmlns:a='urn:x' xmlns:b='urn:x' a:id='1' b:id='2'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, in.rfind("b:id"));
}

TEST(DuplicateAttribute, PrefixedAndUnprefixedAreDifferent) {
  std::string in = kH + "<message xmlns:a='urn:x' a:id='1' id='2'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xmlns:n0="urn:x" id="2" n0:id="1"/>)")});
}

// Unprefixed attributes are in no namespace, even under a default namespace.
TEST(DuplicateAttribute, DefaultNamespaceDoesNotApplyToAttributes) {
  std::string in = kH + "<message xmlns:c='jabber:client' c:id='1' id='2'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" xmlns:n0="jabber:client" id="2" n0:id="1"/>)")});
}

TEST(DuplicateAttribute, DuplicateNamespaceDeclaration) {
  std::string in = kH + "<message xmlns:a='urn:x' xmlns:a='urn:y'/>";
  EXPECT_STREAM_ERROR(in, C::kNotWellFormed, in.rfind("xmlns:a"));
}

}  // namespace
}  // namespace xmppfuzz::xml
