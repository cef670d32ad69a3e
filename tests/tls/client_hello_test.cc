// The ClientHello parser and builder (targets/tls/tls.h): real OpenSSL hellos
// decode and rebuild byte for byte; every rule of RFC 8446 4.1.2, RFC 6066 3
// and RFC 7301 3.1 fails once with its own code and offset.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "targets/tls/tls.h"
#include "tests/tls/openssl_hello.h"

namespace xmppfuzz::tls {
namespace {

using std::string_literals::operator""s;

// HelloBody extracts the ClientHello body from OpenSSL's first flight.
std::string HelloBody(const std::string& flight) {
  RecordReader reader;
  EXPECT_TRUE(reader.Feed(flight) && reader.Finish()) << Describe(reader.failure());
  std::vector<HandshakeMessage> messages = reader.TakeMessages();
  EXPECT_EQ(messages.size(), 1u);
  return messages.empty() ? std::string() : messages[0].body;
}

TEST(ClientHello, OpenSslTls13Hello) {
  std::string body = HelloBody(testing::OpenSslClientHello("xmpp.example.org", "\x0bxmpp-client", TLS1_3_VERSION));
  ClientHello hello;
  Failure f;
  ASSERT_TRUE(ParseClientHello(body, 9, &hello, &f)) << Describe(f);
  EXPECT_EQ(hello.legacy_version, 0x0303);
  EXPECT_EQ(hello.server_name, "xmpp.example.org");
  EXPECT_EQ(hello.alpn, std::vector<std::string>{"xmpp-client"});
  EXPECT_TRUE(hello.Offers(0x0304));
  EXPECT_TRUE(hello.Offers(0x0303));
  EXPECT_FALSE(hello.key_shares.empty());
  EXPECT_FALSE(hello.signature_algorithms.empty());
  EXPECT_FALSE(hello.supported_groups.empty());
  EXPECT_EQ(hello.session_id.size(), 32u);  // RFC 8446 D.4 middlebox compatibility
  EXPECT_EQ(BuildClientHello(hello), body);
}

TEST(ClientHello, OpenSslTls12OnlyHello) {
  std::string body = HelloBody(testing::OpenSslClientHello("example.com", "", TLS1_2_VERSION));
  ClientHello hello;
  Failure f;
  ASSERT_TRUE(ParseClientHello(body, 0, &hello, &f)) << Describe(f);
  EXPECT_TRUE(hello.supported_versions.empty());
  EXPECT_TRUE(hello.Offers(0x0303));
  EXPECT_FALSE(hello.Offers(0x0304));
  EXPECT_TRUE(hello.extended_master_secret);  // RFC 7627, sent by OpenSSL 3 by default
  EXPECT_TRUE(hello.alpn.empty());
  EXPECT_EQ(BuildClientHello(hello), body);
}

TEST(ClientHello, XmppServerAlpnForDirectTls) {  // XEP-0368
  std::string body = HelloBody(testing::OpenSslClientHello("example.net", "\x0bxmpp-server\x02h2", TLS1_3_VERSION));
  ClientHello hello;
  Failure f;
  ASSERT_TRUE(ParseClientHello(body, 0, &hello, &f)) << Describe(f);
  EXPECT_EQ(hello.alpn, (std::vector<std::string>{"xmpp-server", "h2"}));
}

// --- Hand-built hellos for each rule -------------------------------------------

std::string U16(size_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)}; }

std::string Ext(uint16_t type, const std::string& body) { return U16(type) + U16(body.size()) + body; }

std::string SniBody(const std::string& entries) { return U16(entries.size()) + entries; }
std::string HostEntry(const std::string& host) { return "\x00"s + U16(host.size()) + host; }

// Hello builds a ClientHello body around |extensions| (raw bytes of the
// extension list); the extensions block starts at offset 43 + 2 + 2 + 2.
std::string Hello(const std::string& extensions, bool with_block = true) {
  std::string h = "\x03\x03"s + std::string(32, 'R') + "\x00"s + "\x00\x02\x13\x01"s + "\x01\x00"s;
  if (with_block) h += U16(extensions.size()) + extensions;
  return h;
}
constexpr uint64_t kExtAt = 2 + 32 + 1 + 4 + 2 + 2;  // first extension's type field

TEST(ClientHello, MinimalWithoutExtensions) {
  ClientHello hello;
  Failure f;
  std::string body = Hello("", false);
  ASSERT_TRUE(ParseClientHello(body, 0, &hello, &f)) << Describe(f);
  EXPECT_FALSE(hello.has_extensions);
  EXPECT_EQ(hello.cipher_suites, std::vector<uint16_t>{0x1301});
  EXPECT_EQ(BuildClientHello(hello), body);
}

