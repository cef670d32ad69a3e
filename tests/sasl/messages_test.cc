// RFC 5802 section 7 grammar: each rule broken once, with its code and the
// offset of the attribute or byte at fault.
#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {
namespace {

struct Row {
  std::string msg;
  Error code;
  size_t offset;
};

template <typename Parse>
void CheckRefusals(const std::vector<Row>& rows, Parse parse) {
  for (const Row& row : rows) {
    SCOPED_TRACE("message \"" + row.msg + "\"");
    Failure f;
    EXPECT_FALSE(parse(row.msg, &f));
    EXPECT_EQ(ErrorName(f.code), ErrorName(row.code));
    EXPECT_EQ(f.offset, row.offset);
  }
}

TEST(ClientFirstTest, Accepted) {
  ClientFirst cf;
  Failure f;
  ASSERT_TRUE(ParseClientFirst("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", &cf, &f)) << Describe(f);
  EXPECT_EQ(cf.gs2.flag, Gs2Flag::kNo);
  EXPECT_EQ(cf.gs2.raw, "n,,");
  EXPECT_FALSE(cf.gs2.authzid);
  EXPECT_EQ(cf.username, "user");
  EXPECT_EQ(cf.nonce, "fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(cf.bare, "n=user,r=fyko+d2lbbFgONRv9qkxdawL");

  ASSERT_TRUE(ParseClientFirst("p=tls-exporter,a=adm=2Cin,n=us=3Der,r=abc,x=ext,y=more", &cf, &f));
  EXPECT_EQ(cf.gs2.flag, Gs2Flag::kPlus);
  EXPECT_EQ(cf.gs2.cb_name, "tls-exporter");
  EXPECT_EQ(cf.gs2.authzid, "adm,in");
  EXPECT_EQ(cf.username, "us=er");
  EXPECT_EQ(cf.extensions, ",x=ext,y=more");

  ASSERT_TRUE(ParseClientFirst("y,,n=u,r=a", &cf, &f));
  EXPECT_EQ(cf.gs2.flag, Gs2Flag::kYes);
}

TEST(ClientFirstTest, Refusals) {
  CheckRefusals(
      {
          {"", Error::kEmptyMessage, 0},
          {"x,,n=user,r=a", Error::kBadGs2Header, 0},
          {"n=user,r=a", Error::kBadGs2Header, 0},
          {"nn,,n=user,r=a", Error::kBadGs2Header, 0},
          {"p=,,n=user,r=a", Error::kBadCbName, 2},
          {"p=tls_unique,,n=user,r=a", Error::kBadCbName, 5},
          {"p=tls-unique", Error::kBadGs2Header, 12},
          {"n,", Error::kBadGs2Header, 2},
          {"n,b=x,n=user,r=a", Error::kBadGs2Header, 2},
          {"n,a=,n=user,r=a", Error::kBadAuthzid, 4},
          {"n,a=x=41,n=user,r=a", Error::kBadAuthzid, 5},
          {"n,,r=a,n=user", Error::kMissingAttribute, 3},
          {"n,,m=ext,n=user,r=a", Error::kMandatoryExtension, 3},
          {"n,,n=,r=a", Error::kSaslnameEmpty, 5},
          {"n,,n=u=2x,r=a", Error::kSaslnameBadEscape, 6},
          {"n,,n=user", Error::kMissingAttribute, 9},
          {"n,,n=user,", Error::kMissingAttribute, 10},
          {"n,,n=user,r=", Error::kBadNonce, 12},
          {"n,,n=user,r=ab\x7f", Error::kBadNonce, 14},
          {"n,,n=user,r=a b", Error::kBadNonce, 13},
          {"n,,n=user,r=a,m=x", Error::kMandatoryExtension, 14},
          {"n,,n=user,r=a,", Error::kBadExtension, 14},
          {"n,,n=user,r=a,xy", Error::kBadExtension, 14},
          {"n,,n=user,r=a,1=x", Error::kBadExtension, 14},
          {"n,,n=user,r=a,x=", Error::kBadExtension, 14},
          {"n,,n=user,r=a,r=b", Error::kBadExtension, 14},
          {"n,,n=user,r=a,x=\xc3", Error::kBadUtf8, 16},
      },
      [](std::string_view m, Failure* f) {
        ClientFirst cf;
        return ParseClientFirst(m, &cf, f);
      });
}

TEST(ServerFirstTest, Accepted) {
  ServerFirst sf;
  Failure f;
  ASSERT_TRUE(ParseServerFirst("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08=,z=1", &sf, &f))
      << Describe(f);
  EXPECT_EQ(sf.nonce, "abcdef");
  EXPECT_EQ(sf.salt, *Base64Decode("QSXCR+Q6sek8bf92"));
  EXPECT_EQ(sf.iterations, 4096u);
  EXPECT_EQ(sf.downgrade_hash, "G6k/rBLDqgOhRRaCuuatSDFkJ08=");
  EXPECT_FALSE(sf.old_downgrade);
  EXPECT_EQ(sf.extensions, ",z=1");
  ASSERT_TRUE(ParseServerFirst("r=a,s=QQ==,i=4294967295,d=abc", &sf, &f));
  EXPECT_EQ(sf.iterations, 4294967295u);
  EXPECT_EQ(sf.old_downgrade, "abc");
}

TEST(ServerFirstTest, Refusals) {
  CheckRefusals(
      {
          {"", Error::kEmptyMessage, 0},
          {"m=x,r=a,s=QQ==,i=4096", Error::kMandatoryExtension, 0},
          {"s=QQ==,r=a,i=4096", Error::kMissingAttribute, 0},
          {"r=a,i=4096,s=QQ==", Error::kMissingAttribute, 4},
          {"r=a,s=QQ==", Error::kMissingAttribute, 10},
          {"r=,s=QQ==,i=4096", Error::kBadNonce, 2},
          {"r=a\x01,s=QQ==,i=4096", Error::kBadNonce, 3},
          {"r=a,s=,i=4096", Error::kBadSalt, 6},
          {"r=a,s=QQ=,i=4096", Error::kBadSalt, 6},
          {"r=a,s=Q Q=,i=4096", Error::kBadSalt, 7},
          {"r=a,s=QQ==,i=0", Error::kBadIterationCount, 13},
          {"r=a,s=QQ==,i=04096", Error::kBadIterationCount, 13},
          {"r=a,s=QQ==,i=-1", Error::kBadIterationCount, 13},
          {"r=a,s=QQ==,i=", Error::kBadIterationCount, 13},
          {"r=a,s=QQ==,i=4096x", Error::kBadIterationCount, 13},
          {"r=a,s=QQ==,i=4294967296", Error::kBadIterationCount, 13},
          {"r=a,s=QQ==,i=4096,m=1", Error::kMandatoryExtension, 18},
          {"r=a,s=QQ==,i=4096,=1", Error::kBadExtension, 18},
          {"r=a,s=QQ==,i=4096,s=QQ==", Error::kBadExtension, 18},
      },
      [](std::string_view m, Failure* f) {
        ServerFirst sf;
        return ParseServerFirst(m, &sf, f);
      });
}

TEST(ClientFinalTest, AcceptedWithExtensions) {
  ClientFinal cf;
  Failure f;
  const std::string msg = "c=biws,r=abc,x=1,y=2,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
  ASSERT_TRUE(ParseClientFinal(msg, Hash::kSha1, &cf, &f)) << Describe(f);
  EXPECT_EQ(cf.channel_binding, "n,,");
  EXPECT_EQ(cf.nonce, "abc");
  EXPECT_EQ(cf.extensions, ",x=1,y=2");
  EXPECT_EQ(cf.without_proof, "c=biws,r=abc,x=1,y=2");
  EXPECT_EQ(cf.proof.size(), 20u);
}

TEST(ClientFinalTest, Refusals) {
  CheckRefusals(
      {
          {"", Error::kEmptyMessage, 0},
          {"r=abc,c=biws,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", Error::kMissingAttribute, 0},
          {"c=,r=abc,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", Error::kBadChannelBinding, 2},
          {"c=biw,r=abc,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", Error::kBadChannelBinding, 2},
          {"c=biws,r=ab c,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", Error::kBadNonce, 11},
          {"c=biws,r=abc", Error::kMissingAttribute, 12},
          {"c=biws,r=abc,x=1", Error::kMissingAttribute, 13},
          {"c=biws,r=abc,m=1,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", Error::kMandatoryExtension, 13},
          {"c=biws,r=abc,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=,x=1", Error::kBadExtension, 13},
          {"c=biws,r=abc,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Tt=", Error::kBadProof, 41},
          {"c=biws,r=abc,p=AAAA", Error::kBadProof, 15},
      },
      [](std::string_view m, Failure* f) {
        ClientFinal cf;
        return ParseClientFinal(m, Hash::kSha1, &cf, f);
      });
}

TEST(ServerFinalTest, VerifierAndEveryServerErrorValue) {
  ServerFinal sf;
  Failure f;
  ASSERT_TRUE(ParseServerFinal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=,x=1", Hash::kSha1, &sf, &f));
  EXPECT_EQ(sf.verifier->size(), 20u);
  // Every RFC 5802 server-error-value is understood.
  for (ServerError e : {ServerError::kInvalidEncoding, ServerError::kExtensionsNotSupported,
                        ServerError::kInvalidProof, ServerError::kChannelBindingsDontMatch,
                        ServerError::kServerDoesSupportChannelBinding, ServerError::kChannelBindingNotSupported,
                        ServerError::kUnsupportedChannelBindingType, ServerError::kUnknownUser,
                        ServerError::kInvalidUsernameEncoding, ServerError::kNoResources,
                        ServerError::kOtherError}) {
    const std::string msg = "e=" + std::string(ErrorName(e));
    ASSERT_TRUE(ParseServerFinal(msg, Hash::kSha1, &sf, &f)) << msg;
    EXPECT_EQ(sf.error, e);
    EXPECT_FALSE(sf.verifier);
  }
  ASSERT_TRUE(ParseServerFinal("e=some-new-value", Hash::kSha1, &sf, &f));
  EXPECT_EQ(sf.error, ServerError::kUnrecognized);
}

TEST(ServerFinalTest, Refusals) {
  CheckRefusals(
      {
          {"", Error::kEmptyMessage, 0},
          {"x=1", Error::kMissingAttribute, 0},
          {"m=1,v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", Error::kMandatoryExtension, 0},
          {"e=", Error::kBadServerError, 2},
          {"e=bad value", Error::kBadServerError, 5},
          {"v=rmF9pqV8S7suAoZWja4dJRkFsKQ", Error::kBadServerSignature, 26},
          {"v=AAAA", Error::kBadServerSignature, 2},
          {"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=,m=1", Error::kMandatoryExtension, 31},
      },
      [](std::string_view m, Failure* f) {
        ServerFinal sf;
        return ParseServerFinal(m, Hash::kSha1, &sf, f);
      });
}

}  // namespace
}  // namespace xmppfuzz::sasl
