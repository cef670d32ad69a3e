// conformance/clients/common/driver_common.h: the JSON-lines escaping every
// native client driver uses for peer bytes, and the contract's command line.
#include "conformance/clients/common/driver_common.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::string Json(const std::string& in) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  driver_put_json_string(out, in.data(), in.size());
  fclose(out);
  std::string s(buf, len);
  free(buf);
  return s;
}

TEST(DriverJson, PlainAsciiPassesThrough) { EXPECT_EQ(Json("<a b='c'/>"), "\"<a b='c'/>\""); }

TEST(DriverJson, QuoteAndBackslashEscaped) { EXPECT_EQ(Json("\"\\"), "\"\\\"\\\\\""); }

TEST(DriverJson, ControlBytesAndDelAsUnicodeEscapes) {
  EXPECT_EQ(Json(std::string("\0\n\x1b\x7f", 4)), "\"\\u0000\\u000a\\u001b\\u007f\"");
}

TEST(DriverJson, ValidUtf8PassesThrough) {
  EXPECT_EQ(Json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

TEST(DriverJson, LoneContinuationByteEscaped) { EXPECT_EQ(Json("\x80"), "\"\\u0080\""); }

TEST(DriverJson, OverlongFormsEscapedPerByte) {
  EXPECT_EQ(Json("\xc0\xaf"), "\"\\u00c0\\u00af\"");          // overlong '/'
  EXPECT_EQ(Json("\xe0\x80\xaf"), "\"\\u00e0\\u0080\\u00af\"");  // 3-byte overlong
}

TEST(DriverJson, SurrogatesEscaped) {  // RFC 3629 section 3: U+D800..U+DFFF are not UTF-8
  EXPECT_EQ(Json("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
}

TEST(DriverJson, AboveU10FFFFEscaped) { EXPECT_EQ(Json("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\""); }

TEST(DriverJson, TruncatedSequenceEscaped) { EXPECT_EQ(Json("\xe2\x82"), "\"\\u00e2\\u0082\""); }

driver_args Parse(std::vector<const char*> argv) {
  argv.insert(argv.begin(), "driver");
  argv.push_back(nullptr);
  optind = 0;  // glibc: full reinitialisation of getopt
  driver_args a;
  driver_parse_args(static_cast<int>(argv.size() - 1), const_cast<char**>(argv.data()), &a);
  return a;
}

TEST(DriverArgs, FullCommandLine) {
  driver_args a = Parse({"--host", "127.0.0.1", "--port", "5222", "--jid", "u@example.org",
                         "--password", "p", "--resource", "r", "--iq-to", "other.example"});
  EXPECT_STREQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 5222);
  EXPECT_STREQ(a.local, "u");
  EXPECT_STREQ(a.domain, "example.org");
  EXPECT_STREQ(a.resource, "r");
  EXPECT_STREQ(a.iq_to, "other.example");
}

TEST(DriverArgs, IqToDefaultsToDomain) {
  driver_args a = Parse({"--host", "h", "--port", "1", "--jid", "u@d", "--password", "p"});
  EXPECT_STREQ(a.iq_to, "d");
  EXPECT_EQ(a.resource, nullptr);
}

TEST(DriverArgsDeathTest, UsageErrorsExitTwo) {
  EXPECT_EXIT(Parse({"--host", "h", "--port", "1", "--jid", "u@d"}), testing::ExitedWithCode(2),
              "required");
  EXPECT_EXIT(Parse({"--host", "h", "--port", "0", "--jid", "u@d", "--password", "p"}),
              testing::ExitedWithCode(2), "--port");
  EXPECT_EXIT(Parse({"--host", "h", "--port", "70000", "--jid", "u@d", "--password", "p"}),
              testing::ExitedWithCode(2), "--port");
  EXPECT_EXIT(Parse({"--host", "h", "--port", "1", "--jid", "nodomain", "--password", "p"}),
              testing::ExitedWithCode(2), "USER@DOMAIN");
  EXPECT_EXIT(Parse({"--host", "h", "--port", "1", "--jid", "u@d/r", "--password", "p"}),
              testing::ExitedWithCode(2), "bare JID");
  EXPECT_EXIT(Parse({"--host", "h", "--port", "1", "--jid", "u@d", "--password", "p", "--bogus"}),
              testing::ExitedWithCode(2), "unknown option");
  EXPECT_EXIT(Parse({"--host", "h", "--port", "1", "--jid", "u@d", "--password", "p",
                     "--websocket", "ws://127.0.0.1:1/xmpp-websocket"}),
              testing::ExitedWithCode(2), "TCP only");
}

}  // namespace
