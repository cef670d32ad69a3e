// tls::Inspector (the lines of `xmppfuzz tls-inspect`): the same lines at
// every chunking, change_cipher_spec switching to the protected bounds
// before the next record, records and their messages in stream order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

std::vector<std::string> Lines(const std::string& bytes, size_t chunk) {
  Inspector inspector;
  bool ok = true;
  size_t step = chunk == 0 ? bytes.size() : chunk;
  for (size_t pos = 0; ok && pos < bytes.size(); pos += step) ok = inspector.Feed(std::string_view(bytes).substr(pos, step));
  if (ok) inspector.Finish();
  return inspector.TakeLines();
}

std::string Rec(ContentType type, const std::string& body) { return WrapRecords(type, body, 0x0303); }

// A TLS 1.2 client's second flight: ClientKeyExchange, change_cipher_spec,
// then the encrypted Finished in a handshake record (RFC 5246 7.4.9). Fed
// whole, the Finished was reassembled as plaintext (its first bytes read as
// a 24-bit length: handshake-too-long); byte by byte it was opaque. Found by
// the tls-records conformance vectors.
TEST(Inspector, EncryptedFinishedAfterChangeCipherSpecAtEveryChunking) {
  std::string cke = WrapHandshake(HandshakeType::kClientKeyExchange, std::string(33, '\x20'));
  std::string bytes = Rec(ContentType::kHandshake, cke) + Rec(ContentType::kChangeCipherSpec, "\x01") +
                      Rec(ContentType::kHandshake, std::string(40, '\x80'));
  const std::vector<std::string> want = {
      "record handshake version=TLS 1.2 length=37 offset=0",
      "message client_key_exchange length=33 offset=5",
      "record change_cipher_spec version=TLS 1.2 length=1 offset=42",
      "record handshake version=TLS 1.2 length=40 offset=48",
  };
  for (size_t chunk : {0, 1, 3, 48, 49}) EXPECT_EQ(Lines(bytes, chunk), want) << chunk;
}

// After change_cipher_spec a TLS 1.2 record may hold 2^14 + 2048 bytes (RFC
// 5246 6.2.3); one byte more is record-overflow at its length field.
TEST(Inspector, ProtectedBoundAppliesRightAfterChangeCipherSpec) {
  std::string ccs = Rec(ContentType::kChangeCipherSpec, "\x01");
  std::string ok = ccs + std::string("\x17\x03\x03\x48\x00", 5) + std::string(18432, 'x');
  std::string over = ccs + std::string("\x17\x03\x03\x48\x01", 5) + std::string(18433, 'x');
  for (size_t chunk : {0, 1, 7}) {
    std::vector<std::string> lines = Lines(ok, chunk);
    ASSERT_EQ(lines.size(), 2u) << chunk;
    EXPECT_EQ(lines[1], "record application_data version=TLS 1.2 length=18432 offset=6") << chunk;
    EXPECT_EQ(Lines(over, chunk).back(), "error record-overflow offset=9") << chunk;
  }
}

// A record's messages come right after it, before the next record's line.
TEST(Inspector, RecordsAndMessagesInStreamOrder) {
  std::string bytes = Rec(ContentType::kHandshake, WrapHandshake(HandshakeType::kServerHelloDone, "")) +
                      Rec(ContentType::kAlert, std::string("\x01\x00", 2));
  const std::vector<std::string> want = {
      "record handshake version=TLS 1.2 length=4 offset=0",
      "message server_hello_done length=0 offset=5",
      "record alert version=TLS 1.2 length=2 offset=9",
  };
  EXPECT_EQ(Lines(bytes, 0), want);
  EXPECT_EQ(Lines(bytes, 1), want);
}

// A record_size_limit given to the Inspector bounds plaintext records (RFC 8449 4).
TEST(Inspector, RecordSizeLimit) {
  RecordLimits limits;
  limits.record_size_limit = 64;
  Inspector inspector(limits);
  EXPECT_FALSE(inspector.Feed(std::string("\x17\x03\x03\x00\x41", 5) + std::string(65, 'a')));
  EXPECT_EQ(inspector.failure(), (Failure{Error::kRecordSizeLimit, 3}));
}

// The first error ends the inspection (RFC 8446 5 and 6: an unknown record
// type ends the connection): a later Feed() is false and reads nothing, so
// no record line can follow the error line, nor a second error.
TEST(Inspector, FeedAfterAnErrorIsFalseAndReadsNothing) {
  Inspector inspector;
  EXPECT_FALSE(inspector.Feed("\x63"));
  EXPECT_EQ(inspector.failure(), (Failure{Error::kUnknownContentType, 0}));
  EXPECT_EQ(inspector.TakeLines(), std::vector<std::string>{"error unknown-content-type offset=0"});
  EXPECT_FALSE(inspector.Feed(Rec(ContentType::kAlert, std::string("\x01\x00", 2))));
  EXPECT_FALSE(inspector.Feed(""));
  EXPECT_TRUE(inspector.TakeLines().empty());
  EXPECT_EQ(inspector.failure(), (Failure{Error::kUnknownContentType, 0}));
}

// After Finish() the inspection is over too: Feed() is false and reads
// nothing.
TEST(Inspector, FeedAfterFinishIsFalseAndReadsNothing) {
  Inspector inspector;
  const std::string alert = Rec(ContentType::kAlert, std::string("\x01\x00", 2));
  EXPECT_TRUE(inspector.Feed(alert));
  EXPECT_TRUE(inspector.Finish());
  EXPECT_EQ(inspector.TakeLines(), std::vector<std::string>{"record alert version=TLS 1.2 length=2 offset=0"});
  EXPECT_FALSE(inspector.Feed(alert));
  EXPECT_FALSE(inspector.Feed(""));
  EXPECT_TRUE(inspector.TakeLines().empty());
  EXPECT_TRUE(inspector.failure().ok());
}

}  // namespace
}  // namespace xmppfuzz::tls
