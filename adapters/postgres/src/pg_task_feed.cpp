#include "todo/pg/pg_task_feed.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "connection.hpp"
#include "task_statements.hpp"

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

namespace {

constexpr const char* kEventsChannel = "todo_task_events";
constexpr const char* kSessionsChannel = "todo_sessions";
constexpr std::int64_t kUserDeleted = -1;

// $1 user: (latest id, token version, oldest kept id or NULL); no row when
// the user is gone.
constexpr Statement kStart{"todo_feed_start", R"sql(
SELECT u.event_seq, u.token_version, (SELECT min(e.seq) FROM task_events AS e WHERE e.user_id = u.id)
FROM users AS u WHERE u.id = $1
)sql"};

// $1 users, $2 the id each has seen: their newer events, in order. The
// first ten columns are a task's (task_from_row); NULL for a deletion.
constexpr Statement kFetch{"todo_feed_fetch", R"sql(
SELECT e.task_id, e.user_id, e.title, e.description, e.completed, e.priority, e.tags, e.due_date,
       e.created_at, e.updated_at, e.seq, e.kind::bigint
FROM unnest($1::bigint[], $2::bigint[]) AS c(user_id, after)
JOIN task_events AS e ON e.user_id = c.user_id AND e.seq > c.after
ORDER BY e.user_id, e.seq
)sql"};

// $1 users: each one's token version, NULL when the user is gone.
constexpr Statement kSessions{"todo_feed_sessions", R"sql(
SELECT c.user_id, u.token_version
FROM unnest($1::bigint[]) AS c(user_id) LEFT JOIN users AS u ON u.id = c.user_id
)sql"};

// $1 payloads, each a comma list of users whose changes this instance
// committed: wakes every instance. One notification per payload, however
// many users it names (PostgreSQL's work per notification is the same).
constexpr Statement kAnnounce{"todo_feed_announce", R"sql(
SELECT pg_notify('todo_task_events', p) FROM unnest($1::text[]) AS p
)sql"};
// A NOTIFY payload must be shorter than 8000 bytes.
constexpr std::size_t kPayloadLimit = 7900;

// $1 users: each one's latest event id (no row when the user is gone).
constexpr Statement kLatest{"todo_feed_latest", R"sql(
SELECT id, event_seq FROM users WHERE id = ANY ($1::bigint[])
)sql"};

// Stream places: every instance's streams of one user share
// max_streams_per_user places, each an advisory lock (key1: the user id
// folded to 32 bits; key2: kSlotBase + place) held by the instance's
// listening connection, so a dead instance's places free themselves.
// $1 key1, $2 places, $3 the places this connection already holds (a
// session takes its own advisory lock again, so they are skipped first),
// $4 kSlotBase: the first place taken, or no row.
constexpr Statement kTakeSlot{"todo_feed_take_slot", R"sql(
SELECT s::bigint FROM generate_series(0, $2::int - 1) AS s
WHERE CASE WHEN s = ANY ($3::int[]) THEN false ELSE pg_try_advisory_lock($1::int, $4::int + s) END
LIMIT 1
)sql"};
// $1 key1s, $2 key2s.
constexpr Statement kReleaseSlots{"todo_feed_release_slots", R"sql(
SELECT pg_advisory_unlock(a, b) FROM unnest($1::int[], $2::int[]) AS t(a, b)
)sql"};
constexpr Statement kRetakeSlots{"todo_feed_retake_slots", R"sql(
SELECT pg_try_advisory_lock(a, b) FROM unnest($1::int[], $2::int[]) AS t(a, b)
)sql"};
constexpr std::int64_t kSlotBase = 0x54440000;

std::int64_t slot_key(std::int64_t user) {
  const auto folded = static_cast<std::uint32_t>(static_cast<std::uint64_t>(user) ^ (static_cast<std::uint64_t>(user) >> 32));
  return static_cast<std::int32_t>(folded);
}

constexpr Statement kPrune{"todo_feed_prune", R"sql(
DELETE FROM task_events AS e USING users AS u
WHERE u.id = e.user_id AND e.at < now() - make_interval(hours => $1::int) AND e.seq <= u.event_seq - $2::bigint
)sql"};

std::string array_of(const std::vector<std::int64_t>& values) {
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += '}';
  return text;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

// The feed's thread: its connection and everything only it touches.
class PgTaskFeed::Worker {
 public:
  explicit Worker(PgTaskFeed& feed) : feed_(feed) {
    std::random_device random;
    char text[17];
    std::snprintf(text, sizeof text, "%08x%08x", random(), random());
    tag_ = text;
  }

  void run() {
    auto next_prune = SteadyClock::now() + std::chrono::seconds(5);
    next_sweep_ = SteadyClock::now() + feed_.options_.sweep_interval;
    for (;;) {
      if (stopping()) break;
      if (!connection_ && !connect()) {
        local_news_only();
        pause(feed_.options_.reconnect_delay);
        continue;
      }
      if (!step(next_prune)) {
        lost("lost its database connection, or a statement failed");
        pause(feed_.options_.reconnect_delay);
        continue;
      }
      wait_for_news(next_prune);
    }
    connection_.reset();
    set_listening(false);
  }

 private:
  bool stopping() {
    const std::lock_guard lock(feed_.mutex_);
    return feed_.stop_;
  }

  void warn(const std::string& message) {
    if (feed_.options_.on_warning) feed_.options_.on_warning("live sync: " + message);
  }

  void set_listening(bool on) {
    {
      const std::lock_guard lock(feed_.mutex_);
      feed_.listening_.store(on, std::memory_order_release);
    }
    feed_.progress_.notify_all();
  }

  bool connect() {
    // The announcements' transactions write nothing that must survive a
    // crash (the events are already durable): their commits need not wait
    // for the WAL flush.
    const std::string timeout = "-c statement_timeout=" + std::to_string(feed_.options_.statement_timeout.count()) +
                                " -c synchronous_commit=off";
    const std::vector<const char*> keywords{"fallback_application_name", "keepalives", "keepalives_idle",
                                            "keepalives_interval", "keepalives_count", "options",
                                            "dbname", nullptr};
    const std::vector<const char*> values{"todo-server-feed", "1", "10", "5", "3", timeout.c_str(),
                                          feed_.options_.conninfo.c_str(), nullptr};
    std::string failure;
    auto opened = Connection::open(keywords, values, SteadyClock::now() + feed_.options_.connect_timeout, failure);
    if (!opened) {
      if (!failed_before_) warn("cannot connect (" + failure + "); retrying");
      failed_before_ = true;
      return false;
    }
    connection_ = std::move(*opened);
    const std::string listen = std::string("LISTEN ") + kEventsChannel + "; LISTEN " + kSessionsChannel;
    if (!connection_->exec_script(listen.c_str())) {
      connection_.reset();
      return false;
    }
    if (ever_connected_) {
      feed_.reconnects_.fetch_add(1, std::memory_order_relaxed);
      warn("listening again; catching up");
    }
    ever_connected_ = true;
    failed_before_ = false;
    // Whatever happened while nobody listened is read again.
    resync_ = true;
    set_listening(true);
    return true;
  }

  void lost(const std::string& why) {
    warn(why + "; reconnecting");
    connection_.reset();
    set_listening(false);
  }

  // Without a connection: sessions ended by this instance are still ended.
  void local_news_only() {
    std::vector<std::pair<std::int64_t, std::int64_t>> ended;
    {
      const std::lock_guard lock(feed_.mutex_);
      ended.swap(feed_.sessions_ended_);
    }
    for (const auto& [user, version] : ended) end_sessions(user, version);
  }

  // One round of work; false when the connection was lost.
  bool step(SteadyClock::time_point& next_prune) {
    std::vector<std::shared_ptr<Subscriber>> starting;
    std::vector<std::pair<std::int64_t, std::int64_t>> ended;
    std::vector<std::int64_t> followed;
    std::vector<std::int64_t> announcing;
    std::vector<std::shared_ptr<Subscriber>> released;
    {
      const std::lock_guard lock(feed_.mutex_);
      released.swap(feed_.released_);
      starting.swap(feed_.pending_);
      ended.swap(feed_.sessions_ended_);
      announcing.assign(feed_.to_announce_.begin(), feed_.to_announce_.end());
      feed_.to_announce_.clear();
      if (resync_) {
        for (const auto& [user, subscribers] : feed_.by_user_) followed.push_back(user);
      }
    }
    for (const auto& [user, version] : ended) end_sessions(user, version);
    for (const auto& gone : released) release(*gone);
    if (!release_slots()) {
      requeue(announcing);
      return keep_pending(starting);
    }
    if (resync_) {
      if (!retake_slots()) {
        requeue(announcing);
        return keep_pending(starting);
      }
      for (const std::int64_t user : followed) dirty_.insert(user);
      if (!followed.empty() && !check_sessions(followed)) {
        requeue(announcing);
        return keep_pending(starting);
      }
      resync_ = false;
    }
    for (std::size_t i = 0; i < starting.size(); ++i) {
      if (!start(*starting[i])) {
        starting.erase(starting.begin(), starting.begin() + static_cast<std::ptrdiff_t>(i));
        requeue(announcing);
        return keep_pending(starting);
      }
    }
    // This instance's own changes: its streams are told first (no need to
    // wait for its own notification), then every other instance.
    for (const std::int64_t user : announcing) dirty_.insert(user);
    while (!dirty_.empty()) {
      if (!fetch()) {
        requeue(announcing);
        return false;
      }
    }
    if (!announcing.empty() && !announce(announcing)) return false;
    if (SteadyClock::now() >= next_sweep_) {
      if (!sweep()) return false;
      next_sweep_ = SteadyClock::now() + feed_.options_.sweep_interval;
    }
    while (!dirty_.empty()) {
      if (!fetch()) return false;
    }
    if (SteadyClock::now() >= next_prune || feed_.prune_requested_.exchange(false)) {
      if (!prune()) return false;
      next_prune = SteadyClock::now() + feed_.options_.prune_interval;
      {
        const std::lock_guard lock(feed_.mutex_);
        feed_.prunes_.fetch_add(1, std::memory_order_release);
      }
      feed_.progress_.notify_all();
    }
    return true;
  }

  bool keep_pending(std::vector<std::shared_ptr<Subscriber>>& starting) {
    const std::lock_guard lock(feed_.mutex_);
    feed_.pending_.insert(feed_.pending_.begin(), starting.begin(), starting.end());
    return false;
  }

  // Runs one statement; notifications read meanwhile are noted.
  core::Result<ResultPtr> query(const Statement& statement, const Params& params) {
    auto result = connection_->exec(statement, params);
    note_notifications();
    if (!result && connection_->broken()) return result;
    if (!result) warn(std::string(statement.name) + " failed: " + result.error().message);
    return result;
  }

  bool connection_lost(const core::Result<ResultPtr>& result) const {
    return !result && (connection_->broken() || PQstatus(connection_->native()) != CONNECTION_OK);
  }

  // A subscription's first read: revoked, reset, or where to go on from.
  bool start(Subscriber& s) {
    if (!s.active.load(std::memory_order_acquire)) return true;
    const std::int64_t user = s.caller.user_id().value();
    Params params;
    params.int8(user);
    auto result = query(kStart, params);
    // Failed or lost: it stays pending, and the connection is made again.
    if (!result) return false;
    const Rows rows(result->get());
    if (rows.size() == 0 || rows.int8(0, 1) != s.caller.token_version().value()) {
      end(s);
      return true;
    }
    const std::int64_t latest = rows.int8(0, 0);
    if (!s.slot) {
      const int taken = take_slot(s);
      if (taken == kSlotLost) return false;
      if (taken == kSlotFailed) {
        // Not the connection: most likely PostgreSQL's lock table is full
        // (each open stream holds one advisory lock; docs/operations.md).
        // This stream is refused; the others and the listener go on.
        refuse(s, core::Error::unavailable("live sync cannot take a stream place now"));
        return true;
      }
      if (taken == kSlotNone) {
        refuse(s, core::Error::resource_exhausted(core::kTooManyStreams, 1));
        return true;
      }
    }
    s.listener->on_started(latest);
    const std::optional<std::int64_t> oldest = rows.is_null(0, 2) ? std::nullopt : std::optional(rows.int8(0, 2));
    std::int64_t from = latest;
    if (s.resume) {
      const std::optional<std::int64_t> after = core::parse_event_id(*s.resume);
      const bool resumable = after && *after <= latest && (*after == latest || (oldest && *oldest <= *after + 1));
      if (resumable) {
        from = *after;
      } else {
        s.listener->on_reset(latest);
      }
    }
    s.cursor = from;
    s.started = true;
    if (from < latest) dirty_.insert(user);
    return true;
  }

  static constexpr int kSlotTaken = 1;
  static constexpr int kSlotNone = 0;    // every place is taken
  static constexpr int kSlotLost = -1;   // the connection was lost: it stays pending
  static constexpr int kSlotFailed = -2; // the statement failed

  // A place among the user's streams on every instance.
  int take_slot(Subscriber& s) {
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
  void refuse(Subscriber& s, const core::Error& error) {
    if (!s.active.exchange(false, std::memory_order_acq_rel)) return;
    forget_locally(s);
    s.listener->on_refused(error);
  }

  // A subscription that ended gives its place back (at the next round).
  void release(Subscriber& s) {
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

  bool release_slots() {
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
  bool retake_slots() {
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

  // NOTIFY for the users whose changes this instance committed. When the
  // connection is lost they are announced again after it is back.
  void requeue(const std::vector<std::int64_t>& users) {
    const std::lock_guard lock(feed_.mutex_);
    feed_.to_announce_.insert(users.begin(), users.end());
  }

  bool announce(const std::vector<std::int64_t>& users) {
    // A text[] literal of payloads "TAG:12,45,78" (no character needs
    // quoting); TAG tells this instance its own notifications.
    const std::string prefix = tag_ + ":";
    std::string payloads = "{\"" + prefix;
    std::size_t current = 0;
    for (const std::int64_t user : users) {
      const std::string id = std::to_string(user);
      if (current != 0 && prefix.size() + current + 1 + id.size() > kPayloadLimit) {
        payloads += "\",\"" + prefix;
        current = 0;
      }
      if (current != 0) {
        payloads += ',';
        ++current;
      }
      payloads += id;
      current += id.size();
    }
    payloads += "\"}";
    Params params;
    params.text(payloads);
    auto result = query(kAnnounce, params);
    if (!result) {
      requeue(users);
      return !connection_lost(result);
    }
    feed_.announced_.fetch_add(users.size(), std::memory_order_relaxed);
    return true;
  }

  // Events nobody announced (another writer; an instance that died between
  // its commit and its NOTIFY): the followed users' latest ids, compared
  // with what their streams have seen.
  bool sweep() {
    std::unordered_map<std::int64_t, std::int64_t> seen;  // user -> least cursor
    {
      const std::lock_guard lock(feed_.mutex_);
      for (const auto& [user, subscribers] : feed_.by_user_) {
        for (const auto& s : subscribers) {
          if (!s->started) continue;
          const auto [at, fresh] = seen.emplace(user, s->cursor);
          if (!fresh) at->second = std::min(at->second, s->cursor);
        }
      }
    }
    if (seen.empty()) return true;
    std::vector<std::int64_t> users;
    users.reserve(seen.size());
    for (const auto& [user, cursor] : seen) users.push_back(user);
    Params params;
    params.text(array_of(users));
    auto result = query(kLatest, params);
    if (!result) return !connection_lost(result);
    const Rows rows(result->get());
    for (int row = 0; row < rows.size(); ++row) {
      const std::int64_t user = rows.int8(row, 0);
      if (rows.int8(row, 1) > seen[user]) dirty_.insert(user);
      seen.erase(user);
    }
    for (const auto& [user, cursor] : seen) end_sessions(user, kUserDeleted);  // no row: the user is gone
    return true;
  }

  // Reads the new events of every dirty user and tells them.
  bool fetch() {
    std::vector<std::int64_t> users;
    std::vector<std::int64_t> after;
    std::unordered_map<std::int64_t, std::vector<std::shared_ptr<Subscriber>>> followers;
    {
      const std::lock_guard lock(feed_.mutex_);
      for (const std::int64_t user : dirty_) {
        const auto found = feed_.by_user_.find(user);
        if (found == feed_.by_user_.end()) continue;
        std::optional<std::int64_t> least;
        for (const auto& s : found->second) {
          if (s->started) least = least ? std::min(*least, s->cursor) : s->cursor;
        }
        if (!least) continue;
        users.push_back(user);
        after.push_back(*least);
        followers[user] = found->second;
      }
    }
    dirty_.clear();
    if (users.empty()) return true;
    Params params;
    params.text(array_of(users)).text(array_of(after));
    auto result = query(kFetch, params);
    if (connection_lost(result)) {
      for (const std::int64_t user : users) dirty_.insert(user);
      return false;
    }
    if (!result) return true;
    const Rows rows(result->get());
    for (int row = 0; row < rows.size(); ++row) {
      const std::int64_t user = rows.int8(row, 1);
      core::TaskEvent event;
      event.id = rows.int8(row, 10);
      const std::int64_t kind = rows.int8(row, 11);
      if (kind == 3) {
        event.change = core::TaskChange::deleted(core::TaskId(rows.int8(row, 0)));
      } else {
        core::Task task = task_from_row(rows, row);
        event.change = kind == 1 ? core::TaskChange::created(std::move(task)) : core::TaskChange::updated(std::move(task));
      }
      for (const auto& s : followers[user]) {
        if (!s->started || s->cursor >= event.id || !s->active.load(std::memory_order_acquire)) continue;
        s->cursor = event.id;
        s->listener->on_event(event);
        feed_.delivered_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return true;
  }

  // After a reconnect: sessions ended while nobody listened.
  bool check_sessions(const std::vector<std::int64_t>& users) {
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

  bool prune() {
    Params params;
    params.int8(static_cast<std::int64_t>(core::kKeptEventsFor.count()))
        .int8(static_cast<std::int64_t>(core::kKeptEventsPerUser));
    auto result = query(kPrune, params);
    return !connection_lost(result);
  }

  // Ends `user`'s subscriptions whose token version is older than
  // `version` (all of them when the user is gone). Versions only grow, so
  // a late notification of an older bump never ends a newer session.
  void end_sessions(std::int64_t user, std::int64_t version) {
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
  void end(Subscriber& s) {
    if (!s.active.exchange(false, std::memory_order_acq_rel)) return;
    s.listener->on_revoked();
    forget_locally(s);
  }

  // Out of the feed's lists, its place given back.
  void forget_locally(Subscriber& s) {
    release(s);
    const std::lock_guard lock(feed_.mutex_);
    const auto found = feed_.by_user_.find(s.caller.user_id().value());
    if (found == feed_.by_user_.end()) return;
    std::erase_if(found->second, [&s](const std::shared_ptr<Subscriber>& other) { return other.get() == &s; });
    if (found->second.empty()) feed_.by_user_.erase(found);
  }

  void note_notifications() {
    PGconn* conn = connection_->native();
    while (PGnotify* notify = PQnotifies(conn)) {
      const std::string_view channel(notify->relname);
      const std::string_view payload(notify->extra);
      if (channel == kEventsChannel) {
        // "TAG:12,45,78": the users one instance announced in one round;
        // this instance's own were told before it announced them.
        const std::size_t colon = payload.find(':');
        std::string_view rest = colon == std::string_view::npos ? payload : payload.substr(colon + 1);
        if (colon != std::string_view::npos && payload.substr(0, colon) == tag_) rest = {};
        while (!rest.empty()) {
          const std::size_t comma = rest.find(',');
          if (const auto user = parse_int(rest.substr(0, comma))) dirty_.insert(*user);
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
      } else if (channel == kSessionsChannel) {
        const std::size_t space = payload.find(' ');
        const auto user = parse_int(payload.substr(0, space));
        const auto version = space == std::string_view::npos ? std::nullopt : parse_int(payload.substr(space + 1));
        if (user && version) ended_.emplace_back(*user, *version);
      }
      PQfreemem(notify);
    }
    // Applied right away: no statement runs for them.
    auto ended = std::move(ended_);
    ended_.clear();
    for (const auto& [user, version] : ended) end_sessions(user, version);
  }

  // Sleeps until the database or the feed has news, or the prune is due.
  void wait_for_news(SteadyClock::time_point next_prune) {
    const auto until = std::min({next_prune, next_sweep_, SteadyClock::now() + std::chrono::seconds(1)});
    const auto timeout =
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now()).count());
    pollfd fds[2] = {{PQsocket(connection_->native()), POLLIN, 0}, {feed_.wake_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(timeout));
    if (ready < 0) return;
    if (fds[1].revents != 0) drain_wake();
    if (fds[0].revents != 0) {
      if (PQconsumeInput(connection_->native()) == 0) {
        connection_->mark_broken();
        lost("lost its database connection");
        return;
      }
      note_notifications();
    }
  }

  void pause(std::chrono::milliseconds delay) {
    pollfd fd{feed_.wake_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(delay.count())) > 0) drain_wake();
  }

  void drain_wake() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(feed_.wake_fd_, &count, sizeof count);
  }

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
  }
  wake();
  const std::lock_guard lock(mutex_);
  const auto found = by_user_.find(subscriber->caller.user_id().value());
  if (found != by_user_.end()) {
    std::erase(found->second, subscriber);
    if (found->second.empty()) by_user_.erase(found);
  }
  std::erase(pending_, subscriber);
}

std::size_t PgTaskFeed::open_subscriptions() const {
  const std::lock_guard lock(mutex_);
  std::size_t open = 0;
  for (const auto& [user, subscribers] : by_user_) open += subscribers.size();
  return open;
}

bool PgTaskFeed::wait_listening(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, [this] { return listening_.load(std::memory_order_acquire); });
}

bool PgTaskFeed::wait_pruned(std::uint64_t before, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, [this, before] { return prunes_.load(std::memory_order_acquire) > before; });
}

bool PgTaskFeed::wait_places_given_back(std::uint64_t at_least, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout,
                            [this, at_least] { return given_back_.load(std::memory_order_acquire) >= at_least; });
}

}  // namespace todo::pg
