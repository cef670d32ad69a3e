// xml::Reader below the stream rules: offsets, status values, sticky errors,
// restarts, and the small public helpers of xml.h.
#include <gtest/gtest.h>

#include "tests/support/reader_collect.h"
#include "tests/support/stream_expect.h"

namespace xmppfuzz::xml {
namespace {

using namespace streamtest;
using C = Condition;

class ReaderTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ReaderTest, StatusAndOffsets) {
  Collector c;
  Reader reader(GetParam(), Limits{}, &c);
  EXPECT_EQ(reader.backend(), GetParam());
  EXPECT_EQ(reader.Feed(kH), Status::kNeedMore);
  EXPECT_EQ(reader.offset(), kH.size());
  EXPECT_EQ(reader.Feed("  <presence/><message/>"), Status::kNeedMore);
  ASSERT_EQ(c.stanza_offsets.size(), 2u);
  EXPECT_EQ(c.stanza_offsets[0], kH.size() + 2);
  EXPECT_EQ(c.stanza_offsets[1], kH.size() + 13);
  EXPECT_EQ(reader.Feed(kClose), Status::kOk);
  EXPECT_EQ(c.closes, 1);
  EXPECT_TRUE(reader.error().ok());
}

TEST_P(ReaderTest, ContentNamespaceReported) {
  Collector c;
  Reader reader(GetParam(), Limits{}, &c);
  reader.Feed("<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:server'>");
  ASSERT_EQ(c.headers.size(), 1u);
  EXPECT_EQ(c.headers[0].ns, kStreamsNs);
  EXPECT_EQ(c.headers[0].name, "stream");
  EXPECT_EQ(c.content_ns[0], "jabber:server");
}

TEST_P(ReaderTest, ListenerErrorStopsTheReader) {
  struct Refuser : Collector {
    Error OnStanza(Element, uint64_t offset) override { return Error{C::kPolicyViolation, offset, "no"}; }
  } c;
  Reader reader(GetParam(), Limits{}, &c);
  EXPECT_EQ(reader.Feed(kH + "<presence/><presence/>"), Status::kError);
  EXPECT_EQ(reader.error().condition, C::kPolicyViolation);
  EXPECT_EQ(reader.error().offset, kH.size());
}

TEST_P(ReaderTest, ErrorIsStickyAndRestartDoesNotClearIt) {
  Collector c;
  Reader reader(GetParam(), Limits{}, &c);
  EXPECT_EQ(reader.Feed(kH + "<?pi?>"), Status::kError);
  reader.Restart();
  EXPECT_EQ(reader.Feed(kH), Status::kError);
  EXPECT_EQ(reader.error().condition, C::kRestrictedXml);
  EXPECT_EQ(reader.error().offset, kH.size());
  EXPECT_EQ(c.headers.size(), 1u);
}

// Restart() (after STARTTLS <proceed/> or SASL <success/>, RFC 6120 4.3.3)
// makes the next byte the first of a new document, XML declaration included.
TEST_P(ReaderTest, ExplicitRestart) {
  Collector c;
  Reader reader(GetParam(), Limits{}, &c);
  EXPECT_EQ(reader.Feed(kH + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), Status::kNeedMore);
  reader.Restart();
  EXPECT_EQ(reader.Feed(kH + "<presence/>"), Status::kNeedMore);
  EXPECT_EQ(c.headers.size(), 2u);
  ASSERT_EQ(c.stanzas.size(), 2u);
  EXPECT_EQ(c.stanza_offsets[1], 2 * kH.size() + 50);
  EXPECT_TRUE(reader.error().ok()) << reader.error().detail;
}

TEST_P(ReaderTest, RestartInTheMiddleOfAToken) {
  Collector c;
  Reader reader(GetParam(), Limits{}, &c);
  EXPECT_EQ(reader.Feed(kH + "<presence/><mess"), Status::kNeedMore);
  reader.Restart();
  EXPECT_EQ(reader.Feed(kH + "<presence/>"), Status::kNeedMore) << reader.error().detail;
  EXPECT_EQ(c.headers.size(), 2u);
  EXPECT_EQ(c.stanzas.size(), 2u);
}

TEST_P(ReaderTest, InbandRestartOnlyWhenAllowed) {
  Collector c;
  c.allow_restart = true;
  Reader reader(GetParam(), Limits{}, &c);
  EXPECT_EQ(reader.Feed(kH + "<presence/>" + kH + "<presence/>"), Status::kNeedMore) << reader.error().detail;
  EXPECT_EQ(c.headers.size(), 2u);
  EXPECT_EQ(c.stanzas.size(), 2u);
}

TEST_P(ReaderTest, PreauthLimitIsTheDefault) {
  Collector c;
  Limits limits;
  limits.max_stanza_bytes_preauth = 200;
  Reader reader(GetParam(), limits, &c);
  std::string big = "<message><body>" + std::string(300, 'x') + "</body></message>";
  EXPECT_EQ(reader.Feed(kH + big), Status::kError);
  EXPECT_EQ(reader.error().offset, kH.size() + 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReaderTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(BackendName(info.param));
                         });

// --- Helpers of xml.h -------------------------------------------------------

TEST(Names, ConditionNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(C::kUnsupportedVersion); ++i) {
    C c = static_cast<C>(i);
    std::optional<C> back = ConditionFromName(ConditionName(c));
    ASSERT_TRUE(back.has_value()) << ConditionName(c);
    EXPECT_EQ(*back, c);
  }
  EXPECT_EQ(ConditionName(C::kRestrictedXml), "restricted-xml");
  EXPECT_EQ(ConditionName(C::kNone), "none");
  EXPECT_FALSE(ConditionFromName("restricted_xml").has_value());
}

