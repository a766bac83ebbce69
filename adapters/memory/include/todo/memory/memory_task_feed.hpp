#pragma once
// TaskFeed in this process's memory, for tests, demos and library users
// that run one process (todo::pg::PgTaskFeed follows every instance on a
// database). Events are numbered when published; each user keeps its last
// core::kKeptEventsPerUser events and any younger than core::kKeptEventsFor
// (by `clock`). Listeners are called under the feed's lock, so in order and
// one at a time: they must not call back into the feed.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/task_feed.hpp"

namespace todo::memory {

class MemoryTaskFeed final : public core::TaskFeed {
 public:
  MemoryTaskFeed(const core::Clock& clock, std::size_t max_streams_per_user = core::kDefaultMaxStreamsPerUser);
  ~MemoryTaskFeed() override;
  MemoryTaskFeed(const MemoryTaskFeed&) = delete;
  MemoryTaskFeed& operator=(const MemoryTaskFeed&) = delete;

  void publish(core::UserId user, const core::TaskChange& change) override;
  void revoke(core::UserId user, std::optional<core::TokenVersion> current) override;
  core::Result<std::unique_ptr<core::Subscription>> subscribe(
      const core::Caller& caller, core::ResumePoint resume, std::shared_ptr<core::FeedListener> listener) override;

  // Open subscriptions of `user` (for tests).
  std::size_t open_subscriptions(core::UserId user) const;

 private:
  struct Subscriber {
    core::Caller caller;
    std::shared_ptr<core::FeedListener> listener;
  };
  struct Kept {
    core::Timestamp at;
    core::TaskEvent event;
  };
  struct UserLog {
    std::int64_t latest = 0;
    std::deque<Kept> kept;
    std::vector<std::shared_ptr<Subscriber>> subscribers;
  };
  class Handle;

  void forget(core::UserId user, const Subscriber* subscriber);

  const core::Clock& clock_;
  const std::size_t max_streams_per_user_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, UserLog> users_;
};

}  // namespace todo::memory
