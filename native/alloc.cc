// The caching allocator (see alloc.h).
#include "alloc.h"
#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <unordered_map>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define TL_HAVE_MMAP 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TL_ASAN 1
#endif
#endif
#ifdef TL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace tl {
namespace pool {
namespace {

// Under AddressSanitizer (npm run test:asan) the bytes of a block past what was asked for, and
// whole blocks while they sit in a cache, are poisoned: a kernel writing past its buffer is
// reported even where the block came from a pooled region or a cache, not from malloc.
void poison(void* p, size_t n) {
#ifdef TL_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}
void unpoison(void* p, size_t n) {
#ifdef TL_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}
void heap_free(void* p, size_t cap) {
  unpoison(p, cap);
  std::free(p);
}

uint64_t default_cap() {
  if (const char* env = std::getenv("TL_POOL_BYTES")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0') return v;
  }
  uint64_t ram = 0;
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) ram = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
#endif
  const uint64_t two_gib = uint64_t{2} << 30;
  return ram ? std::min<uint64_t>(ram / 8, two_gib) : uint64_t{512} << 20;
}

struct State {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free;  // size class -> cached blocks
  Stats s;
  State() { s.cap_bytes = default_cap(); }
};

State& state() {
  static State* st = new State();  // never destroyed: buffers may be released during exit
  return *st;
}

void* map_block(size_t cap) {
#if TL_HAVE_MMAP
  if (cap < kHugeBytes) {
    void* p = mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
  // Over-map by 2 MiB and trim, so the block starts on a huge-page boundary.
  const size_t len = cap + kHugeBytes;
  void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (base + kHugeBytes - 1) & ~(uintptr_t{kHugeBytes} - 1);
  if (aligned > base) munmap(raw, aligned - base);
  const uintptr_t tail = base + len - (aligned + cap);
  if (tail) munmap(reinterpret_cast<void*>(aligned + cap), tail);
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, cap, MADV_HUGEPAGE);
#endif
  return p;
#else
  return std::aligned_alloc(kHugeBytes, cap);
#endif
}

void unmap_block(void* p, size_t cap) {
  unpoison(p, cap);
#if TL_HAVE_MMAP
  munmap(p, cap);
#else
  (void)cap;
  std::free(p);
#endif
}

// Blocks from 1 KiB up to kPoolMinBytes: glibc's per-thread cache stops at ~1 KiB, and above it
// every malloc and free of a 2 KiB activation went through the shared bins (with
// malloc_consolidate: ~1.4 µs of an MLP's 23 µs batch-1 run). Each thread keeps a few freed
// blocks per size class (8 classes per power of two, as the pool's) for its next requests.
constexpr size_t kSmallMin = 1024;
constexpr int log2_of(size_t x) { return x <= 1 ? 0 : 1 + log2_of(x / 2); }
constexpr int kSmallClasses = 8 * (log2_of(kPoolMinBytes) - log2_of(kSmallMin));  // 2^10 up to kPoolMinBytes
constexpr int kSmallPerClass = 4;
constexpr size_t kSmallCacheBytes = size_t{1} << 20;  // per thread

// A block's class index and its size (kSmallMin < bytes < kPoolMinBytes). The size of the last
// few requests below kPoolMinBytes rounds up to it: index kSmallClasses, not cached.
int small_class(size_t bytes, size_t* cap) {
  const int lg = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes));
  const size_t step = size_t{1} << (lg - 3);
  *cap = (bytes + step - 1) & ~(step - 1);
  const int lg2 = 63 - __builtin_clzll(static_cast<unsigned long long>(*cap));  // lg, or lg + 1 at a power of two
  return (lg2 - 10) * 8 + static_cast<int>((*cap >> (lg2 - 3)) - 8);
}

// The block size of class i (small_class's inverse).
size_t small_class_size(int i) {
  const int lg = 10 + i / 8;
  return static_cast<size_t>(8 + i % 8) << (lg - 3);
}

// Plain data, so it stays usable while the thread's other thread_locals are destroyed (a
// buffer may be released then: such a release bypasses the cache once `closed`).
struct SmallCache {
  void* blocks[kSmallClasses][kSmallPerClass];
  int count[kSmallClasses];
  size_t bytes;
  bool closed;
};
thread_local SmallCache small_cache;
// Frees the thread's cached blocks at its exit.
struct SmallCacheOwner {
  bool armed = false;
  ~SmallCacheOwner() {
    SmallCache& c = small_cache;
    c.closed = true;
    for (int i = 0; i < kSmallClasses; ++i)
      for (int j = 0; j < c.count[i]; ++j) heap_free(c.blocks[i][j], small_class_size(i));
    std::fill(std::begin(c.count), std::end(c.count), 0);
    c.bytes = 0;
  }
};
thread_local SmallCacheOwner small_cache_owner;

}  // namespace

