// stream_parser_fuzzer: raw stream bytes with fuzzer-chosen chunking.
// Properties: the events are the same whole, split at fuzzer-chosen points
// and byte by byte (chunk invariance); every stanza respects the limits; an
// error offset lies within the input; and each stanza's canonical form parses
// back to the same stanza.
#include "harnesses/harness.h"

namespace {

using namespace xmppfuzz;

void CheckLimits(const xml::Element& e, const xml::Limits& limits, size_t depth, size_t* text, std::string_view input) {
  if (depth > limits.max_depth) harness::Fail("stanza deeper than max_depth", input);
  if (e.attributes.size() > limits.max_attributes) harness::Fail("more attributes than max_attributes", input);
  if (e.name.size() > limits.max_name_bytes) harness::Fail("name longer than max_name_bytes", input);
  for (const xml::Node& n : e.children) {
    if (n.is_text) {
      *text += n.text.size();
    } else {
      CheckLimits(n.element, limits, depth + 1, text, input);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  harness::FuzzInput in(data, size);
  stream::Options options = harness::StreamOptions(in);
  uint32_t seed = in.U32();
  std::string_view bytes = in.Rest();

  stream::Parser parser(options);
  parser.Feed(bytes);
  std::vector<stream::Event> events = parser.TakeEvents();
  std::vector<std::string> whole;
  std::string content_ns;
  for (const stream::Event& e : events) {
    whole.push_back(e.Line());
    if (e.kind == stream::Event::Kind::kStreamOpen) content_ns = e.content_ns;
    if (e.kind == stream::Event::Kind::kError && e.error.offset > bytes.size()) {
      harness::Fail("error offset beyond the input", bytes);
    }
    if (e.kind != stream::Event::Kind::kStanza) continue;
    size_t text = 0;
    CheckLimits(e.element, options.limits, 2, &text, bytes);
    if (text > options.limits.max_text_bytes) harness::Fail("more text than max_text_bytes", bytes);
    // Canonical stability: the stanza's canonical form, alone in a fresh
    // stream with the same content namespace, parses to the same line.
    stream::Options again = options;
    again.limits = xml::Limits{};
    again.authenticated = true;
    std::string replay = stream::ClientHeader("example.com", content_ns) + xml::Canonical(e.element);
    std::vector<std::string> lines = stream::ParseAll(again, replay);
    if (lines.size() != 2 || lines[1] != whole.back()) {
      harness::RequireSame("canonical form does not parse back", replay, {whole.back()}, lines);
    }
  }

  harness::RequireSame("split differs from whole", bytes, whole,
                       stream::ParseSplit(options, bytes, harness::SplitLengths(seed, bytes.size())));
  if (bytes.size() <= 2048) {
    harness::RequireSame("byte by byte differs from whole", bytes, whole, stream::ParseAll(options, bytes, 1));
  }
  return 0;
}
