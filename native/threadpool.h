// Intra-op thread pool: a kernel splits [0, n) into chunks that the pool's workers and the
// calling thread pull from a shared atomic counter (ggml's (ith, nth) split, dynamically).
// Several runs may call parallel_for at once; jobs queue and every caller helps with its own.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tl {

class ThreadPool {
 public:
  using Fn = std::function<void(int64_t, int64_t)>;
  // `threads` counts the calling thread: threads == 1 starts no worker.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(int64_t n, int64_t grain, const Fn& fn);
  // Sleeping workers start spinning again (a run is about to start): the first parallel region
  // then finds them awake instead of paying a wake-up (tens of µs on a VM).
  void wake();
  // Jobs handed to the workers so far (a run compares it before and after: did it use the pool?).
  uint64_t dispatched() const { return dispatched_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    const Fn* fn;
    int64_t n, chunk, nchunks;
    std::atomic<int64_t> next{0}, done{0};
    std::mutex error_mu;
    std::exception_ptr error;  // the first exception a chunk threw
  };
  void worker_loop();
  void run_chunks(Job& job);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Job>> queue_;  // jobs whose callers have not returned
  bool stop_ = false;
  // The counters live on cache lines of their own: workers spin reading epoch_, and which other
  // fields shared its line depended on the pool's heap address, so it changed from process to
  // process (MLP batch 1 ran at ~35 µs instead of ~25 in 3 of 14 processes; none of 8 since).
  alignas(64) std::atomic<uint64_t> epoch_{0};  // bumped (under mu_) by every new job and by stop
  alignas(64) std::atomic<int> jobs_{0};        // queue_.size(), readable without the lock
  std::atomic<int> done_waiters_{0};            // callers asleep on done_cv_
  std::atomic<int> sleepers_{0};                // workers asleep on work_cv_
  std::atomic<uint64_t> dispatched_{0};         // jobs queued for the workers, ever
  // (The pool's 64-byte alignment pads its size to whole lines: no other object shares them.)
};

// The process-wide pool with `threads` threads (0: one per core), shared by every session that
// asks for that size and destroyed when the last one lets go. Sharing keeps a process with many
// sessions from holding many idle threads; concurrent runs simply queue their chunks.
std::shared_ptr<ThreadPool> shared_thread_pool(int threads);

}  // namespace tl
