// Intra-op thread pool: a kernel splits [0, n) into chunks that the pool's workers and the
// calling thread take from a shared counter (ggml's (ith, nth) split, dynamically). Several runs
// may call parallel_for at once: each publishes its job in a slot of its own and every caller
// helps with its own job.
//
// The protocol is built around the cost of moving a cache line between cores (~300 ns on the
// 2-vCPU VMs this was tuned on): a job is published with plain stores to one line that the
// spinning workers read, a chunk is taken with one atomic add on that line, and the caller
// learns that the job is done from the same line. No lock, no queue and no allocation lie on
// the way of a job (the queue and its mutex cost ~1.5 µs per region).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
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
  // A published job. Slots belong to the pool, so a worker that reads one just as its caller
  // retires it touches only pool memory, never the caller's stack.
  //
  // `next` packs the job's tag (32 bits), its chunk count (16) and the next chunk to hand out
  // (16): one atomic add both takes a chunk and tells which job it belongs to. A chunk index
  // below the count is a chunk of a live job (a job is retired only once all its chunks are
  // done), so the fields it reads after that add are that job's. A late add on a retired job
  // yields an index past the count and is ignored.
  struct alignas(64) Slot {
    std::atomic<uint64_t> next{0};
    std::atomic<int64_t> done{0};    // chunks finished by workers
    std::atomic<int> sleeping{0};    // the caller blocks on done_cv_
    std::atomic<const Fn*> fn{nullptr};
    std::atomic<int64_t> n{0}, chunk{0};
    // Caller-side fields, on a line of their own (workers never poll them).
    alignas(64) std::atomic<int> busy{0};  // claimed by a caller
    uint32_t tag = 0;                      // of the slot's last job
    std::mutex error_mu;
    std::exception_ptr error;  // the first exception a chunk threw
  };
  static constexpr int kSlots = 8;
  static constexpr uint64_t kIndexMask = 0xffff;
  static int chunk_index(uint64_t v) { return static_cast<int>(v & kIndexMask); }
  static int chunk_count(uint64_t v) { return static_cast<int>((v >> 16) & kIndexMask); }

  void worker_loop();
  // Runs chunks of the slot's job while there are any; false if there were none.
  bool help(Slot& s);
  void run_chunk(Slot& s, uint64_t v);
  bool any_work() const;

  std::vector<std::thread> workers_;
  Slot slots_[kSlots];
  std::mutex mu_;  // sleeping workers and callers only
  std::condition_variable work_cv_, done_cv_;
  alignas(64) std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};        // workers asleep (or about to be) on work_cv_
  uint64_t epoch_ = 0;                  // under mu_: bumped to wake sleepers
  alignas(64) std::atomic<uint64_t> dispatched_{0};  // jobs published, ever (callers only)
};

// The process-wide pool with `threads` threads (0: one per core), shared by every session that
// asks for that size and destroyed when the last one lets go. Sharing keeps a process with many
// sessions from holding many idle threads; concurrent runs simply publish their jobs side by side.
std::shared_ptr<ThreadPool> shared_thread_pool(int threads);

}  // namespace tl
