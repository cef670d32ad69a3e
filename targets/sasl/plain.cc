// PLAIN (RFC 4616): message = [authzid] NUL authcid NUL passwd, each field
// 1*SAFE (UTF-8 without NUL). The RFC requires accepting up to 255 octets per
// field; longer ones are refused here (kPlainFieldTooLong) to bound work.
#include <string>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::Fail;

namespace {

constexpr size_t kMaxPlainField = 255;

// CheckField checks one field at |offset| in the message.
bool CheckField(std::string_view field, size_t offset, Failure* failure) {
  if (const size_t nul = field.find('\0'); nul != std::string_view::npos) {
    return Fail(failure, Error::kPlainExtraNul, offset + nul);
  }
  if (field.size() > kMaxPlainField) return Fail(failure, Error::kPlainFieldTooLong, offset);
  size_t bad = 0;
  if (!internal::ValidUtf8(field, &bad)) return Fail(failure, Error::kBadUtf8, offset + bad);
  return true;
}

}  // namespace

std::optional<std::string> BuildPlain(const PlainMessage& m, Failure* failure) {
  const size_t authcid_at = m.authzid.size() + 1;
  const size_t passwd_at = authcid_at + m.authcid.size() + 1;
  if (!CheckField(m.authzid, 0, failure)) return std::nullopt;
  if (m.authcid.empty()) {
    Fail(failure, Error::kPlainEmptyAuthcid, authcid_at);
    return std::nullopt;
  }
  if (!CheckField(m.authcid, authcid_at, failure)) return std::nullopt;
  if (m.password.empty()) {
    Fail(failure, Error::kPlainEmptyPassword, passwd_at);
    return std::nullopt;
  }
  if (!CheckField(m.password, passwd_at, failure)) return std::nullopt;
  std::string out = m.authzid;
  out += '\0';
  out += m.authcid;
  out += '\0';
  out += m.password;
  if (failure != nullptr) *failure = Failure{};
  return out;
}

bool ParsePlain(std::string_view msg, PlainMessage* out, Failure* failure) {
  if (msg.size() > kDefaultMaxMessageBytes) return Fail(failure, Error::kMessageTooLong, kDefaultMaxMessageBytes);
  const size_t first = msg.find('\0');
  if (first == std::string_view::npos) return Fail(failure, Error::kPlainMissingNul, msg.size());
  const size_t second = msg.find('\0', first + 1);
  if (second == std::string_view::npos) return Fail(failure, Error::kPlainMissingNul, msg.size());
  if (const size_t third = msg.find('\0', second + 1); third != std::string_view::npos) {
    return Fail(failure, Error::kPlainExtraNul, third);
  }
  const std::string_view authzid = msg.substr(0, first);
  const std::string_view authcid = msg.substr(first + 1, second - first - 1);
  const std::string_view passwd = msg.substr(second + 1);
  if (!CheckField(authzid, 0, failure)) return false;
  if (authcid.empty()) return Fail(failure, Error::kPlainEmptyAuthcid, first + 1);
  if (!CheckField(authcid, first + 1, failure)) return false;
  if (passwd.empty()) return Fail(failure, Error::kPlainEmptyPassword, second + 1);
  if (!CheckField(passwd, second + 1, failure)) return false;
  out->authzid = std::string(authzid);
  out->authcid = std::string(authcid);
  out->password = std::string(passwd);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

bool VerifyPlain(std::string_view msg, const PlainVerifier& verifier, const CredentialLookup& lookup,
                 const Authorize& authorize, PlainMessage* out, Failure* failure) {
  PlainMessage m;
  if (!ParsePlain(msg, &m, failure)) return false;
  internal::SecretString raw_password(std::move(m.password));
  Failure f;
  std::optional<std::string> authcid = Saslprep(m.authcid, SaslprepMode::kQuery, &f);
  if (!authcid) return Fail(failure, f.code, f.offset);
  std::optional<std::string> prepared = Saslprep(raw_password.value, SaslprepMode::kQuery, &f);
  if (!prepared) return Fail(failure, f.code, f.offset);
  internal::SecretString password(std::move(*prepared));
  bool ok = false;
  if (verifier) {
    ok = verifier(*authcid, password.value);
  } else if (lookup) {
    std::optional<StoredCredentials> creds;
    for (Hash h : {Hash::kSha256, Hash::kSha512, Hash::kSha1}) {
      creds = lookup(*authcid, h);
      if (creds && creds->hash == h) break;
      creds.reset();
    }
    if (!creds) return Fail(failure, Error::kUnknownUser, 0);
    // DeriveCredentials SASLpreps again; SASLprep is idempotent.
    std::optional<StoredCredentials> derived =
        DeriveCredentials(creds->hash, password.value, creds->salt, creds->iterations, &f);
    if (!derived) return Fail(failure, f.code, 0);
    ok = internal::Equal(derived->stored_key, creds->stored_key);
    internal::Cleanse(derived->stored_key);
    internal::Cleanse(derived->server_key);
    internal::Cleanse(creds->stored_key);
    internal::Cleanse(creds->server_key);
  }
  if (!ok) return Fail(failure, Error::kPlainBadCredentials, 0);
  if (!m.authzid.empty() && (!authorize || !authorize(m.authzid, *authcid))) {
    return Fail(failure, Error::kAuthzidRefused, 0);
  }
  out->authzid = std::move(m.authzid);
  out->authcid = std::move(*authcid);
  out->password.clear();
  if (failure != nullptr) *failure = Failure{};
  return true;
}

}  // namespace xmppfuzz::sasl
