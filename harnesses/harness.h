// Shared helpers for the fuzz harnesses: input slicing, fuzzer-chosen
// chunking, small limits that fuzzers can reach, and failure reports.
// A harness file configures these; it holds no logic of its own beyond its
// property.
#ifndef XMPPFUZZ_HARNESSES_HARNESS_H_
#define XMPPFUZZ_HARNESSES_HARNESS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "targets/stream/stream.h"

namespace xmppfuzz::harness {

// FuzzInput takes choices from the front of the fuzz input; the rest is data.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (data_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return b;
  }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | Byte();
    return v;
  }
  // String takes up to |max| bytes, length chosen by one byte.
  std::string_view String(size_t max) {
    size_t n = std::min<size_t>({Byte(), max, data_.size()});
    std::string_view s = data_.substr(0, n);
    data_.remove_prefix(n);
    return s;
  }
  std::string_view Rest() const { return data_; }
  bool empty() const { return data_.empty(); }

 private:
  std::string_view data_;
};

// StreamOptions reads one byte of choices: backend (bits 0 and 5: Expat,
// libxml2, native, Expat), side, authenticated, whether to use the small
// fuzzing limits (reachable) or the defaults, and (bit 4, |*expand|) whether
// StreamBytes repeats a part of the data.
stream::Options StreamOptions(FuzzInput& in, bool* expand = nullptr);

// StreamBytes is the stream a harness plays: the rest of |in|, or with
// |expand| a repeat directive first (two bytes of count, two of offset, one
// of length): the data with its [offset, offset+length) part repeated
// count times, at most kMaxExpandedBytes in all. That lets an input of a
// few hundred bytes cross the default limits (a 262 144-byte stanza,
// 256 KiB of text), which max_len alone never could.
inline constexpr size_t kMaxExpandedBytes = 300000;
std::string StreamBytes(FuzzInput& in, bool expand);

// CheckCanonical aborts unless the canonical form of |stanza| (parsed
// under |options| on a stream of |content_ns|) parses back to |line| under
// xml::CanonicalLimits. Canonical forms whose size bound is over 64 MiB are
// not rendered (the fuzzer's memory limit is not the property).
void CheckCanonical(const stream::Options& options, std::string_view content_ns, const xml::Element& stanza,
                    const std::string& line, std::string_view input);

// SmallLimits are limits a fuzzer can reach within max_len.
xml::Limits SmallLimits();

// SplitLengths turns a seed into chunk lengths covering |total| bytes
// (base::SplitLengths): mostly 1-16 bytes, sometimes up to 512, so tokens
// are split everywhere.
std::vector<size_t> SplitLengths(uint32_t seed, size_t total);

// RequireSame aborts with both event logs when |a| != |b|.
void RequireSame(const char* what, std::string_view input, const std::vector<std::string>& a,
                 const std::vector<std::string>& b);

// Fail prints |what| and the input (escaped) and aborts.
[[noreturn]] void Fail(const std::string& what, std::string_view input);

// WarmUp runs every regular file of the directory that XMPPFUZZ_WARMUP_DIR
// names (in name order, at most 1 MiB of each) through
// LLVMFuzzerTestOneInput, and does nothing when the variable is unset.
// Every fuzzer calls it from LLVMFuzzerInitialize (warm_up.cc, or the
// fuzzer's own LLVMFuzzerInitialize), which AFL++'s driver runs before its
// fork server starts: the one-time initialisations (function-local statics,
// std::call_once, the public suffix list, OpenSSL's fetched algorithms)
// then happen once in the parent instead of on the first input of every
// child, where AFL++ counts them as instability. scripts/fuzz sets it to the
// fuzzer's seed corpus for AFL++ campaigns. Returns the files run.
int WarmUp();

}  // namespace xmppfuzz::harness

#endif  // XMPPFUZZ_HARNESSES_HARNESS_H_
