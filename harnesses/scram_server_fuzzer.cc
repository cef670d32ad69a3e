// scram_server_fuzzer: fuzzed client messages into our ScramServer, which
// holds the RFC 5802 / RFC 7677 account (user/pencil) as stored credentials.
// Input: two choice bytes, client-first (two length bytes), client-final.
// By a fuzzer choice the client-final is the fuzzed one or one the harness
// computes from the server-first it got (independently, with OpenSSL), so
// the success path is reached. Properties: success only with the proof
// derived from the right password, the combined nonce, the right c= and the
// gs2 rules; then v= is the right ServerSignature; a correct client-final
// always succeeds; a refusal is an e= value matching failure(); no secret
// in DebugString() or Describe().
#include "harnesses/sasl_harness.h"

using namespace xmppfuzz;
using namespace xmppfuzz::harness;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t c0 = in.Byte(), c1 = in.Byte();
  sasl::ScramServerConfig config;
  config.mechanism = ScramFrom(c0);
  const sasl::Hash hash = sasl::HashOf(config.mechanism);
  config.offers_plus = (c0 & 8) != 0;
  config.channel_bindings = BindingsFrom(c1);
  const sasl::Offer offer{{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}, {{"tls-exporter"}}};
  if (c0 & 16) config.offer = offer;
  const bool authorize_admin = (c0 & 32) != 0;
  if (authorize_admin)
    config.authorize = [](std::string_view a, std::string_view u) { return a == "admin" && u == kUser; };
  config.fixed_nonce = std::string(kServerNonces[(c0 >> 6) % 3]);
  config.lookup = [](std::string_view user, sasl::Hash h) -> std::optional<sasl::StoredCredentials> {
    if (user != kUser) return std::nullopt;
    const ScramKeys& k = AccountKeys(h);
    return sasl::StoredCredentials{h, AccountSalt(h), kIterations, k.stored_key, k.server_key};
  };
  const int final_mode = ((c1 >> 3) & 3) % 3;  // 0 fuzzed, 1 computed, 2 computed + fuzzed extension
  const std::string client_first(Message(in));
  const std::string_view fuzzed_final = in.Rest();
  const ScramKeys& keys = AccountKeys(hash);
  Secrets secrets;
  secrets.Add(kPassword);
  for (sasl::Hash h : {sasl::Hash::kSha1, sasl::Hash::kSha256, sasl::Hash::kSha512}) secrets.AddKeys(AccountKeys(h));

  sasl::ScramServer server(std::move(config));
  auto fail = [&](const std::string& what) { SaslFail(secrets, what + "\n  " + server.DebugString(), input); };
  auto check_refusal = [&](sasl::Wait w) {
    secrets.RequireNoSecret("DebugString()", server.DebugString(), input);
    secrets.RequireNoSecret("Describe()", sasl::Describe(server.failure()), input);
    if (w != sasl::Wait::kFailure) return;
    if (server.failure().ok() || server.failure().server_error == sasl::ServerError::kNone)
      fail("refusal without a code");
    if (server.output() != "e=" + std::string(sasl::ErrorName(server.failure().server_error)))
      fail("e= differs from failure()");
  };
  if (server.Step() != sasl::Wait::kNeedMessage) fail("a fresh server does not wait for client-first");
  sasl::Wait w = server.Step(client_first);
  check_refusal(w);
  if (w != sasl::Wait::kSend) return 0;
  const std::string server_first = server.output();
  const size_t gs2_len = Gs2Length(client_first);
  const std::string gs2 = client_first.substr(0, gs2_len);
  const std::string bare = client_first.substr(gs2_len);
  const std::string nonce(Attr(server_first, 'r').value_or(""));
  if (!nonce.starts_with(Attr(bare, 'r').value_or("?")) || !nonce.ends_with(kServerNonces[(c0 >> 6) % 3])) {
    fail("server-first nonce is not client nonce + server nonce");
  }
  if (server.username() == kUser && Attr(server_first, 's') != OsslBase64(AccountSalt(hash))) fail("wrong salt");
  if ((c0 & 16) && Attr(server_first, 'h') != DowngradeHashOf(hash, offer)) fail("h= is not the XEP-0474 hash");
  w = server.Step();
  if (w != sasl::Wait::kNeedMessage) fail("server does not wait for client-final");

  // The binding data c= must carry after the gs2 header.
  std::string binding;
  if (gs2.starts_with("p=")) {
    for (const sasl::ChannelBinding& cb : BindingsFrom(c1)) {
      if ("p=" + std::string(sasl::CbTypeName(cb.type)) == gs2.substr(0, gs2.find(','))) binding = cb.data;
    }
  }
  std::string client_final(fuzzed_final);
  if (final_mode != 0) {
    std::string without_proof = "c=" + OsslBase64(gs2 + binding) + ",r=" + nonce;
    if (final_mode == 2) without_proof += "," + std::string(fuzzed_final);
    client_final =
        without_proof + ",p=" + OsslBase64(ClientProof(keys, bare + "," + server_first + "," + without_proof));
  }
  w = server.Step(client_final);
  check_refusal(w);
  std::string without_proof, proof;
  const bool has_proof = SplitProof(client_final, &without_proof, &proof);
  const std::string auth_message = bare + "," + server_first + "," + without_proof;
  const bool right_proof = has_proof && proof == ClientProof(keys, auth_message);
  const std::string authzid(Attr(gs2.substr(gs2.find(',') + 1), 'a').value_or(""));
  const bool authorized = authzid.empty() || (authorize_admin && authzid == "admin");
  if (w == sasl::Wait::kSend) {
    if (!right_proof) fail("authenticated without the proof derived from the password");
    if (server.username() != kUser || !authorized) fail("authenticated an unknown user or a refused authzid");
    if (Attr(without_proof, 'r') != nonce) fail("authenticated with the wrong nonce");
    if (OsslUnbase64(Attr(without_proof, 'c').value_or("")) != gs2 + binding) fail("authenticated with the wrong c=");
    const bool plus = sasl::IsPlus(ScramFrom(c0));
    if (plus != gs2.starts_with("p=") || (gs2.starts_with("y") && (c0 & 8)))
      fail("authenticated against the gs2 rules");
    if (server.output() != "v=" + OsslBase64(ServerSignature(keys, auth_message))) fail("v= is not ServerSignature");
    if (server.Step() != sasl::Wait::kSuccess) fail("no success after v=");
  } else if (final_mode == 1 && server.username() == kUser && authorized &&
             client_final.size() <= sasl::kDefaultMaxMessageBytes) {
    fail("a correct client-final was refused: " + sasl::Describe(server.failure()));
  } else if (server.failure().code == sasl::Error::kProofMismatch && right_proof) {
    fail("the right proof was refused as a mismatch");
  }
  return 0;
}
