#pragma once
// PgTaskFeed's private parts (pg_task_feed.cpp, feed_worker.cpp,
// feed_places.cpp): a subscriber's state, the feed's statements, and the
// thread that owns the listening connection (Worker). See pg_task_feed.hpp
// for what the feed does.

#include <libpq-fe.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "todo/pg/pg_task_feed.hpp"

namespace todo::pg {

using SteadyClock = std::chrono::steady_clock;

struct PgTaskFeed::Subscriber {
  Subscriber(core::Caller c, std::shared_ptr<core::FeedListener> l, std::optional<std::string> r)
      : caller(c), listener(std::move(l)), resume(std::move(r)) {}

  const core::Caller caller;
  const std::shared_ptr<core::FeedListener> listener;
  const std::optional<std::string> resume;  // the raw Last-Event-ID
  std::atomic<bool> active{true};
  // The feed's thread only:
  bool started = false;
  std::int64_t cursor = 0;  // the last id told
  std::optional<std::int64_t> slot;  // its place among the user's streams (an advisory lock)
};

// The feed's statements and the helpers they need.
namespace feed {

inline constexpr const char* kEventsChannel = "todo_task_events";
inline constexpr const char* kSessionsChannel = "todo_sessions";
inline constexpr std::int64_t kUserDeleted = -1;

// $1 user: (latest id, token version, oldest kept id or NULL); no row when
// the user is gone.
inline constexpr Statement kStart{"todo_feed_start", R"sql(
SELECT u.event_seq, u.token_version, (SELECT min(e.seq) FROM task_events AS e WHERE e.user_id = u.id)
FROM users AS u WHERE u.id = $1
)sql"};

// $1 users, $2 the id each has seen: their newer events, in order. The
// first ten columns are a task's (task_from_row); NULL for a deletion.
inline constexpr Statement kFetch{"todo_feed_fetch", R"sql(
SELECT e.task_id, e.user_id, e.title, e.description, e.completed, e.priority, e.tags, e.due_date,
       e.created_at, e.updated_at, e.seq, e.kind::bigint
FROM unnest($1::bigint[], $2::bigint[]) AS c(user_id, after)
JOIN task_events AS e ON e.user_id = c.user_id AND e.seq > c.after
ORDER BY e.user_id, e.seq
)sql"};

// $1 users: each one's token version, NULL when the user is gone.
inline constexpr Statement kSessions{"todo_feed_sessions", R"sql(
SELECT c.user_id, u.token_version
FROM unnest($1::bigint[]) AS c(user_id) LEFT JOIN users AS u ON u.id = c.user_id
)sql"};

// $1 payloads, each a comma list of users whose changes this instance
// committed: wakes every instance. One notification per payload, however
// many users it names (PostgreSQL's work per notification is the same).
inline constexpr Statement kAnnounce{"todo_feed_announce", R"sql(
SELECT pg_notify('todo_task_events', p) FROM unnest($1::text[]) AS p
)sql"};
// A NOTIFY payload must be shorter than 8000 bytes.
inline constexpr std::size_t kPayloadLimit = 7900;

// $1 users: each one's latest event id (no row when the user is gone).
inline constexpr Statement kLatest{"todo_feed_latest", R"sql(
SELECT id, event_seq FROM users WHERE id = ANY ($1::bigint[])
)sql"};

// Stream places: every instance's streams of one user share
// max_streams_per_user places, each an advisory lock (key1: the user id
// folded to 32 bits; key2: kSlotBase + place) held by the instance's
// listening connection, so a dead instance's places free themselves.
// $1 key1, $2 places, $3 the places this connection already holds (a
// session takes its own advisory lock again, so they are skipped first),
// $4 kSlotBase: the first place taken, or no row.
inline constexpr Statement kTakeSlot{"todo_feed_take_slot", R"sql(
SELECT s::bigint FROM generate_series(0, $2::int - 1) AS s
WHERE CASE WHEN s = ANY ($3::int[]) THEN false ELSE pg_try_advisory_lock($1::int, $4::int + s) END
LIMIT 1
)sql"};
// $1 key1s, $2 key2s.
inline constexpr Statement kReleaseSlots{"todo_feed_release_slots", R"sql(
SELECT pg_advisory_unlock(a, b) FROM unnest($1::int[], $2::int[]) AS t(a, b)
)sql"};
inline constexpr Statement kRetakeSlots{"todo_feed_retake_slots", R"sql(
SELECT pg_try_advisory_lock(a, b) FROM unnest($1::int[], $2::int[]) AS t(a, b)
)sql"};
inline constexpr std::int64_t kSlotBase = 0x54440000;

inline std::int64_t slot_key(std::int64_t user) {
  const auto folded = static_cast<std::uint32_t>(static_cast<std::uint64_t>(user) ^ (static_cast<std::uint64_t>(user) >> 32));
  return static_cast<std::int32_t>(folded);
}

inline constexpr Statement kPrune{"todo_feed_prune", R"sql(
DELETE FROM task_events AS e USING users AS u
WHERE u.id = e.user_id AND e.at < now() - make_interval(hours => $1::int) AND e.seq <= u.event_seq - $2::bigint
)sql"};

inline std::string array_of(const std::vector<std::int64_t>& values) {
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += '}';
  return text;
}

inline std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace feed

// The feed's thread: its connection and everything only it touches.
class PgTaskFeed::Worker {
 public:
  explicit Worker(PgTaskFeed& feed);

