// Names of the SASL error values and the maps between them.
#include <array>
#include <string>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {
namespace {

struct ErrorRow {
  Error code;
  std::string_view name;
  ServerError server_error;  // what a server sends when it refuses for this
  Condition condition;       // the RFC 6120 section 6.5 condition
};

using SE = ServerError;
using C = Condition;

// One row per code: its name, the RFC 5802 e= value and the RFC 6120
// condition. Client-check codes carry kOtherError: a client does not send
// e=, the value only matters if a server reused the code.
constexpr ErrorRow kErrors[] = {
    {Error::kNone, "none", SE::kNone, C::kNone},
    {Error::kBase64Length, "base64-length", SE::kInvalidEncoding, C::kIncorrectEncoding},
    {Error::kBase64BadChar, "base64-bad-char", SE::kInvalidEncoding, C::kIncorrectEncoding},
    {Error::kBase64BadPadding, "base64-bad-padding", SE::kInvalidEncoding, C::kIncorrectEncoding},
    {Error::kBase64NonCanonical, "base64-non-canonical", SE::kInvalidEncoding, C::kIncorrectEncoding},
    {Error::kSaslnameBadEscape, "saslname-bad-escape", SE::kInvalidUsernameEncoding, C::kMalformedRequest},
    {Error::kSaslnameRawComma, "saslname-raw-comma", SE::kInvalidUsernameEncoding, C::kMalformedRequest},
    {Error::kSaslnameEmpty, "saslname-empty", SE::kInvalidUsernameEncoding, C::kMalformedRequest},
    {Error::kBadUtf8, "bad-utf8", SE::kInvalidEncoding, C::kMalformedRequest},
    {Error::kSaslprepProhibited, "saslprep-prohibited", SE::kInvalidUsernameEncoding, C::kMalformedRequest},
    {Error::kSaslprepEmpty, "saslprep-empty", SE::kInvalidUsernameEncoding, C::kMalformedRequest},
    {Error::kMessageTooLong, "message-too-long", SE::kOtherError, C::kMalformedRequest},
    {Error::kEmptyMessage, "empty-message", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadGs2Header, "bad-gs2-header", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadCbName, "bad-cb-name", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadAuthzid, "bad-authzid", SE::kInvalidUsernameEncoding, C::kInvalidAuthzid},
    {Error::kMissingAttribute, "missing-attribute", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadAttribute, "bad-attribute", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadNonce, "bad-nonce", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadSalt, "bad-salt", SE::kInvalidEncoding, C::kMalformedRequest},
    {Error::kBadIterationCount, "bad-iteration-count", SE::kOtherError, C::kMalformedRequest},
    {Error::kMandatoryExtension, "mandatory-extension", SE::kExtensionsNotSupported, C::kMalformedRequest},
    {Error::kBadExtension, "bad-extension", SE::kOtherError, C::kMalformedRequest},
    {Error::kTrailingData, "trailing-data", SE::kOtherError, C::kMalformedRequest},
    {Error::kBadChannelBinding, "bad-channel-binding", SE::kInvalidEncoding, C::kIncorrectEncoding},
    {Error::kBadProof, "bad-proof", SE::kInvalidEncoding, C::kIncorrectEncoding},
    {Error::kBadServerSignature, "bad-server-signature", SE::kOtherError, C::kNotAuthorized},
    {Error::kBadServerError, "bad-server-error", SE::kOtherError, C::kMalformedRequest},
    {Error::kNonceNotPrefixed, "nonce-not-prefixed", SE::kOtherError, C::kNotAuthorized},
    {Error::kNonceNotExtended, "nonce-not-extended", SE::kOtherError, C::kNotAuthorized},
    {Error::kIterationsTooLow, "iterations-too-low", SE::kOtherError, C::kMechanismTooWeak},
    {Error::kIterationsTooHigh, "iterations-too-high", SE::kOtherError, C::kTemporaryAuthFailure},
    {Error::kServerSignatureMismatch, "server-signature-mismatch", SE::kOtherError, C::kNotAuthorized},
    {Error::kMissingServerSignature, "missing-server-signature", SE::kOtherError, C::kNotAuthorized},
    {Error::kServerErrorReceived, "server-error-received", SE::kOtherError, C::kNotAuthorized},
    {Error::kDowngradeHashMismatch, "downgrade-hash-mismatch", SE::kOtherError, C::kNotAuthorized},
    {Error::kDowngradeHashMissing, "downgrade-hash-missing", SE::kOtherError, C::kNotAuthorized},
    {Error::kChannelBindingDataMissing, "channel-binding-data-missing", SE::kOtherError, C::kAborted},
    {Error::kPlusOfferedNotUsed, "plus-offered-not-used", SE::kOtherError, C::kAborted},
    {Error::kUnexpectedMessage, "unexpected-message", SE::kOtherError, C::kMalformedRequest},
    {Error::kAborted, "aborted", SE::kOtherError, C::kAborted},
    {Error::kGs2FlagWithPlus, "gs2-flag-with-plus", SE::kOtherError, C::kMalformedRequest},
    {Error::kPlusFlagWithoutPlus, "plus-flag-without-plus", SE::kOtherError, C::kMalformedRequest},
    {Error::kClientThinksNoPlus, "client-thinks-no-plus", SE::kServerDoesSupportChannelBinding, C::kNotAuthorized},
    {Error::kUnsupportedCbType, "unsupported-cb-type", SE::kUnsupportedChannelBindingType, C::kNotAuthorized},
    {Error::kChannelBindingNotSupported, "channel-binding-not-supported", SE::kChannelBindingNotSupported, C::kNotAuthorized},
    {Error::kChannelBindingMismatch, "channel-binding-mismatch", SE::kChannelBindingsDontMatch, C::kNotAuthorized},
    {Error::kNonceMismatch, "nonce-mismatch", SE::kOtherError, C::kNotAuthorized},
    {Error::kProofMismatch, "proof-mismatch", SE::kInvalidProof, C::kNotAuthorized},
    {Error::kUnknownUser, "unknown-user", SE::kUnknownUser, C::kNotAuthorized},
    {Error::kAuthzidRefused, "authzid-refused", SE::kOtherError, C::kInvalidAuthzid},
    {Error::kNoResources, "no-resources", SE::kNoResources, C::kTemporaryAuthFailure},
    {Error::kPlainMissingNul, "plain-missing-nul", SE::kNone, C::kMalformedRequest},
    {Error::kPlainExtraNul, "plain-extra-nul", SE::kNone, C::kMalformedRequest},
    {Error::kPlainEmptyAuthcid, "plain-empty-authcid", SE::kNone, C::kMalformedRequest},
    {Error::kPlainEmptyPassword, "plain-empty-password", SE::kNone, C::kMalformedRequest},
    {Error::kPlainFieldTooLong, "plain-field-too-long", SE::kNone, C::kMalformedRequest},
    {Error::kPlainBadCredentials, "plain-bad-credentials", SE::kNone, C::kNotAuthorized},
    {Error::kNoAcceptableMechanism, "no-acceptable-mechanism", SE::kNone, C::kInvalidMechanism},
    {Error::kPlainWithoutTls, "plain-without-tls", SE::kNone, C::kEncryptionRequired},
    {Error::kWeakMechanism, "weak-mechanism", SE::kNone, C::kMechanismTooWeak},
    {Error::kUnknownMechanism, "unknown-mechanism", SE::kNone, C::kInvalidMechanism},
    {Error::kMechanismDowngrade, "mechanism-downgrade", SE::kNone, C::kAborted},
    {Error::kNoMutualChannelBinding, "no-mutual-channel-binding", SE::kNone, C::kAborted},
    {Error::kNotSaslElement, "not-sasl-element", SE::kNone, C::kMalformedRequest},
    {Error::kMissingMechanismAttr, "missing-mechanism-attr", SE::kNone, C::kInvalidMechanism},
    {Error::kBadMechanismName, "bad-mechanism-name", SE::kNone, C::kInvalidMechanism},
    {Error::kBadElementContent, "bad-element-content", SE::kNone, C::kMalformedRequest},
    {Error::kUnknownCondition, "unknown-condition", SE::kNone, C::kMalformedRequest},
    {Error::kBadFeature, "bad-feature", SE::kNone, C::kMalformedRequest},
};

constexpr bool RowsInOrder() {
  for (size_t i = 0; i < std::size(kErrors); ++i) {
    if (static_cast<size_t>(kErrors[i].code) != i) return false;
  }
  return static_cast<size_t>(Error::kBadFeature) + 1 == std::size(kErrors);
}
static_assert(RowsInOrder(), "kErrors must list every Error in enum order");

constexpr std::string_view kServerErrorNames[] = {
    "none",
    "invalid-encoding",
    "extensions-not-supported",
    "invalid-proof",
    "channel-bindings-dont-match",
    "server-does-support-channel-binding",
    "channel-binding-not-supported",
    "unsupported-channel-binding-type",
    "unknown-user",
    "invalid-username-encoding",
    "no-resources",
    "other-error",
    "unrecognized",
};
static_assert(std::size(kServerErrorNames) == static_cast<size_t>(ServerError::kUnrecognized) + 1);

constexpr std::string_view kConditionNames[] = {
    "none",
    "aborted",
    "account-disabled",
    "credentials-expired",
    "encryption-required",
    "incorrect-encoding",
    "invalid-authzid",
    "invalid-mechanism",
    "malformed-request",
    "mechanism-too-weak",
    "not-authorized",
    "temporary-auth-failure",
};
static_assert(std::size(kConditionNames) == static_cast<size_t>(Condition::kTemporaryAuthFailure) + 1);

}  // namespace

