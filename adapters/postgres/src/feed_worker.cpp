// PgTaskFeed::Worker: the listening connection's thread (see
// pg_task_feed.hpp): connect, start subscriptions, announce, fetch, sweep,
// prune, and wait for news.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "feed_internals.hpp"
#include "task_statements.hpp"

namespace todo::pg {

using namespace feed;

PgTaskFeed::Worker::Worker(PgTaskFeed& feed) : feed_(feed) {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", random(), random());
  tag_ = text;
}

void PgTaskFeed::Worker::run() {
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

bool PgTaskFeed::Worker::stopping() {
  const std::lock_guard lock(feed_.mutex_);
  return feed_.stop_;
}

void PgTaskFeed::Worker::warn(const std::string& message) {
  if (feed_.options_.on_warning) feed_.options_.on_warning("live sync: " + message);
}

// Counts a step the feed's waiters may be waiting for (under the feed's
// lock, so that a wait cannot miss it) and wakes them.
void PgTaskFeed::Worker::advance(std::atomic<std::uint64_t>& counter, std::uint64_t by) {
  {
    const std::lock_guard lock(feed_.mutex_);
    counter.fetch_add(by, std::memory_order_release);
  }
  feed_.progress_.notify_all();
}

void PgTaskFeed::Worker::set_listening(bool on) {
  {
    const std::lock_guard lock(feed_.mutex_);
    feed_.listening_.store(on, std::memory_order_release);
  }
  feed_.progress_.notify_all();
}

bool PgTaskFeed::Worker::connect() {
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
  const std::string listen =
      std::string("LISTEN ") + kEventsChannel + "; LISTEN " + kSessionsChannel + "; " + kClaimInstance;
  if (auto listened = connection_->exec_script(listen.c_str()); !listened) {
    if (!failed_before_) warn("cannot listen (" + listened.error().message + "); retrying");
    failed_before_ = true;
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

void PgTaskFeed::Worker::lost(const std::string& why) {
  warn(why + "; reconnecting");
  connection_.reset();
  set_listening(false);
}

// Without a connection: sessions ended by this instance are still ended.
void PgTaskFeed::Worker::local_news_only() {
  std::vector<std::pair<std::int64_t, std::int64_t>> ended;
  {
    const std::lock_guard lock(feed_.mutex_);
    ended.swap(feed_.sessions_ended_);
  }
  for (const auto& [user, version] : ended) end_sessions(user, version);
}

// One round of work; false when the connection was lost.
bool PgTaskFeed::Worker::step(SteadyClock::time_point& next_prune) {
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
  if (!give_back_places()) {
    requeue(announcing);
    return keep_pending(starting);
  }
  if (resync_) {
    if (!recount_places()) {
      requeue(announcing);
      return keep_pending(starting);
    }
    for (const std::int64_t user : followed) dirty_.insert(user);
    if (!followed.empty() && !check_sessions(followed)) {
      requeue(announcing);
      return keep_pending(starting);
    }
    resync_ = false;
    advance(feed_.caught_up_, 1);
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
    advance(feed_.prunes_, 1);
  }
  return true;
}

bool PgTaskFeed::Worker::keep_pending(std::vector<std::shared_ptr<Subscriber>>& starting) {
  const std::lock_guard lock(feed_.mutex_);
  feed_.pending_.insert(feed_.pending_.begin(), starting.begin(), starting.end());
  return false;
}

// Runs one statement; notifications read meanwhile are noted.
core::Result<ResultPtr> PgTaskFeed::Worker::query(const Statement& statement, const Params& params) {
  auto result = connection_->exec(statement, params);
  note_notifications();
  if (!result && connection_->broken()) return result;
  if (!result) warn(std::string(statement.name) + " failed: " + result.error().message);
  return result;
}

bool PgTaskFeed::Worker::connection_lost(const core::Result<ResultPtr>& result) const {
  return !result && (connection_->broken() || PQstatus(connection_->native()) != CONNECTION_OK);
}

// A subscription's first read: revoked, reset, or where to go on from.
bool PgTaskFeed::Worker::start(Subscriber& s) {
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
  if (!s.placed) {
    const int taken = take_place(s);
    if (taken == kPlaceLost) return false;
    if (taken == kPlaceFailed) {
      // Not the connection (that would be kPlaceLost): this stream is
      // refused; the others and the listener go on.
      refuse(s, core::Error::unavailable("live sync cannot take a stream place now"));
      return true;
    }
    if (taken == kPlaceNone) {
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

// NOTIFY for the users whose changes this instance committed. When the
// connection is lost they are announced again after it is back.
void PgTaskFeed::Worker::requeue(const std::vector<std::int64_t>& users) {
  const std::lock_guard lock(feed_.mutex_);
  feed_.to_announce_.insert(users.begin(), users.end());
}

bool PgTaskFeed::Worker::announce(const std::vector<std::int64_t>& users) {
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
bool PgTaskFeed::Worker::sweep() {
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
bool PgTaskFeed::Worker::fetch() {
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

bool PgTaskFeed::Worker::prune() {
  Params params;
  params.int8(static_cast<std::int64_t>(core::kKeptEventsFor.count()))
      .int8(static_cast<std::int64_t>(core::kKeptEventsPerUser));
  auto result = query(kPrune, params);
  if (connection_lost(result)) return false;
  // Dead instances' stream counts not yet deleted by a take (their users
  // opened no stream since).
  return !connection_lost(query(kForgetDeadInstances, Params{}));
}

void PgTaskFeed::Worker::note_notifications() {
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
void PgTaskFeed::Worker::wait_for_news(SteadyClock::time_point next_prune) {
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

void PgTaskFeed::Worker::pause(std::chrono::milliseconds delay) {
  pollfd fd{feed_.wake_fd_, POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(delay.count())) > 0) drain_wake();
}

void PgTaskFeed::Worker::drain_wake() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(feed_.wake_fd_, &count, sizeof count);
}
}  // namespace todo::pg