TEST(ClientHello, EmptyExtensionsBlockRoundTrips) {
  ClientHello hello;
  Failure f;
  std::string body = Hello("");
  ASSERT_TRUE(ParseClientHello(body, 0, &hello, &f)) << Describe(f);
  EXPECT_TRUE(hello.has_extensions);
  EXPECT_EQ(BuildClientHello(hello), body);
}

TEST(ClientHello, UnknownExtensionsAreKeptInOrder) {
  std::string body = Hello(Ext(0x7777, "abc") + Ext(0, SniBody(HostEntry("a.example"))) + Ext(0xFAFA, ""));
  ClientHello hello;
  Failure f;
  ASSERT_TRUE(ParseClientHello(body, 0, &hello, &f)) << Describe(f);
  ASSERT_EQ(hello.extensions.size(), 3u);
  EXPECT_EQ(hello.extensions[0].type, 0x7777);
  EXPECT_EQ(hello.extensions[0].offset, kExtAt);
  EXPECT_EQ(hello.server_name, "a.example");
  EXPECT_EQ(BuildClientHello(hello), body);
}

struct HelloCase {
  const char* name;
  std::string body;
  Error code;
  uint64_t offset;
};

TEST(ClientHelloErrors, Table) {
  const std::string base = Hello("", false);
  const uint64_t sni_host = kExtAt + 4 + 2 + 3;  // the first HostName byte
  const HelloCase cases[] = {
      {"truncated random", base.substr(0, 20), Error::kHelloTruncated, 2},
      {"session id of 33", "\x03\x03"s + std::string(32, 'R') + "\x21"s + std::string(33, 's') + "\x00\x02\x13\x01\x01\x00"s,
       Error::kBadSessionId, 34},
      {"session id past the end", "\x03\x03"s + std::string(32, 'R') + "\x05" "ab"s, Error::kHelloTruncated, 34},
      {"no cipher suites", "\x03\x03"s + std::string(32, 'R') + "\x00"s + "\x00\x00"s + "\x01\x00"s,
       Error::kBadCipherSuites, 35},
      {"odd cipher suites", "\x03\x03"s + std::string(32, 'R') + "\x00"s + "\x00\x03\x13\x01\x13"s + "\x01\x00"s,
       Error::kBadCipherSuites, 35},
      {"no null compression", "\x03\x03"s + std::string(32, 'R') + "\x00"s + "\x00\x02\x13\x01"s + "\x01\x01"s,
       Error::kBadCompression, 39},
      {"empty compression", "\x03\x03"s + std::string(32, 'R') + "\x00"s + "\x00\x02\x13\x01"s + "\x00"s,
       Error::kBadCompression, 39},
      {"extensions length too long", base + "\x00\x09\x00"s, Error::kBadExtensionsBlock, 41},
      {"extensions length one byte", base + "\x00"s, Error::kBadExtensionsBlock, 41},
      {"bytes after extensions", Hello("") + "Z", Error::kTrailingData, 43},
      {"extension body past block", Hello("\x00\x17\x00\x05\x00"s), Error::kBadExtensionsBlock, kExtAt},
      {"duplicate extension", Hello(Ext(23, "") + Ext(0x7777, "") + Ext(23, "")), Error::kDuplicateExtension,
       kExtAt + 8},
      {"sni empty list", Hello(Ext(0, SniBody(""))), Error::kSniBadList, kExtAt},
      {"sni empty body", Hello(Ext(0, "")), Error::kSniBadList, kExtAt},
      {"sni list length wrong", Hello(Ext(0, U16(9) + HostEntry("a.b"))), Error::kSniBadList, kExtAt},
      {"sni name type 1", Hello(Ext(0, SniBody("\x01"s + U16(3) + "a.b"))), Error::kSniNotHostName, kExtAt + 6},
      {"sni two host names", Hello(Ext(0, SniBody(HostEntry("a.b") + HostEntry("c.d")))), Error::kSniMultiple,
       kExtAt + 12},
      {"sni empty host", Hello(Ext(0, SniBody(HostEntry("")))), Error::kSniEmpty, sni_host},
      {"sni nul", Hello(Ext(0, SniBody(HostEntry("evil.com\0.good.com"s)))), Error::kSniNul, sni_host + 8},
      {"sni trailing dot", Hello(Ext(0, SniBody(HostEntry("example.com.")))), Error::kSniTrailingDot, sni_host + 11},
      {"sni ipv4", Hello(Ext(0, SniBody(HostEntry("127.0.0.1")))), Error::kSniIpLiteral, sni_host},
      {"sni ipv6", Hello(Ext(0, SniBody(HostEntry("::1")))), Error::kSniIpLiteral, sni_host},
      {"sni underscore", Hello(Ext(0, SniBody(HostEntry("_xmpp.example")))), Error::kSniBadDnsName, sni_host},
      {"sni utf-8 u-label", Hello(Ext(0, SniBody(HostEntry("b\xC3\xBC" "cher.de")))), Error::kSniBadDnsName,
       sni_host + 1},
      {"sni empty label", Hello(Ext(0, SniBody(HostEntry("a..b")))), Error::kSniBadDnsName, sni_host + 2},
      {"sni leading hyphen", Hello(Ext(0, SniBody(HostEntry("-a.b")))), Error::kSniBadDnsName, sni_host},
      {"sni label of 64", Hello(Ext(0, SniBody(HostEntry(std::string(64, 'a') + ".b")))), Error::kSniBadDnsName,
       sni_host},
      {"sni over 253", Hello(Ext(0, SniBody(HostEntry([] {
         std::string s;
         for (int i = 0; i < 5; ++i) s += std::string(60, 'a') + ".";
         return s + "b";
       }())))),
       Error::kSniBadDnsName, sni_host + 253},
      {"alpn empty list", Hello(Ext(16, U16(0))), Error::kAlpnEmptyList, kExtAt},
      {"alpn empty name", Hello(Ext(16, U16(4) + "\x02h2\x00"s)), Error::kAlpnEmptyName, kExtAt + 4 + 2 + 3},
      {"alpn name past list", Hello(Ext(16, U16(3) + "\x05h2"s)), Error::kBadExtension, kExtAt + 6},
      {"alpn list length wrong", Hello(Ext(16, U16(7) + "\x02h2"s)), Error::kBadExtension, kExtAt},
      {"supported_versions odd", Hello(Ext(43, "\x03\x03\x04\x03"s)), Error::kBadExtension, kExtAt},
      {"supported_versions empty", Hello(Ext(43, "\x00"s)), Error::kBadExtension, kExtAt},
      {"signature_algorithms empty", Hello(Ext(13, U16(0))), Error::kBadExtension, kExtAt},
      {"supported_groups odd", Hello(Ext(10, U16(1) + "\x1d"s)), Error::kBadExtension, kExtAt},
      {"key_share empty key", Hello(Ext(51, U16(4) + U16(29) + U16(0))), Error::kBadExtension, kExtAt + 6},
      {"key_share key past list", Hello(Ext(51, U16(6) + U16(29) + U16(9) + "ab"s)), Error::kBadExtension,
       kExtAt + 6},
      {"extended_master_secret with body", Hello(Ext(23, "x")), Error::kBadExtension, kExtAt},
      {"record_size_limit 63", Hello(Ext(28, U16(63))), Error::kBadExtension, kExtAt},
      {"record_size_limit 3 bytes", Hello(Ext(28, U16(64) + "x")), Error::kBadExtension, kExtAt},
      {"renegotiation_info length wrong", Hello(Ext(0xFF01, "\x05" "ab"s)), Error::kBadExtension, kExtAt},
  };
  for (const HelloCase& c : cases) {
    ClientHello hello;
    Failure f;
    EXPECT_FALSE(ParseClientHello(c.body, 0, &hello, &f)) << c.name;
    EXPECT_EQ(f, (Failure{c.code, c.offset})) << c.name << ": got " << Describe(f);
  }
}

TEST(ClientHelloErrors, OffsetsAreAbsolute) {
  ClientHello hello;
  Failure f;
  EXPECT_FALSE(ParseClientHello(Hello(Ext(0, SniBody(HostEntry("127.0.0.1")))), 1000, &hello, &f));
  EXPECT_EQ(f.offset, 1000 + kExtAt + 4 + 2 + 3);
}

TEST(ClientHello, ValidEdgeNames) {
  for (const std::string& host : std::vector<std::string>{"a", "A-1.example", "xn--bcher-kva.de", std::string(63, 'x') + ".org"}) {
    ClientHello hello;
    Failure f;
    EXPECT_TRUE(ParseClientHello(Hello(Ext(0, SniBody(HostEntry(host)))), 0, &hello, &f)) << host << Describe(f);
    EXPECT_EQ(hello.server_name, host);
  }
}

}  // namespace
}  // namespace xmppfuzz::tls