std::string_view ErrorName(Error e) {
  const size_t i = static_cast<size_t>(e);
  return i < std::size(kErrors) ? kErrors[i].name : "?";
}

std::string_view ErrorName(ServerError e) {
  const size_t i = static_cast<size_t>(e);
  return i < std::size(kServerErrorNames) ? kServerErrorNames[i] : "?";
}

std::string_view ErrorName(Condition c) {
  const size_t i = static_cast<size_t>(c);
  return i < std::size(kConditionNames) ? kConditionNames[i] : "?";
}

ServerError ServerErrorFromName(std::string_view wire) {
  // "none" and "unrecognized" are our names, not wire values.
  for (size_t i = 1; i + 1 < std::size(kServerErrorNames); ++i) {
    if (kServerErrorNames[i] == wire) return static_cast<ServerError>(i);
  }
  return ServerError::kUnrecognized;
}

std::optional<Condition> ConditionFromName(std::string_view name) {
  for (size_t i = 1; i < std::size(kConditionNames); ++i) {
    if (kConditionNames[i] == name) return static_cast<Condition>(i);
  }
  return std::nullopt;
}

ServerError ServerErrorFor(Error e) {
  const size_t i = static_cast<size_t>(e);
  if (i >= std::size(kErrors)) return ServerError::kOtherError;
  const ServerError s = kErrors[i].server_error;
  return s == ServerError::kNone && e != Error::kNone ? ServerError::kOtherError : s;
}

