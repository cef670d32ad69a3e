// SASL costs: a whole SCRAM-SHA-256 exchange at i=4096, PBKDF2 for each
// hash, and the server's check of a client-final with cached StoredKey and
// ServerKey, each against the same computation done with OpenSSL's raw
// primitives (PKCS5_PBKDF2_HMAC, HMAC, EVP_Digest) in the same run.
//
// Names are <Scenario>/<implementation>[/<arg>] (docs/design.md, "Benchmark
// names"): implementations `xmppfuzz` (the public API of targets/sasl) and
// `openssl_raw` (the arithmetic alone with OpenSSL's one-shot calls: no
// parsing, no state machine); ServerCheck also has `openssl_prekeyed` (the
// check with HMAC contexts keyed once: the hashing floor). Every scenario
// works on the RFC 7677 section 3 exchange (user "user", password "pencil",
// fixed nonces), and before it is timed each implementation's
// result is checked against the RFC's bytes (client-final proof, v=) or,
// for PBKDF2, against the other implementation; a mismatch skips the
// benchmark with an error instead of timing a wrong answer.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::bench {
namespace {

using sasl::Hash;

// RFC 7677 section 3.
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
constexpr uint32_t kIterations = 4096;

const EVP_MD* Md(Hash h) { return h == Hash::kSha1 ? EVP_sha1() : h == Hash::kSha256 ? EVP_sha256() : EVP_sha512(); }
const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string Salt() { return *sasl::Base64Decode("W22ZaJ0SNY7soEsUEjb6gQ=="); }

// --- openssl_raw: the arithmetic of RFC 5802 section 3 ------------------------

std::string RawHmac(Hash h, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(Md(h), key.data(), static_cast<int>(key.size()), U(data), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string RawDigest(Hash h, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, Md(h), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string RawPbkdf2(Hash h, std::string_view password, std::string_view salt, uint32_t iterations) {
  std::string out(static_cast<size_t>(EVP_MD_get_size(Md(h))), '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), U(salt), static_cast<int>(salt.size()),
                    static_cast<int>(iterations), Md(h), static_cast<int>(out.size()),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string RawBase64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(bytes), static_cast<int>(bytes.size()))));
  return out;
}

std::string AuthMessage(std::string_view without_proof) {
  return std::string(kClientFirst.substr(3)) + "," + std::string(kServerFirst) + "," + std::string(without_proof);
}

struct RawKeys {
  std::string stored_key, server_key;
};

// RawServerCheck: StoredKey == H(ClientProof XOR HMAC(StoredKey, AuthMessage)),
// then v= base64(HMAC(ServerKey, AuthMessage)). |proof| is decoded already,
// as the parse is not part of the arithmetic. Returns the server-final or "".
std::string RawServerCheck(const RawKeys& k, std::string_view auth_message, std::string_view proof) {
  std::string key = RawHmac(Hash::kSha256, k.stored_key, auth_message);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(key[i] ^ proof[i]);
  const std::string candidate = RawDigest(Hash::kSha256, key);
  OPENSSL_cleanse(key.data(), key.size());
  if (CRYPTO_memcmp(candidate.data(), k.stored_key.data(), candidate.size()) != 0) return "";
  return "v=" + RawBase64(RawHmac(Hash::kSha256, k.server_key, auth_message));
}

// Prekeyed is the same check with what OpenSSL 3 lets a server cache next to
// StoredKey/ServerKey: fetched algorithms and HMAC contexts keyed once
// (EVP_MAC_init with a NULL key restarts from the saved key state), so a
// check costs the compression blocks and nothing else. It shows what the
// hashing itself allows on this machine.
class Prekeyed {
 public:
  explicit Prekeyed(const RawKeys& k)
      : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)),
        md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
        stored_(k.stored_key),
        client_(Keyed(k.stored_key)),
        server_(Keyed(k.server_key)),
        digest_(EVP_MD_CTX_new()) {}
  ~Prekeyed() {
    EVP_MAC_CTX_free(client_);
    EVP_MAC_CTX_free(server_);
    EVP_MD_CTX_free(digest_);
    EVP_MD_free(md_);
    EVP_MAC_free(mac_);
  }
  Prekeyed(const Prekeyed&) = delete;
  Prekeyed& operator=(const Prekeyed&) = delete;

