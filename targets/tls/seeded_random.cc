// A seeded random source for OpenSSL, so a fuzz input or a test replays
// byte for byte. OpenSSL 3.0 still honours a RAND_METHOD installed with the
// deprecated RAND_set_rand_method: RAND_bytes_ex and RAND_priv_bytes_ex,
// which libssl and the built-in default provider (key generation, nonces)
// call, ask RAND_get_rand_method() first. RAND_set_DRBG_type, the
// non-deprecated route, fails once the primary DRBG exists and cannot be
// reset between inputs.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/rand.h>

#include <atomic>
#include <cstring>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

struct SeededState {
  uint64_t state[2] = {0, 0};
  int stream = 0;
  bool installed = false;
};
SeededState g_rand;

// SplitMix64 (Steele, Lea, Flood 2014): tiny, full-period, no OpenSSL calls.
uint64_t Next(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int SeededBytes(unsigned char* buf, int num) {
  uint64_t* s = &g_rand.state[g_rand.stream];
  for (int i = 0; i < num; i += 8) {
    const uint64_t v = Next(s);
    const int n = num - i < 8 ? num - i : 8;
    std::memcpy(buf + i, &v, static_cast<size_t>(n));
  }
  return 1;
}
int SeededSeed(const void*, int) { return 1; }
int SeededAdd(const void*, int, double) { return 1; }
int SeededStatus() { return 1; }
void SeededCleanup() {}

const RAND_METHOD kSeededMethod = {SeededSeed, SeededBytes, SeededCleanup, SeededAdd, SeededBytes, SeededStatus};

}  // namespace

bool InstallSeededRandom(uint64_t seed) {
  g_rand.state[0] = seed;
  g_rand.state[1] = seed ^ 0xD1B54A32D192ED03ull;
  g_rand.stream = 0;
  if (RAND_set_rand_method(&kSeededMethod) != 1) return false;
  g_rand.installed = true;
  return true;
}

void SelectRandomStream(int stream) { g_rand.stream = stream == 0 ? 0 : 1; }

void RestoreSystemRandom() {
  RAND_set_rand_method(RAND_OpenSSL());
  g_rand.installed = false;
}

bool SeededRandomInstalled() { return g_rand.installed; }

}  // namespace xmppfuzz::tls
