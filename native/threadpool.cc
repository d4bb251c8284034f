#include "threadpool.h"
#include <algorithm>
#include <map>

#include "cpu.h"

namespace tl {

namespace {
// Spin this many rounds (~75 µs on Zen 5) for work or completion before blocking: kernels issue
// parallel_for back to back, and waking a sleeping thread costs tens of µs on a VM.
constexpr int kSpinIters = 4000;
// A job's chunk count and index share 16-bit fields of Slot::next (an index runs past the count
// by at most one failed take per thread).
constexpr int64_t kMaxChunks = 1 << 14;
}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lk(mu_);
    ++epoch_;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunk(Slot& s, uint64_t v) {
  const int64_t n = s.n.load(std::memory_order_relaxed), chunk = s.chunk.load(std::memory_order_relaxed);
  const int64_t b = chunk_index(v) * chunk, e = std::min(n, b + chunk);
  // An exception (std::bad_alloc in a kernel) must not escape a worker (std::terminate) nor
  // leave the caller before every chunk ended (they use its stack): the caller rethrows the
  // first one once the job is done.
  try {
    (*s.fn.load(std::memory_order_relaxed))(b, e);
  } catch (...) {
    std::lock_guard<std::mutex> lk(s.error_mu);
    if (!s.error) s.error = std::current_exception();
  }
  // Sequentially consistent with the caller's `sleeping` store and `done` load: either it sees
  // this count or this thread sees it asleep, so the lock is taken only when someone sleeps.
  s.done.fetch_add(1);
  if (s.sleeping.load()) {
    std::lock_guard<std::mutex> lk(mu_);
    done_cv_.notify_all();
  }
}

bool ThreadPool::help(Slot& s) {
  bool any = false;
  for (;;) {
    uint64_t v = s.next.load(std::memory_order_acquire);
    if (chunk_index(v) >= chunk_count(v)) return any;  // read first: no write to an idle line
    v = s.next.fetch_add(1, std::memory_order_acq_rel);
    if (chunk_index(v) >= chunk_count(v)) return any;
    run_chunk(s, v);
    any = true;
  }
}

bool ThreadPool::any_work() const {
  for (const Slot& s : slots_) {
    const uint64_t v = s.next.load();
    if (chunk_index(v) < chunk_count(v)) return true;
  }
  return false;
}

void ThreadPool::worker_loop() {
  int spins = 0;  // of the budget since the last chunk
  for (;;) {
    bool worked = false;
    for (Slot& s : slots_) worked |= help(s);
    if (worked) {
      spins = 0;
      continue;
    }
    if (stop_.load(std::memory_order_relaxed)) return;  // no caller is left: each holds the pool
    if (++spins < kSpinIters) {
      cpu_relax();
      continue;
    }
    // Asleep until a caller (which reads sleepers_ after publishing) or wake() bumps epoch_. A
    // caller that read sleepers_ just before this increment publishes unseen: it then runs its
    // chunks itself, and the next run's wake() finds this thread asleep.
    std::unique_lock<std::mutex> lk(mu_);
    sleepers_.fetch_add(1);
    const uint64_t e = epoch_;
    if (!any_work()) work_cv_.wait(lk, [&] { return stop_.load() || epoch_ != e; });
    sleepers_.fetch_sub(1);
    spins = 0;  // woken (by a job or by wake()): a fresh budget
  }
}

void ThreadPool::wake() {
  if (sleepers_.load() == 0) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    ++epoch_;
  }
  work_cv_.notify_all();
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const Fn& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t nchunks = std::min({(n + grain - 1) / grain, static_cast<int64_t>(size()) * 4, kMaxChunks});
  if (workers_.empty() || nchunks <= 1) {
    fn(0, n);
    return;
  }
  const int64_t chunk = (n + nchunks - 1) / nchunks;
  nchunks = (n + chunk - 1) / chunk;
  // A free slot, starting from the one this thread used last (a nested region takes the next).
  thread_local int hint = 0;
  Slot* s = nullptr;
  for (int i = 0; i < kSlots && !s; ++i) {
    const int j = (hint + i) % kSlots;
    if (!slots_[j].busy.load(std::memory_order_relaxed) && !slots_[j].busy.exchange(1, std::memory_order_acquire)) {
      s = &slots_[j];
      hint = j;
    }
  }
  if (!s) {  // more callers at once than slots: this one runs alone
    fn(0, n);
    return;
  }
  s->fn.store(&fn, std::memory_order_relaxed);
  s->n.store(n, std::memory_order_relaxed);
  s->chunk.store(chunk, std::memory_order_relaxed);
  s->done.store(0, std::memory_order_relaxed);
  s->sleeping.store(0, std::memory_order_relaxed);
  s->error = nullptr;
  // Published with chunk 0 already taken: it is the caller's, with no atomic add.
  s->next.store(static_cast<uint64_t>(nchunks) << 16 | 1, std::memory_order_release);
  dispatched_.fetch_add(1, std::memory_order_relaxed);
  wake();
  std::exception_ptr error;
  try {
    fn(0, std::min(n, chunk));
  } catch (...) {
    error = std::current_exception();
  }
  help(*s);  // the chunks no worker took yet
  const int64_t theirs = nchunks - 1;  // done counts all chunks but the first
  for (int i = 0; i < kSpinIters && s->done.load(std::memory_order_acquire) != theirs; ++i) cpu_relax();
  if (s->done.load(std::memory_order_acquire) != theirs) {
    s->sleeping.store(1);
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [&] { return s->done.load() == theirs; });
  }
  if (!error) error = std::move(s->error);
  s->error = nullptr;
  s->busy.store(0, std::memory_order_release);
  if (error) std::rethrow_exception(error);
}

std::shared_ptr<ThreadPool> shared_thread_pool(int threads) {
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  static std::mutex mu;
  static auto* pools = new std::map<int, std::weak_ptr<ThreadPool>>();  // never destroyed: no exit-time joins
  std::lock_guard<std::mutex> lk(mu);
  auto& slot = (*pools)[threads];
  auto pool = slot.lock();
  if (!pool) {
    pool = std::make_shared<ThreadPool>(threads);
    slot = pool;
  }
  return pool;
}

}  // namespace tl
