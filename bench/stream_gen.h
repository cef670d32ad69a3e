// Deterministic generators of client-to-server XMPP streams for the
// benchmarks. Nothing is read from disk: every input is rebuilt from a seed,
// so a run on any machine parses the same bytes.
#ifndef XMPPFUZZ_BENCH_STREAM_GEN_H_
#define XMPPFUZZ_BENCH_STREAM_GEN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xmppfuzz::bench {

// GeneratedStream is a whole stream (XML declaration, stream header, stanzas,
// closing tag) and the answers any correct parser must give for it.
struct GeneratedStream {
  std::string bytes;
  size_t stanzas = 0;   // top-level elements inside the stream element
  size_t elements = 0;  // elements of the document, the stream element included
  size_t tags = 0;      // '<' bytes: start, end and empty-element tags and the XML declaration
};

// StreamMix is the realistic client-to-server mix, about |target_bytes| long:
// ~60% <message> (bodies of 20-400 characters with entity and character
// references and non-ASCII UTF-8, chat states, threads), ~25% <presence>
// (show, status, priority, XEP-0115 caps) and ~15% <iq> (roster sets of 5-50
// items, disco#info queries, XEP-0199 pings).
GeneratedStream StreamMix(size_t target_bytes, uint64_t seed = 1);

// StanzaSizeStream repeats <message> stanzas of exactly |stanza_bytes| bytes
// (at least 100) until the stream is about |target_bytes| long.
GeneratedStream StanzaSizeStream(size_t stanza_bytes, size_t target_bytes, uint64_t seed = 1);

// NestingStream repeats <message> stanzas whose element tree is |depth|
// elements deep (the message itself counts; depth >= 1).
GeneratedStream NestingStream(size_t depth, size_t target_bytes, uint64_t seed = 1);

// AttributeStream repeats <message> stanzas carrying one child element with
// |attributes| attributes (its xmlns declaration not counted).
GeneratedStream AttributeStream(size_t attributes, size_t target_bytes, uint64_t seed = 1);

// StreamHeader is the XML declaration and stream header every generated
// stream starts with.
std::string_view StreamHeader();

}  // namespace xmppfuzz::bench

#endif  // XMPPFUZZ_BENCH_STREAM_GEN_H_
