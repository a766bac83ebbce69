#pragma once
// Live sync (SPEC §6): the changes made to a user's tasks, told to every
// open subscription of that user, wherever the change was made.
//
// Contract of every TaskFeed:
//  - Events of one user carry ids that grow by one per change (1, 2, ...),
//    kept for resuming: at least the user's last kKeptEventsPerUser, and
//    every event younger than kKeptEventsFor.
//  - A subscription first tells on_started() with the user's latest id
//    (or on_revoked() when the caller's session is no longer current, or
//    on_refused() when the user already holds its most subscriptions):
//    every change committed after that point is told. Without a resume
//    point it follows from there; with one it first replays the kept events
//    after it, or, when it cannot (malformed, too old, ahead of the
//    latest), tells on_reset() and then follows from the latest. Nothing is
//    told twice or skipped.
//  - A listener is called on one thread at a time, in id order; it may be
//    any thread, and the calls may come before subscribe() returns.
//  - The caller's session ending (its token version no longer current, or
//    the user deleted) is told once by on_revoked(); nothing follows.
//  - Destroying the Subscription ends it; a call already under way may still
//    finish, none starts afterwards.
//  - publish() and revoke() are made only after the change committed
//    (TaskService, AuthService). An adapter whose storage records the
//    change in the same transaction (PostgreSQL) uses them only to wake its
//    subscribers sooner; it must not depend on them (a writer may die
//    between its commit and the call).
// The contract's cases run on every feed (tests/contract/task_feed_contract.cpp).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "todo/core/caller.hpp"
#include "todo/core/result.hpp"
#include "todo/core/task.hpp"

namespace todo::core {

inline constexpr std::size_t kKeptEventsPerUser = 1000;
inline constexpr std::chrono::hours kKeptEventsFor{24};
inline constexpr std::size_t kDefaultMaxStreamsPerUser = 10;
inline constexpr const char* kTooManyStreams = "Too many open event streams";

enum class TaskChangeKind { Created, Updated, Deleted };

// What the stream calls each kind ("created", "updated", "deleted").
const char* to_string(TaskChangeKind kind) noexcept;

struct TaskChange {
  TaskChangeKind kind = TaskChangeKind::Created;
  TaskId task_id;
  // The task after the change; absent for Deleted.
  std::optional<Task> task;

  static TaskChange created(Task task);
  static TaskChange updated(Task task);
  static TaskChange deleted(TaskId id);
};

struct TaskEvent {
  std::int64_t id = 0;  // per user, growing by one per change
  TaskChange change;
};

// The Last-Event-ID a client sent: a decimal id >= 0, or nullopt when it is
// malformed (which resets, like an id that cannot be resumed from).
std::optional<std::int64_t> parse_event_id(std::string_view text) noexcept;

class FeedListener {
 public:
  virtual ~FeedListener() = default;
  // The subscription follows changes from `latest` (the user's latest id)
  // on. Told once, first (unless on_revoked() comes instead).
  virtual void on_started(std::int64_t latest) = 0;
  virtual void on_event(const TaskEvent& event) = 0;
  // The resume point could not be honoured: the client should reload.
  // `latest` is the user's latest id, from which the events follow.
  virtual void on_reset(std::int64_t latest) = 0;
  // The caller's session ended; the subscription is over.
  virtual void on_revoked() = 0;
  // Instead of on_started(): the subscription was refused (e.g.
  // ResourceExhausted kTooManyStreams, counted across every instance by
  // a shared feed) and is over.
  virtual void on_refused(const Error& error) = 0;
};

class Subscription {
 public:
  virtual ~Subscription() = default;
};

// Where to start: nullopt follows from now on; a value (the raw
// Last-Event-ID) resumes after it.
using ResumePoint = std::optional<std::string_view>;

class TaskFeed {
 public:
  virtual ~TaskFeed() = default;

  // A change to one of `user`'s tasks committed.
  virtual void publish(UserId user, const TaskChange& change) = 0;
  // `user`'s sessions older than `current` ended (logout-all, password
  // change); nullopt: the user is gone. Their subscriptions end; those of
  // a token at `current` or newer stay (a late call never ends them).
  virtual void revoke(UserId user, std::optional<TokenVersion> current) = 0;
  // ResourceExhausted (kTooManyStreams) when `caller`'s user already holds
  // its most open subscriptions on this feed (a feed shared by several
  // instances may also refuse later, through on_refused()); Unavailable
  // when the feed cannot follow changes now.
  virtual Result<std::unique_ptr<Subscription>> subscribe(const Caller& caller, ResumePoint resume,
                                                          std::shared_ptr<FeedListener> listener) = 0;
};

}  // namespace todo::core
