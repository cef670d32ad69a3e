// Resource attacks and limits: billion laughs and quadratic blowup (refused
// at the DTD before anything could expand), XXE, deep nesting, attribute and
// namespace floods, huge names, huge text, stanza size before and after
// authentication (RFC 6120 section 13.12), and bounded memory on a stream
// that never ends.
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "tests/support/stream_expect.h"

#if defined(__SANITIZE_ADDRESS__)
#define XMPPFUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XMPPFUZZ_ASAN 1
#endif
#endif
#ifdef XMPPFUZZ_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// --- Entity expansion and external entities ---------------------------------

TEST(EntityExpansion, BillionLaughs) {
  std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol 'lol'>";
  for (int i = 2; i <= 9; ++i) {
    dtd += "<!ENTITY lol" + std::to_string(i) + " '" + Repeat("&lol" + (i == 2 ? std::string() : std::to_string(i - 1)) + ";", 10) + "'>";
  }
  dtd += "]>";
  std::string in = kDecl + dtd + kStreamStart + "<message><body>&lol9;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

// Without a DTD the reference itself is refused.
TEST(EntityExpansion, BillionLaughsReferenceOnly) {
  std::string in = kH + "<message><body>&lol9;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 15);
}

// Quadratic blowup: one large entity referenced many times. Refused at the
// "<!" of the DOCTYPE, before the entity value was even read.
TEST(EntityExpansion, QuadraticBlowup) {
  std::string in = kDecl + "<!DOCTYPE s [<!ENTITY a '" + std::string(100000, 'a') + "'>]>" + kStreamStart +
                   "<message><body>" + Repeat("&a;", 10000) + "</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(EntityExpansion, QuadraticBlowupReferencesOnly) {
  std::string in = kH + "<message><body>" + Repeat("&a;", 1000) + "</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 15);
}

TEST(Xxe, ExternalEntityFile) {
  std::string in = kDecl + "<!DOCTYPE s [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>" + kStreamStart +
                   "<message><body>&xxe;</body></message>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kDecl.size());
}

TEST(Xxe, ExternalDtd) {
  std::string in = "<!DOCTYPE stream:stream SYSTEM 'http://attacker.example/evil.dtd'>" + kStreamStart;
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, 0);
}

TEST(Xxe, ExternalEntityInAttribute) {
  std::string in = kH + "<message to='&xxe;'/>";
  EXPECT_STREAM_ERROR(in, C::kRestrictedXml, kH.size() + 13);
}

// XInclude is just an element to an XMPP parser: it is carried, never
// resolved.
TEST(Xxe, XIncludeIsNotResolved) {
  std::string in = kH + "<message><xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='file:///etc/passwd'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><include xmlns="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/></message>)")});
}

// --- Nesting depth ----------------------------------------------------------

// Depth counts the stream element: a stanza is at depth 2, so with the
// default max_depth 32 a stanza may hold 30 nested children.
TEST(Depth, DefaultLimitReachedExactly) {
  std::string in = kH + "<message>" + Repeat("<a>", 30) + Repeat("</a>", 30) + "</message>";
  std::vector<std::string> lines = AgreedLines(in);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], kOpen);
  EXPECT_EQ(lines[1].rfind("stanza <message xmlns=\"jabber:client\"><a><a>", 0), 0u);
}

TEST(Depth, DefaultLimitExceededByOne) {
  std::string in = kH + "<message>" + Repeat("<a>", 31);
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 9 + 30 * 3);
}

TEST(Depth, EmptyElementAtLimitAlsoCounts) {
  std::string in = kH + "<message>" + Repeat("<a>", 30) + "<b/>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 9 + 30 * 3);
}

TEST(Depth, ConfiguredLimit) {
  stream::Options options;
  options.limits.max_depth = 4;
  std::string ok = kH + "<message><a><b/></a></message>";
  EXPECT_EVENTS(ok, {kOpen, Stanza(R"(<message xmlns="jabber:client"><a><b/></a></message>)")}, options);
  std::string deep = kH + "<message><a><b><c/></b></a></message>";
  EXPECT_STREAM_ERROR(deep, C::kPolicyViolation, At(deep, "<c/>"), options);
}

TEST(Depth, LimitOfOneRefusesEveryStanza) {
  stream::Options options;
  options.limits.max_depth = 1;
  EXPECT_STREAM_ERROR(kH + "<presence/>", C::kPolicyViolation, kH.size(), options);
}

