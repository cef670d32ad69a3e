// Shared helpers for the XML layer and stream parser tests.
//
// Every case is played through a fresh stream::Parser many times: whole, in
// chunks of 1, 2, 3, 4 and 5 bytes, and at three seeded random splits, on
// every backend (Expat, libxml2, native). All runs must print the same event lines (the
// chunk-invariance and backend-agreement contract of docs/design.md), and those
// lines must be the expected ones.
//
//   EXPECT_EVENTS(input, {kOpen, "stanza <message xmlns=\"jabber:client\"/>"});
//   EXPECT_STREAM_ERROR(input, Condition::kRestrictedXml, kH.size() + 5);
//
// Both macros take an optional stream::Options (backend is overridden).
#ifndef XMPPFUZZ_TESTS_SUPPORT_STREAM_EXPECT_H_
#define XMPPFUZZ_TESTS_SUPPORT_STREAM_EXPECT_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "targets/base/base.h"
#include "targets/stream/stream.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::streamtest {

// kH is the stream header most cases start with (a client's first bytes,
// RFC 6120 section 4.2).
inline const std::string kDecl = "<?xml version='1.0'?>";
inline const std::string kH = stream::ClientHeader();
inline const std::string kStreamStart = kH.substr(kDecl.size());

// kOpen is the event line kH produces.
inline const std::string kOpen =
    "stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" "
    "xmlns=\"jabber:client\" to=\"example.com\" version=\"1.0\">";

inline const std::string kClose = "</stream:stream>";

// At returns the offset of the |nth| occurrence (0-based) of |needle| in
// |s|, so cases name the offending bytes instead of counting them.
inline uint64_t At(std::string_view s, std::string_view needle, size_t nth = 0) {
  size_t pos = s.find(needle);
  while (nth-- > 0 && pos != std::string_view::npos) pos = s.find(needle, pos + 1);
  EXPECT_NE(pos, std::string_view::npos) << "'" << needle << "' not in the input";
  return pos;
}

// ErrorLine renders an error event as Event::Line() does.
inline std::string ErrorLine(xml::Condition c, uint64_t offset) {
  return "error " + std::string(xml::ConditionName(c)) + " offset=" + std::to_string(offset);
}

// Stanza renders "stanza <canonical>" for a canonical string.
inline std::string Stanza(std::string_view canonical) { return "stanza " + std::string(canonical); }

// A Split is one way of cutting the input: a name for failure messages and a
// generator of chunk lengths (0 = everything left).
struct Split {
  std::string name;
  size_t fixed = 0;      // fixed chunk size; 0 with seed 0 = whole
  uint32_t seed = 0;     // random split seed when non-zero
};

inline std::vector<Split> AllSplits() {
  std::vector<Split> splits = {{"whole", 0, 0}};
  for (size_t n = 1; n <= 5; ++n) splits.push_back({"chunk=" + std::to_string(n), n, 0});
  for (uint32_t seed : {11u, 22u, 33u}) splits.push_back({"random:" + std::to_string(seed), 0, seed});
  return splits;
}

// Play runs |input| through a fresh parser cut as |split| says and returns
// the event lines. Feeding stops at the first error, as a server would.
inline std::vector<std::string> Play(const stream::Options& options, std::string_view input, const Split& split) {
  stream::Parser parser(options);
  std::vector<std::string> lines;
  base::ChunkSplitter splitter(split.seed, 8, 64);  // mostly short pieces that cut tokens
  size_t pos = 0;
  auto drain = [&] {
    for (const stream::Event& e : parser.TakeEvents()) lines.push_back(e.Line());
  };
  do {
    size_t len = input.size() - pos;
    if (split.fixed != 0) {
      len = std::min(len, split.fixed);
    } else if (split.seed != 0) {
      len = std::min(len, splitter.Next());
    }
    xml::Status status = parser.Feed(input.substr(pos, len));
    pos += len;
    drain();
    if (status == xml::Status::kError) break;
  } while (pos < input.size());
  return lines;
}

