// The in-process target: the reference stream parser (targets/stream) with
// one tokenizer backend. Every vector runs at several chunkings (whole, one
// byte at a time, two bytes at a time and seeded random splits); they must
// all give the same events at the same offsets.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_INPROC_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_INPROC_H_

#include <memory>
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

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_INPROC_H_