TEST(Depth, DepthIsReleasedByEndTags) {
  stream::Options options;
  options.limits.max_depth = 3;
  std::string in = kH + "<message><a/><a></a><a/></message><message><a/></message>";
  std::vector<std::string> lines = AgreedLines(in, options);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], Stanza(R"(<message xmlns="jabber:client"><a/></message>)"));
}

// --- Attribute and namespace floods -----------------------------------------

std::string Attributes(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += " a" + std::to_string(i) + "='x'";
  return out;
}

TEST(AttributeFlood, AtDefaultLimit) {
  std::string in = kH + "<message" + Attributes(64) + "/>";
  std::vector<std::string> lines = AgreedLines(in);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find(" a63=\"x\""), std::string::npos);
}

TEST(AttributeFlood, OneOverDefaultLimit) {
  std::string in = kH + "<message" + Attributes(65) + "/>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "a64="));
}

// The header carries four attributes (to, xmlns, xmlns:stream, version), so
// four is the smallest workable limit.
TEST(AttributeFlood, ConfiguredLimitCountsNamespaceDeclarations) {
  stream::Options options;
  options.limits.max_attributes = 4;
  std::string in = kH + "<message xmlns:a='urn:a' xmlns:b='urn:b' id='1' to='a@b' type='chat'/>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "type="), options);
}

TEST(AttributeFlood, LimitIsPerElement) {
  stream::Options options;
  options.limits.max_attributes = 4;
  std::string in = kH + "<message id='1' to='a@b' type='chat' xml:lang='en'><body a='1' b='2' c='3' d='4'/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client" id="1" to="a@b" type="chat" xml:lang="en"><body a="1" b="2" c="3" d="4"/></message>)")}, options);
}

TEST(AttributeFlood, OnStreamHeader) {
  stream::Options options;
  options.limits.max_attributes = 3;
  EXPECT_STREAM_ERROR(kDecl + kStreamStart, C::kPolicyViolation, kDecl.size() + At(kStreamStart, "version="),
                      options);
}

std::string NamespaceDecls(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += " xmlns:p" + std::to_string(i) + "='urn:p" + std::to_string(i) + "'";
  return out;
}

TEST(NamespaceFlood, AtDefaultLimit) {
  std::string in = kH + "<message" + NamespaceDecls(16) + "/>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"/>)")});
}

TEST(NamespaceFlood, OneOverDefaultLimit) {
  std::string in = kH + "<message" + NamespaceDecls(17) + "/>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "xmlns:p16"));
}

TEST(NamespaceFlood, DefaultDeclarationCounts) {
  std::string in = kH + "<message" + NamespaceDecls(16) + " xmlns='jabber:client'/>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "xmlns='jabber:client'/>"));
}

TEST(NamespaceFlood, SpreadOverNestedElementsIsPerElement) {
  std::string in = kH + "<message" + NamespaceDecls(16) + "><body" + NamespaceDecls(16) + "/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<message xmlns="jabber:client"><body/></message>)")});
}

// --- Names ------------------------------------------------------------------

TEST(HugeName, ElementNameAtLimit) {
  std::string name(256, 'n');
  std::string in = kH + "<message><" + name + "/></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\"><" + name + "/></message>")});
}

TEST(HugeName, ElementNameOverLimit) {
  std::string in = kH + "<message><" + std::string(257, 'n') + "/></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 10 + 256);
}

// The prefix counts: the limit is on the qualified name.
TEST(HugeName, PrefixCounts) {
  std::string in = kH + "<message><" + std::string(251, 'p') + ":local/></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 10 + 256);
}

// A multi-byte character that would cross the limit is refused at its first
// byte.
TEST(HugeName, MultibyteCharacterCrossingLimit) {
  std::string in = kH + "<message><" + std::string(255, 'n') + "\xC3\xA9/></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 10 + 255);
}

TEST(HugeName, AttributeNameOverLimit) {
  std::string in = kH + "<message " + std::string(300, 'a') + "='x'/>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 9 + 256);
}

TEST(HugeName, EndTagNameOverLimit) {
  std::string in = kH + "<message></" + std::string(300, 'm') + ">";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 11 + 256);
}

TEST(HugeName, ConfiguredLimit) {
  stream::Options options;
  options.limits.max_name_bytes = 13;  // "stream:stream" must still fit
  std::string in = kH + "<message><abcdefghijklm/><abcdefghijklmn/></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "n/>"), options);
}

// --- Text -------------------------------------------------------------------

stream::Options SmallText(size_t n) {
  stream::Options options;
  options.limits.max_text_bytes = n;
  return options;
}

