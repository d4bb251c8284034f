#include "threadpool.h"
#include <algorithm>
#include <map>

#include "cpu.h"

namespace tl {

namespace {
// Spin this many pause iterations (~100 µs) for work or completion before blocking: kernels
// issue parallel_for back to back, and waking a sleeping thread costs tens of µs on a VM.
constexpr int kSpinIters = 4000;
}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks(Job& job) {
  for (;;) {
    int64_t c = job.next.fetch_add(1);
    if (c >= job.nchunks) return;
    int64_t b = c * job.chunk, e = std::min(job.n, b + job.chunk);
    (*job.fn)(b, e);
    if (job.done.fetch_add(1) + 1 == job.nchunks) {
      std::lock_guard<std::mutex> lk(mu_);
      done_cv_.notify_all();
    }
  }
}

void ThreadPool::worker_loop() {
  int spins = 0;  // of the budget since the last job
  for (;;) {
    for (; spins < kSpinIters && queued_.load(std::memory_order_acquire) == 0; ++spins) cpu_relax();
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      // queued_ may have shown the job its caller was retiring just then: spin on with what is
      // left of the budget instead of sleeping. (Sleeping there made the worker start every
      // other matmul of an MLP ~25 µs late: the wake-up of a sleeping thread on a VM.)
      if (!stop_ && queue_.empty() && spins < kSpinIters) continue;
      work_cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and nothing left
      job = queue_.front();
      spins = 0;
      if (job->next.load() >= job->nchunks) {  // fully handed out: retire it
        queue_.pop_front();
        queued_.fetch_sub(1, std::memory_order_release);
        continue;
      }
    }
    run_chunks(*job);
  }
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
    queued_.fetch_add(1, std::memory_order_release);
  }
  work_cv_.notify_all();
  run_chunks(*job);
  for (int i = 0; i < kSpinIters && job->done.load(std::memory_order_acquire) != job->nchunks; ++i) cpu_relax();
  std::unique_lock<std::mutex> lk(mu_);
  done_cv_.wait(lk, [&] { return job->done.load() == job->nchunks; });
  auto it = std::find(queue_.begin(), queue_.end(), job);
  if (it != queue_.end()) {
    queue_.erase(it);
    queued_.fetch_sub(1, std::memory_order_release);
  }
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
