#pragma once
// A fixed set of threads draining a bounded queue. `try_submit` refuses work
// when the queue is full, so the server can answer 503 instead of letting
// latency grow without bound under overload. A job may also name the callers
// it is for (shares): one caller never holds more than its share of the
// queue and the threads, so a flood from one account or address cannot
// crowd everybody else out of the lane (SPEC §6).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
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

  // A caller's claim: while the job waits or runs it counts toward `key`,
  // and a job is refused while its key already holds `limit` jobs.
  struct Share {
    std::string key;
    std::size_t limit = 1;
  };
  enum class Admission { Accepted, Full, OverShare, Closed };

  // Accepted, or why not (the job is then not run): the queue already holds
  // `capacity` waiting jobs, one of `shares` is at its limit, or the pool is
  // shut down.
  Admission submit(Job job, std::vector<Share> shares);
  // submit() without shares; false when not accepted.
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
  // Jobs refused because the queue was full.
  std::uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }
  // Jobs refused because a caller already held its share.
  std::uint64_t over_share() const noexcept { return over_share_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    Job job;
    std::vector<std::string> keys;
  };
  void work();
  // Lock held: the entry's keys no longer hold a job.
  void release(const std::vector<std::string>& keys);

  std::string name_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Entry> queue_;
  std::unordered_map<std::string, std::size_t> held_;  // jobs waiting or running per share key
  bool closed_ = false;
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> busy_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> over_share_{0};
  std::vector<std::thread> threads_;
};

}  // namespace todo::http
