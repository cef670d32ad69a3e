// Stream header checks (RFC 6120 section 4.7, 4.8): the streams namespace,
// the content namespace, version, 'from' and 'to'. A refused header is
// reported at the header's '<'.
#include <gtest/gtest.h>

#include "tests/support/stream_expect.h"

namespace xmppfuzz::stream {
namespace {

using namespace streamtest;
using C = xml::Condition;

// Header builds a stream header with the given attribute text.
std::string Header(std::string_view attributes) {
  return kDecl + "<stream:stream " + std::string(attributes) + ">";
}

constexpr std::string_view kNs = "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";

std::string OpenLine(std::string_view content_ns, std::string_view attributes) {
  return "stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" xmlns=\"" +
         std::string(content_ns) + "\"" + std::string(attributes) + ">";
}

TEST(Header, Minimal) {
  EXPECT_EVENTS(Header(std::string(kNs) + " version='1.0'"), {OpenLine("jabber:client", " version=\"1.0\"")});
}

TEST(Header, WithoutXmlDeclaration) {
  EXPECT_EVENTS(kStreamStart, {kOpen});
}

TEST(Header, WrongStreamsNamespace) {
  std::string in = Header("xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streamz' version='1.0'");
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, StreamElementInContentNamespace) {
  std::string in = kDecl + "<stream xmlns='jabber:client' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, StreamsNamespaceAsDefault) {
  // The default namespace is then the streams namespace, so the content
  // namespace is wrong (RFC 6120 4.8.2).
  std::string in = kDecl + "<stream xmlns='http://etherx.jabber.org/streams' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, ComponentNamespaceRefused) {
  std::string in = Header("xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'");
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, ServerNamespaceAccepted) {
  std::string in = Header("xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'");
  EXPECT_EVENTS(in, {OpenLine("jabber:server", " version=\"1.0\"")});
}

TEST(Header, RootNotNamedStream) {
  std::string in = kDecl + "<stream:feed xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kBadFormat, kDecl.size());
}

// RFC 6120 4.8.1: a root element outside the streams namespace is
// invalid-namespace, whatever its name (issue 10, finding 7).
TEST(Header, RootMessageElementIsInvalidNamespace) {
  std::string in = kDecl + "<message xmlns='jabber:client'/>";
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, RootStreamInOtherNamespaceIsInvalidNamespace) {
  std::string in = kDecl + "<stream xmlns='jabber:client' version='1.0'>";
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, MissingVersion) {
  EXPECT_STREAM_ERROR(Header(kNs), C::kUnsupportedVersion, kDecl.size());
}

TEST(Header, Version20) {
  EXPECT_STREAM_ERROR(Header(std::string(kNs) + " version='2.0'"), C::kUnsupportedVersion, kDecl.size());
}

TEST(Header, Version0_9) {
  EXPECT_STREAM_ERROR(Header(std::string(kNs) + " version='0.9'"), C::kUnsupportedVersion, kDecl.size());
}

TEST(Header, VersionWithoutMinor) {
  EXPECT_STREAM_ERROR(Header(std::string(kNs) + " version='1'"), C::kUnsupportedVersion, kDecl.size());
}

TEST(Header, VersionNotNumeric) {
  EXPECT_STREAM_ERROR(Header(std::string(kNs) + " version='1.x'"), C::kUnsupportedVersion, kDecl.size());
}

// RFC 6120 4.7.5: a higher minor version and leading zeros are fine.
TEST(Header, VersionMinorAndLeadingZeros) {
  EXPECT_EVENTS(Header(std::string(kNs) + " version='1.1'"), {OpenLine("jabber:client", " version=\"1.1\"")});
  EXPECT_EVENTS(Header(std::string(kNs) + " version='01.00'"), {OpenLine("jabber:client", " version=\"01.00\"")});
}

TEST(Header, VersionInAnotherNamespaceDoesNotCount) {
  std::string in = Header(std::string(kNs) + " xmlns:v='urn:v' v:version='1.0'");
  EXPECT_STREAM_ERROR(in, C::kUnsupportedVersion, kDecl.size());
}

TEST(Header, InvalidFrom) {
  std::string in = Header(std::string(kNs) + " version='1.0' from='@example.com'");
  EXPECT_STREAM_ERROR(in, C::kInvalidFrom, kDecl.size());
}

TEST(Header, InvalidFromResourceOnly) {
  std::string in = Header(std::string(kNs) + " version='1.0' from='/resource'");
  EXPECT_STREAM_ERROR(in, C::kInvalidFrom, kDecl.size());
}

TEST(Header, ValidFrom) {
  std::string in = Header(std::string(kNs) + " version='1.0' from='juliet@im.example.com'");
  EXPECT_EVENTS(in, {OpenLine("jabber:client", " from=\"juliet@im.example.com\" version=\"1.0\"")});
}

TEST(Header, InvalidTo) {
  std::string in = Header(std::string(kNs) + " version='1.0' to='exa mple.com'");
  EXPECT_STREAM_ERROR(in, C::kHostUnknown, kDecl.size());
}

TEST(Header, EmptyTo) {
  std::string in = Header(std::string(kNs) + " version='1.0' to=''");
  EXPECT_STREAM_ERROR(in, C::kHostUnknown, kDecl.size());
}

// Both wrong: 'from' is checked first.
TEST(Header, InvalidFromAndTo) {
  std::string in = Header(std::string(kNs) + " version='1.0' to='' from=''");
  EXPECT_STREAM_ERROR(in, C::kInvalidFrom, kDecl.size());
}

// The namespace is checked before the version.
TEST(Header, CheckOrder) {
  std::string in = Header("xmlns='jabber:client' xmlns:stream='urn:wrong' version='2.0' from=''");
  EXPECT_STREAM_ERROR(in, C::kInvalidNamespace, kDecl.size());
}

TEST(Header, OffsetAfterLeadingWhitespaceWithoutDeclaration) {
  std::string in = "\n\n<stream:stream " + std::string(kNs) + " version='2.0'>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedVersion, 2);
}

TEST(Header, ClientSideSeesFeatures) {
  Options options;
  options.side = Side::kClient;
  std::string in = kH + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<features xmlns="http://etherx.jabber.org/streams"><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></features>)")},
                options);
}

TEST(Header, ServerSideRefusesFeatures) {
  std::string in = kH + "<stream:features/>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, kH.size());
}

TEST(Header, StreamErrorAcceptedOnBothSides) {
  std::string in = kH + "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
  std::string line = Stanza(R"(<error xmlns="http://etherx.jabber.org/streams"><not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></error>)");
  EXPECT_EVENTS(in, {kOpen, line});
  Options client;
  client.side = Side::kClient;
  EXPECT_EVENTS(in, {kOpen, line}, client);
}

TEST(Header, OtherStreamsNamespaceElementRefused) {
  std::string in = kH + "<stream:foo/>";
  EXPECT_STREAM_ERROR(in, C::kUnsupportedStanzaType, kH.size());
}

}  // namespace
}  // namespace xmppfuzz::stream
