// Strict base64 (RFC 4648), saslname escaping (RFC 5802 5.1) and SASLprep
// (RFC 4013) tables. Every refusal pins its code and offset.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <string>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {
namespace {

using namespace std::string_literals;

struct Base64Row {
  std::string text;
  std::optional<std::string> decoded;  // nullopt: refused
  Error code;
  size_t offset;
};

// RFC 4648 section 10 test vectors, then one refusal per strictness rule.
const Base64Row kBase64[] = {
    {"", ""s, Error::kNone, 0},
    {"Zg==", "f"s, Error::kNone, 0},
    {"Zm8=", "fo"s, Error::kNone, 0},
    {"Zm9v", "foo"s, Error::kNone, 0},
    {"Zm9vYg==", "foob"s, Error::kNone, 0},
    {"Zm9vYmE=", "fooba"s, Error::kNone, 0},
    {"Zm9vYmFy", "foobar"s, Error::kNone, 0},
    {"AA==", "\0"s, Error::kNone, 0},
    {"+/+/", "\xfb\xff\xbf"s, Error::kNone, 0},
    {"Zg", std::nullopt, Error::kBase64Length, 0},
    {"Zg=", std::nullopt, Error::kBase64Length, 0},
    {"Zm9vY", std::nullopt, Error::kBase64Length, 4},
    {" Zg==", std::nullopt, Error::kBase64BadChar, 0},
    {"Zg==\n", std::nullopt, Error::kBase64BadChar, 4},
    {"Zm9v\r\nZm9v", std::nullopt, Error::kBase64BadChar, 4},
    {"Zg= =", std::nullopt, Error::kBase64BadChar, 3},
    {"Zm9v-A==", std::nullopt, Error::kBase64BadChar, 4},
    {"Zm9v_w==", std::nullopt, Error::kBase64BadChar, 4},
    {"Zm9v\xff", std::nullopt, Error::kBase64BadChar, 4},
    {"Zm9v\0AAA"s, std::nullopt, Error::kBase64BadChar, 4},
    {"Z===", std::nullopt, Error::kBase64BadPadding, 3},
    {"Zm=v", std::nullopt, Error::kBase64BadPadding, 2},
    {"Zg==Zg==", std::nullopt, Error::kBase64BadPadding, 2},
    {"=Zg=", std::nullopt, Error::kBase64BadPadding, 0},
    {"Zh==", std::nullopt, Error::kBase64NonCanonical, 1},
    {"Zm9=", std::nullopt, Error::kBase64NonCanonical, 2},
    {"Zm//", "\x66\x6f\xff"s, Error::kNone, 0},
};

TEST(Base64Test, StrictnessTable) {
  for (const Base64Row& row : kBase64) {
    SCOPED_TRACE("input \"" + row.text + "\"");
    Failure f{Error::kBadProof, ServerError::kOtherError, 99};
    const std::optional<std::string> got = Base64Decode(row.text, &f);
    ASSERT_EQ(got.has_value(), row.decoded.has_value());
    if (row.decoded) {
      EXPECT_EQ(*got, *row.decoded);
      EXPECT_EQ(f, Failure{});
      EXPECT_EQ(Base64Encode(*got), row.text);  // canonical: the round trip is exact
    } else {
      EXPECT_EQ(ErrorName(f.code), ErrorName(row.code));
      EXPECT_EQ(f.offset, row.offset);
    }
  }
}

TEST(Base64Test, AgreesWithOpenSslOnEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    const std::string enc = Base64Encode(bytes);
    std::string want(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(want.data()),
                                    reinterpret_cast<const unsigned char*>(bytes.data()),
                                    static_cast<int>(bytes.size()));
    want.resize(static_cast<size_t>(len));
    EXPECT_EQ(enc, want);
    EXPECT_EQ(Base64Decode(enc), bytes);
    bytes += static_cast<char>(n * 37 + 11);
  }
}

struct SaslnameRow {
  std::string text;
  std::optional<std::string> decoded;
  Error code;
  size_t offset;
};

