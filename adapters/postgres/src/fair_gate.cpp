#include "fair_gate.hpp"

#include <algorithm>
#include <utility>

namespace todo::pg {

FairGate::FairGate(std::size_t total, std::size_t per_key, std::size_t queue_limit)
    : total_(std::max<std::size_t>(1, total)),
      per_key_(std::max<std::size_t>(1, per_key)),
      queue_limit_(queue_limit) {}

bool FairGate::enter(std::int64_t key, Start start) {
  {
    std::lock_guard lock(mutex_);
    Key& k = keys_[key];
    // Nothing of this key waits (FIFO per key) and both shares allow it.
    if (k.waiting.empty() && k.running < per_key_ && running_ < total_) {
      ++k.running;
      ++running_;
      last_served_ = key;  // the turn moves on from here
    } else {
      if (k.waiting.size() >= queue_limit_) {
        ++refused_;
        forget_if_idle(keys_.find(key));
        return false;
      }
      k.waiting.push_back(std::move(start));
      ++waiting_;
      return true;
    }
  }
  start();
  return true;
}

void FairGate::leave(std::int64_t key) {
  Start next;
  {
    std::lock_guard lock(mutex_);
    const auto it = keys_.find(key);
    if (it != keys_.end() && it->second.running > 0) {
      --it->second.running;
      --running_;
      forget_if_idle(it);
    }
    next = next_locked();
  }
  // A start may finish at once and call leave() again: one level deeper per
  // piece started, and each takes a waiting piece, so it ends.
  if (next) next();
}

FairGate::Start FairGate::next_locked() {
  if (waiting_ == 0 || running_ >= total_) return {};
  // Round-robin: the first key after the last one served, wrapping around.
  auto it = keys_.upper_bound(last_served_);
  for (std::size_t seen = 0; seen < keys_.size(); ++seen, ++it) {
    if (it == keys_.end()) it = keys_.begin();
    Key& k = it->second;
    if (k.waiting.empty() || k.running >= per_key_) continue;
    Start start = std::move(k.waiting.front());
    k.waiting.pop_front();
    --waiting_;
    ++k.running;
    ++running_;
    last_served_ = it->first;
    return start;
  }
  return {};
}

void FairGate::forget_if_idle(std::map<std::int64_t, Key>::iterator it) {
  if (it != keys_.end() && it->second.running == 0 && it->second.waiting.empty()) keys_.erase(it);
}

std::size_t FairGate::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::size_t FairGate::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

std::uint64_t FairGate::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

}  // namespace todo::pg
