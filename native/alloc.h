// The caching allocator behind every tensor buffer (Buffer::allocate): TF keeps a BFC
// allocator, onnxruntime an arena; without one, each large tensor of each run is a fresh mmap
// whose pages fault on first touch (on the VMs this was tuned on, a 4 KiB page fault costs
// ~10 µs: 2.5 ms per fresh MiB, where one 2 MiB huge page faults in ~0.1 ms).
//
// Blocks below kPoolMinBytes come from the C heap (each thread keeps a few freed ones per size
// class from 1 KiB up, past glibc's own cache). Larger ones are rounded up to a size class (8
// per power of two, so at most 12.5% slack) and come from huge pages where Linux has
// transparent huge pages: classes under 2 MiB are carved from 2 MiB regions (MADV_HUGEPAGE),
// larger ones mapped 2 MiB aligned with MADV_HUGEPAGE. When freed they are kept on their
// class's free list for the next request of that class, up to a cap on the bytes kept
// (TL_POOL_BYTES, default min(RAM / 8, 2 GiB)); beyond it they go back to the OS.
// Process-wide and thread-safe: runs, sessions and the JS side's external ArrayBuffers (whose
// finalizers release into it) share the pool.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tl {
namespace pool {

constexpr size_t kPoolMinBytes = size_t{64} << 10;
constexpr size_t kHugeBytes = size_t{2} << 20;

// The size class `bytes` is served from (bytes itself below kPoolMinBytes; 0 on overflow).
size_t size_class(size_t bytes);

// A 64-byte aligned block of at least `bytes` (its real size in *capacity; kept for release),
// or nullptr. *hit tells whether it came from the pool.
void* acquire(size_t bytes, size_t* capacity, bool* hit);
void release(void* p, size_t capacity);

struct Stats {
  uint64_t hits = 0, misses = 0;   // pooled-size requests served from / not from the free lists
  uint64_t cached_bytes = 0;       // bytes on the free lists now
  uint64_t cap_bytes = 0;          // the most the free lists keep
  uint64_t mapped_bytes = 0;       // pooled-size blocks mapped from the OS now (in use or cached)
};
Stats stats();
// Frees every cached block (tests; memory pressure). Blocks in use are unaffected.
void trim();

}  // namespace pool
}  // namespace tl
