// The caching allocator (see alloc.h).
#include "alloc.h"
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define TL_HAVE_MMAP 1
#endif

namespace tl {
namespace pool {
namespace {

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
#if TL_HAVE_MMAP
  munmap(p, cap);
#else
  (void)cap;
  std::free(p);
#endif
}

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

void* acquire(size_t bytes, size_t* capacity, bool* hit) {
  *hit = false;
  if (bytes < kPoolMinBytes) {
    size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc's size rule; never a null block
    if (rounded < bytes) return nullptr;
    if (rounded == 0) rounded = 64;
    *capacity = rounded;
    return std::aligned_alloc(64, rounded);
  }
  const size_t cap = size_class(bytes);
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
  void* p = map_block(cap);
  if (p) {
    std::lock_guard<std::mutex> l(st.mu);
    st.s.mapped_bytes += cap;
  }
  return p;
}

void release(void* p, size_t capacity) {
  if (!p) return;
  if (capacity < kPoolMinBytes) {
    std::free(p);
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
