// Seeded randomness (InstallSeededRandom): the same seed gives
// byte-identical ClientHellos and whole handshakes, another seed or
// OpenSSL's own DRBG gives others, and two parties on separate streams
// replay with one party alone (what starttls_handshake_fuzzer's seeds rely on).
#include <gtest/gtest.h>

#include <string>

#include "targets/tls/tls.h"
#include "tests/tls/test_pki.h"

namespace xmppfuzz::tls {
namespace {

using testing::ClientConfig;
using testing::ServerConfig;

std::string FirstFlight() {
  Failure f;
  auto client = Session::Create(ClientConfig(), &f);
  EXPECT_NE(client, nullptr);
  EXPECT_EQ(client->Handshake(), Progress::kWantWrite);
  return client->TakeOutput();
}

std::array<uint8_t, 32> HelloRandom(const std::string& flight) {
  RecordReader reader;
  EXPECT_TRUE(reader.Feed(flight));
  std::vector<HandshakeMessage> m = reader.TakeMessages();
  ClientHello hello;
  Failure f;
  EXPECT_FALSE(m.empty());
  if (!m.empty()) {
    EXPECT_TRUE(ParseClientHello(m[0].body, 0, &hello, &f)) << Describe(f);
  }
  return hello.random;
}

class SeededRandom : public ::testing::Test {
 protected:
  void SetUp() override { testing::SharedPki(); }  // keys first, from OpenSSL's DRBG
  void TearDown() override { RestoreSystemRandom(); }
};

TEST_F(SeededRandom, SameSeedSameClientHello) {
  ASSERT_TRUE(InstallSeededRandom(42));
  EXPECT_TRUE(SeededRandomInstalled());
  const std::string a = FirstFlight();
  ASSERT_TRUE(InstallSeededRandom(42));
  const std::string b = FirstFlight();
  EXPECT_EQ(a, b);  // random, session id and the X25519 key share alike
  ASSERT_TRUE(InstallSeededRandom(43));
  const std::string c = FirstFlight();
  EXPECT_NE(a, c);
  EXPECT_NE(HelloRandom(a), HelloRandom(c));
  RestoreSystemRandom();
  EXPECT_FALSE(SeededRandomInstalled());
  EXPECT_NE(HelloRandom(FirstFlight()), HelloRandom(FirstFlight()));
}

// Transcript runs a whole handshake and one message each way, the client
// on stream 0 and the server on stream 1, and returns every byte sent.
std::string Transcript(uint64_t seed) {
  EXPECT_TRUE(InstallSeededRandom(seed));
  Failure f;
  SelectRandomStream(0);
  auto client = Session::Create(ClientConfig(), &f);
  SelectRandomStream(1);
  auto server = Session::Create(ServerConfig(), &f);
  std::string all;
  for (int i = 0; i < 10; ++i) {
    SelectRandomStream(0);
    client->Handshake();
    std::string cs = client->TakeOutput();
    SelectRandomStream(1);
    server->Feed(cs);
    server->Handshake();
    std::string ss = server->TakeOutput();
    client->Feed(ss);
    all += cs + ss;
  }
  EXPECT_TRUE(client->established() && server->established());
  SelectRandomStream(0);
  client->Write("<presence/>");
  all += client->TakeOutput();
  return all;
}

TEST_F(SeededRandom, WholeHandshakeReplays) {
  const std::string a = Transcript(7);
  const std::string b = Transcript(7);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, Transcript(8));
}

TEST_F(SeededRandom, ServerAloneReplaysACapturedClient) {
  // Capture a client's bytes with both parties, then feed them to a server
  // alone: on its own stream it draws the same randomness, so the
  // handshake completes and the client's data arrives.
  ASSERT_TRUE(InstallSeededRandom(99));
  Failure f;
  SelectRandomStream(1);
  auto server = Session::Create(ServerConfig(), &f);
  SelectRandomStream(0);
  auto client = Session::Create(ClientConfig(), &f);
  std::string captured;
  for (int i = 0; i < 10; ++i) {
    SelectRandomStream(0);
    client->Handshake();
    std::string cs = client->TakeOutput();
    captured += cs;
    SelectRandomStream(1);
    server->Feed(cs);
    server->Handshake();
    client->Feed(server->TakeOutput());
  }
  ASSERT_TRUE(client->established());
  SelectRandomStream(0);
  client->Write("<presence/>");
  captured += client->TakeOutput();

  ASSERT_TRUE(InstallSeededRandom(99));
  SelectRandomStream(1);
  auto replay = Session::Create(ServerConfig(), &f);
  replay->Feed(captured);
  for (int i = 0; i < 5; ++i) replay->Handshake();
  EXPECT_TRUE(replay->established()) << Describe(replay->failure()) << " " << replay->detail();
  std::string got;
  replay->Read(&got);
  EXPECT_EQ(got, "<presence/>");
}

}  // namespace
}  // namespace xmppfuzz::tls
