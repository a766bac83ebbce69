#pragma once
// A fixed set of threads draining a bounded queue. `try_submit` refuses work
// when the queue is full, so the server can answer 503 instead of letting
// latency grow without bound under overload.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace todo::http {

class WorkerPool {
 public:
  using Job = std::function<void()>;

  // `name` only labels the pool in diagnostics. threads >= 1, capacity >= 1.
  WorkerPool(std::string name, std::size_t threads, std::size_t capacity);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // false when the queue already holds `capacity` waiting jobs or the pool
  // is shut down; the job is then not run.
  bool try_submit(Job job);

  // Stops taking jobs; finishes the running ones, drops the queued ones
  // (destroying them on the calling thread) and joins the threads.
  // Idempotent.
  void shutdown();

  const std::string& name() const noexcept { return name_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t threads() const noexcept { return threads_.size(); }

  // For metrics; lock-free reads of counters kept under the queue's lock.
  std::size_t queued() const noexcept { return queued_.load(std::memory_order_relaxed); }
  std::size_t busy() const noexcept { return busy_.load(std::memory_order_relaxed); }
  // Jobs refused by try_submit because the queue was full.
  std::uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }

 private:
  void work();

  std::string name_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool closed_ = false;
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> busy_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::vector<std::thread> threads_;
};

}  // namespace todo::http
