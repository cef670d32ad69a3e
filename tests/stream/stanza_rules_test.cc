// Top-level element rules (RFC 6120 section 4.8.3, 8; RFC 6121 4.7.1,
// 5.2.2): stanza namespaces and names, iq id/type/children, message and
// presence types, and the JIDs in 'to' and 'from' (RFC 7622). A stanza that
// breaks a rule is reported at its '<', after it was parsed whole.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::stream {
namespace {

using namespace streamtest;
using C = xml::Condition;

const uint64_t kAt = kH.size();

// --- Namespaces and names ---------------------------------------------------

TEST(TopLevel, ServerNamespaceStanzaOnClientStream) {
  EXPECT_STREAM_ERROR(kH + "<message xmlns='jabber:server'/>", C::kInvalidNamespace, kAt);
}

TEST(TopLevel, ClientNamespaceStanzaOnServerStream) {
  std::string in = kDecl + "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  EXPECT_STREAM_ERROR(in + "<presence xmlns='jabber:client'/>", C::kInvalidNamespace, in.size());
}

TEST(TopLevel, UnknownElementInContentNamespace) {
  EXPECT_STREAM_ERROR(kH + "<foo xmlns='jabber:client'/>", C::kUnsupportedStanzaType, kAt);
}

TEST(TopLevel, UnknownElementInheritingContentNamespace) {
  EXPECT_STREAM_ERROR(kH + "<presence/><query/>", C::kUnsupportedStanzaType, kAt + 11);
}

TEST(TopLevel, ElementInNoNamespace) {
  EXPECT_STREAM_ERROR(kH + "<message xmlns=''/>", C::kInvalidNamespace, kAt);
}

TEST(TopLevel, ExtensionElementsAccepted) {
  std::string in = kH + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><r xmlns='urn:xmpp:sm:3'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>)"),
                     Stanza(R"(<r xmlns="urn:xmpp:sm:3"/>)")});
}

TEST(TopLevel, CaseMatters) {
  EXPECT_STREAM_ERROR(kH + "<Message/>", C::kUnsupportedStanzaType, kAt);
}

// The error is at the stanza's start even when found at its end.
TEST(TopLevel, ErrorOffsetIsStanzaStart) {
  std::string in = kH + "<presence/>\n<foo><bar>" + std::string(100, 't') + "</bar></foo>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, At(in, "<foo>"));
}

TEST(TopLevel, EventsBeforeTheErrorAreKept) {
  std::string in = kH + "<presence/><message/><bogus/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<presence xmlns="jabber:client"/>)"), Stanza(R"(<message xmlns="jabber:client"/>)"),
                     ErrorLine(C::kUnsupportedStanzaType, kAt + 21)});
}

// --- iq (RFC 6120 8.2.3) ----------------------------------------------------

TEST(Iq, GetWithOneChild) {
  std::string in = kH + "<iq id='1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<iq xmlns="jabber:client" id="1" type="get"><ping xmlns="urn:xmpp:ping"/></iq>)")});
}

TEST(Iq, WithoutId) {
  EXPECT_STREAM_ERROR(kH + "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>", C::kBadFormat, kAt);
}

TEST(Iq, WithoutType) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1'><ping xmlns='urn:xmpp:ping'/></iq>", C::kBadFormat, kAt);
}

TEST(Iq, UnknownType) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='GET'><ping xmlns='urn:xmpp:ping'/></iq>", C::kBadFormat, kAt);
}

TEST(Iq, GetWithoutChild) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='get'/>", C::kBadFormat, kAt);
}

TEST(Iq, GetWithOnlyText) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='get'>text</iq>", C::kBadFormat, kAt);
}

TEST(Iq, GetWithTwoChildren) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='get'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>", C::kBadFormat, kAt);
}

TEST(Iq, SetWithTwoChildren) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='set'><a xmlns='urn:a'/><a xmlns='urn:a'/></iq>", C::kBadFormat, kAt);
}

TEST(Iq, WhitespaceAroundTheChildDoesNotCount) {
  std::string in = kH + "<iq id='1' type='set'>\n  <a xmlns='urn:a'/>\n</iq>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<iq xmlns="jabber:client" id="1" type="set">&#10;  <a xmlns="urn:a"/>&#10;</iq>)")});
}

