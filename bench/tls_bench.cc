// TLS wire parsing costs: record reassembly throughput against memcpy of the
// same bytes, and ClientHellos parsed per second against OpenSSL parsing the
// same hello up to its client-hello callback (SSL_CTX_set_client_hello_cb),
// in one binary and one run.
//
// Names are <Scenario>/<implementation>[/<arg>] (docs/design.md, "Benchmark
// names"). Every implementation is checked against the reference answer
// before it is timed; a mismatch skips the benchmark with an error.
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string>
#include <vector>

#include "targets/tls/tls.h"

namespace xmppfuzz::bench {
namespace {

constexpr size_t kStreamBytes = 1 << 20;
constexpr size_t kChunk = 4096;  // one read() from a socket

// HandshakeStream is |kStreamBytes| of handshake records of |record_size|
// bytes carrying 1000-byte handshake messages (certificate-like), so most
// messages straddle records. Returns the bytes and the message count.
std::string HandshakeStream(size_t record_size, size_t* messages) {
  std::string payload;
  *messages = 0;
  while (payload.size() < kStreamBytes) {
    payload += tls::WrapHandshake(tls::HandshakeType::kCertificate, std::string(1000, 'c'));
    ++*messages;
  }
  std::string out;
  for (size_t pos = 0; pos < payload.size(); pos += record_size) {
    out += tls::WrapRecords(tls::ContentType::kHandshake, std::string_view(payload).substr(pos, record_size), 0x0303);
  }
  return out;
}

size_t ReadAll(const std::string& bytes, size_t* records) {
  tls::RecordReader reader;
  size_t messages = 0;
  *records = 0;
  for (size_t pos = 0; pos < bytes.size(); pos += kChunk) {
    if (!reader.Feed(std::string_view(bytes).substr(pos, kChunk))) return 0;
    *records += reader.TakeRecords().size();
    messages += reader.TakeMessages().size();
  }
  return reader.Finish() ? messages : 0;
}

void RecordStreamOurs(benchmark::State& state) {
  size_t expected = 0, records = 0;
  const std::string bytes = HandshakeStream(state.range(0), &expected);
  if (ReadAll(bytes, &records) != expected) {
    state.SkipWithError("record reader did not reassemble every message");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(ReadAll(bytes, &records));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * expected));
}

void RecordStreamMemcpy(benchmark::State& state) {
  size_t expected = 0;
  const std::string bytes = HandshakeStream(state.range(0), &expected);
  std::vector<char> out(bytes.size());
  for (auto _ : state) {
    for (size_t pos = 0; pos < bytes.size(); pos += kChunk) {
      std::memcpy(out.data() + pos, bytes.data() + pos, std::min(kChunk, bytes.size() - pos));
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (std::memcmp(out.data(), bytes.data(), bytes.size()) != 0) state.SkipWithError("memcpy copied other bytes");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * expected));
}

// OpenSSL's first flight (record layer included) with SNI and ALPN.
std::string OpenSslFlight() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_tlsext_host_name(ssl, "xmpp.example.org");
  static const unsigned char kAlpn[] = "\x0bxmpp-client";
  SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn - 1);
  SSL_connect(ssl);
  std::string out;
  char buf[4096];
  int n;
  while ((n = BIO_read(wbio, buf, sizeof buf)) > 0) out.append(buf, n);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

const std::string& Flight() {
  static const std::string flight = OpenSslFlight();
  return flight;
}

// OursSni parses the hello the way a direct-TLS router would: records, the
// message, then the fields.
std::string OursSni(const std::string& flight) {
  tls::RecordReader reader;
  if (!reader.Feed(flight) || !reader.Finish()) return {};
  std::vector<tls::HandshakeMessage> messages = reader.TakeMessages();
  tls::ClientHello hello;
  tls::Failure failure;
  if (messages.empty() || !tls::ParseClientHello(messages[0].body, 9, &hello, &failure)) return {};
  return hello.server_name.value_or("") + "/" + (hello.alpn.empty() ? "" : hello.alpn[0]);
}

// The callback reads SNI and ALPN through OpenSSL's own parse, then stops
// the handshake: that is OpenSSL's cost of getting to the same answer.
int StopAtHello(SSL* ssl, int*, void* arg) {
  auto* answer = static_cast<std::string*>(arg);
  const unsigned char* sni = nullptr;
  const unsigned char* alpn = nullptr;
  size_t sni_len = 0, alpn_len = 0;
  answer->clear();
  // server_name: list length (2), type (1), name length (2), name.
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &sni, &sni_len) && sni_len > 5) {
    answer->assign(reinterpret_cast<const char*>(sni + 5), sni_len - 5);
  }
  *answer += "/";
  // ALPN: list length (2), first name length (1), name.
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &alpn, &alpn_len) &&
      alpn_len > 3) {
    answer->append(reinterpret_cast<const char*>(alpn + 3), std::min<size_t>(alpn[2], alpn_len - 3));
  }
  return SSL_CLIENT_HELLO_ERROR;
}

std::string OpenSslSni(SSL_CTX* ctx, const std::string& flight) {
  std::string answer;
  SSL_CTX_set_client_hello_cb(ctx, StopAtHello, &answer);
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new_mem_buf(flight.data(), static_cast<int>(flight.size()));
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_accept(ssl);
  SSL_free(ssl);
  return answer;
}

void ClientHelloOurs(benchmark::State& state) {
  const std::string& flight = Flight();
  if (OursSni(flight) != "xmpp.example.org/xmpp-client") {
    state.SkipWithError("our parser did not find the SNI and ALPN");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(OursSni(flight));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * flight.size()));
}

void ClientHelloOpenSsl(benchmark::State& state) {
  const std::string& flight = Flight();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (OpenSslSni(ctx, flight) != "xmpp.example.org/xmpp-client") {
    state.SkipWithError("OpenSSL's callback did not see the SNI and ALPN");
    SSL_CTX_free(ctx);
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(OpenSslSni(ctx, flight));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * flight.size()));
  SSL_CTX_free(ctx);
}

BENCHMARK(RecordStreamMemcpy)->Name("RecordStream/memcpy")->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK(RecordStreamOurs)->Name("RecordStream/xmppfuzz_tls")->Arg(512)->Arg(4096)->Arg(16384);
BENCHMARK(ClientHelloOpenSsl)->Name("ClientHello/openssl_raw");
BENCHMARK(ClientHelloOurs)->Name("ClientHello/xmppfuzz_tls");

}  // namespace
}  // namespace xmppfuzz::bench

BENCHMARK_MAIN();
