// starttls_handshake_fuzzer: fuzzed peer bytes into our OpenSSL client or
// server (tls::Session over memory BIOs), as after STARTTLS <proceed/> or on
// a direct-TLS connection. Properties:
//  - no application data is delivered before the handshake completes;
//  - nothing is accepted as plaintext once TLS is required: a first byte
//    that does not start a TLS record is kNotTls, and data Read after the
//    handshake never appears verbatim in the fed bytes (it was decrypted);
//  - every failure has a named code, an offset inside the fed bytes and an
//    escaped (printable) detail; errors stick;
//  - any chunking of the same bytes reaches the same outcome.
//
// Input: one byte of choices (bit 0: our role is the client, else the
// server; bit 1: at most TLS 1.2; bit 2: direct TLS, ALPN xmpp-client
// required), four bytes of chunking seed, then the peer's bytes.
//
// Determinism: OpenSSL's randomness is the seeded source
// (tls::InstallSeededRandom), reset before every input, and certificate
// checks use a fixed time, so our side's ClientHello, key shares and
// signatures are the same on every run. The fixture's keys and certificates
// come from a seeded source too. So a captured peer flight replays to a
// complete handshake: the seeds in corpora/starttls_handshake_fuzzer are
// captures of our own client and server talking to each other (the peer on
// random stream 1), written by running this binary with
// XMPPFUZZ_STARTTLS_CAPTURE=DIR (see Capture below).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "harnesses/harness.h"
#include "targets/tls/tls.h"
#include "tests/tls/test_pki.h"

