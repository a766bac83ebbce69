#pragma once
// A fixed set of threads draining a bounded queue. `try_submit` refuses work
// when the queue is full, so the server can answer 503 instead of letting
// latency grow without bound under overload.

#include <condition_variable>
#include <cstddef>
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

 private:
  void work();

  std::string name_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool closed_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace todo::http
