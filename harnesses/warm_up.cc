// The warm-up every fuzzer links (harness.h, WarmUp): a weak
// LLVMFuzzerInitialize that runs it; a fuzzer with its own
// LLVMFuzzerInitialize calls harness::WarmUp() there itself.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "harnesses/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace xmppfuzz::harness {

int WarmUp() {
  const char* dir = std::getenv("XMPPFUZZ_WARMUP_DIR");
  if (dir == nullptr || *dir == '\0') return 0;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  if (ec) {
    std::fprintf(stderr, "XMPPFUZZ_WARMUP_DIR: cannot read %s: %s\n", dir, ec.message().c_str());
    return 0;
  }
  std::sort(files.begin(), files.end());
  constexpr size_t kMaxBytes = 1 << 20;
  int run = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes(kMaxBytes, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<size_t>(in.gcount()));
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++run;
  }
  return run;
}

}  // namespace xmppfuzz::harness

extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int*, char***) {
  xmppfuzz::harness::WarmUp();
  return 0;
}