TEST(HugeText, AtLimit) {
  std::string in = kH + "<message><body>" + std::string(100, 't') + "</body></message>";
  EXPECT_EVENTS(in, {kOpen, Stanza("<message xmlns=\"jabber:client\"><body>" + std::string(100, 't') + "</body></message>")},
                SmallText(100));
}

TEST(HugeText, OneOverLimit) {
  std::string in = kH + "<message><body>" + std::string(101, 't') + "</body></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 15 + 100, SmallText(100));
}

TEST(HugeText, CountsAllTextOfTheStanza) {
  std::string in = kH + "<message><a>" + std::string(60, 't') + "</a><b>" + std::string(60, 't') + "</b></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "<b>") + 3 + 40, SmallText(100));
}

TEST(HugeText, ResetsForEachStanza) {
  std::string body = "<message><body>" + std::string(80, 't') + "</body></message>";
  std::vector<std::string> lines = AgreedLines(kH + body + body + body, SmallText(100));
  EXPECT_EQ(lines.size(), 4u);
}

TEST(HugeText, CdataCounts) {
  std::string in = kH + "<message><body><![CDATA[" + std::string(101, 'c') + "]]></body></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, At(in, "[CDATA[") + 7 + 100, SmallText(100));
}

TEST(HugeText, ReferencesCountOneEach) {
  std::string in = kH + "<message><body>" + Repeat("&amp;", 11) + "</body></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 15 + 10 * 5, SmallText(10));
}

TEST(HugeText, MultibyteCountsBytes) {
  // Ten two-byte characters are 20 bytes of text.
  std::string in = kH + "<message><body>" + Repeat("\xC3\xA9", 10) + "</body></message>";
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 15 + 18, SmallText(19));
}

// --- Stanza size ------------------------------------------------------------

// A message whose serialisation is exactly |n| bytes.
std::string MessageOfSize(size_t n) {
  const std::string head = "<message><body>", tail = "</body></message>";
  return head + std::string(n - head.size() - tail.size(), 'x') + tail;
}

TEST(StanzaSize, PreauthLimitReachedExactly) {
  std::string in = kH + MessageOfSize(10000);
  std::vector<std::string> lines = AgreedLines(in);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].rfind("stanza <message", 0), 0u);
}

TEST(StanzaSize, PreauthLimitExceededByOne) {
  std::string in = kH + MessageOfSize(10001);
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 10000);
}

TEST(StanzaSize, AuthenticatedLimitAllowsLargerStanzas) {
  stream::Options options;
  options.authenticated = true;
  std::string in = kH + MessageOfSize(100000);
  std::vector<std::string> lines = AgreedLines(in, options);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].size(), std::string("stanza <message xmlns=\"jabber:client\">").size() + 100000 - 9);
}

TEST(StanzaSize, AuthenticatedLimitExceededByOne) {
  stream::Options options;
  options.authenticated = true;
  std::string in = kH + MessageOfSize(256 * 1024 + 1);
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 256 * 1024, options);
}

TEST(StanzaSize, ConfiguredLimitsAndTagsCount) {
  stream::Options options;
  options.limits.max_stanza_bytes_preauth = 200;
  std::string in = kH + MessageOfSize(200) + MessageOfSize(201);
  EXPECT_STREAM_ERROR(in, C::kPolicyViolation, kH.size() + 200 + 200, options);
}

// Whitespace between stanzas belongs to no stanza.
TEST(StanzaSize, KeepalivesDoNotCount) {
  stream::Options options;
  options.limits.max_stanza_bytes_preauth = kStreamStart.size();
  std::string in = kH + "<presence/>" + std::string(100, ' ') + "<presence/>\n";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<presence xmlns="jabber:client"/>)"), Stanza(R"(<presence xmlns="jabber:client"/>)")},
                options);
}

TEST(StanzaSize, HeaderCountsAgainstTheLimit) {
  stream::Options options;
  options.limits.max_stanza_bytes_preauth = 50;
  EXPECT_STREAM_ERROR(kH, C::kPolicyViolation, kDecl.size() + 50, options);
}

// The limit holds when the whole stanza arrives in one Feed() call.
TEST(StanzaSize, OneHugeChunk) {
  stream::Parser parser(stream::Options{});
  std::string in = kH + MessageOfSize(300000);
  EXPECT_EQ(parser.Feed(in), Status::kError);
  EXPECT_EQ(parser.error().condition, C::kPolicyViolation);
  EXPECT_EQ(parser.error().offset, kH.size() + 10000);
}

