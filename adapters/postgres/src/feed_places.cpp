// PgTaskFeed::Worker: stream places (a user's streams over every instance,
// counted per instance in live_streams) and ending subscriptions.
#include "feed_internals.hpp"
#include "task_statements.hpp"

namespace todo::pg {

using namespace feed;

// A place among the user's streams on every instance.
int PgTaskFeed::Worker::take_place(Subscriber& s) {
  Params params;
  params.int8(s.caller.user_id().value()).int8(static_cast<std::int64_t>(feed_.options_.max_streams_per_user));
  auto result = query(kTakePlace, params);
  if (!result) return connection_lost(result) ? kPlaceLost : kPlaceFailed;
  const Rows rows(result->get());
  if (rows.size() != 1 || !rows.boolean(0, 0)) return kPlaceNone;
  s.placed = true;
  return kPlaceTaken;
}

// Refused before it started (no place, or none could be taken).
void PgTaskFeed::Worker::refuse(Subscriber& s, const core::Error& error) {
  if (!s.active.exchange(false, std::memory_order_acq_rel)) return;
  forget_locally(s);
  s.listener->on_refused(error);
}

// A subscription that ended gives its place back (at the next round).
void PgTaskFeed::Worker::release(Subscriber& s) {
  if (!s.placed) return;
  ++giving_back_[s.caller.user_id().value()];
  s.placed = false;
}

namespace {

// $1 users, $2 a count for each: the arrays of a per-user count.
Params per_user(const std::unordered_map<std::int64_t, std::int64_t>& counts) {
  std::vector<std::int64_t> users;
  std::vector<std::int64_t> numbers;
  for (const auto& [user, count] : counts) {
    users.push_back(user);
    numbers.push_back(count);
  }
  Params params;
  params.text(array_of(users)).text(array_of(numbers));
  return params;
}

}  // namespace

bool PgTaskFeed::Worker::give_back_places() {
  if (giving_back_.empty()) return true;
  std::uint64_t total = 0;
  for (const auto& [user, count] : giving_back_) total += static_cast<std::uint64_t>(count);
  auto result = query(kGiveBackPlaces, per_user(giving_back_));
  // Lost: this instance's rows stop counting with its connection.
  giving_back_.clear();
  if (connection_lost(result)) return false;
  advance(feed_.given_back_, total);
  return true;
}

// After a reconnect this connection is a new instance: its open streams
// are counted again, all of them.
bool PgTaskFeed::Worker::recount_places() {
  giving_back_.clear();
  std::unordered_map<std::int64_t, std::int64_t> open;
  {
    const std::lock_guard lock(feed_.mutex_);
    for (const auto& [user, subscribers] : feed_.by_user_) {
      for (const auto& s : subscribers) {
        if (s->placed) ++open[user];
      }
    }
  }
  if (open.empty()) return true;
  auto result = query(kRecountPlaces, per_user(open));
  return result || !connection_lost(result);
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
