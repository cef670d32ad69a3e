// The TLS record reader (targets/tls/tls.h): records and handshake messages
// whatever the chunking, and one exact error code and offset per rule
// (RFC 8446 section 5, RFC 5246 section 6.2, RFC 8449, RFC 6176).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "targets/tls/tls.h"
#include "tests/tls/openssl_hello.h"

namespace xmppfuzz::tls {
namespace {

using std::string_literals::operator""s;

struct Outcome {
  std::vector<std::string> lines;  // "record TYPE LEN @OFF" / "message TYPE LEN @OFF"
  Failure failure;
  bool operator==(const Outcome&) const = default;
};

Outcome Read(std::string_view bytes, size_t chunk, RecordLimits limits = {}) {
  RecordReader reader(limits);
  Outcome out;
  auto drain = [&] {
    for (const Record& r : reader.TakeRecords())
      out.lines.push_back("record " + std::to_string(static_cast<int>(r.type)) + " " + std::to_string(r.body.size()) +
                          " @" + std::to_string(r.offset));
    for (const HandshakeMessage& m : reader.TakeMessages())
      out.lines.push_back("message " + std::to_string(static_cast<int>(m.type)) + " " +
                          std::to_string(m.body.size()) + " @" + std::to_string(m.offset));
  };
  bool ok = true;
  for (size_t pos = 0; ok && pos < bytes.size(); pos += chunk == 0 ? bytes.size() : chunk) {
    ok = reader.Feed(bytes.substr(pos, chunk == 0 ? bytes.size() : chunk));
    drain();
  }
  if (ok) reader.Finish();
  drain();
  out.failure = reader.failure();
  return out;
}

// ReadEverywhere reads |bytes| whole, byte by byte, in 2-7 byte chunks and at
// random splits; every run must agree. Returns the whole-input outcome.
Outcome ReadEverywhere(std::string_view bytes, RecordLimits limits = {}) {
  Outcome whole = Read(bytes, 0, limits);
  for (size_t chunk = 1; chunk <= 7; ++chunk) EXPECT_EQ(Read(bytes, chunk, limits), whole) << "chunk " << chunk;
  for (uint64_t seed : {1u, 2u, 3u}) {
    RecordReader reader(limits);
    Outcome out;
    size_t pos = 0;
    base::ChunkSplitter splitter(seed, 8, 600);
    bool ok = true;
    std::vector<Record> records;
    while (ok && pos < bytes.size()) {
      size_t n = std::min(splitter.Next(), bytes.size() - pos);
      ok = reader.Feed(bytes.substr(pos, n));
      pos += n;
    }
    if (ok) reader.Finish();
    EXPECT_EQ(reader.failure(), whole.failure) << "seed " << seed;
  }
  return whole;
}

std::string RecordOf(uint8_t type, std::string_view body, uint16_t version = 0x0303) {
  std::string r;
  r += static_cast<char>(type);
  r += static_cast<char>(version >> 8);
  r += static_cast<char>(version & 0xFF);
  r += static_cast<char>(body.size() >> 8);
  r += static_cast<char>(body.size() & 0xFF);
  r += body;
  return r;
}

const std::string kFinishedMsg = WrapHandshake(HandshakeType::kFinished, std::string(12, 'F'));

// --- Records and reassembly ------------------------------------------------

TEST(Records, RealOpenSslHelloIsOneRecordOneMessage) {
  std::string hello = testing::OpenSslClientHello("example.com", "\x0bxmpp-client", TLS1_3_VERSION);
  Outcome o = ReadEverywhere(hello);
  ASSERT_TRUE(o.failure.ok()) << Describe(o.failure);
  ASSERT_EQ(o.lines.size(), 2u);
  EXPECT_EQ(o.lines[0], "record 22 " + std::to_string(hello.size() - 5) + " @0");
  EXPECT_EQ(o.lines[1], "message 1 " + std::to_string(hello.size() - 9) + " @5");
}

TEST(Records, MessageSplitAcrossRecords) {
  std::string msg = WrapHandshake(HandshakeType::kClientHello, std::string(300, 'h'));
  std::string in = RecordOf(22, msg.substr(0, 2)) + RecordOf(22, msg.substr(2, 100)) + RecordOf(22, msg.substr(102));
  Outcome o = ReadEverywhere(in);
  ASSERT_TRUE(o.failure.ok()) << Describe(o.failure);
  EXPECT_EQ(o.lines.back(), "message 1 300 @5");
  EXPECT_EQ(o.lines.size(), 4u);
}

TEST(Records, SeveralMessagesInOneRecord) {
  std::string done = WrapHandshake(HandshakeType::kServerHelloDone, "");
  Outcome o = ReadEverywhere(RecordOf(22, kFinishedMsg + done + kFinishedMsg));
  ASSERT_TRUE(o.failure.ok()) << Describe(o.failure);
  EXPECT_EQ(o.lines, (std::vector<std::string>{"record 22 36 @0", "message 20 12 @5", "message 14 0 @21",
                                                "message 20 12 @25"}));
}

TEST(Records, ZeroLengthApplicationDataIsAllowed) {
  Outcome o = ReadEverywhere(RecordOf(23, ""));
  EXPECT_TRUE(o.failure.ok()) << Describe(o.failure);
  EXPECT_EQ(o.lines, std::vector<std::string>{"record 23 0 @0"});
}

TEST(Records, PlaintextAtTheLimit) {
  Outcome o = ReadEverywhere(RecordOf(23, std::string(16384, 'a')));
  EXPECT_TRUE(o.failure.ok()) << Describe(o.failure);
}

TEST(Records, ProtectedTls13Bound) {
  RecordReader r;
  r.SetProtection(Protection::kTls13);
  EXPECT_TRUE(r.Feed(RecordOf(23, std::string(16384 + 256, 'c'))));
  EXPECT_FALSE(r.Feed(RecordOf(23, std::string(16384 + 257, 'c'))));
  EXPECT_EQ(r.failure(), (Failure{Error::kRecordOverflow, 16384 + 256 + 5 + 3}));
}

TEST(Records, ProtectedTls12Bound) {
  RecordReader r;
  r.SetProtection(Protection::kTls12);
  EXPECT_TRUE(r.Feed(RecordOf(23, std::string(16384 + 2048, 'c'))));
  EXPECT_FALSE(r.Feed(RecordOf(23, std::string(16384 + 2049, 'c'))));
  EXPECT_EQ(r.failure().code, Error::kRecordOverflow);
}

// --- One error per rule ----------------------------------------------------------

struct ErrorCase {
  const char* name;
  std::string input;
  Error code;
  uint64_t offset;
  RecordLimits limits = {};
};

TEST(RecordErrors, Table) {
  const std::string frag = WrapHandshake(HandshakeType::kClientHello, std::string(40, 'x'));
  RecordLimits small_hs;
  small_hs.max_handshake_bytes = 100;
  RecordLimits rsl;
  rsl.record_size_limit = 512;
  const ErrorCase cases[] = {
      {"unknown content type", RecordOf(25, "x"), Error::kUnknownContentType, 0},
      {"unknown type later", RecordOf(23, "ok") + RecordOf(0x63, "x"), Error::kUnknownContentType, 7},
      {"record version major 2", RecordOf(22, kFinishedMsg, 0x0203), Error::kBadRecordVersion, 1},
      {"sslv2 client hello", "\x80\x2e\x01\x00\x02\x00\x15"s + std::string(0x27, 'z'), Error::kSslv2Hello, 0},
      {"high-bit first byte not sslv2", "\x80\x2e\x05\x00"s, Error::kUnknownContentType, 0},
      {"plaintext over 2^14", RecordOf(23, std::string(16385, 'a')), Error::kRecordOverflow, 3},
      {"over record_size_limit", RecordOf(23, std::string(513, 'a')), Error::kRecordSizeLimit, 3, rsl},
      {"zero-length handshake", RecordOf(22, ""), Error::kEmptyRecord, 3},
      {"zero-length alert", RecordOf(21, ""), Error::kEmptyRecord, 3},
      {"zero-length change_cipher_spec", RecordOf(20, ""), Error::kEmptyRecord, 3},
      {"alert inside fragmented handshake", RecordOf(22, frag.substr(0, 10)) + RecordOf(21, "\x01\x00"s),
       Error::kInterleavedRecord, 15},
      {"app data inside fragmented handshake", RecordOf(22, frag.substr(0, 3)) + RecordOf(23, "x"),
       Error::kInterleavedRecord, 8},
      {"record after fatal alert", RecordOf(21, "\x02\x28"s) + RecordOf(22, kFinishedMsg),
       Error::kRecordAfterFatalAlert, 7},
      {"alert of three bytes", RecordOf(21, "\x02\x28\x00"s), Error::kBadAlert, 3},
      {"alert level 3", RecordOf(21, "\x03\x28"s), Error::kBadAlert, 5},
      {"change_cipher_spec not 1", RecordOf(20, "\x02"s), Error::kBadChangeCipherSpec, 5},
      {"change_cipher_spec two bytes", RecordOf(20, "\x01\x01"s), Error::kBadChangeCipherSpec, 5},
      {"handshake over limit", RecordOf(22, WrapHandshake(HandshakeType::kCertificate, std::string(101, 'c'))),
       Error::kHandshakeTooLong, 6, small_hs},
      {"stream ends in a header", RecordOf(22, kFinishedMsg).substr(0, 3), Error::kTruncated, 0},
      {"stream ends in a body", RecordOf(22, kFinishedMsg).substr(0, 10), Error::kTruncated, 0},
      {"stream ends in a handshake message", RecordOf(22, frag.substr(0, 10)), Error::kTruncated, 5},
  };
  for (const ErrorCase& c : cases) {
    Outcome o = ReadEverywhere(c.input, c.limits);
    EXPECT_EQ(o.failure, (Failure{c.code, c.offset})) << c.name << ": got " << Describe(o.failure);
  }
}

TEST(RecordErrors, ErrorsStick) {
  RecordReader r;
  EXPECT_FALSE(r.Feed(RecordOf(25, "x")));
  EXPECT_FALSE(r.Feed(RecordOf(22, kFinishedMsg)));
  EXPECT_FALSE(r.Finish());
  EXPECT_EQ(r.failure(), (Failure{Error::kUnknownContentType, 0}));
  EXPECT_TRUE(r.TakeRecords().empty());
}

// Found by tls_record_fuzzer: a record whose second message is refused was
// not reported, though its first message was.
TEST(RecordErrors, RecordWithARefusedMessageIsStillReported) {
  std::string in = RecordOf(22, kFinishedMsg + "F\x0e\x00\x00"s);
  Outcome o = ReadEverywhere(in);
  EXPECT_EQ(o.failure, (Failure{Error::kHandshakeTooLong, 22}));
  EXPECT_EQ(o.lines, (std::vector<std::string>{"record 22 20 @0", "message 20 12 @5"}));
}

TEST(RecordErrors, WarningAlertDoesNotStop) {
  Outcome o = ReadEverywhere(RecordOf(21, "\x01\x00"s) + RecordOf(22, kFinishedMsg));
  EXPECT_TRUE(o.failure.ok()) << Describe(o.failure);
}

TEST(RecordErrors, NamesAreDistinct) {
  // Every code has a name (the compiler checks the switch covers the enum);
  // no two codes share one.
  std::set<std::string_view> names;
  size_t known = 0;
  for (int e = 0; e < 256; ++e) {
    std::string_view name = ErrorName(static_cast<Error>(e));
    if (name == "unknown") continue;
    ++known;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_GT(known, static_cast<size_t>(Error::kAlpnEmptyName));
}

}  // namespace
}  // namespace xmppfuzz::tls
