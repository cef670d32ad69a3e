#include "harnesses/harness.h"

#include <cstdio>
#include <cstdlib>

#include "targets/base/base.h"

namespace xmppfuzz::harness {

xml::Limits SmallLimits() {
  xml::Limits l;
  l.max_stanza_bytes = 4096;
  l.max_stanza_bytes_preauth = 1024;
  l.max_depth = 8;
  l.max_attributes = 8;
  l.max_name_bytes = 48;
  l.max_namespace_decls = 4;
  l.max_text_bytes = 2048;
  return l;
}

stream::Options StreamOptions(FuzzInput& in, bool* expand) {
  uint8_t b = in.Byte();
  if (expand != nullptr) *expand = (b & 16) != 0;
  stream::Options o;
  // Bits 0 and 5 pick the backend: 0 Expat, 1 libxml2, 2 native, 3 Expat
  // (inputs written before native keep bit 5 clear and their backend).
  o.backend = xml::kBackends[((b & 1) | ((b >> 4) & 2)) % xml::kBackends.size()];
  o.side = (b & 2) ? stream::Side::kClient : stream::Side::kServer;
  o.authenticated = (b & 4) != 0;
  o.limits = (b & 8) ? xml::Limits{} : SmallLimits();
  return o;
}

std::string StreamBytes(FuzzInput& in, bool expand) {
  if (!expand) return std::string(in.Rest());
  size_t count = (size_t{in.Byte()} << 8) | in.Byte();
  size_t at = (size_t{in.Byte()} << 8) | in.Byte();
  size_t len = in.Byte();
  std::string_view data = in.Rest();
  at = std::min(at, data.size());
  len = std::min(len, data.size() - at);
  std::string out(data.substr(0, at));
  std::string_view body = data.substr(at, len);
  std::string_view after = data.substr(at + len);
  size_t room = kMaxExpandedBytes > data.size() - len ? kMaxExpandedBytes - (data.size() - len) : 0;
  if (!body.empty()) count = std::min(count, room / body.size());
  for (size_t i = 0; i < count && !body.empty(); ++i) out.append(body);
  out.append(after);
  return out;
}

void CheckCanonical(const stream::Options& options, std::string_view content_ns, const xml::Element& stanza,
                    const std::string& line, std::string_view input) {
  if (xml::CanonicalSizeBound(stanza) > (64u << 20)) return;
  std::string canonical = xml::Canonical(stanza);
  stream::Options again = options;
  again.limits = xml::CanonicalLimits(options.limits, canonical.size());
  again.authenticated = true;
  std::string replay = stream::ClientHeader("example.com", content_ns) + canonical;
  std::vector<std::string> lines = stream::ParseAll(again, replay);
  if (lines.size() != 2 || lines[1] != line) RequireSame("canonical form does not parse back", input, {line}, lines);
}

std::vector<size_t> SplitLengths(uint32_t seed, size_t total) { return base::SplitLengths(seed, total, 16, 512); }

void Fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\ninput (%zu bytes): %s\n", what.c_str(), input.size(),
               base::EscapeBytes(input, 4096).c_str());
  std::abort();
}

void RequireSame(const char* what, std::string_view input, const std::vector<std::string>& a,
                 const std::vector<std::string>& b) {
  if (a == b) return;
  std::string report = std::string(what) + "\n--- first:\n";
  for (const auto& line : a) report += "  " + line + "\n";
  report += "--- second:\n";
  for (const auto& line : b) report += "  " + line + "\n";
  Fail(report, input);
}

}  // namespace xmppfuzz::harness