TEST(Names, BackendNames) {
  EXPECT_EQ(BackendFromName("expat"), Backend::kExpat);
  EXPECT_EQ(BackendFromName("libxml2"), Backend::kLibxml2);
  EXPECT_FALSE(BackendFromName("Expat").has_value());
  EXPECT_EQ(BackendName(Backend::kLibxml2), "libxml2");
}

TEST(Chars, IsXmlCharBoundaries) {
  EXPECT_FALSE(IsXmlChar(0x0));
  EXPECT_TRUE(IsXmlChar(0x9));
  EXPECT_TRUE(IsXmlChar(0xA));
  EXPECT_FALSE(IsXmlChar(0xB));
  EXPECT_TRUE(IsXmlChar(0xD));
  EXPECT_FALSE(IsXmlChar(0x1F));
  EXPECT_TRUE(IsXmlChar(0x20));
  EXPECT_TRUE(IsXmlChar(0xD7FF));
  EXPECT_FALSE(IsXmlChar(0xD800));
  EXPECT_FALSE(IsXmlChar(0xDFFF));
  EXPECT_TRUE(IsXmlChar(0xE000));
  EXPECT_TRUE(IsXmlChar(0xFFFD));
  EXPECT_FALSE(IsXmlChar(0xFFFE));
  EXPECT_FALSE(IsXmlChar(0xFFFF));
  EXPECT_TRUE(IsXmlChar(0x10000));
  EXPECT_TRUE(IsXmlChar(0x10FFFF));
  EXPECT_FALSE(IsXmlChar(0x110000));
}

TEST(Chars, ValidateText) {
  EXPECT_TRUE(ValidateText(""));
  EXPECT_TRUE(ValidateText("plain \t\r\n text \xC3\xA9"));
  EXPECT_FALSE(ValidateText(std::string("\0", 1)));
  EXPECT_FALSE(ValidateText("\xC3"));
  EXPECT_FALSE(ValidateText("\xF4\x90\x80\x80"));
  EXPECT_FALSE(ValidateText("\xEF\xBF\xBF"));
}

TEST(Chars, IsValidName) {
  EXPECT_TRUE(IsValidName("message"));
  EXPECT_TRUE(IsValidName("_a-b.c9"));
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName("9a"));
  EXPECT_FALSE(IsValidName("a:b"));
  EXPECT_FALSE(IsValidName("Xmlns"));
  EXPECT_FALSE(IsValidName("\xC3\xA9"));
}

}  // namespace
}  // namespace xmppfuzz::xml