  std::string Check(std::string_view auth_message, std::string_view proof) {
    unsigned char key[EVP_MAX_MD_SIZE], candidate[EVP_MAX_MD_SIZE];
    const size_t n = Mac(client_, auth_message, key);
    for (size_t i = 0; i < n; ++i) key[i] = static_cast<unsigned char>(key[i] ^ static_cast<unsigned char>(proof[i]));
    unsigned int m = 0;
    EVP_DigestInit_ex(digest_, md_, nullptr);
    EVP_DigestUpdate(digest_, key, n);
    EVP_DigestFinal_ex(digest_, candidate, &m);
    OPENSSL_cleanse(key, sizeof key);
    if (m != stored_.size() || CRYPTO_memcmp(candidate, stored_.data(), m) != 0) return "";
    unsigned char signature[EVP_MAX_MD_SIZE];
    const size_t s = Mac(server_, auth_message, signature);
    return "v=" + RawBase64(std::string_view(reinterpret_cast<char*>(signature), s));
  }

 private:
  EVP_MAC_CTX* Keyed(std::string_view key) {
    EVP_MAC_CTX* c = EVP_MAC_CTX_new(mac_);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    EVP_MAC_init(c, U(key), key.size(), params);
    return c;
  }
  static size_t Mac(EVP_MAC_CTX* c, std::string_view data, unsigned char* out) {
    size_t n = 0;
    EVP_MAC_init(c, nullptr, 0, nullptr);
    EVP_MAC_update(c, U(data), data.size());
    EVP_MAC_final(c, out, &n, EVP_MAX_MD_SIZE);
    return n;
  }

  EVP_MAC* mac_;
  EVP_MD* md_;
  std::string stored_;
  EVP_MAC_CTX* client_;
  EVP_MAC_CTX* server_;
  EVP_MD_CTX* digest_;
};

// RawExchange: both sides' arithmetic for one exchange: the client's
// PBKDF2, keys, proof and expected signature, the server's check.
std::string RawExchange(const RawKeys& server) {
  const std::string without_proof = std::string(kClientFinal.substr(0, kClientFinal.find(",p=")));
  const std::string auth = AuthMessage(without_proof);
  const std::string salted = RawPbkdf2(Hash::kSha256, "pencil", Salt(), kIterations);
  const std::string client_key = RawHmac(Hash::kSha256, salted, "Client Key");
  std::string proof = RawHmac(Hash::kSha256, RawDigest(Hash::kSha256, client_key), auth);
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ client_key[i]);
  const std::string want = "v=" + RawBase64(RawHmac(Hash::kSha256, RawHmac(Hash::kSha256, salted, "Server Key"), auth));
  const std::string got = RawServerCheck(server, auth, proof);
  return got == want ? without_proof + ",p=" + RawBase64(proof) + " " + got : "";
}

RawKeys RawKeysFor(std::string_view password) {
  const std::string salted = RawPbkdf2(Hash::kSha256, password, Salt(), kIterations);
  return {RawDigest(Hash::kSha256, RawHmac(Hash::kSha256, salted, "Client Key")),
          RawHmac(Hash::kSha256, salted, "Server Key")};
}

// --- xmppfuzz: the public API ----------------------------------------------------

const sasl::StoredCredentials& Credentials() {
  static const sasl::StoredCredentials creds = *sasl::DeriveCredentials(Hash::kSha256, "pencil", Salt(), kIterations);
  return creds;
}

sasl::ScramServerConfig ServerConfig() {
  sasl::ScramServerConfig c;
  c.mechanism = sasl::Mechanism::kScramSha256;
  c.fixed_nonce = std::string(kServerNonce);
  c.lookup = [](std::string_view user, Hash) -> std::optional<sasl::StoredCredentials> {
    if (user != "user") return std::nullopt;
    return Credentials();
  };
  return c;
}

// OursExchange runs our client against our server; returns "client-final
// server-final" on success, "" otherwise.
std::string OursExchange() {
  sasl::ScramClientConfig cc;
  cc.mechanism = sasl::Mechanism::kScramSha256;
  cc.username = "user";
  cc.password = "pencil";
  cc.fixed_nonce = std::string(kClientNonce);
  sasl::ScramClient client(std::move(cc));
  sasl::ScramServer server(ServerConfig());
  if (client.Step() != sasl::Wait::kSend || server.Step(client.output()) != sasl::Wait::kSend) return "";
  if (client.Step(server.output()) != sasl::Wait::kSend) return "";
  const std::string client_final = client.output();
  server.Step();
  if (server.Step(client_final) != sasl::Wait::kSend) return "";
  const std::string server_final = server.output();
  if (client.Step(server_final) != sasl::Wait::kSuccess || server.Step() != sasl::Wait::kSuccess) return "";
  return client_final + " " + server_final;
}

// A server that has sent server-first and waits for client-final.
std::unique_ptr<sasl::ScramServer> ReadyServer() {
  auto s = std::make_unique<sasl::ScramServer>(ServerConfig());
  s->Step(kClientFirst);
  s->Step();
  return s;
}

// --- benchmarks ----------------------------------------------------------------------

const std::string kWantExchange = std::string(kClientFinal) + " " + std::string(kServerFinal);

