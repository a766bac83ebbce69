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

bool WorkerPool::try_submit(Job job) { return submit(std::move(job), {}) == Admission::Accepted; }

WorkerPool::Admission WorkerPool::submit(Job job, std::vector<Share> shares) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Admission::Closed;
    for (const Share& share : shares) {
      const auto held = held_.find(share.key);
      if (held != held_.end() && held->second >= share.limit) {
        over_share_.fetch_add(1, std::memory_order_relaxed);
        return Admission::OverShare;
      }
    }
    if (queue_.size() >= capacity_) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return Admission::Full;
    }
    Entry entry{std::move(job), {}};
    entry.keys.reserve(shares.size());
    for (Share& share : shares) {
      ++held_[share.key];
      entry.keys.push_back(std::move(share.key));
    }
    queue_.push_back(std::move(entry));
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }
  ready_.notify_one();
  return Admission::Accepted;
}

void WorkerPool::release(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    const auto held = held_.find(key);
    if (held == held_.end()) continue;
    if (--held->second == 0) held_.erase(held);
  }
}

void WorkerPool::shutdown() {
  std::deque<Entry> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(queue_);
    for (const Entry& entry : dropped) release(entry.keys);
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
    Entry entry;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (closed_) return;
      entry = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_relaxed);
      busy_.fetch_add(1, std::memory_order_relaxed);
    }
    entry.job();
    entry.job = nullptr;  // its captures die before the worker counts as idle
    {
      std::lock_guard lock(mutex_);
      release(entry.keys);
    }
    busy_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace todo::http