namespace {

using namespace xmppfuzz;

constexpr uint64_t kFixtureSeed = 0x584D5050;  // keys and certificates
constexpr uint64_t kInputSeed = 0x53544C53;    // every input's handshake

const tls::testing::Pki* g_pki = nullptr;
bool g_verbose = false;  // XMPPFUZZ_STARTTLS_VERBOSE: print each outcome (to check the seeds)

tls::SessionConfig Config(bool client, uint8_t choices) {
  // The server has the P-256 leaf: ECDSA signing is far cheaper than RSA.
  tls::SessionConfig c =
      client ? tls::testing::ClientConfig(*g_pki) : tls::testing::ServerConfig(*g_pki, /*rsa=*/false);
  if (choices & 2) c.max_version = TLS1_2_VERSION;
  if (choices & 4) {
    c.alpn = {"xmpp-client"};
    c.require_alpn = true;
  }
  c.max_buffered_input = 64 * 1024;
  return c;
}

bool Printable(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Outcome of one run, compared across chunkings.
struct Outcome {
  tls::Failure failure;
  bool established = false;
  std::string data;
  bool operator==(const Outcome&) const = default;
};

Outcome Run(uint8_t choices, std::string_view peer, const std::vector<size_t>& chunks, std::string_view input) {
  tls::InstallSeededRandom(kInputSeed);
  tls::Failure f;
  std::unique_ptr<tls::Session> s = tls::Session::Create(Config((choices & 1) != 0, choices), &f);
  if (s == nullptr) harness::Fail("fixture config refused: " + tls::Describe(f), input);
  Outcome o;
  s->Handshake();
  s->TakeOutput();
  size_t pos = 0;
  for (size_t n : chunks) {
    if (pos >= peer.size()) break;
    const std::string_view chunk = peer.substr(pos, n);
    pos += chunk.size();
    const bool was_failed = !s->failure().ok();
    if (!s->Feed(chunk) && s->failure().ok()) harness::Fail("Feed refused without a failure", input);
    if (was_failed && s->failure() != o.failure) harness::Fail("a failure did not stick", input);
    s->Handshake();
    s->TakeOutput();
    const bool established = s->established() && SSL_is_init_finished(s->ssl()) == 1;
    const size_t before = o.data.size();
    s->Read(&o.data);
    if (!established && o.data.size() != before) harness::Fail("application data before the handshake completed", input);
    o.failure = s->failure();
  }
  s->FeedEof();
  s->Handshake();
  s->Read(&o.data);
  o.failure = s->failure();
  o.established = s->established();
  if (!o.failure.ok()) {
    const std::string_view name = tls::ErrorName(o.failure.code);
    if (name == "unknown" || name == "none") harness::Fail("failure without a named code", input);
    if (o.failure.offset > peer.size()) harness::Fail("failure offset past the input: " + tls::Describe(o.failure), input);
    if (!Printable(s->detail())) harness::Fail("unescaped detail: " + base::EscapeBytes(s->detail()), input);
  }
  const uint8_t first = peer.empty() ? 22 : static_cast<uint8_t>(peer[0]);
  if (first != 22 && first != 21 && o.failure.code != tls::Error::kNotTls) {
    harness::Fail("plaintext first byte not refused as not-tls", input);
  }
  if (o.data.size() >= 8 && peer.find(o.data) != std::string_view::npos) {
    harness::Fail("plaintext from the input was delivered as application data", input);
  }
  return o;
}

// Capture writes seeds: for each choice byte, our party (stream 0) and its
// counterpart, our Session of the other role (stream 1), run a handshake;
// the counterpart then sends "<presence/>" and close_notify. The file is
// the choice byte, a zero chunking seed, and everything the counterpart
// sent. Also two refusals worth starting from: a plaintext stream header
// (STARTTLS stripped by a man in the middle) and a TLS 1.0-only hello.
void Capture(const char* dir) {
  int written = 0;
  auto write = [&](const std::string& name, uint8_t choices, const std::string& peer) {
    std::string file = std::string(1, static_cast<char>(choices)) + std::string(4, '\0') + peer;
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary) << file;
    ++written;
  };
  for (uint8_t choices = 0; choices < 8; ++choices) {
    const bool client = (choices & 1) != 0;
    tls::InstallSeededRandom(kInputSeed);
    tls::Failure f;
    tls::SelectRandomStream(0);
    auto ours = tls::Session::Create(Config(client, choices), &f);
    tls::SelectRandomStream(1);
    tls::SessionConfig pc = Config(!client, choices);
    auto peer = tls::Session::Create(pc, &f);
    std::string sent;
    for (int i = 0; i < 10; ++i) {
      tls::SelectRandomStream(0);
      ours->Handshake();
      std::string o = ours->TakeOutput();
      tls::SelectRandomStream(1);
      peer->Feed(o);
      peer->Handshake();
      std::string p = peer->TakeOutput();
      sent += p;
      tls::SelectRandomStream(0);
      ours->Feed(p);
    }
    tls::SelectRandomStream(1);
    if (!ours->established() || !peer->established() || !peer->Write("<presence/>")) {
      std::fprintf(stderr, "capture %d: handshake failed: %s\n", choices, tls::Describe(peer->failure()).c_str());
      std::exit(1);
    }
    peer->Close();
    sent += peer->TakeOutput();
    const std::string name = std::string(client ? "server-flight" : "client-flight") +
                             ((choices & 2) ? "-tls12" : "-tls13") + ((choices & 4) ? "-direct-tls-alpn" : "-starttls");
    write(name, choices, sent);
  }
  write("plaintext-after-proceed", 0, "<stream:stream xmlns='jabber:client' to='xmpp.example.org' version='1.0'>");
  {
    tls::testing::OpenSslPeer old(tls::Role::kClient, [](SSL_CTX* ctx) {
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
      SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    });
    old.Handshake();
    write("tls10-only-client-hello", 0, old.TakeOutput());
  }
  std::fprintf(stderr, "wrote %d seeds to %s\n", written, dir);
  std::exit(0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xmppfuzz::tls::InstallSeededRandom(kFixtureSeed);
  g_pki = new xmppfuzz::tls::testing::Pki();
  if (const char* dir = std::getenv("XMPPFUZZ_STARTTLS_CAPTURE")) Capture(dir);
  g_verbose = std::getenv("XMPPFUZZ_STARTTLS_VERBOSE") != nullptr;
  xmppfuzz::harness::WarmUp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppfuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  harness::FuzzInput in(data, size);
  const uint8_t choices = in.Byte();
  const uint32_t seed = in.U32();
  const std::string_view peer = in.Rest();
  const Outcome whole = Run(choices, peer, {peer.size()}, input);
  const Outcome chunked = Run(choices, peer, harness::SplitLengths(seed, peer.size()), input);
  if (whole.established != chunked.established || whole.data != chunked.data ||
      whole.failure.code != chunked.failure.code) {
    harness::Fail("chunking changed the outcome: " + tls::Describe(whole.failure) + " vs " +
                      tls::Describe(chunked.failure),
                  input);
  }
  if (g_verbose) {
    std::fprintf(stderr, "choices=%u established=%d data=%s failure=%s\n", choices, whole.established ? 1 : 0,
                 base::EscapeBytes(whole.data, 64).c_str(), tls::Describe(whole.failure).c_str());
  }
  return 0;
}
