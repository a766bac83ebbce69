// PgTaskFeed::Worker: stream places (a user's streams over every instance,
// as advisory locks of the listening connection) and ending subscriptions.
#include "feed_internals.hpp"
#include "task_statements.hpp"

namespace todo::pg {

using namespace feed;

// A place among the user's streams on every instance.
int PgTaskFeed::Worker::take_slot(Subscriber& s) {
  const std::int64_t user = s.caller.user_id().value();
  std::string held = "{";
  for (const std::int64_t slot : held_[user]) {
    if (held.size() > 1) held += ',';
    held += std::to_string(slot);
  }
  held += '}';
  Params params;
  params.int8(slot_key(user))
      .int8(static_cast<std::int64_t>(feed_.options_.max_streams_per_user))
      .text(held)
      .int8(kSlotBase);
  auto result = query(kTakeSlot, params);
  if (!result) return connection_lost(result) ? kSlotLost : kSlotFailed;
  const Rows rows(result->get());
  if (rows.size() == 0) return kSlotNone;
  s.slot = rows.int8(0, 0);
  held_[user].insert(*s.slot);
  return kSlotTaken;
}

// Refused before it started (no place, or none could be taken).
void PgTaskFeed::Worker::refuse(Subscriber& s, const core::Error& error) {
  if (!s.active.exchange(false, std::memory_order_acq_rel)) return;
  forget_locally(s);
  s.listener->on_refused(error);
}

// A subscription that ended gives its place back (at the next round).
void PgTaskFeed::Worker::release(Subscriber& s) {
  if (!s.slot) return;
  const std::int64_t user = s.caller.user_id().value();
  const auto mine = held_.find(user);
  if (mine != held_.end()) {
    mine->second.erase(*s.slot);
    if (mine->second.empty()) held_.erase(mine);
  }
  unlocking_.emplace_back(slot_key(user), kSlotBase + *s.slot);
  s.slot.reset();
}

bool PgTaskFeed::Worker::release_slots() {
  if (unlocking_.empty()) return true;
  std::vector<std::int64_t> keys1;
  std::vector<std::int64_t> keys2;
  for (const auto& [a, b] : unlocking_) {
    keys1.push_back(a);
    keys2.push_back(b);
  }
  Params params;
  params.text(array_of(keys1)).text(array_of(keys2));
  auto result = query(kReleaseSlots, params);
  if (connection_lost(result)) {
    unlocking_.clear();  // the connection's locks went with it
    return false;
  }
  {
    const std::lock_guard lock(feed_.mutex_);
    feed_.given_back_.fetch_add(unlocking_.size(), std::memory_order_release);
  }
  feed_.progress_.notify_all();
  unlocking_.clear();
  return true;
}

// After a reconnect the locks are gone: each open stream takes its place
// again. One another instance took meanwhile stays open without a place
// (the user is over the limit until a stream ends).
bool PgTaskFeed::Worker::retake_slots() {
  unlocking_.clear();
  held_.clear();
  std::vector<std::shared_ptr<Subscriber>> holders;
  {
    const std::lock_guard lock(feed_.mutex_);
    for (const auto& [user, subscribers] : feed_.by_user_) {
      for (const auto& s : subscribers) {
        if (s->slot) holders.push_back(s);
      }
    }
  }
  if (holders.empty()) return true;
  std::vector<std::int64_t> keys1;
  std::vector<std::int64_t> keys2;
  for (const auto& s : holders) {
    keys1.push_back(slot_key(s->caller.user_id().value()));
    keys2.push_back(kSlotBase + *s->slot);
  }
  Params params;
  params.text(array_of(keys1)).text(array_of(keys2));
  auto result = query(kRetakeSlots, params);
  if (!result) return !connection_lost(result);
  const Rows rows(result->get());
  for (int row = 0; row < rows.size() && row < static_cast<int>(holders.size()); ++row) {
    Subscriber& s = *holders[static_cast<std::size_t>(row)];
    if (rows.boolean(row, 0)) {
      held_[s.caller.user_id().value()].insert(*s.slot);
    } else {
      s.slot.reset();
    }
  }
  return true;
}

// After a reconnect: sessions ended while nobody listened.
bool PgTaskFeed::Worker::check_sessions(const std::vector<std::int64_t>& users) {
  Params params;
  params.text(array_of(users));
  auto result = query(kSessions, params);
  if (connection_lost(result)) return false;
  if (!result) return true;
  const Rows rows(result->get());
  for (int row = 0; row < rows.size(); ++row) {
    end_sessions(rows.int8(row, 0), rows.is_null(row, 1) ? kUserDeleted : rows.int8(row, 1));
  }
  return true;
}

// Ends `user`'s subscriptions whose token version is older than
// `version` (all of them when the user is gone). Versions only grow, so
// a late notification of an older bump never ends a newer session.
void PgTaskFeed::Worker::end_sessions(std::int64_t user, std::int64_t version) {
  std::vector<std::shared_ptr<Subscriber>> ending;
  {
    const std::lock_guard lock(feed_.mutex_);
    const auto found = feed_.by_user_.find(user);
    if (found == feed_.by_user_.end()) return;
    for (const auto& s : found->second) {
      if (version == kUserDeleted || s->caller.token_version().value() < version) ending.push_back(s);
    }
  }
  for (const auto& s : ending) end(*s);
}

// Tells `s` its session ended and forgets it.
void PgTaskFeed::Worker::end(Subscriber& s) {
  if (!s.active.exchange(false, std::memory_order_acq_rel)) return;
  s.listener->on_revoked();
  forget_locally(s);
}

// Out of the feed's lists, its place given back.
void PgTaskFeed::Worker::forget_locally(Subscriber& s) {
  release(s);
  const std::lock_guard lock(feed_.mutex_);
  const auto found = feed_.by_user_.find(s.caller.user_id().value());
  if (found == feed_.by_user_.end()) return;
  std::erase_if(found->second, [&s](const std::shared_ptr<Subscriber>& other) { return other.get() == &s; });
  if (found->second.empty()) feed_.by_user_.erase(found);
}
}  // namespace todo::pg
