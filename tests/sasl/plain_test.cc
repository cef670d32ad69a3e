// PLAIN (RFC 4616): message layout, NUL and length rules, verification
// against a callback and against stored SCRAM credentials.
#include <gtest/gtest.h>

#include <string>

#include "targets/base/base.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {
namespace {

using namespace std::string_literals;

TEST(PlainBuildTest, Rfc4616Examples) {
  EXPECT_EQ(BuildPlain({"", "tim", "tanstaaftanstaaf"}), "\0tim\0tanstaaftanstaaf"s);
  EXPECT_EQ(BuildPlain({"Ursel", "Kurt", "xipj3plmq"}), "Ursel\0Kurt\0xipj3plmq"s);
}

TEST(PlainBuildTest, Refusals) {
  Failure f;
  EXPECT_FALSE(BuildPlain({"", "", "pw"}, &f));
  EXPECT_EQ(f, (Failure{Error::kPlainEmptyAuthcid, ServerError::kNone, 1}));
  EXPECT_FALSE(BuildPlain({"", "tim", ""}, &f));
  EXPECT_EQ(f, (Failure{Error::kPlainEmptyPassword, ServerError::kNone, 5}));
  EXPECT_FALSE(BuildPlain({"", "t\0m"s, "pw"}, &f));
  EXPECT_EQ(f, (Failure{Error::kPlainExtraNul, ServerError::kNone, 2}));
  EXPECT_FALSE(BuildPlain({"", "tim", std::string(256, 'p')}, &f));
  EXPECT_EQ(f, (Failure{Error::kPlainFieldTooLong, ServerError::kNone, 5}));
  EXPECT_TRUE(BuildPlain({"", "tim", std::string(255, 'p')}, &f));
  EXPECT_FALSE(BuildPlain({"\xc3", "tim", "pw"}, &f));
  EXPECT_EQ(f.code, Error::kBadUtf8);
}

struct Row {
  std::string msg;
  Error code;
  size_t offset;
};

TEST(PlainParseTest, Refusals) {
  const Row rows[] = {
      {"", Error::kPlainMissingNul, 0},
      {"tim", Error::kPlainMissingNul, 3},
      {"tim\0pw"s, Error::kPlainMissingNul, 6},
      {"a\0b\0c\0d"s, Error::kPlainExtraNul, 5},
      {"\0tim\0pw\0"s, Error::kPlainExtraNul, 7},
      {"\0\0pw"s, Error::kPlainEmptyAuthcid, 1},
      {"\0tim\0"s, Error::kPlainEmptyPassword, 5},
      {"\0"s + std::string(256, 'u') + "\0pw"s, Error::kPlainFieldTooLong, 1},
      {std::string(256, 'z') + "\0tim\0pw"s, Error::kPlainFieldTooLong, 0},
      {"\0tim\0p\xc0\xafw"s, Error::kBadUtf8, 6},
      {std::string(5000, 'x'), Error::kMessageTooLong, kDefaultMaxMessageBytes},
  };
  for (const Row& row : rows) {
    PlainMessage m;
    Failure f;
    EXPECT_FALSE(ParsePlain(row.msg, &m, &f)) << row.msg.size();
    EXPECT_EQ(ErrorName(f.code), ErrorName(row.code)) << row.msg.size();
    EXPECT_EQ(f.offset, row.offset) << row.msg.size();
  }
}

// RFC 4616 2: every field is UTF-8 (RFC 3629). The shortest form of each
// sequence length's first and last code point, and those around the
// surrogates, are accepted; one step past each (an overlong form, a
// surrogate, U+110000) is refused at the sequence's first octet.
TEST(PlainParseTest, Utf8RangeEnds) {
  for (const std::string& ok : {"\xC2\x80"s, "\xDF\xBF"s, "\xE0\xA0\x80"s, "\xED\x9F\xBF"s, "\xEE\x80\x80"s,
                                "\xEF\xBF\xBF"s, "\xF0\x90\x80\x80"s, "\xF4\x8F\xBF\xBF"s}) {
    PlainMessage m;
    Failure f;
    EXPECT_TRUE(ParsePlain("\0tim\0p"s + ok + "w", &m, &f)) << base::EscapeBytes(ok);
    EXPECT_EQ(m.password, "p" + ok + "w");
  }
  for (const std::string& bad : {"\xC1\xBF"s, "\xE0\x9F\xBF"s, "\xED\xA0\x80"s, "\xED\xBF\xBF"s,
                                 "\xF0\x8F\xBF\xBF"s, "\xF4\x90\x80\x80"s}) {
    PlainMessage m;
    Failure f;
    EXPECT_FALSE(ParsePlain("\0tim\0p"s + bad + "w", &m, &f)) << base::EscapeBytes(bad);
    EXPECT_EQ(ErrorName(f.code), ErrorName(Error::kBadUtf8)) << base::EscapeBytes(bad);
    EXPECT_EQ(f.offset, 6u) << base::EscapeBytes(bad);
  }
}

TEST(PlainParseTest, Accepted) {
  PlainMessage m;
  Failure f;
  ASSERT_TRUE(ParsePlain("Ursel\0Kurt\0xipj3plmq"s, &m, &f));
  EXPECT_EQ(m.authzid, "Ursel");
  EXPECT_EQ(m.authcid, "Kurt");
  EXPECT_EQ(m.password, "xipj3plmq");
}

TEST(PlainVerifyTest, WithCallback) {
  const PlainVerifier verifier = [](std::string_view user, std::string_view pw) {
    return user == "tim" && pw == "tanstaaftanstaaf";
  };
  PlainMessage out;
  Failure f;
  EXPECT_TRUE(VerifyPlain("\0tim\0tanstaaftanstaaf"s, verifier, nullptr, nullptr, &out, &f));
  EXPECT_EQ(out.authcid, "tim");
  EXPECT_TRUE(out.password.empty());
  EXPECT_FALSE(VerifyPlain("\0tim\0wrong"s, verifier, nullptr, nullptr, &out, &f));
  EXPECT_EQ(f.code, Error::kPlainBadCredentials);
  EXPECT_EQ(ConditionFor(f.code), Condition::kNotAuthorized);
  // SASLprep applies before the check: U+00AA maps to "a" (RFC 4013 3).
  const PlainVerifier a_user = [](std::string_view user, std::string_view pw) { return user == "a" && pw == "IX"; };
  EXPECT_TRUE(VerifyPlain("\0\xc2\xaa\0\xe2\x85\xa8"s, a_user, nullptr, nullptr, &out, &f));
}

TEST(PlainVerifyTest, AgainstStoredCredentials) {
  const std::optional<StoredCredentials> creds = DeriveCredentials(Hash::kSha256, "pencil", "NaCl", 4096);
  ASSERT_TRUE(creds);
  const CredentialLookup lookup = [&](std::string_view user, Hash h) -> std::optional<StoredCredentials> {
    if (user != "user" || h != Hash::kSha256) return std::nullopt;
    return *creds;
  };
  const Authorize authorize = [](std::string_view authzid, std::string_view user) {
    return authzid == "boss" && user == "user";
  };
  PlainMessage out;
  Failure f;
  EXPECT_TRUE(VerifyPlain("\0user\0pencil"s, nullptr, lookup, authorize, &out, &f));
  EXPECT_TRUE(VerifyPlain("boss\0user\0pencil"s, nullptr, lookup, authorize, &out, &f));
  EXPECT_EQ(out.authzid, "boss");
  EXPECT_FALSE(VerifyPlain("\0user\0pencil!"s, nullptr, lookup, authorize, &out, &f));
  EXPECT_EQ(f.code, Error::kPlainBadCredentials);
  EXPECT_FALSE(VerifyPlain("\0nobody\0pencil"s, nullptr, lookup, authorize, &out, &f));
  EXPECT_EQ(f.code, Error::kUnknownUser);
  EXPECT_FALSE(VerifyPlain("root\0user\0pencil"s, nullptr, lookup, authorize, &out, &f));
  EXPECT_EQ(f.code, Error::kAuthzidRefused);
  EXPECT_FALSE(VerifyPlain("\0user\0bell\x07"s, nullptr, lookup, authorize, &out, &f));
  EXPECT_EQ(f.code, Error::kSaslprepProhibited);
}

}  // namespace
}  // namespace xmppfuzz::sasl
