// stream_parser_fuzzer: raw stream bytes with fuzzer-chosen chunking.
// Properties: the events are the same whole, split at fuzzer-chosen points
// and byte by byte (chunk invariance); every stanza respects the limits; an
// error offset lies within the input; and each stanza's canonical form parses
// back to the same stanza (under xml::CanonicalLimits). An option bit
// expands a repeated part of the input (harness::StreamBytes), so inputs
// reach the default limits too.
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
  bool expand = false;
  stream::Options options = harness::StreamOptions(in, &expand);
  uint32_t seed = in.U32();
  std::string stream_bytes = harness::StreamBytes(in, expand);
  std::string_view bytes = stream_bytes;

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
    // stream with the same content namespace, parses to the same line under
    // the limits that allow for the canonical form's documented growth
    // (xml::CanonicalLimits of the limits this input was parsed with).
    harness::CheckCanonical(options, content_ns, e.element, whole.back(), bytes);
  }

  harness::RequireSame("split differs from whole", bytes, whole,
                       stream::ParseSplit(options, bytes, harness::SplitLengths(seed, bytes.size())));
  if (bytes.size() <= 2048) {
    harness::RequireSame("byte by byte differs from whole", bytes, whole, stream::ParseAll(options, bytes, 1));
  }
  return 0;
}