Condition ConditionFor(Error e) {
  const size_t i = static_cast<size_t>(e);
  return i < std::size(kErrors) ? kErrors[i].condition : Condition::kNotAuthorized;
}

Condition ConditionFor(ServerError e) {
  switch (e) {
    case ServerError::kNone:
      return Condition::kNone;
    case ServerError::kInvalidEncoding:
      return Condition::kIncorrectEncoding;
    case ServerError::kExtensionsNotSupported:
    case ServerError::kInvalidUsernameEncoding:
      return Condition::kMalformedRequest;
    case ServerError::kNoResources:
      return Condition::kTemporaryAuthFailure;
    case ServerError::kInvalidProof:
    case ServerError::kChannelBindingsDontMatch:
    case ServerError::kServerDoesSupportChannelBinding:
    case ServerError::kChannelBindingNotSupported:
    case ServerError::kUnsupportedChannelBindingType:
    case ServerError::kUnknownUser:
    case ServerError::kOtherError:
    case ServerError::kUnrecognized:
      return Condition::kNotAuthorized;
  }
  return Condition::kNotAuthorized;
}

std::string Describe(const Failure& f) {
  std::string out(ErrorName(f.code));
  if (f.server_error != ServerError::kNone) {
    out += " server-error=";
    out += ErrorName(f.server_error);
  }
  out += " at ";
  out += std::to_string(f.offset);
  return out;
}

std::string_view WaitName(Wait w) {
  switch (w) {
    case Wait::kSend:
      return "send";
    case Wait::kNeedMessage:
      return "need-message";
    case Wait::kSuccess:
      return "success";
    case Wait::kFailure:
      return "failure";
  }
  return "?";
}

std::string_view DowngradeStatusName(DowngradeStatus s) {
  switch (s) {
    case DowngradeStatus::kNotOffered:
      return "not-offered";
    case DowngradeStatus::kNotChecked:
      return "not-checked";
    case DowngradeStatus::kVerified:
      return "verified";
    case DowngradeStatus::kOldForm:
      return "old-form";
  }
  return "?";
}

}  // namespace xmppfuzz::sasl
