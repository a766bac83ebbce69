#pragma once
// TaskFeed on PostgreSQL (SPEC §6 live sync), for every instance on one
// database. The events themselves are written by the database in the
// transaction of each task change (migration 0004: a per-user sequence on
// the user's row and a task_events row); publish() then has this feed's
// thread NOTIFY todo_task_events with the user's id, so every instance
// hears of it at once. Ending sessions NOTIFYs todo_sessions from a trigger
// ("user version", or "user -1" when the user is deleted).
//
// Each feed owns one thread and one direct connection (not through a
// transaction pooler: LISTEN needs a session of its own). It needs the
// schema (pg::migrate, up to 0005): until the tables are there it warns
// once and keeps trying every reconnect_delay. The thread:
//  - starts each new subscription: reads its user's latest id, oldest kept
//    id and token version in one statement, then replays (or resets);
//  - on todo_task_events for a user it streams to, reads that user's events
//    past what its subscriptions have seen (one statement for all users
//    woken at once) and tells them in order;
//  - on todo_sessions, ends the subscriptions whose token version is no
//    longer the user's;
//  - after losing its connection (a database restart, a failover), connects
//    again, LISTENs again, then reads every followed user's missed events
//    and checks every followed session: nothing is lost meanwhile, only late;
//  - every sweep_interval, compares the followed users' latest ids with
//    what their streams have seen, for changes nobody announced (SQL from
//    another writer; an instance that died between commit and NOTIFY);
//  - prunes old events now and then (older than 24 h and beyond each
//    user's last 1000).
// Stream places: a user's streams on every instance share
// max_streams_per_user places, counted per (user, instance) in the
// unlogged table live_streams (migration 0005); an instance is its
// listening connection, which holds an advisory lock while it lives, so a
// dead instance's places stop counting. A subscription that finds none
// is refused through on_refused().
// subscribe() is Unavailable while the thread is not listening. Listeners
// are called on that thread only, so one at a time and in order.
// publish() and revoke() only queue the news for the thread and wake it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "todo/core/ports/task_feed.hpp"

namespace todo::pg {

struct FeedOptions {
  // A libpq URL or key=value string; a multi-host one with
  // target_session_attrs=read-write follows a failover.
  std::string conninfo;
  std::size_t max_streams_per_user = core::kDefaultMaxStreamsPerUser;
  // Pause between failed connection attempts.
  std::chrono::milliseconds reconnect_delay{500};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::seconds prune_interval{600};
  // How often changes nobody announced are looked for.
  std::chrono::milliseconds sweep_interval{1000};
  // Told of connection trouble (from the feed's thread).
  std::function<void(std::string_view)> on_warning;
};

class PgTaskFeed final : public core::TaskFeed {
 public:
  // Starts the thread, which connects in the background.
  explicit PgTaskFeed(FeedOptions options);
  ~PgTaskFeed() override;
  PgTaskFeed(const PgTaskFeed&) = delete;
  PgTaskFeed& operator=(const PgTaskFeed&) = delete;

  void publish(core::UserId user, const core::TaskChange& change) override;
  void revoke(core::UserId user, std::optional<core::TokenVersion> current) override;
  core::Result<std::unique_ptr<core::Subscription>> subscribe(
      const core::Caller& caller, core::ResumePoint resume, std::shared_ptr<core::FeedListener> listener) override;

  // Connected and listening right now.
  bool listening() const noexcept { return listening_.load(std::memory_order_acquire); }
  std::size_t open_subscriptions() const;
  std::uint64_t events_delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  std::uint64_t reconnects() const noexcept { return reconnects_.load(std::memory_order_relaxed); }
  std::uint64_t announced() const noexcept { return announced_.load(std::memory_order_relaxed); }
  // Prunes old events at the next chance (besides every prune_interval).
  void prune_now();
  std::uint64_t prunes() const noexcept { return prunes_.load(std::memory_order_acquire); }
  // Stream places given back to the database (ended streams), for tests.
  std::uint64_t places_given_back() const noexcept { return given_back_.load(std::memory_order_acquire); }
  // Wait until prunes() exceeds `before`, or places_given_back() reaches
  // `at_least`; false on timeout. For tests: a latch, not a sleep.
  bool wait_pruned(std::uint64_t before, std::chrono::milliseconds timeout) const;
  bool wait_places_given_back(std::uint64_t at_least, std::chrono::milliseconds timeout) const;
  // Catch-ups finished after a (re)connect: places counted again, sessions
  // checked (the first connect counts too). For tests, with its latch.
  std::uint64_t caught_up() const noexcept { return caught_up_.load(std::memory_order_acquire); }
  bool wait_caught_up(std::uint64_t before, std::chrono::milliseconds timeout) const;
  // Wait until listening (for tests and start-up); false on timeout.
  bool wait_listening(std::chrono::milliseconds timeout) const;

  struct Subscriber;  // feed-private (pg_task_feed.cpp)

 private:
  class Handle;
  class Worker;

  void forget(const std::shared_ptr<Subscriber>& subscriber);
  void wake();

  // Waits on progress_ until `reached()` (under mutex_) or the timeout.
  template <class Reached>
  bool wait_for(std::chrono::milliseconds timeout, Reached reached) const;

  FeedOptions options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable progress_;  // listening, prunes, places given back, catch-ups
  // Every open subscription by user, pending ones included.
  std::unordered_map<std::int64_t, std::vector<std::shared_ptr<Subscriber>>> by_user_;
  std::vector<std::shared_ptr<Subscriber>> pending_;
  // Ended subscriptions whose stream place the thread gives back.
  std::vector<std::shared_ptr<Subscriber>> released_;
  // Sessions ended, told by revoke(): (user, version or -1 when deleted).
  std::vector<std::pair<std::int64_t, std::int64_t>> sessions_ended_;
  bool stop_ = false;
  int wake_fd_ = -1;
  std::atomic<bool> listening_{false};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> prunes_{0};
  std::atomic<std::uint64_t> given_back_{0};
  std::atomic<std::uint64_t> caught_up_{0};
  std::atomic<std::uint64_t> announced_{0};
  // Users whose changes this instance committed, to NOTIFY about.
  std::set<std::int64_t> to_announce_;
  std::atomic<bool> prune_requested_{false};
  std::unique_ptr<Worker> worker_;
  std::thread thread_;
};

}  // namespace todo::pg
