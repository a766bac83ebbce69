#include "todo/pg/pg_task_feed.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "feed_internals.hpp"

namespace todo::pg {

using namespace feed;

class PgTaskFeed::Handle final : public core::Subscription {
 public:
  Handle(PgTaskFeed& feed, std::shared_ptr<Subscriber> subscriber)
      : feed_(feed), subscriber_(std::move(subscriber)) {}
  ~Handle() override { feed_.forget(subscriber_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

 private:
  PgTaskFeed& feed_;
  std::shared_ptr<Subscriber> subscriber_;
};

PgTaskFeed::PgTaskFeed(FeedOptions options) : options_(std::move(options)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  worker_ = std::make_unique<Worker>(*this);
  thread_ = std::thread([this] { worker_->run(); });
}

PgTaskFeed::~PgTaskFeed() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake();
  thread_.join();
  ::close(wake_fd_);
}

void PgTaskFeed::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void PgTaskFeed::prune_now() {
  prune_requested_.store(true);
  wake();
}

void PgTaskFeed::publish(core::UserId user, const core::TaskChange& /*change*/) {
  // The change's own transaction recorded the event; every instance is
  // told by a NOTIFY from this feed's thread.
  bool first = false;
  {
    const std::lock_guard lock(mutex_);
    first = to_announce_.empty();
    to_announce_.insert(user.value());
  }
  // The thread takes the whole set at once: a set that was not empty has
  // its wake-up coming already (one system call per round, not per write).
  if (first) wake();
}

void PgTaskFeed::revoke(core::UserId user, std::optional<core::TokenVersion> current) {
  {
    const std::lock_guard lock(mutex_);
    sessions_ended_.emplace_back(user.value(), current ? current->value() : kUserDeleted);
  }
  wake();
}

core::Result<std::unique_ptr<core::Subscription>> PgTaskFeed::subscribe(
    const core::Caller& caller, core::ResumePoint resume, std::shared_ptr<core::FeedListener> listener) {
  auto subscriber = std::make_shared<Subscriber>(caller, std::move(listener),
                                                 resume ? std::optional<std::string>(*resume) : std::nullopt);
  {
    const std::lock_guard lock(mutex_);
    // Changes made while nobody listens would reach the stream late, and
    // its start could wait for a database that is away: refused instead.
    if (!listening_.load(std::memory_order_acquire)) {
      return core::Error::unavailable("live sync is not connected to the database");
    }
    auto& mine = by_user_[caller.user_id().value()];
    if (mine.size() >= options_.max_streams_per_user) {
      return core::Error::resource_exhausted(core::kTooManyStreams, 1);
    }
    mine.push_back(subscriber);
    pending_.push_back(subscriber);
  }
  wake();
  return std::unique_ptr<core::Subscription>(std::make_unique<Handle>(*this, std::move(subscriber)));
}

void PgTaskFeed::forget(const std::shared_ptr<Subscriber>& subscriber) {
  subscriber->active.store(false, std::memory_order_release);
  {
    const std::lock_guard lock(mutex_);
    // Its place (if it took one) is given back by the thread.
    released_.push_back(subscriber);
    const auto found = by_user_.find(subscriber->caller.user_id().value());
    if (found != by_user_.end()) {
      std::erase(found->second, subscriber);
      if (found->second.empty()) by_user_.erase(found);
    }
    std::erase(pending_, subscriber);
  }
  wake();
}

std::size_t PgTaskFeed::open_subscriptions() const {
  const std::lock_guard lock(mutex_);
  std::size_t open = 0;
  for (const auto& [user, subscribers] : by_user_) open += subscribers.size();
  return open;
}

template <class Reached>
bool PgTaskFeed::wait_for(std::chrono::milliseconds timeout, Reached reached) const {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, reached);
}

bool PgTaskFeed::wait_listening(std::chrono::milliseconds timeout) const {
  return wait_for(timeout, [this] { return listening_.load(std::memory_order_acquire); });
}

bool PgTaskFeed::wait_pruned(std::uint64_t before, std::chrono::milliseconds timeout) const {
  return wait_for(timeout, [this, before] { return prunes_.load(std::memory_order_acquire) > before; });
}

bool PgTaskFeed::wait_caught_up(std::uint64_t before, std::chrono::milliseconds timeout) const {
  return wait_for(timeout, [this, before] { return caught_up_.load(std::memory_order_acquire) > before; });
}

bool PgTaskFeed::wait_places_given_back(std::uint64_t at_least, std::chrono::milliseconds timeout) const {
  return wait_for(timeout, [this, at_least] { return given_back_.load(std::memory_order_acquire) >= at_least; });
}

}  // namespace todo::pg
