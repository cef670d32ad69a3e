// Secrets never reach failures, names, debug strings or server error
// output: failing exchanges are run and everything printable they leave is
// searched for the password and the salted password (raw, hex, base64).
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <string>
#include <vector>

#include "targets/sasl/sasl.h"
#include "tests/sasl/scram_support.h"

namespace xmppfuzz::sasl {
namespace {

constexpr std::string_view kPassword = "Tr0ub4dor&3-very-secret";

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string SaltedPassword(Hash hash, std::string_view salt) {
  const EVP_MD* md = hash == Hash::kSha1 ? EVP_sha1() : hash == Hash::kSha256 ? EVP_sha256() : EVP_sha512();
  std::string out(HashSize(hash), '\0');
  PKCS5_PBKDF2_HMAC(kPassword.data(), static_cast<int>(kPassword.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), 4096, md,
                    static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// Forbidden lists every form a secret could leak in.
std::vector<std::string> Forbidden(Hash hash, std::string_view salt) {
  const std::string salted = SaltedPassword(hash, salt);
  return {std::string(kPassword), Base64Encode(kPassword), Hex(kPassword), salted, Hex(salted), Base64Encode(salted)};
}

void ExpectClean(const std::string& text, const std::vector<std::string>& forbidden) {
  for (const std::string& secret : forbidden) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "secret leaked into: " << text;
  }
}

TEST(SecretsTest, FailingExchangesLeakNothing) {
  const std::string salt = "pepper-and-salt";
  for (Mechanism m : {Mechanism::kScramSha1, Mechanism::kScramSha256, Mechanism::kScramSha512}) {
    const std::vector<std::string> forbidden = Forbidden(HashOf(m), salt);
    const std::optional<StoredCredentials> creds = DeriveCredentials(HashOf(m), kPassword, salt, 4096);
    ASSERT_TRUE(creds);
    // Tamper with each message in turn (and with the password once).
    for (int tamper = 0; tamper < 5; ++tamper) {
      ScramClientConfig c;
      c.mechanism = m;
      c.username = "user";
      c.password = tamper == 4 ? std::string(kPassword) + "x" : std::string(kPassword);
      c.fixed_nonce = "clientnonce";
      ScramServerConfig s;
      s.mechanism = m;
      s.lookup = [&](std::string_view, Hash) { return creds; };
      s.fixed_nonce = "servernonce";
      ScramClient client(c);
      ScramServer server(s);
      std::string log;
      ASSERT_EQ(client.Step(), Wait::kSend);
      std::string msg = client.output();
      if (tamper == 0) msg += ",m=1";
      server.Step(msg);
      log += server.output() + server.DebugString() + Describe(server.failure());
      msg = server.output();
      if (tamper == 1) msg[2] = 'X';  // nonce no longer starts with the client's
      client.Step(msg);
      log += client.DebugString() + Describe(client.failure());
      msg = client.output();
      if (tamper == 2 && msg.size() > 4) msg[msg.size() - 4] ^= 1;  // proof
      server.Step(msg);
      log += server.output() + server.DebugString() + Describe(server.failure());
      msg = server.output();
      if (tamper == 3 && msg.size() > 4) msg[msg.size() - 4] ^= 1;  // signature
      client.Step(msg);
      log += client.DebugString() + Describe(client.failure()) + std::string(StateName(client.state())) +
             std::string(StateName(server.state())) + std::string(ErrorName(client.failure().code)) +
             std::string(ErrorName(server.failure().code));
      EXPECT_TRUE(!client.failure().ok() || !server.failure().ok()) << "tamper " << tamper;
      ExpectClean(log, forbidden);
    }
  }
}

TEST(SecretsTest, PlainFailuresLeakNothing) {
  const std::vector<std::string> forbidden = {std::string(kPassword), Base64Encode(kPassword), Hex(kPassword)};
  const PlainVerifier verifier = [](std::string_view, std::string_view) { return false; };
  PlainMessage out;
  Failure f;
  EXPECT_FALSE(VerifyPlain(std::string("\0user\0", 6) + std::string(kPassword), verifier, nullptr, nullptr, &out, &f));
  ExpectClean(Describe(f) + out.password, forbidden);
  EXPECT_FALSE(BuildPlain({"", "", std::string(kPassword)}, &f));
  ExpectClean(Describe(f), forbidden);
}

}  // namespace
}  // namespace xmppfuzz::sasl
