// scram_client_fuzzer: fuzzed server messages into our ScramClient (user
// "user", password "pencil", the RFC 5802 / RFC 7677 client nonces).
// Input: two choice bytes, server-first (two length bytes), server-final.
// By a fuzzer choice the server-final is the fuzzed one or the right v=
// the harness computes (independently, with OpenSSL) from the exchange.
// Properties: client-first follows the gs2 rules exactly; client-final is
// sent only when the server nonce extends the client's, i is within
// [4096, ceiling], no m=, and h= verified where required, and it carries the
// right c=, nonce and proof; success only with the right ServerSignature;
// the right v= always succeeds; no secret in DebugString() or Describe().
#include <string>

#include "harnesses/sasl_harness.h"

using namespace xmppfuzz;
using namespace xmppfuzz::harness;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t c0 = in.Byte(), c1 = in.Byte();
  constexpr uint32_t kCeiling = 10000;  // keeps one input under ~10 ms of PBKDF2
  const sasl::Offer offer{{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}, {{"tls-exporter"}}};
  sasl::ScramClientConfig config;
  config.mechanism = ScramFrom(c0);
  const sasl::Hash hash = sasl::HashOf(config.mechanism);
  config.username = std::string(kUser);
  config.password = std::string(kPassword);
  config.server_offered_plus = (c0 & 8) != 0;
  if (c0 & 16) config.offer = offer;
  config.require_downgrade_hash = (c0 & 32) != 0;
  if (c0 >> 6) config.channel_binding = FixedBinding(CbTypeFrom((c0 >> 6) - 1));
  config.fixed_nonce = std::string(kClientNonces[(c1 & 3) % 3]);
  if (c1 & 4) config.authzid = "admin";
  const int final_mode = ((c1 >> 3) & 3) % 3;  // 0 fuzzed, 1 computed v=, 2 computed v= + fuzzed extension
  config.no_mutual_cb_fallback = (c1 & 32) != 0;
  config.max_iterations = kCeiling;
  const sasl::ScramClientConfig cfg = config;
  const std::string server_first(Message(in));
  const std::string_view fuzzed_final = in.Rest();
  Secrets secrets;
  secrets.Add(kPassword);
  for (sasl::Hash h : {sasl::Hash::kSha1, sasl::Hash::kSha256, sasl::Hash::kSha512}) secrets.AddKeys(AccountKeys(h));

  sasl::ScramClient client(std::move(config));
  auto fail = [&](const std::string& what) { SaslFail(secrets, what + "\n  " + client.DebugString(), input); };
  auto check = [&](sasl::Wait w) {
    secrets.RequireNoSecret("DebugString()", client.DebugString(), input);
    secrets.RequireNoSecret("Describe()", sasl::Describe(client.failure()), input);
    if (w == sasl::Wait::kFailure && client.failure().ok()) fail("failure without a code");
  };
  // Client-first: the gs2 rules of RFC 5802 section 6.
  const bool plus = sasl::IsPlus(cfg.mechanism);
  const bool can_bind = cfg.channel_binding.has_value();
  sasl::Error want_error = sasl::Error::kNone;
  std::string flag = "n";
  if (plus && can_bind) flag = "p=" + std::string(sasl::CbTypeName(cfg.channel_binding->type));
  if (plus && !can_bind) want_error = sasl::Error::kChannelBindingDataMissing;
  if (!plus && can_bind && !cfg.no_mutual_cb_fallback) {
    if (cfg.server_offered_plus) want_error = sasl::Error::kPlusOfferedNotUsed;
    flag = "y";
  }
  sasl::Wait w = client.Step();
  check(w);
  if (want_error != sasl::Error::kNone) {
    if (w != sasl::Wait::kFailure || client.failure().code != want_error) fail("gs2 rule not enforced");
    return 0;
  }
  const std::string gs2 = flag + "," + (cfg.authzid.empty() ? "" : "a=admin") + ",";
  const std::string bare = "n=user,r=" + cfg.fixed_nonce;
  if (w != sasl::Wait::kSend || client.output() != gs2 + bare) fail("client-first is not " + gs2 + bare);

  w = client.Step(server_first);
  check(w);
  if (w != sasl::Wait::kSend) return 0;
  // The client accepted server-first: every client check held.
  const std::string nonce(Attr(server_first, 'r').value_or(""));
  if (!nonce.starts_with(cfg.fixed_nonce) || nonce.size() <= cfg.fixed_nonce.size()) fail("nonce not extended");
  const unsigned long i = std::stoul(std::string(Attr(server_first, 'i').value_or("0")));
  if (i < sasl::kMinIterations || i > kCeiling) fail("iteration count outside [floor, ceiling] accepted");
  if (server_first.starts_with("m=")) fail("mandatory extension accepted");
  const std::optional<std::string_view> h = Attr(server_first, 'h');
  if ((cfg.require_downgrade_hash || cfg.no_mutual_cb_fallback) && (!cfg.offer || !h))
    fail("h= required, not verified");
  if (cfg.offer && h && *h != DowngradeHashOf(hash, offer)) fail("wrong XEP-0474 h= accepted");
  const std::string salt = OsslUnbase64(Attr(server_first, 's').value_or("")).value_or("");
  const ScramKeys keys = (salt == AccountSalt(hash) && i == kIterations)
                             ? AccountKeys(hash)
                             : DeriveKeys(hash, kPassword, salt, static_cast<uint32_t>(i));
  secrets.AddKeys(keys);
  const std::string client_final = client.output();
  std::string without_proof, proof;
  if (!SplitProof(client_final, &without_proof, &proof)) fail("client-final without a proof");
  const std::string binding = plus ? cfg.channel_binding->data : "";
  if (OsslUnbase64(Attr(without_proof, 'c').value_or("")) != gs2 + binding) fail("client-final c= is wrong");
  if (Attr(without_proof, 'r') != nonce) fail("client-final nonce is not the server's");
  const std::string auth_message = bare + "," + server_first + "," + without_proof;
  if (proof != ClientProof(keys, auth_message)) fail("client-final proof is wrong");

  const std::string signature = ServerSignature(keys, auth_message);
  std::string server_final(fuzzed_final);
  if (final_mode != 0) server_final = "v=" + OsslBase64(signature);
  if (final_mode == 2) server_final += "," + std::string(fuzzed_final);
  w = client.Step(server_final);
  check(w);
  if (w == sasl::Wait::kSuccess) {
    if (server_final.starts_with("e=") || OsslUnbase64(Attr(server_final, 'v').value_or("")) != signature) {
      fail("success without the right server signature");
    }
  } else if (final_mode == 1) {
    fail("the right server signature was refused: " + sasl::Describe(client.failure()));
  }
  return 0;
}