  void run();

 private:
  bool stopping();

  void warn(const std::string& message);

  void set_listening(bool on);

  bool connect();

  void lost(const std::string& why);

  // Without a connection: sessions ended by this instance are still ended.
  void local_news_only();

  // One round of work; false when the connection was lost.
  bool step(SteadyClock::time_point& next_prune);

  bool keep_pending(std::vector<std::shared_ptr<Subscriber>>& starting);

  // Runs one statement; notifications read meanwhile are noted.
  core::Result<ResultPtr> query(const Statement& statement, const Params& params);

  bool connection_lost(const core::Result<ResultPtr>& result) const;

  // A subscription's first read: revoked, reset, or where to go on from.
  bool start(Subscriber& s);

  static constexpr int kSlotTaken = 1;
  static constexpr int kSlotNone = 0;    // every place is taken
  static constexpr int kSlotLost = -1;   // the connection was lost: it stays pending
  static constexpr int kSlotFailed = -2; // the statement failed

  // A place among the user's streams on every instance.
  int take_slot(Subscriber& s);

  // Refused before it started (no place, or none could be taken).
  void refuse(Subscriber& s, const core::Error& error);

  // A subscription that ended gives its place back (at the next round).
  void release(Subscriber& s);

  bool release_slots();

  // After a reconnect the locks are gone: each open stream takes its place
  // again. One another instance took meanwhile stays open without a place
  // (the user is over the limit until a stream ends).
  bool retake_slots();

  // NOTIFY for the users whose changes this instance committed. When the
  // connection is lost they are announced again after it is back.
  void requeue(const std::vector<std::int64_t>& users);

  bool announce(const std::vector<std::int64_t>& users);

  // Events nobody announced (another writer; an instance that died between
  // its commit and its NOTIFY): the followed users' latest ids, compared
  // with what their streams have seen.
  bool sweep();

  // Reads the new events of every dirty user and tells them.
  bool fetch();

  // After a reconnect: sessions ended while nobody listened.
  bool check_sessions(const std::vector<std::int64_t>& users);

  bool prune();

  // Ends `user`'s subscriptions whose token version is older than
  // `version` (all of them when the user is gone). Versions only grow, so
  // a late notification of an older bump never ends a newer session.
  void end_sessions(std::int64_t user, std::int64_t version);

  // Tells `s` its session ended and forgets it.
  void end(Subscriber& s);

  // Out of the feed's lists, its place given back.
  void forget_locally(Subscriber& s);

  void note_notifications();

  // Sleeps until the database or the feed has news, or the prune is due.
  void wait_for_news(SteadyClock::time_point next_prune);

  void pause(std::chrono::milliseconds delay);

  void drain_wake();

  PgTaskFeed& feed_;
  std::unique_ptr<Connection> connection_;
  std::set<std::int64_t> dirty_;
  SteadyClock::time_point next_sweep_{};
  // Stream places this connection holds, by user; and those to give back.
  std::unordered_map<std::int64_t, std::set<std::int64_t>> held_;
  std::vector<std::pair<std::int64_t, std::int64_t>> unlocking_;
  std::string tag_;  // this instance's mark on its announcements
  std::vector<std::pair<std::int64_t, std::int64_t>> ended_;
  bool resync_ = false;
  bool ever_connected_ = false;
  bool failed_before_ = false;
};

}  // namespace todo::pg
