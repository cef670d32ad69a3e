// scram_roundtrip_fuzzer: our ScramClient against our ScramServer with
// fuzzer-chosen user, password, authzid, salt, iteration count (4096 +
// 0..255: the client's floor is fixed, so every input pays two PBKDF2 runs
// of at least 4096 iterations), mechanism, binding type and data, and XEP-0474
// data. Input: two choice bytes, then length-prefixed user, password,
// authzid, salt, binding data and (by choice) a wrong password.
// Properties: client and server always agree; when every string survives
// SASLprep both succeed (for SHA-1, SHA-256 and SHA-512, with and without
// -PLUS); a wrong password fails on both sides with invalid-proof; the
// server sees the SASLprep'ed user name after saslname escaping; h= verifies.
#include "harnesses/sasl_harness.h"
#include "targets/base/base.h"

using namespace xmppfuzz;
using namespace xmppfuzz::harness;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t c0 = in.Byte(), c1 = in.Byte();
  const std::string user(in.String(64)), password(in.String(64)), authzid(in.String(32));
  std::string salt(in.String(32));
  if (salt.empty()) salt = "salt";
  sasl::ChannelBinding cb{CbTypeFrom((c0 >> 3) & 3), std::string(in.String(64))};
  const bool plus = (c0 & 4) != 0, wrong = (c0 & 64) != 0, with_offer = (c0 & 32) != 0;
  const bool client_binds = plus || ((c0 >> 3) & 3) != 3;  // non-PLUS with a binding: gs2 'y'
  const std::string other(in.String(64));
  const sasl::Mechanism mech = sasl::ScramMechanism(HashFrom(c0), plus);
  const uint32_t iterations = sasl::kMinIterations + c1;

  const std::optional<std::string> prepped = sasl::Saslprep(password), prepped_user = sasl::Saslprep(user);
  const std::optional<std::string> prepped_other = sasl::Saslprep(other);
  std::optional<sasl::StoredCredentials> creds =
      sasl::DeriveCredentials(sasl::HashOf(mech), password, salt, iterations);
  if (creds.has_value() != prepped.has_value()) Fail("DeriveCredentials and Saslprep disagree on the password", input);
  if (!creds) return 0;
  const bool valid = prepped_user && !prepped_user->empty() && base::FirstInvalidUtf8(authzid) == std::string::npos &&
                     (wrong ? prepped_other : prepped).has_value();
  const bool expect_wrong = wrong && prepped_other && *prepped_other != *prepped;
  Secrets secrets;
  secrets.Add(creds->stored_key);
  secrets.Add(creds->server_key);
  const sasl::Offer offer{
      {std::string(sasl::MechanismName(mech)), "SCRAM-SHA-1", "PLAIN"},
      plus ? std::optional<std::vector<std::string>>({std::string(sasl::CbTypeName(cb.type))}) : std::nullopt};

  sasl::ScramClientConfig cc;
  cc.mechanism = mech;
  cc.username = user;
  cc.password = wrong ? other : password;
  cc.authzid = authzid;
  if (client_binds) cc.channel_binding = cb;
  cc.server_offered_plus = plus;
  if (with_offer) cc.offer = offer;
  cc.require_downgrade_hash = with_offer;
  sasl::ScramServerConfig sc;
  sc.mechanism = mech;
  sc.offers_plus = plus;
  if (plus) sc.channel_bindings = {cb};
  if (with_offer) sc.offer = offer;
  std::string looked_up;
  sc.lookup = [&](std::string_view name, sasl::Hash) {
    looked_up = name;
    return creds;
  };
  sc.authorize = [&](std::string_view a, std::string_view) { return a == authzid; };
  sasl::ScramClient client(std::move(cc));
  sasl::ScramServer server(std::move(sc));
  auto fail = [&](const std::string& what) {
    SaslFail(secrets, what + "\n  " + client.DebugString() + "\n  " + server.DebugString(), input);
  };

  sasl::Wait cw = client.Step(), sw = server.Step();
  for (int round = 0; round < 4 && cw == sasl::Wait::kSend; ++round) {
    sw = server.Step(client.output());
    if (sw == sasl::Wait::kSend || sw == sasl::Wait::kFailure) cw = client.Step(server.output());
    if (sw == sasl::Wait::kSend) sw = server.Step();
  }
  secrets.RequireNoSecret("a DebugString()", client.DebugString() + server.DebugString(), input);
  const bool client_ok = cw == sasl::Wait::kSuccess, server_ok = sw == sasl::Wait::kSuccess;
  if (client_ok != server_ok) fail("client and server disagree");
  if (!valid) {
    if (client.state() != sasl::ScramClient::State::kFailed || !server.username().empty()) fail("invalid name used");
    return 0;
  }
  if (looked_up != *prepped_user || server.username() != *prepped_user) fail("server saw another user name");
  if (expect_wrong) {
    if (server.failure().code != sasl::Error::kProofMismatch ||
        client.failure().server_error != sasl::ServerError::kInvalidProof) {
      fail("a wrong password did not fail with invalid-proof on both sides");
    }
  } else if (!wrong && !client_ok) {
    fail("the right password failed");
  }
  if (client_ok && with_offer && client.downgrade_status() != sasl::DowngradeStatus::kVerified) fail("h= not verified");
  return 0;
}
