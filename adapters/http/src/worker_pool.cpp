#include "todo/http/worker_pool.hpp"

#include <cassert>
#include <utility>

namespace todo::http {

WorkerPool::WorkerPool(std::string name, std::size_t threads, std::size_t capacity)
    : name_(std::move(name)), capacity_(capacity) {
  assert(threads >= 1 && capacity >= 1);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::try_submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || queue_.size() >= capacity_) {
      if (!closed_) rejected_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(job));
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::shutdown() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(queue_);
    queued_.store(0, std::memory_order_relaxed);
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  // `dropped` dies here, outside the lock: a job's captures may run
  // destructors that take other locks.
}

void WorkerPool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (closed_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_relaxed);
      busy_.fetch_add(1, std::memory_order_relaxed);
    }
    job();
    job = nullptr;  // its captures die before the worker counts as idle
    busy_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace todo::http
