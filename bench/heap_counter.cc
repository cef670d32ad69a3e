// Interposes the C allocation functions for the benchmark binary. Symbols
// defined in the executable take precedence over glibc's for every shared
// library too, so Expat's and libxml2's allocations are seen as well as ours.
// The real work is done by glibc's own entry points (__libc_malloc, ...),
// which it exports for exactly this use.
#include "bench/heap_counter.h"

#include <malloc.h>

#include <atomic>
#include <cerrno>

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* p);
}

namespace xmppfuzz::bench {
namespace {

std::atomic<bool> g_metering{false};
int64_t g_live = 0;
int64_t g_peak = 0;
uint64_t g_allocations = 0;

inline void Added(void* p) {
  if (p == nullptr || !g_metering.load(std::memory_order_relaxed)) return;
  g_live += static_cast<int64_t>(malloc_usable_size(p));
  ++g_allocations;
  if (g_live > g_peak) g_peak = g_live;
}

inline void Removing(void* p) {
  if (p == nullptr || !g_metering.load(std::memory_order_relaxed)) return;
  g_live -= static_cast<int64_t>(malloc_usable_size(p));
}

}  // namespace

HeapMeter::HeapMeter() {
  g_live = 0;
  g_peak = 0;
  g_allocations = 0;
  g_metering.store(true, std::memory_order_relaxed);
}

HeapMeter::~HeapMeter() { g_metering.store(false, std::memory_order_relaxed); }

int64_t HeapMeter::live() const { return g_live; }
int64_t HeapMeter::peak() const { return g_peak; }
uint64_t HeapMeter::allocations() const { return g_allocations; }

}  // namespace xmppfuzz::bench

using xmppfuzz::bench::Added;
using xmppfuzz::bench::Removing;

extern "C" {

void* malloc(size_t size) {
  void* p = __libc_malloc(size);
  Added(p);
  return p;
}

void* calloc(size_t count, size_t size) {
  void* p = __libc_calloc(count, size);
  Added(p);
  return p;
}

void* realloc(void* old, size_t size) {
  Removing(old);
  void* p = __libc_realloc(old, size);
  if (p != nullptr) {
    Added(p);
  } else if (old != nullptr && size != 0) {
    Added(old);  // the old block is still ours
  }
  return p;
}

void free(void* p) {
  Removing(p);
  __libc_free(p);
}

void* memalign(size_t alignment, size_t size) {
  void* p = __libc_memalign(alignment, size);
  Added(p);
  return p;
}

void* aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

int posix_memalign(void** out, size_t alignment, size_t size) {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"
