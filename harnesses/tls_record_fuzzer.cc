// tls_record_fuzzer: the TLS record reader (targets/tls) on hostile bytes.
// Properties: records partition the input exactly (contiguous offsets, every
// byte in exactly one record up to the error); handshake messages are exactly
// the concatenated plaintext handshake bodies; and the outcome (records,
// messages, error and offset) does not depend on the chunking.
#include <string>
#include <vector>

#include "harnesses/harness.h"
#include "targets/tls/tls.h"

namespace {

using namespace xmppfuzz;

struct Run {
  std::vector<tls::Record> records;
  std::vector<tls::HandshakeMessage> messages;
  tls::Failure failure;
};

Run Read(std::string_view bytes, const tls::RecordLimits& limits, tls::Protection protection,
         const std::vector<size_t>& lengths) {
  tls::RecordReader reader(limits);
  reader.SetProtection(protection);
  Run run;
  size_t pos = 0;
  bool ok = true;
  for (size_t i = 0; ok && pos < bytes.size(); ++i) {
    size_t n = i < lengths.size() ? std::min(lengths[i], bytes.size() - pos) : bytes.size() - pos;
    ok = reader.Feed(bytes.substr(pos, n));
    pos += n;
  }
  if (ok) reader.Finish();
  run.records = reader.TakeRecords();
  run.messages = reader.TakeMessages();
  run.failure = reader.failure();
  return run;
}

std::string Summary(const Run& r) {
  std::string s = tls::Describe(r.failure);
  for (const auto& rec : r.records) s += " r" + std::to_string(rec.offset) + ":" + std::to_string(rec.body.size());
  for (const auto& m : r.messages) s += " m" + std::to_string(m.offset) + ":" + std::to_string(m.body.size());
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  harness::FuzzInput in(data, size);
  const uint8_t options = in.Byte();
  const uint32_t seed = in.U32();
  tls::RecordLimits limits;
  if (options & 1) limits.max_handshake_bytes = 512;
  if (options & 2) limits.record_size_limit = 64 + (options >> 4) * 32;
  const auto protection = static_cast<tls::Protection>((options >> 2) % 3);
  const std::string_view bytes = in.Rest();

  Run whole = Read(bytes, limits, protection, {});
  Run split = Read(bytes, limits, protection, harness::SplitLengths(seed, bytes.size()));
  if (Summary(whole) != Summary(split)) harness::Fail("chunking changed the outcome: " + Summary(whole) + " vs " + Summary(split), bytes);

  uint64_t next = 0;
  std::string handshake;
  for (const tls::Record& r : whole.records) {
    if (r.offset != next) harness::Fail("records do not partition the input", bytes);
    if (bytes.substr(r.offset + 5, r.body.size()) != r.body) harness::Fail("record body is not the input's bytes", bytes);
    next = r.offset + 5 + r.body.size();
    if (r.type == tls::ContentType::kHandshake && protection == tls::Protection::kPlaintext) handshake += r.body;
  }
  if (whole.failure.ok() && next != bytes.size()) harness::Fail("bytes left over without an error", bytes);
  if (!whole.failure.ok() && whole.failure.offset > bytes.size()) harness::Fail("error offset past the input", bytes);
  std::string rebuilt;
  for (const tls::HandshakeMessage& m : whole.messages) {
    if (m.body.size() > limits.max_handshake_bytes) harness::Fail("message over the limit", bytes);
    rebuilt += tls::WrapHandshake(m.type, m.body);
  }
  if (handshake.substr(0, rebuilt.size()) != rebuilt) harness::Fail("messages are not the handshake bytes", bytes);
  if (whole.failure.ok() && rebuilt != handshake) harness::Fail("handshake bytes left over without an error", bytes);
  return 0;
}