size_t size_class(size_t bytes) {
  if (bytes < kPoolMinBytes) return bytes;
  // 8 classes per power of two: round up to a multiple of 2^(floor(log2 bytes) - 3).
  const int lg = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes));
  size_t step = size_t{1} << (lg - 3);
  if (bytes >= kHugeBytes && step < kHugeBytes) step = kHugeBytes;  // whole huge pages
  const size_t rounded = (bytes + step - 1) & ~(step - 1);
  return rounded < bytes ? 0 : rounded;
}

namespace {

void* acquire_block(size_t bytes, size_t* capacity, bool* hit) {
  *hit = false;
  // Heap blocks stay below kPoolMinBytes once rounded (release tells the two kinds apart by
  // their capacity): the last 63 bytes under it are served as the smallest pooled class.
  if (bytes <= kPoolMinBytes - 64) {
    size_t cap;
    if (bytes > kSmallMin) {
      const int i = small_class(bytes, &cap);
      if (i < kSmallClasses) {
        *capacity = cap;
        SmallCache& c = small_cache;
        if (c.count[i] > 0) {
          c.bytes -= cap;
          return c.blocks[i][--c.count[i]];
        }
        return std::aligned_alloc(64, cap);
      }
    }
    cap = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;  // aligned_alloc's size rule; never a null block
    *capacity = cap;
    return std::aligned_alloc(64, cap);
  }
  const size_t cap = size_class(std::max(bytes, kPoolMinBytes));
  if (cap == 0) return nullptr;
  *capacity = cap;
  State& st = state();
  {
    std::lock_guard<std::mutex> l(st.mu);
    auto it = st.free.find(cap);
    if (it != st.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      st.s.cached_bytes -= cap;
      st.s.hits++;
      *hit = true;
      return p;
    }
    st.s.misses++;
  }
#if TL_HAVE_MMAP
  if (cap < kHugeBytes) {
    // One huge page carved into blocks of this class: this request's and, cached, the next
    // ones' (their pages fault in once, as one huge page). The tail past the last whole block
    // stays mapped with the region.
    char* region = static_cast<char*>(map_block(kHugeBytes));
    if (!region) return nullptr;
    std::lock_guard<std::mutex> l(st.mu);
    st.s.mapped_bytes += kHugeBytes;
    auto& list = st.free[cap];
    size_t off = cap;
    for (; off + cap <= kHugeBytes; off += cap) {
      list.push_back(region + off);
      st.s.cached_bytes += cap;
    }
    poison(region + cap, kHugeBytes - cap);  // the cached blocks and the tail
    return region;
  }
#endif
  void* p = map_block(cap);
  if (p) {
    std::lock_guard<std::mutex> l(st.mu);
    st.s.mapped_bytes += cap;
  }
  return p;
}

}  // namespace

void* acquire(size_t bytes, size_t* capacity, bool* hit) {
  void* p = acquire_block(bytes, capacity, hit);
  if (p) {
    poison(p, *capacity);
    unpoison(p, bytes);
  }
  return p;
}

void release(void* p, size_t capacity) {
  if (!p) return;
  poison(p, capacity);  // cached from here on, or unpoisoned again as it goes back
  if (capacity > kSmallMin && capacity < kPoolMinBytes) {
    size_t cap;
    const int i = small_class(capacity, &cap);
    SmallCache& c = small_cache;
    if (cap == capacity && i < kSmallClasses && !c.closed && c.count[i] < kSmallPerClass &&
        c.bytes + cap <= kSmallCacheBytes) {
      small_cache_owner.armed = true;  // registers its destructor on this thread
      c.blocks[i][c.count[i]++] = p;
      c.bytes += cap;
      return;
    }
  }
  if (capacity < kPoolMinBytes) {
    heap_free(p, capacity);
    return;
  }
  State& st = state();
  {
    std::lock_guard<std::mutex> l(st.mu);
    if (st.s.cached_bytes + capacity <= st.s.cap_bytes) {
      st.free[capacity].push_back(p);
      st.s.cached_bytes += capacity;
      return;
    }
    st.s.mapped_bytes -= capacity;
  }
  unmap_block(p, capacity);
}

Stats stats() {
  State& st = state();
  std::lock_guard<std::mutex> l(st.mu);
  return st.s;
}

void trim() {
  State& st = state();
  std::unordered_map<size_t, std::vector<void*>> dropped;
  {
    std::lock_guard<std::mutex> l(st.mu);
    dropped.swap(st.free);
    st.s.mapped_bytes -= st.s.cached_bytes;
    st.s.cached_bytes = 0;
  }
  for (auto& [cap, blocks] : dropped)
    for (void* p : blocks) unmap_block(p, cap);
}

}  // namespace pool
}  // namespace tl
