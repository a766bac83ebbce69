#pragma once
// Fair admission of costly statements (private to the adapter): one user's
// heavy work cannot queue ahead of everyone else's (SPEC §6, issue 18).
//
// At most `total` pieces of work run at once and at most `per_key` of them
// for one key (a user). The rest wait in one FIFO per key; when a piece
// finishes, the next key in round-robin order whose share allows it starts.
// So a user sending many costly lists at once runs them one after another
// while another user's list waits at most for the pieces already running,
// never for the whole backlog. A key already holding `queue_limit` waiting
// pieces is refused (the caller answers 429).
//
// The gate knows nothing of PostgreSQL: a piece of work is a callable that
// starts it, and whoever runs it calls leave() once when it is over. Starts
// run outside the lock, on the thread that called enter() or leave().

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>

namespace todo::pg {

class FairGate {
 public:
  using Start = std::function<void()>;

  FairGate(std::size_t total, std::size_t per_key, std::size_t queue_limit);

  // Starts `start` now (before returning) or queues it; false, leaving
  // `start` uncalled, when `key` already has queue_limit pieces waiting.
  bool enter(std::int64_t key, Start start);
  // One piece of `key`'s work is over: starts whatever may start now.
  void leave(std::int64_t key);

  std::size_t running() const;
  std::size_t waiting() const;
  std::uint64_t refused() const;

 private:
  struct Key {
    std::size_t running = 0;
    std::deque<Start> waiting;
  };
  // Lock held: takes the next piece allowed to start (round-robin over keys,
  // starting after the last key served), or an empty Start.
  Start next_locked();
  // Lock held: drops the key's entry once it runs and waits for nothing.
  void forget_if_idle(std::map<std::int64_t, Key>::iterator it);

  const std::size_t total_;
  const std::size_t per_key_;
  const std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, Key> keys_;
  std::int64_t last_served_ = 0;
  std::size_t running_ = 0;
  std::size_t waiting_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace todo::pg