TEST(Iq, ResultEmptyOrOneChild) {
  std::string in = kH + "<iq id='1' type='result'/><iq id='2' type='result'><a xmlns='urn:a'/></iq>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<iq xmlns="jabber:client" id="1" type="result"/>)"),
                     Stanza(R"(<iq xmlns="jabber:client" id="2" type="result"><a xmlns="urn:a"/></iq>)")});
}

TEST(Iq, ResultWithTwoChildren) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='result'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>", C::kBadFormat, kAt);
}

TEST(Iq, ErrorWithOriginalChildAndError) {
  std::string in = kH + "<iq id='1' type='error'><a xmlns='urn:a'/><error type='cancel'/></iq>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<iq xmlns="jabber:client" id="1" type="error"><a xmlns="urn:a"/><error type="cancel"/></iq>)")});
}

TEST(Iq, IdInAnotherNamespaceDoesNotCount) {
  EXPECT_STREAM_ERROR(kH + "<iq xmlns:x='urn:x' x:id='1' type='result'/>", C::kBadFormat, kAt);
}

// --- message and presence types ---------------------------------------------

TEST(MessageType, KnownTypes) {
  std::string in = kH;
  std::vector<std::string> expected = {kOpen};
  for (const char* type : {"chat", "error", "groupchat", "headline", "normal"}) {
    in += "<message type='" + std::string(type) + "'/>";
    expected.push_back(Stanza("<message xmlns=\"jabber:client\" type=\"" + std::string(type) + "\"/>"));
  }
  EXPECT_EVENTS(in, expected);
}

TEST(MessageType, UnknownType) {
  EXPECT_STREAM_ERROR(kH + "<message type='secret'/>", C::kBadFormat, kAt);
}

TEST(PresenceType, KnownTypes) {
  std::string in = kH;
  std::vector<std::string> expected = {kOpen};
  for (const char* type : {"error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"}) {
    in += "<presence type='" + std::string(type) + "'/>";
    expected.push_back(Stanza("<presence xmlns=\"jabber:client\" type=\"" + std::string(type) + "\"/>"));
  }
  EXPECT_EVENTS(in, expected);
}

TEST(PresenceType, AvailableIsNotAType) {
  EXPECT_STREAM_ERROR(kH + "<presence type='available'/>", C::kBadFormat, kAt);
}

// --- Addresses (RFC 6120 8.1.1, RFC 7622) -----------------------------------

TEST(Addressing, ValidFullJids) {
  std::string in = kH + "<message to='romeo@example.net/orchard' from='juliet@example.com/balcony'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" from="juliet@example.com/balcony" to="romeo@example.net/orchard"/>)")});
}

TEST(Addressing, BadTo) {
  EXPECT_STREAM_ERROR(kH + "<message to='a@b@c'/>", C::kImproperAddressing, kAt);
}

TEST(Addressing, BadFrom) {
  EXPECT_STREAM_ERROR(kH + "<presence from='@example.com'/>", C::kImproperAddressing, kAt);
}

TEST(Addressing, EmptyTo) {
  EXPECT_STREAM_ERROR(kH + "<iq id='1' type='result' to=''/>", C::kImproperAddressing, kAt);
}

TEST(Addressing, SpaceInDomain) {
  EXPECT_STREAM_ERROR(kH + "<message to='romeo@exa mple.net'/>", C::kImproperAddressing, kAt);
}

TEST(Addressing, ForbiddenLocalpartCharacterViaReference) {
  EXPECT_STREAM_ERROR(kH + "<message to='a&lt;b@example.com'/>", C::kImproperAddressing, kAt);
}

TEST(Addressing, ExtensionElementsAreNotChecked) {
  std::string in = kH + "<x xmlns='urn:x' to='a@b@c'/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<x xmlns="urn:x" to="a@b@c"/>)")});
}

TEST(Addressing, NestedToIsNotChecked) {
  std::string in = kH + "<message><forwarded to='a@b@c'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><forwarded to="a@b@c"/></message>)")});
}

}  // namespace
}  // namespace xmppfuzz::stream
