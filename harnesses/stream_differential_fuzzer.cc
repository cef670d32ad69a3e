// stream_differential_fuzzer: the native tokenizer, Expat and libxml2 must
// give identical canonical events for the same bytes, down to the error
// condition and offset: any disagreement is a parser differential (the class
// of stanza smuggling bugs) and aborts. Native and Expat get the whole input,
// libxml2 fuzzer-chosen chunking.
#include "harnesses/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xmppfuzz;
  harness::FuzzInput in(data, size);
  bool expand = false;
  stream::Options options = harness::StreamOptions(in, &expand);
  uint32_t seed = in.U32();
  std::string stream_bytes = harness::StreamBytes(in, expand);
  std::string_view bytes = stream_bytes;

  options.backend = xml::Backend::kExpat;
  std::vector<std::string> expat = stream::ParseAll(options, bytes);
  options.backend = xml::Backend::kLibxml2;
  std::vector<std::string> libxml2 = stream::ParseSplit(options, bytes, harness::SplitLengths(seed, bytes.size()));
  harness::RequireSame("expat and libxml2 disagree", bytes, expat, libxml2);
  options.backend = xml::Backend::kNative;
  std::vector<std::string> native = stream::ParseAll(options, bytes);
  harness::RequireSame("expat and native disagree", bytes, expat, native);
  return 0;
}
