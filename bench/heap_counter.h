// A heap meter for the benchmark binary. heap_counter.cc replaces malloc and
// friends for the whole process (C++ new, Expat and libxml2 all allocate
// through them) with thin wrappers over glibc's allocator that, while a
// HeapMeter is alive, add up the usable size of every block allocated and
// freed. Outside a meter the wrappers cost one relaxed atomic load.
#ifndef XMPPFUZZ_BENCH_HEAP_COUNTER_H_
#define XMPPFUZZ_BENCH_HEAP_COUNTER_H_

#include <cstddef>
#include <cstdint>

namespace xmppfuzz::bench {

// HeapMeter measures the heap between its construction and now. Meters do not
// nest; use one at a time, on one thread.
class HeapMeter {
 public:
  HeapMeter();
  ~HeapMeter();
  HeapMeter(const HeapMeter&) = delete;
  HeapMeter& operator=(const HeapMeter&) = delete;

  // live is the net number of bytes allocated since construction (blocks
  // allocated earlier and freed since count negatively).
  int64_t live() const;
  // peak is the highest value live() has reached.
  int64_t peak() const;
  // allocations counts malloc/calloc/realloc/aligned calls since construction.
  uint64_t allocations() const;
};

}  // namespace xmppfuzz::bench

#endif  // XMPPFUZZ_BENCH_HEAP_COUNTER_H_
