// sasl_plain_fuzzer: RFC 4616 PLAIN messages, parsed and built.
// Input: one choice byte, then the message (parsed as is) and, from the
// same bytes read as three length-prefixed fields, a message to build.
// Properties: ParsePlain accepts exactly the messages with two NULs whose
// fields are UTF-8 of at most 255 octets with authcid and passwd non-empty
// (a refusal names a rule the message breaks), and BuildPlain of what it
// parsed gives the message back; BuildPlain refuses exactly the fields that
// break a rule and ParsePlain reads back what it built; VerifyPlain (with
// stored SCRAM credentials of user/pencil) succeeds only for that account.
#include <algorithm>

#include "harnesses/sasl_harness.h"
#include "targets/base/base.h"

using namespace xmppfuzz;
using namespace xmppfuzz::harness;

namespace {

// Violations lists the codes a field set breaks (empty: a valid message).
std::vector<sasl::Error> Violations(const std::vector<std::string_view>& f) {
  std::vector<sasl::Error> v;
  for (std::string_view s : f) {
    if (s.find('\0') != std::string_view::npos) v.push_back(sasl::Error::kPlainExtraNul);
    if (s.size() > 255) v.push_back(sasl::Error::kPlainFieldTooLong);
    if (base::FirstInvalidUtf8(s) != std::string_view::npos) v.push_back(sasl::Error::kBadUtf8);
  }
  if (f[1].empty()) v.push_back(sasl::Error::kPlainEmptyAuthcid);
  if (f[2].empty()) v.push_back(sasl::Error::kPlainEmptyPassword);
  return v;
}

bool Names(const std::vector<sasl::Error>& v, sasl::Error e) { return std::find(v.begin(), v.end(), e) != v.end(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t choice = in.Byte();
  const std::string_view msg = in.Rest();
  sasl::PlainMessage parsed;
  sasl::Failure f;
  const bool ok = sasl::ParsePlain(msg, &parsed, &f);
  const size_t nuls = static_cast<size_t>(std::count(msg.begin(), msg.end(), '\0'));
  std::vector<sasl::Error> broken;
  if (msg.size() > sasl::kDefaultMaxMessageBytes) broken.push_back(sasl::Error::kMessageTooLong);
  if (nuls < 2) broken.push_back(sasl::Error::kPlainMissingNul);
  if (nuls > 2) broken.push_back(sasl::Error::kPlainExtraNul);
  if (nuls == 2) {
    const size_t a = msg.find('\0'), b = msg.find('\0', a + 1);
    for (sasl::Error e : Violations({msg.substr(0, a), msg.substr(a + 1, b - a - 1), msg.substr(b + 1)}))
      broken.push_back(e);
  }
  if (ok != broken.empty())
    Fail(ok ? "ParsePlain accepted a message that breaks RFC 4616" : "ParsePlain refused a valid message", msg);
  if (!ok && (!Names(broken, f.code) || f.offset > msg.size()))
    Fail("ParsePlain refused with " + sasl::Describe(f), msg);
  if (ok && sasl::BuildPlain(parsed) != std::string(msg)) Fail("BuildPlain(ParsePlain(m)) != m", msg);

  FuzzInput fields(data + 1, size - (size > 0));
  sasl::PlainMessage m{std::string(Message(fields, 300)), std::string(Message(fields, 300)),
                       std::string(Message(fields, 300))};
  const std::vector<sasl::Error> bad = Violations({m.authzid, m.authcid, m.password});
  const std::optional<std::string> built = sasl::BuildPlain(m, &f);
  if (built.has_value() != bad.empty() || (!built && !Names(bad, f.code)))
    Fail("BuildPlain: " + sasl::Describe(f), msg);
  sasl::PlainMessage back;
  if (built && (!sasl::ParsePlain(*built, &back, nullptr) || back.authzid != m.authzid || back.authcid != m.authcid ||
                back.password != m.password)) {
    Fail("ParsePlain(BuildPlain(m)) != m", msg);
  }

  // Stored credentials at i=1 keep the PBKDF2 in VerifyPlain cheap.
  static const sasl::StoredCredentials creds = *sasl::DeriveCredentials(sasl::Hash::kSha256, kPassword, "salt", 1);
  sasl::CredentialLookup lookup = [](std::string_view u, sasl::Hash h) -> std::optional<sasl::StoredCredentials> {
    return u == kUser && h == sasl::Hash::kSha256 ? std::optional(creds) : std::nullopt;
  };
  sasl::Authorize authorize = [](std::string_view a, std::string_view) { return a == "admin"; };
  sasl::PlainMessage verified;
  const std::string_view candidate = (choice & 1) && built ? std::string_view(*built) : msg;
  if (sasl::VerifyPlain(candidate, nullptr, lookup, authorize, &verified, &f)) {
    sasl::ParsePlain(candidate, &back, nullptr);
    if (verified.authcid != kUser || sasl::Saslprep(back.password) != std::string(kPassword) ||
        !verified.password.empty() || (!back.authzid.empty() && back.authzid != "admin")) {
      Fail("VerifyPlain accepted the wrong account, password or authzid", msg);
    }
  }
  return 0;
}
