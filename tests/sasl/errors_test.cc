// Error values: every code has a distinct name, maps to an RFC 6120 6.5
// condition, and servers send the RFC 5802 value for the rule that fired.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {
namespace {

TEST(ErrorNamesTest, DistinctAndStable) {
  std::set<std::string_view> names;
  for (size_t i = 0; i <= static_cast<size_t>(Error::kBadFeature); ++i) {
    const Error e = static_cast<Error>(i);
    const std::string_view name = ErrorName(e);
    EXPECT_NE(name, "?");
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_NE(ConditionFor(e) == Condition::kNone, e != Error::kNone) << name;
  }
  EXPECT_EQ(ErrorName(Error::kNonceNotExtended), "nonce-not-extended");
}

TEST(ErrorNamesTest, ServerErrorWireValues) {
  for (size_t i = 1; i < static_cast<size_t>(ServerError::kUnrecognized); ++i) {
    const ServerError e = static_cast<ServerError>(i);
    EXPECT_EQ(ServerErrorFromName(ErrorName(e)), e) << ErrorName(e);
    EXPECT_NE(ConditionFor(e), Condition::kNone);
  }
  EXPECT_EQ(ServerErrorFromName("none"), ServerError::kUnrecognized);
  EXPECT_EQ(ServerErrorFromName("server-does-support-channel-binding"),
            ServerError::kServerDoesSupportChannelBinding);
}

TEST(ErrorNamesTest, Conditions) {
  const std::string_view rfc6120[] = {"aborted", "account-disabled", "credentials-expired", "encryption-required",
                                      "incorrect-encoding", "invalid-authzid", "invalid-mechanism",
                                      "malformed-request", "mechanism-too-weak", "not-authorized",
                                      "temporary-auth-failure"};
  for (std::string_view name : rfc6120) {
    const std::optional<Condition> c = ConditionFromName(name);
    ASSERT_TRUE(c) << name;
    EXPECT_EQ(ErrorName(*c), name);
  }
  EXPECT_FALSE(ConditionFromName("none"));
  EXPECT_FALSE(ConditionFromName("bogus"));
}

TEST(ErrorNamesTest, ServerErrorForRules) {
  EXPECT_EQ(ServerErrorFor(Error::kProofMismatch), ServerError::kInvalidProof);
  EXPECT_EQ(ServerErrorFor(Error::kClientThinksNoPlus), ServerError::kServerDoesSupportChannelBinding);
  EXPECT_EQ(ServerErrorFor(Error::kMandatoryExtension), ServerError::kExtensionsNotSupported);
  EXPECT_EQ(ServerErrorFor(Error::kBase64BadChar), ServerError::kInvalidEncoding);
  EXPECT_EQ(ServerErrorFor(Error::kNonceMismatch), ServerError::kOtherError);
  EXPECT_EQ(ServerErrorFor(Error::kNone), ServerError::kNone);
}

TEST(ErrorNamesTest, DescribeHasNoPeerBytes) {
  EXPECT_EQ(Describe(Failure{Error::kProofMismatch, ServerError::kInvalidProof, 54}),
            "proof-mismatch server-error=invalid-proof at 54");
  EXPECT_EQ(Describe(Failure{Error::kBase64BadChar, ServerError::kNone, 3}), "base64-bad-char at 3");
}

TEST(MechanismNamesTest, RoundTripAndOrder) {
  for (Mechanism m : {Mechanism::kPlain, Mechanism::kScramSha1, Mechanism::kScramSha1Plus, Mechanism::kScramSha256,
                      Mechanism::kScramSha256Plus, Mechanism::kScramSha512, Mechanism::kScramSha512Plus}) {
    EXPECT_EQ(MechanismFromName(MechanismName(m)), m);
  }
  EXPECT_FALSE(MechanismFromName("scram-sha-1"));
  // RFC 4422 3.1 names exactly; a value outside the table prints as "?",
  // never as an empty name that would read as no mechanism at all.
  EXPECT_EQ(MechanismName(Mechanism::kPlain), "PLAIN");
  EXPECT_EQ(MechanismName(Mechanism::kScramSha256Plus), "SCRAM-SHA-256-PLUS");
  EXPECT_EQ(MechanismName(static_cast<Mechanism>(200)), "?");
  EXPECT_GT(Strength(Mechanism::kScramSha512Plus), Strength(Mechanism::kScramSha512));
  EXPECT_GT(Strength(Mechanism::kScramSha512), Strength(Mechanism::kScramSha256Plus));
  EXPECT_GT(Strength(Mechanism::kScramSha1), Strength(Mechanism::kPlain));
  for (CbType t : {CbType::kTlsUnique, CbType::kTlsServerEndPoint, CbType::kTlsExporter}) {
    EXPECT_EQ(CbTypeFromName(CbTypeName(t)), t);
  }
}

}  // namespace
}  // namespace xmppfuzz::sasl
