#include "todo/memory/memory_task_feed.hpp"

#include <algorithm>
#include <utility>

namespace todo::memory {

class MemoryTaskFeed::Handle final : public core::Subscription {
 public:
  Handle(MemoryTaskFeed& feed, core::UserId user, const Subscriber* subscriber)
      : feed_(feed), user_(user), subscriber_(subscriber) {}
  ~Handle() override { feed_.forget(user_, subscriber_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

 private:
  MemoryTaskFeed& feed_;
  core::UserId user_;
  const Subscriber* subscriber_;
};

MemoryTaskFeed::MemoryTaskFeed(const core::Clock& clock, std::size_t max_streams_per_user)
    : clock_(clock), max_streams_per_user_(max_streams_per_user) {}

MemoryTaskFeed::~MemoryTaskFeed() = default;

void MemoryTaskFeed::publish(core::UserId user, const core::TaskChange& change) {
  const std::lock_guard lock(mutex_);
  UserLog& log = users_[user.value()];
  const core::Timestamp now = clock_.now();
  log.kept.push_back(Kept{now, core::TaskEvent{++log.latest, change}});
  while (log.kept.size() > core::kKeptEventsPerUser && log.kept.front().at < now - core::kKeptEventsFor) {
    log.kept.pop_front();
  }
  for (const auto& subscriber : log.subscribers) subscriber->listener->on_event(log.kept.back().event);
}

void MemoryTaskFeed::revoke(core::UserId user, std::optional<core::TokenVersion> current) {
  const std::lock_guard lock(mutex_);
  const auto found = users_.find(user.value());
  if (found == users_.end()) return;
  auto& subscribers = found->second.subscribers;
  std::vector<std::shared_ptr<Subscriber>> ended;
  std::erase_if(subscribers, [&](const std::shared_ptr<Subscriber>& s) {
    // Versions only grow: a session at or past `current` is not ended.
    if (current && s->caller.token_version().value() >= current->value()) return false;
    ended.push_back(s);
    return true;
  });
  for (const auto& subscriber : ended) subscriber->listener->on_revoked();
}

core::Result<std::unique_ptr<core::Subscription>> MemoryTaskFeed::subscribe(
    const core::Caller& caller, core::ResumePoint resume, std::shared_ptr<core::FeedListener> listener) {
  const std::lock_guard lock(mutex_);
  UserLog& log = users_[caller.user_id().value()];
  if (log.subscribers.size() >= max_streams_per_user_) {
    return core::Error::resource_exhausted(core::kTooManyStreams, 1);
  }
  auto subscriber = std::make_shared<Subscriber>(Subscriber{caller, std::move(listener)});
  subscriber->listener->on_started(log.latest);
  if (resume) {
    const std::optional<std::int64_t> after = core::parse_event_id(*resume);
    // Resumable: at the latest id, or where the kept events go on from it.
    const bool resumable =
        after && *after <= log.latest &&
        (*after == log.latest || (!log.kept.empty() && log.kept.front().event.id <= *after + 1));
    if (!resumable) {
      subscriber->listener->on_reset(log.latest);
    } else {
      for (const Kept& kept : log.kept) {
        if (kept.event.id > *after) subscriber->listener->on_event(kept.event);
      }
    }
  }
  log.subscribers.push_back(subscriber);
  return std::unique_ptr<core::Subscription>(std::make_unique<Handle>(*this, caller.user_id(), subscriber.get()));
}

void MemoryTaskFeed::forget(core::UserId user, const Subscriber* subscriber) {
  const std::lock_guard lock(mutex_);
  const auto found = users_.find(user.value());
  if (found == users_.end()) return;
  std::erase_if(found->second.subscribers,
                [subscriber](const std::shared_ptr<Subscriber>& s) { return s.get() == subscriber; });
}

std::size_t MemoryTaskFeed::open_subscriptions(core::UserId user) const {
  const std::lock_guard lock(mutex_);
  const auto found = users_.find(user.value());
  return found == users_.end() ? 0 : found->second.subscribers.size();
}

}  // namespace todo::memory
