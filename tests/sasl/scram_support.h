// Shared fixtures for the SCRAM tests: the RFC 5802 section 5 and RFC 7677
// section 3 example exchanges, and helpers to drive a client and a server.
#ifndef XMPPFUZZ_TESTS_SASL_SCRAM_SUPPORT_H_
#define XMPPFUZZ_TESTS_SASL_SCRAM_SUPPORT_H_

#include <gtest/gtest.h>

#include <string>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl::testing {

// One example exchange, message by message, and the fixed nonces.
struct Example {
  Mechanism mechanism;
  std::string client_nonce;
  std::string server_nonce;
  std::string salt_b64;
  uint32_t iterations;
  std::string client_first;
  std::string server_first;
  std::string client_final;
  std::string server_final;
};

// RFC 5802 section 5 (SCRAM-SHA-1), user "user", password "pencil".
inline const Example& Rfc5802() {
  static const Example e{
      Mechanism::kScramSha1,
      "fyko+d2lbbFgONRv9qkxdawL",
      "3rfcNHYJY1ZVvWVs7j",
      "QSXCR+Q6sek8bf92",
      4096,
      "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
      "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
      "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
  };
  return e;
}

// RFC 7677 section 3 (SCRAM-SHA-256), user "user", password "pencil".
inline const Example& Rfc7677() {
  static const Example e{
      Mechanism::kScramSha256,
      "rOprNGfwEbeRWgbNEkqO",
      "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
      "W22ZaJ0SNY7soEsUEjb6gQ==",
      4096,
      "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
  };
  return e;
}

inline ScramClientConfig ClientConfigFor(const Example& e) {
  ScramClientConfig c;
  c.mechanism = e.mechanism;
  c.username = "user";
  c.password = "pencil";
  c.fixed_nonce = e.client_nonce;
  return c;
}

// StoredFor derives the stored credentials of "pencil" for |e|.
inline StoredCredentials StoredFor(const Example& e, std::string_view password = "pencil") {
  const std::optional<std::string> salt = Base64Decode(e.salt_b64);
  EXPECT_TRUE(salt.has_value());
  std::optional<StoredCredentials> c =
      DeriveCredentials(HashOf(e.mechanism), password, salt.value_or("salt"), e.iterations);
  EXPECT_TRUE(c.has_value());
  return c.value_or(StoredCredentials{});
}

inline ScramServerConfig ServerConfigFor(const Example& e) {
  ScramServerConfig s;
  s.mechanism = e.mechanism;
  const StoredCredentials creds = StoredFor(e);
  s.lookup = [creds](std::string_view user, Hash hash) -> std::optional<StoredCredentials> {
    if (user != "user" || hash != creds.hash) return std::nullopt;
    return creds;
  };
  s.fixed_nonce = e.server_nonce;
  return s;
}

// ClientAtServerFirst returns a client for |e| that has sent client-first.
inline std::unique_ptr<ScramClient> ClientAtServerFirst(ScramClientConfig config) {
  auto c = std::make_unique<ScramClient>(std::move(config));
  EXPECT_EQ(c->Step(), Wait::kSend);
  EXPECT_EQ(c->Step(), Wait::kNeedMessage);
  return c;
}

// Exchange runs |client| against |server| to the end and returns whether
// both succeeded. |transcript| collects the messages.
inline bool Exchange(ScramClient& client, ScramServer& server, std::vector<std::string>* transcript = nullptr) {
  Wait cw = client.Step();
  for (int round = 0; round < 8; ++round) {
    if (cw != Wait::kSend) break;
    const std::string to_server = client.output();
    if (transcript) transcript->push_back(to_server);
    Wait sw = server.Step(to_server);
    if (sw == Wait::kFailure) {
      if (transcript) transcript->push_back(server.output());
      client.Step();  // to kNeedMessage
      client.Step(server.output());
      return false;
    }
    if (sw != Wait::kSend) return false;
    const std::string to_client = server.output();
    if (transcript) transcript->push_back(to_client);
    cw = client.Step(to_client);
    if (cw == Wait::kSuccess) return server.Step() == Wait::kSuccess;
  }
  return false;
}

}  // namespace xmppfuzz::sasl::testing

#endif  // XMPPFUZZ_TESTS_SASL_SCRAM_SUPPORT_H_