inline std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "    " + l + "\n";
  return out.empty() ? "    (no events)\n" : out;
}

struct Outcome {
  std::string run;  // "expat whole", ...
  std::vector<std::string> lines;
};

// PlayEverywhere runs every split on every backend (xml::kBackends).
inline std::vector<Outcome> PlayEverywhere(std::string_view input, stream::Options options) {
  std::vector<Outcome> out;
  for (xml::Backend backend : xml::kBackends) {
    options.backend = backend;
    for (const Split& split : AllSplits()) {
      out.push_back({std::string(xml::BackendName(backend)) + " " + split.name, Play(options, input, split)});
    }
  }
  return out;
}

// Agreement checks that all runs printed the same lines and returns them in
// |lines|.
inline ::testing::AssertionResult Agreement(const std::vector<Outcome>& runs, std::vector<std::string>* lines) {
  *lines = runs.front().lines;
  for (const Outcome& o : runs) {
    if (o.lines != runs.front().lines) {
      return ::testing::AssertionFailure() << "runs disagree (chunk invariance / backend agreement broken)\n  "
                                           << runs.front().run << ":\n"
                                           << Join(runs.front().lines) << "  " << o.run << ":\n"
                                           << Join(o.lines);
    }
  }
  return ::testing::AssertionSuccess();
}

inline std::string Printable(std::string_view s) { return base::EscapeBytes(s, 400); }

// CheckEvents: every run prints exactly |expected|.
inline ::testing::AssertionResult CheckEvents(std::string_view input, const std::vector<std::string>& expected,
                                              const stream::Options& options = {}) {
  std::vector<std::string> lines;
  ::testing::AssertionResult agree = Agreement(PlayEverywhere(input, options), &lines);
  if (!agree) return agree << "  input: " << Printable(input);
  if (lines != expected) {
    return ::testing::AssertionFailure() << "unexpected events (identical in all runs)\n  got:\n"
                                         << Join(lines) << "  expected:\n"
                                         << Join(expected) << "  input: " << Printable(input);
  }
  return ::testing::AssertionSuccess();
}

// CheckError: every run ends with exactly one error, |condition| at |offset|,
// and all runs agree on the events before it.
inline ::testing::AssertionResult CheckError(std::string_view input, xml::Condition condition, uint64_t offset,
                                             const stream::Options& options = {}) {
  std::vector<std::string> lines;
  ::testing::AssertionResult agree = Agreement(PlayEverywhere(input, options), &lines);
  if (!agree) return agree << "  input: " << Printable(input);
  std::string want = ErrorLine(condition, offset);
  size_t errors = 0;
  for (const std::string& l : lines) errors += l.rfind("error ", 0) == 0;
  if (lines.empty() || lines.back() != want || errors != 1) {
    return ::testing::AssertionFailure() << "expected last event '" << want << "' (identical in all runs), got:\n"
                                         << Join(lines) << "  input: " << Printable(input);
  }
  return ::testing::AssertionSuccess();
}

// AgreedLines returns the lines every run printed (and fails the test when
// runs disagree); for cases that inspect the events themselves.
inline std::vector<std::string> AgreedLines(std::string_view input, const stream::Options& options = {}) {
  std::vector<std::string> lines;
  EXPECT_TRUE(Agreement(PlayEverywhere(input, options), &lines)) << "  input: " << Printable(input);
  return lines;
}

}  // namespace xmppfuzz::streamtest

#define EXPECT_EVENTS(input, ...) EXPECT_TRUE(::xmppfuzz::streamtest::CheckEvents(input, __VA_ARGS__))
#define EXPECT_STREAM_ERROR(input, ...) EXPECT_TRUE(::xmppfuzz::streamtest::CheckError(input, __VA_ARGS__))

#endif  // XMPPFUZZ_TESTS_SUPPORT_STREAM_EXPECT_H_
