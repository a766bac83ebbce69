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
  bool placed = false;  // it holds one of its user's places (live_streams)
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

// Stream places (migration 0005): every instance's open streams of one
// user share max_streams_per_user places, counted in live_streams, one row
// per (user, instance). An instance is its listening connection: the row's
// `instance` is that backend's pid, and the connection holds the session
// advisory lock (0x54440001, pid) while it lives, so a dead instance's
// rows stop counting (todo_take_stream deletes them).
// On (re)connect: the instance's lock, and the rows a dead backend with
// the same pid left (a clean database restart keeps an unlogged table).
inline constexpr const char* kClaimInstance =
    "SELECT pg_advisory_lock(1413742593, pg_backend_pid()); "
    "DELETE FROM live_streams WHERE instance = pg_backend_pid()";
// $1 user, $2 max_streams_per_user: true when a place was taken.
inline constexpr Statement kTakePlace{"todo_feed_take_place", R"sql(
SELECT todo_take_stream($1::bigint, $2::int)
)sql"};
// $1 users (each once), $2 how many places each gives back.
inline constexpr Statement kGiveBackPlaces{"todo_feed_give_back_places", R"sql(
WITH back AS (SELECT * FROM unnest($1::bigint[], $2::int[]) AS b(user_id, n)),
fewer AS (
  UPDATE live_streams AS l SET streams = l.streams - back.n FROM back
  WHERE l.user_id = back.user_id AND l.instance = pg_backend_pid() AND l.streams > back.n
)
DELETE FROM live_streams AS l USING back
WHERE l.user_id = back.user_id AND l.instance = pg_backend_pid() AND l.streams <= back.n
)sql"};
// After a reconnect (a new backend, so a new instance): $1 users (each
// once), $2 how many open streams each has here.
inline constexpr Statement kRecountPlaces{"todo_feed_recount_places", R"sql(
INSERT INTO live_streams (user_id, instance, streams)
SELECT u, pg_backend_pid(), n FROM unnest($1::bigint[], $2::int[]) AS t(u, n)
ON CONFLICT (user_id, instance) DO UPDATE SET streams = EXCLUDED.streams
)sql"};

// Rows of instances whose lock is free (see todo_take_stream).
inline constexpr Statement kForgetDeadInstances{"todo_feed_forget_dead_instances", R"sql(
DELETE FROM live_streams AS l
WHERE l.instance <> pg_backend_pid() AND pg_try_advisory_xact_lock_shared(1413742593, l.instance)
)sql"};

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

  // Counts a step the feed's waiters may be waiting for, and wakes them.
  void advance(std::atomic<std::uint64_t>& counter, std::uint64_t by);

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

  static constexpr int kPlaceTaken = 1;
  static constexpr int kPlaceNone = 0;     // every place is taken
  static constexpr int kPlaceLost = -1;    // the connection was lost: it stays pending
  static constexpr int kPlaceFailed = -2;  // the statement failed

  // A place among the user's streams on every instance.
  int take_place(Subscriber& s);

  // Refused before it started (no place, or none could be taken).
  void refuse(Subscriber& s, const core::Error& error);

  // A subscription that ended gives its place back (at the next round).
  void release(Subscriber& s);

  bool give_back_places();

  // After a reconnect this connection is a new instance: its open streams
  // are counted again, all of them (a user whose places other instances
  // took meanwhile is over the limit until some stream ends).
  bool recount_places();

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
  // Places to give back at the next round, by user.
  std::unordered_map<std::int64_t, std::int64_t> giving_back_;
  std::string tag_;  // this instance's mark on its announcements
  std::vector<std::pair<std::int64_t, std::int64_t>> ended_;
  bool resync_ = false;
  bool ever_connected_ = false;
  bool failed_before_ = false;
};

}  // namespace todo::pg
