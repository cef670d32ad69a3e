// The in-process target: the reference stream parser (targets/stream) with
// one tokenizer backend. Every vector runs at several chunkings (whole, one
// byte at a time, two bytes at a time and seeded random splits); they must
// all give the same events at the same offsets.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_INPROC_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_INPROC_H_

#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include "conformance/runner/runner.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

// Chunking is one way of cutting the input: pieces of |fixed| bytes when
// it is not zero, else the |lengths| in turn; the rest goes last (so with
// neither, the input goes whole).
struct Chunking {
  std::string name;  // "whole", "1-byte", "random:SEED", ...
  size_t fixed = 0;
  std::vector<size_t> lengths;
};

// Chunkings returns the chunkings every vector runs at, for an input of
// |size| bytes. The random ones are seeded from |id|, so a run repeats.
std::vector<Chunking> Chunkings(const std::string& id, size_t size);

// MakeInprocTarget returns the target for "inproc:<backend>".
std::unique_ptr<Target> MakeInprocTarget(xml::Backend backend);

// MakeDefaultParserTarget returns "inproc:expat-default" or
// "inproc:libxml2-default": the XML vectors (kind xml; every other kind is
// n/a) fed whole, prelude first, to the real parser configured as servers
// and clients commonly use it, WITHOUT the reference's guard:
//  - Expat: XML_ParserCreateNS with separator U+001F, start/end/character
//    handlers, Expat's own defaults (billion-laughs protection included);
//  - libxml2: xmlCreatePushParserCtxt with a zeroed SAX2 handler that has
//    startElementNs/endElementNs/characters (libstrophe, XMPPFramework),
//    options 0, the application's pointer as user data.
// Handlers that only record (comments, PIs, DOCTYPE, entity declarations,
// references, external entity requests, errors) are added; none changes
// what the parser does, and an external entity request loads nothing.
// The observation is `refused <condition>` (a parser error, mapped to an
// RFC 6120 condition, with the parser's text and byte offset in the
// detail), `expanded` (an entity was expanded or an external one asked
// for), `dropped` (a comment, PI, DOCTYPE or reference was skipped and
// parsing went on) or `accepted` (with the reference's canonical events).
// Returns null for another name.
std::unique_ptr<Target> MakeDefaultParserTarget(std::string_view name);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_INPROC_H_