void ScramExchangeOurs(benchmark::State& state) {
  if (OursExchange() != kWantExchange) return state.SkipWithError("our exchange differs from RFC 7677 section 3");
  for (auto _ : state) benchmark::DoNotOptimize(OursExchange());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void ScramExchangeRaw(benchmark::State& state) {
  const RawKeys keys = RawKeysFor("pencil");
  if (RawExchange(keys) != kWantExchange) return state.SkipWithError("raw exchange differs from RFC 7677 section 3");
  for (auto _ : state) benchmark::DoNotOptimize(RawExchange(keys));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void Pbkdf2Ours(benchmark::State& state, Hash h) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  const std::optional<sasl::StoredCredentials> c = sasl::DeriveCredentials(h, "pencil", Salt(), n);
  const std::string salted = RawPbkdf2(h, "pencil", Salt(), n);
  if (!c || c->stored_key != RawDigest(h, RawHmac(h, salted, "Client Key")) ||
      c->server_key != RawHmac(h, salted, "Server Key")) {
    return state.SkipWithError("DeriveCredentials differs from PKCS5_PBKDF2_HMAC");
  }
  for (auto _ : state) benchmark::DoNotOptimize(sasl::DeriveCredentials(h, "pencil", Salt(), n));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void Pbkdf2Raw(benchmark::State& state, Hash h) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  if (RawPbkdf2(h, "pencil", Salt(), n).size() != sasl::HashSize(h)) return state.SkipWithError("PBKDF2 failed");
  for (auto _ : state) benchmark::DoNotOptimize(RawPbkdf2(h, "pencil", Salt(), n));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

// ServerCheck: servers wait in batches (prepared with the timer paused);
// each timed step is one client-final checked and v= produced.
void ServerCheckOurs(benchmark::State& state) {
  {
    auto s = ReadyServer();
    if (s->Step(kClientFinal) != sasl::Wait::kSend || s->output() != kServerFinal) {
      return state.SkipWithError("our server-final differs from RFC 7677 section 3");
    }
  }
  constexpr size_t kBatch = 1024;
  std::vector<std::unique_ptr<sasl::ScramServer>> batch;
  size_t next = kBatch;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      batch.clear();
      for (size_t i = 0; i < kBatch; ++i) batch.push_back(ReadyServer());
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(batch[next++]->Step(kClientFinal));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void ServerCheckRaw(benchmark::State& state) {
  const RawKeys keys = RawKeysFor("pencil");
  const std::string without_proof(kClientFinal.substr(0, kClientFinal.find(",p=")));
  const std::string auth = AuthMessage(without_proof);
  const std::string proof = *sasl::Base64Decode(kClientFinal.substr(kClientFinal.find(",p=") + 3));
  if (RawServerCheck(keys, auth, proof) != kServerFinal) return state.SkipWithError("raw check differs from RFC 7677");
  for (auto _ : state) benchmark::DoNotOptimize(RawServerCheck(keys, auth, proof));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void ServerCheckPrekeyed(benchmark::State& state) {
  const RawKeys keys = RawKeysFor("pencil");
  Prekeyed check(keys);
  const std::string without_proof(kClientFinal.substr(0, kClientFinal.find(",p=")));
  const std::string auth = AuthMessage(without_proof);
  const std::string proof = *sasl::Base64Decode(kClientFinal.substr(kClientFinal.find(",p=") + 3));
  if (check.Check(auth, proof) != kServerFinal) return state.SkipWithError("prekeyed check differs from RFC 7677");
  for (auto _ : state) benchmark::DoNotOptimize(check.Check(auth, proof));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void RegisterAll() {
  benchmark::RegisterBenchmark("ScramExchange/openssl_raw", ScramExchangeRaw)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("ScramExchange/xmppfuzz", ScramExchangeOurs)->Unit(benchmark::kMicrosecond);
  const std::pair<const char*, Hash> hashes[] = {
      {"Pbkdf2Sha1", Hash::kSha1}, {"Pbkdf2Sha256", Hash::kSha256}, {"Pbkdf2Sha512", Hash::kSha512}};
  for (const auto& [scenario, h] : hashes) {
    benchmark::RegisterBenchmark((std::string(scenario) + "/openssl_raw").c_str(),
                                 [h = h](benchmark::State& s) { Pbkdf2Raw(s, h); })
        ->Arg(kIterations)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string(scenario) + "/xmppfuzz").c_str(),
                                 [h = h](benchmark::State& s) { Pbkdf2Ours(s, h); })
        ->Arg(kIterations)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("ServerCheck/openssl_raw", ServerCheckRaw)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("ServerCheck/openssl_prekeyed", ServerCheckPrekeyed)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("ServerCheck/xmppfuzz", ServerCheckOurs)->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace xmppfuzz::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  xmppfuzz::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