// SetAuthenticated() switches the limit for the stanzas that follow.
TEST(StanzaSize, SetAuthenticatedMidStream) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    stream::Parser parser(options);
    EXPECT_EQ(parser.Feed(kH), Status::kNeedMore);
    parser.SetAuthenticated(true);
    EXPECT_EQ(parser.Feed(MessageOfSize(20000)), Status::kNeedMore) << BackendName(backend);
    parser.SetAuthenticated(false);
    EXPECT_EQ(parser.Feed(MessageOfSize(20000)), Status::kError) << BackendName(backend);
    EXPECT_EQ(parser.error().offset, kH.size() + 20000 + 10000) << BackendName(backend);
    EXPECT_EQ(parser.events().size(), 3u);
  }
}

// --- Bounded memory ---------------------------------------------------------

// A never-ending text node (50 MB offered in 64 KiB chunks) is refused at
// the byte that crosses max_text_bytes, long before the end.
TEST(BoundedMemory, NeverEndingTextNode) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    options.authenticated = true;
    options.limits.max_stanza_bytes = 1 << 20;
    options.limits.max_text_bytes = 100000;
    stream::Parser parser(options);
    ASSERT_EQ(parser.Feed(kH + "<message><body>"), Status::kNeedMore);
    const std::string chunk(64 * 1024, 'z');
    size_t fed = 0, offered = kH.size() + 15;
    Status status = Status::kNeedMore;
    while (offered < 50u * 1000 * 1000 && status == Status::kNeedMore) {
      status = parser.Feed(chunk);
      offered += chunk.size();
      ++fed;
    }
    EXPECT_EQ(status, Status::kError) << BackendName(backend);
    EXPECT_EQ(fed, 2u) << BackendName(backend);
    EXPECT_EQ(parser.error().condition, C::kPolicyViolation);
    EXPECT_EQ(parser.error().offset, kH.size() + 15 + 100000) << BackendName(backend);
    // The error sticks: further bytes are not looked at.
    EXPECT_EQ(parser.Feed(chunk), Status::kError);
    EXPECT_EQ(parser.error().offset, kH.size() + 15 + 100000);
  }
}

// The same with the stanza limit lower than the text limit: a never-ending
// attribute value, where no text is involved.
TEST(BoundedMemory, NeverEndingAttributeValue) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    options.authenticated = true;
    options.limits.max_stanza_bytes = 200000;
    stream::Parser parser(options);
    ASSERT_EQ(parser.Feed(kH + "<message id='"), Status::kNeedMore);
    const std::string chunk(64 * 1024, 'v');
    Status status = Status::kNeedMore;
    size_t fed = 0;
    while (fed < 800 && status == Status::kNeedMore) {
      status = parser.Feed(chunk);
      ++fed;
    }
    EXPECT_EQ(status, Status::kError) << BackendName(backend);
    EXPECT_EQ(fed, 4u) << BackendName(backend);
    EXPECT_EQ(parser.error().condition, C::kPolicyViolation);
    EXPECT_EQ(parser.error().offset, kH.size() + 200000) << BackendName(backend);
  }
}

// FeedForever offers |prefix| and then up to 50 MB of |fill| in 64 KiB
// chunks, stopping at the first error; returns how many chunks were taken.
size_t FeedForever(stream::Parser& parser, const std::string& prefix, char fill) {
  if (parser.Feed(prefix) == Status::kError) return 0;
  const std::string chunk(64 * 1024, fill);
  for (size_t fed = 1; fed <= 800; ++fed) {
    if (parser.Feed(chunk) == Status::kError) return fed;
  }
  return 801;
}

// The stream's own end tag belongs to no stanza, but whitespace inside it
// must not be buffered without bound either.
TEST(BoundedMemory, NeverEndingStreamEndTag) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    stream::Parser parser(options);
    EXPECT_EQ(FeedForever(parser, kH + "<presence/></stream:stream", ' '), 1u) << BackendName(backend);
    EXPECT_EQ(parser.error().condition, C::kPolicyViolation) << BackendName(backend);
    EXPECT_EQ(parser.error().offset, kH.size() + 11 + 10000) << BackendName(backend);
  }
}

TEST(BoundedMemory, NeverEndingEndTagBeforeTheHeader) {
  stream::Options options;
  stream::Parser parser(options);
  EXPECT_EQ(FeedForever(parser, "</stream:stream", ' '), 1u);
  EXPECT_EQ(parser.error().condition, C::kPolicyViolation);
  EXPECT_EQ(parser.error().offset, 10000u);
}