const SaslnameRow kSaslnames[] = {
    {"user", "user"s, Error::kNone, 0},
    {"=2C", ","s, Error::kNone, 0},
    {"=3D", "="s, Error::kNone, 0},
    {"a=2Cb=3Dc", "a,b=c"s, Error::kNone, 0},
    {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"s, Error::kNone, 0},
    {"", std::nullopt, Error::kSaslnameEmpty, 0},
    {"=", std::nullopt, Error::kSaslnameBadEscape, 0},
    {"=2c", std::nullopt, Error::kSaslnameBadEscape, 0},
    {"=3d", std::nullopt, Error::kSaslnameBadEscape, 0},
    {"a=3", std::nullopt, Error::kSaslnameBadEscape, 1},
    {"ab=41", std::nullopt, Error::kSaslnameBadEscape, 2},
    {"a=2C=", std::nullopt, Error::kSaslnameBadEscape, 4},
    {"a,b", std::nullopt, Error::kSaslnameRawComma, 1},
    {"us\xc3", std::nullopt, Error::kBadUtf8, 2},
    {"\xed\xa0\x80", std::nullopt, Error::kBadUtf8, 0},  // a surrogate
};

TEST(SaslnameTest, DecodeTable) {
  for (const SaslnameRow& row : kSaslnames) {
    SCOPED_TRACE("input \"" + row.text + "\"");
    Failure f;
    const std::optional<std::string> got = SaslnameDecode(row.text, &f);
    ASSERT_EQ(got.has_value(), row.decoded.has_value());
    if (row.decoded) {
      EXPECT_EQ(*got, *row.decoded);
      EXPECT_EQ(SaslnameEncode(*got), row.text);
    } else {
      EXPECT_EQ(ErrorName(f.code), ErrorName(row.code));
      EXPECT_EQ(f.offset, row.offset);
    }
  }
}

TEST(SaslnameTest, EncodeEscapesCommaAndEquals) {
  EXPECT_EQ(SaslnameEncode("a,b=c"), "a=2Cb=3Dc");
  EXPECT_EQ(SaslnameEncode("=,"), "=3D=2C");
  EXPECT_EQ(SaslnameEncode("plain"), "plain");
}

struct SaslprepRow {
  std::string in;
  std::optional<std::string> out;
  Error code;
};

// RFC 4013 section 3 examples first, then mapping and prohibition cases.
const SaslprepRow kSaslprep[] = {
    {"I\xc2\xadX", "IX"s, Error::kNone},               // 1: SOFT HYPHEN mapped to nothing
    {"user", "user"s, Error::kNone},                    // 2: no transformation
    {"USER", "USER"s, Error::kNone},                    // 3: case preserved
    {"\xc2\xaa", "a"s, Error::kNone},                   // 4: U+00AA, NFKC -> "a"
    {"\xe2\x85\xa8", "IX"s, Error::kNone},              // 5: U+2168, NFKC -> "IX"
    {"\x07", std::nullopt, Error::kSaslprepProhibited}, // 6: prohibited character
    {"\xd8\xa7\x31", std::nullopt, Error::kSaslprepProhibited},  // 7: bidi rule
    {"a\xc2\xa0" "b", "a b"s, Error::kNone},            // non-ASCII space -> SPACE
    {"\xc2\xad", std::nullopt, Error::kSaslprepEmpty},  // maps to nothing at all
    {"a\0b"s, std::nullopt, Error::kSaslprepProhibited},
    {"\xc3", std::nullopt, Error::kBadUtf8},
    {"", ""s, Error::kNone},
};

TEST(SaslprepTest, Rfc4013Table) {
  for (const SaslprepRow& row : kSaslprep) {
    SCOPED_TRACE("input \"" + row.in + "\"");
    Failure f;
    const std::optional<std::string> got = Saslprep(row.in, SaslprepMode::kQuery, &f);
    ASSERT_EQ(got.has_value(), row.out.has_value());
    if (row.out) {
      EXPECT_EQ(*got, *row.out);
    } else {
      EXPECT_EQ(ErrorName(f.code), ErrorName(row.code));
    }
  }
}

TEST(SaslprepTest, UnassignedAllowedInQueriesOnly) {
  // U+0221 was unassigned in Unicode 3.2, the version stringprep uses.
  const std::string d_curl = "\xc8\xa1";
  EXPECT_EQ(Saslprep(d_curl, SaslprepMode::kQuery), d_curl);
  Failure f;
  EXPECT_FALSE(Saslprep(d_curl, SaslprepMode::kStored, &f));
  EXPECT_EQ(f.code, Error::kSaslprepProhibited);
}

}  // namespace
}  // namespace xmppfuzz::sasl
