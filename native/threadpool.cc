#include "threadpool.h"
#include <algorithm>
#include <map>

#include "cpu.h"

namespace tl {

namespace {
// Spin this many pause iterations (~75 µs on Zen 5) for work or completion before blocking:
// kernels issue parallel_for back to back, and waking a sleeping thread costs tens of µs on a VM.
constexpr int kSpinIters = 4000;
}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    epoch_.fetch_add(1);
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks(Job& job) {
  for (;;) {
    int64_t c = job.next.fetch_add(1);
    if (c >= job.nchunks) return;
    int64_t b = c * job.chunk, e = std::min(job.n, b + job.chunk);
    // An exception (std::bad_alloc in a kernel) must not escape a worker (std::terminate) nor
    // leave the caller before every chunk ended (they use its stack): the caller rethrows the
    // first one once the job is done.
    try {
      (*job.fn)(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(job.error_mu);
      if (!job.error) job.error = std::current_exception();
    }
    // The caller spins on `done` and only then sleeps, announcing it in done_waiters_ (both
    // sequentially consistent: either it sees this count or this thread sees it waiting), so
    // the lock is taken only when someone sleeps on it.
    if (job.done.fetch_add(1) + 1 == job.nchunks && done_waiters_.load() > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      done_cv_.notify_all();
    }
  }
}

// Workers watch epoch_ (bumped by every new job) without the lock: a job's caller retires it
// under the lock while a worker that finished its chunk spins on, so the two never queue on
// the mutex at the end of a parallel region (that cost ~2.5 µs per region on a VM).
void ThreadPool::worker_loop() {
  uint64_t seen = 0;  // epoch_'s initial value: a job or stop before this thread ran is news
  int spins = 0;  // of the budget since the last job
  for (;;) {
    for (; spins < kSpinIters && epoch_.load(std::memory_order_acquire) == seen; ++spins) cpu_relax();
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      if (epoch_.load() == seen) {
        sleepers_.fetch_add(1);
        work_cv_.wait(lk, [&] { return stop_ || epoch_.load() != seen; });
        sleepers_.fetch_sub(1);
        spins = 0;  // woken (by a job or by wake()): a fresh budget
      }
      seen = epoch_.load();
      if (stop_) return;  // no caller is left: each holds the pool
      for (const auto& j : queue_)
        if (j->next.load() < j->nchunks) { job = j; break; }
    }
    if (!job) continue;  // every queued job is handed out: spin on what is left of the budget
    spins = 0;
    run_chunks(*job);
    // Another run's job queued before this one was taken may still have chunks: look again.
    if (jobs_.load() > 1) --seen;
  }
}

void ThreadPool::wake() {
  if (sleepers_.load() == 0) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    epoch_.fetch_add(1, std::memory_order_release);
  }
  work_cv_.notify_all();
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const Fn& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t max_chunks = static_cast<int64_t>(size()) * 4;
  int64_t nchunks = std::min((n + grain - 1) / grain, max_chunks);
  if (workers_.empty() || nchunks <= 1) {
    fn(0, n);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->n = n;
  job->chunk = (n + nchunks - 1) / nchunks;
  job->nchunks = (n + job->chunk - 1) / job->chunk;
  {
    std::lock_guard<std::mutex> lk(mu_);
    queue_.push_back(job);
    jobs_.store(static_cast<int>(queue_.size()));
    epoch_.fetch_add(1, std::memory_order_release);
    dispatched_.fetch_add(1, std::memory_order_relaxed);
  }
  work_cv_.notify_all();
  run_chunks(*job);
  for (int i = 0; i < kSpinIters && job->done.load(std::memory_order_acquire) != job->nchunks; ++i) cpu_relax();
  std::unique_lock<std::mutex> lk(mu_);
  if (job->done.load() != job->nchunks) {
    done_waiters_.fetch_add(1);
    done_cv_.wait(lk, [&] { return job->done.load() == job->nchunks; });
    done_waiters_.fetch_sub(1);
  }
  queue_.erase(std::find(queue_.begin(), queue_.end(), job));
  jobs_.store(static_cast<int>(queue_.size()));
  lk.unlock();
  if (job->error) std::rethrow_exception(job->error);
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