// Character references may have any number of leading zeros; between
// stanzas a reference is character data (bad-format) from its '&' on.
TEST(BoundedMemory, NeverEndingCharacterReferenceBetweenStanzas) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    stream::Parser parser(options);
    EXPECT_EQ(FeedForever(parser, kH + "<presence/>&#", '0'), 0u) << BackendName(backend);
    EXPECT_EQ(parser.error().condition, C::kBadFormat) << BackendName(backend);
    EXPECT_EQ(parser.error().offset, kH.size() + 11) << BackendName(backend);
  }
}

// Inside a stanza the same reference is bounded by the stanza limit.
TEST(BoundedMemory, NeverEndingCharacterReferenceInsideStanza) {
  stream::Options options;
  stream::Parser parser(options);
  EXPECT_EQ(FeedForever(parser, kH + "<message><body>&#x", '0'), 1u);
  EXPECT_EQ(parser.error().condition, C::kPolicyViolation);
  EXPECT_EQ(parser.error().offset, kH.size() + 10000);
}

TEST(BoundedMemory, StreamEndTagWithinTheLimitIsFine) {
  std::string in = kH + "<presence/></stream:stream" + std::string(5000, ' ') + ">";
  EXPECT_EVENTS(in, {kOpen, Stanza(R"(<presence xmlns="jabber:client"/>)"), "stream-close"});
}

// HeapInUse is the heap this process holds: glibc's count of bytes in use,
// or ASan's when its allocator stands in for glibc's.
size_t HeapInUse() {
#ifdef XMPPFUZZ_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

// A native stream after its header holds under 8 KiB in all (stream parser,
// reader, tokenizer; measured over 200 streams): what it keeps between
// stanzas is bounded by what it is in the middle of, not by what it read.
TEST(BoundedMemory, IdleNativeStreamUnder8KiB) {
  stream::Options options;
  options.backend = Backend::kNative;
  std::vector<std::unique_ptr<stream::Parser>> parsers;
  parsers.reserve(200);
  const size_t before = HeapInUse();
  for (int i = 0; i < 200; ++i) {
    parsers.push_back(std::make_unique<stream::Parser>(options));
    ASSERT_EQ(parsers.back()->Feed(kH + "<presence/>"), Status::kNeedMore);
    parsers.back()->TakeEvents();
  }
  const size_t after = HeapInUse();
  ASSERT_GT(after, before);
  EXPECT_LT((after - before) / parsers.size(), 8u * 1024) << "bytes per idle stream";
}

// ResidentBytes is this process's resident set (/proc/self/statm).
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// After the stream's end tag only white space may follow (XML 1.0 section
// 2.1: Misc after the root element; RFC 6120 4.4 leaves the TCP close to
// the peer), and the parser takes it for as long as it comes: kOk for each
// of 16 MiB of spaces, which are dropped as they are read, not kept (the
// resident set grows by less than 4 MiB, a quarter of what was fed). The
// first other byte is not-well-formed at its own offset.
TEST(BoundedMemory, WhitespaceAfterTheStreamEndIsNotKept) {
  for (Backend backend : kBackends) {
    stream::Options options;
    options.backend = backend;
    stream::Parser parser(options);
    const std::string prefix = kH + "<presence/>" + kClose;
    ASSERT_EQ(parser.Feed(prefix), Status::kOk) << BackendName(backend);
    const std::string chunk(64 * 1024, ' ');
    const size_t before = ResidentBytes();
    ASSERT_GT(before, 0u);
    for (size_t i = 0; i < 256; ++i) ASSERT_EQ(parser.Feed(chunk), Status::kOk) << BackendName(backend) << " " << i;
    const size_t after = ResidentBytes();
    EXPECT_LT(after, before + 4 * 1024 * 1024) << BackendName(backend) << ": grew by " << (after - before) << " bytes";
    EXPECT_EQ(parser.Feed(" x"), Status::kError);
    EXPECT_EQ(parser.error().condition, C::kNotWellFormed);
    EXPECT_EQ(parser.error().offset, prefix.size() + 256 * chunk.size() + 1);
  }
}

// Many small stanzas are fine: the limit is per stanza, not per stream.
TEST(BoundedMemory, ManySmallStanzas) {
  stream::Options options;
  std::string in = kH + Repeat("<presence/>", 3000);
  std::vector<std::string> lines = AgreedLines(in, options);
  EXPECT_EQ(lines.size(), 3001u);
}

}  // namespace
}  // namespace xmppfuzz::xml
