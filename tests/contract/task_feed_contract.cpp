// The TaskFeed contract (live sync, SPEC §6), run on the in-process feed and
// on the PostgreSQL one, with changes made through TaskService on each
// backend's repository: start, follow, resume, reset, prune, revocation,
// the per-user limit and unsubscribing. Then what only PostgreSQL has: two
// instances on one database, a session ended by another instance, and a
// listening connection lost and made again.
//
// Events are awaited on a condition variable with a generous deadline (a
// wait, never a sleep); "nothing more came" is checked after a later event
// that must come after it.

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"
#include "contract_support.hpp"
#include "pg_admin.hpp"
#include "todo/core/blocking_task_service.hpp"
#include "todo/core/ports/task_feed.hpp"
#include "todo/core/system_clock.hpp"
#include "todo/core/task_service.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_feed.hpp"
#include "todo/pg/pg_task_feed.hpp"

using namespace todo::core;
using todo::memory::ManualClock;
using todo::test::add_user;
using todo::test::at;
using todo::test::execute_sql;
using todo::test::MemoryBackend;
using todo::test::PgBackend;
using todo::test::query_int;

namespace {

constexpr auto kPatience = std::chrono::seconds(10);

// What one subscription was told, in order.
class Recorder final : public FeedListener {
 public:
  struct Told {
    std::string what;  // "started", "created", "updated", "deleted", "reset", "revoked"
    std::int64_t id = 0;  // event id, or the latest id for started/reset
    std::optional<Task> task;
    TaskId task_id;
  };

  void on_started(std::int64_t latest) override { add({"started", latest, std::nullopt, TaskId()}); }
  void on_event(const TaskEvent& event) override {
    add({to_string(event.change.kind), event.id, event.change.task, event.change.task_id});
  }
  void on_reset(std::int64_t latest) override { add({"reset", latest, std::nullopt, TaskId()}); }
  void on_revoked() override { add({"revoked", 0, std::nullopt, TaskId()}); }
  void on_refused(const Error& error) override {
    add({error.message == kTooManyStreams ? "refused" : "refused: " + error.message, 0, std::nullopt, TaskId()});
  }

  // Waits until `count` things were told; all of them.
  std::vector<Told> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kPatience, [&] { return told_.size() >= count; });
    return told_;
  }
  std::vector<Told> now() {
    const std::lock_guard lock(mutex_);
    return told_;
  }

 private:
  void add(Told told) {
    {
      const std::lock_guard lock(mutex_);
      told_.push_back(std::move(told));
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Told> told_;
};

std::vector<std::string> whats(const std::vector<Recorder::Told>& told) {
  std::vector<std::string> out;
  for (const auto& t : told) out.push_back(t.what + " " + std::to_string(t.id));
  return out;
}

constexpr std::size_t kLimit = 3;  // streams per user in these cases

struct MemoryFeed {
  static constexpr const char* kName = "memory";
  MemoryFeed() = default;
  void age_events(std::chrono::hours by) { clock.advance(by); }
  // The memory feed prunes as it publishes.
  void prune() {}
  void end_sessions(const User& user) {
    auto bumped = backend.users().bump_token_version(user.id);
    REQUIRE(bumped);
    feed.revoke(user.id, TokenVersion(bumped->token_version));  // as AuthService does
  }
  void delete_user(const User& user) {
    backend.delete_user(user.id);
    feed.revoke(user.id, std::nullopt);
  }

  ManualClock clock;
  MemoryBackend backend;
  todo::memory::MemoryTaskFeed feed{clock, kLimit};
  TaskService service{backend.port(), clock, &feed};
  BlockingTaskService tasks{service};
};

todo::pg::FeedOptions feed_options() {
  todo::pg::FeedOptions options;
  options.conninfo = PgBackend::url();
  options.max_streams_per_user = kLimit;
  options.reconnect_delay = std::chrono::milliseconds(100);
  return options;
}

struct PgFeed {
  static constexpr const char* kName = "postgres";
  PgFeed() { REQUIRE(feed.wait_listening(kPatience)); }
  void age_events(std::chrono::hours by) {
    execute_sql(PgBackend::url(), "UPDATE task_events SET at = at - interval '" + std::to_string(by.count()) + " hours'");
  }
  void prune() {
    const std::uint64_t before = feed.prunes();
    feed.prune_now();
    REQUIRE(feed.wait_pruned(before, kPatience));
  }
  // Only the database is told, as when another instance ends them.
  void end_sessions(const User& user) { REQUIRE(backend.users().bump_token_version(user.id)); }
  void delete_user(const User& user) { backend.delete_user(user.id); }

  PgBackend backend;
  SystemClock clock;
  todo::pg::PgTaskFeed feed{feed_options()};
  TaskService service{backend.port(), clock, &feed};
  BlockingTaskService tasks{service};
};

NewTask titled(std::string title) {
  NewTask task;
  task.title = std::move(title);
  return task;
}

template <class F>
Task create(F& f, const User& user, const std::string& title) {
  auto made = f.tasks.create(caller_of(user), titled(title));
  REQUIRE(made);
  return *made;
}

struct Subscribed {
  std::shared_ptr<Recorder> told = std::make_shared<Recorder>();
  std::unique_ptr<Subscription> subscription;
};

template <class F>
Subscribed subscribe(F& f, const User& user, ResumePoint resume = std::nullopt) {
  Subscribed s;
  auto made = f.feed.subscribe(caller_of(user), resume, s.told);
  REQUIRE(made);
  s.subscription = std::move(*made);
  REQUIRE(s.told->wait_for(1).size() >= 1);  // started (or revoked)
  return s;
}

}  // namespace

TEMPLATE_TEST_CASE("feed: a subscription starts at the latest id and tells every later change in order",
                   "[feed]", MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  const User bob = add_user(f.backend.users(), "bob@example.com");
  const Task before = create(f, alice, "before");
  Subscribed s = subscribe(f, alice);

  const Task made = create(f, alice, "made");
  create(f, bob, "not alice's");
  TaskPatch patch;
  patch.title = "renamed";
  REQUIRE(f.tasks.update(caller_of(alice), made.id, patch));
  REQUIRE(f.tasks.complete(caller_of(alice), made.id));
  REQUIRE(f.tasks.remove(caller_of(alice), before.id));

  const auto told = s.told->wait_for(5);
  REQUIRE(whats(told) == std::vector<std::string>{"started 1", "created 2", "updated 3", "updated 4", "deleted 5"});
  REQUIRE(told[1].task->title == "made");
  REQUIRE(told[1].task->id == made.id);
  REQUIRE(told[1].task->user_id == alice.id);
  REQUIRE(told[2].task->title == "renamed");
  REQUIRE_FALSE(told[2].task->completed);
  REQUIRE(told[3].task->completed);
  REQUIRE(told[3].task->updated_at >= told[2].task->updated_at);
  REQUIRE(told[4].task_id == before.id);
  REQUIRE_FALSE(told[4].task.has_value());
}

TEMPLATE_TEST_CASE("feed: a refused write tells nothing", "[feed]", MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  Subscribed s = subscribe(f, alice);
  REQUIRE_FALSE(f.tasks.remove(caller_of(alice), TaskId(999)));
  REQUIRE_FALSE(f.tasks.create(caller_of(alice), titled("   ")));
  create(f, alice, "after");
  REQUIRE(whats(s.told->wait_for(2)) == std::vector<std::string>{"started 0", "created 1"});
}

TEMPLATE_TEST_CASE("feed: a resume point replays what came after it, then follows", "[feed]", MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  for (const char* title : {"one", "two", "three"}) create(f, alice, title);

  Subscribed from_one = subscribe(f, alice, "1");
  Subscribed from_latest = subscribe(f, alice, "3");
  Subscribed from_zero = subscribe(f, alice, "0");
  create(f, alice, "four");

  const auto one = from_one.told->wait_for(4);
  REQUIRE(whats(one) == std::vector<std::string>{"started 3", "created 2", "created 3", "created 4"});
  REQUIRE(one[1].task->title == "two");
  REQUIRE(whats(from_latest.told->wait_for(2)) == std::vector<std::string>{"started 3", "created 4"});
  REQUIRE(from_zero.told->wait_for(5).size() == 5);
}

TEMPLATE_TEST_CASE("feed: an id it cannot resume from resets, then follows from the latest", "[feed]", MemoryFeed,
                   PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  create(f, alice, "one");
  create(f, alice, "two");
  const auto resume = GENERATE(as<std::string>{}, "abc", "-1", "+1", "", " 1", "1.0", "3", "99999999999999999999");
  INFO("Last-Event-ID: '" << resume << "'");
  Subscribed s = subscribe(f, alice, std::string_view(resume));
  create(f, alice, "three");
  REQUIRE(whats(s.told->wait_for(3)) == std::vector<std::string>{"started 2", "reset 2", "created 3"});
}

TEMPLATE_TEST_CASE("feed: events beyond the last 1000 and older than 24 h are pruned, and resetting past them",
                   "[feed][prune]", MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  for (int i = 1; i <= 1002; ++i) create(f, alice, "t" + std::to_string(i));
  // Younger than 24 h: all kept, however many.
  f.prune();
  REQUIRE(whats(subscribe(f, alice, "0").told->wait_for(1003)).size() == 1003);

  f.age_events(std::chrono::hours(25));
  create(f, alice, "t1003");  // the memory feed prunes as it publishes
  f.prune();
  Subscribed too_old = subscribe(f, alice, "1");
  Subscribed last_thousand = subscribe(f, alice, "1003");
  create(f, alice, "t1004");
  REQUIRE(whats(too_old.told->wait_for(3)) == std::vector<std::string>{"started 1003", "reset 1003", "created 1004"});
  // The last 1000 are kept whatever their age: resuming 1000 back works.
  last_thousand.subscription.reset();
  f.prune();
  Subscribed thousand_back = subscribe(f, alice, "4");
  const auto replayed = thousand_back.told->wait_for(1001);
  REQUIRE(replayed.size() == 1001);
  REQUIRE(replayed[0].what == "started");
  REQUIRE(replayed[1].id == 5);
  REQUIRE(replayed.back().id == 1004);
}

TEMPLATE_TEST_CASE("feed: ending the user's sessions ends their subscriptions, not newer ones", "[feed]", MemoryFeed,
                   PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  const User bob = add_user(f.backend.users(), "bob@example.com");
  Subscribed old_session = subscribe(f, alice);
  Subscribed bobs = subscribe(f, bob);
  f.end_sessions(alice);
  REQUIRE(whats(old_session.told->wait_for(2)) == std::vector<std::string>{"started 0", "revoked 0"});

  auto current = f.backend.users().find_by_id(alice.id);
  REQUIRE(current);
  Subscribed new_session = subscribe(f, *current);
  create(f, *current, "after");
  REQUIRE(whats(new_session.told->wait_for(2)) == std::vector<std::string>{"started 0", "created 1"});
  create(f, bob, "bob's");
  REQUIRE(whats(bobs.told->wait_for(2)) == std::vector<std::string>{"started 0", "created 1"});
  REQUIRE(old_session.told->now().size() == 2);  // nothing after revoked

  // A token older than the user's current version never starts.
  Subscribed stale;
  auto refused = f.feed.subscribe(caller_of(alice), std::nullopt, stale.told);
  if (refused) stale.subscription = std::move(*refused);
  if (std::string(TestType::kName) == "postgres") {
    REQUIRE(whats(stale.told->wait_for(1)) == std::vector<std::string>{"revoked 0"});
  }
}

TEMPLATE_TEST_CASE("feed: news of an older revocation, arriving late, leaves a newer session open", "[feed]",
                   MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  f.end_sessions(alice);
  f.end_sessions(alice);
  auto current = f.backend.users().find_by_id(alice.id);
  REQUIRE(current);
  REQUIRE(current->token_version == alice.token_version + 2);
  Subscribed s = subscribe(f, *current);
  // As if the first bump's news came only now (PostgreSQL: a slow listener).
  f.feed.revoke(alice.id, TokenVersion(alice.token_version + 1));
  create(f, *current, "still followed");
  REQUIRE(whats(s.told->wait_for(2)) == std::vector<std::string>{"started 0", "created 1"});
}

TEMPLATE_TEST_CASE("feed: a deleted user's subscriptions end", "[feed]", MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  Subscribed s = subscribe(f, alice);
  create(f, alice, "one");
  f.delete_user(alice);
  REQUIRE(whats(s.told->wait_for(3)) == std::vector<std::string>{"started 0", "created 1", "revoked 0"});
}

TEMPLATE_TEST_CASE("feed: at most the limit of subscriptions per user; a closed one frees its place", "[feed]",
                   MemoryFeed, PgFeed) {
  TestType f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  const User bob = add_user(f.backend.users(), "bob@example.com");
  std::vector<Subscribed> open;
  for (std::size_t i = 0; i < kLimit; ++i) open.push_back(subscribe(f, alice));
  auto one_more = f.feed.subscribe(caller_of(alice), std::nullopt, std::make_shared<Recorder>());
  REQUIRE_FALSE(one_more);
  REQUIRE(one_more.error().code == ErrorCode::ResourceExhausted);
  REQUIRE(one_more.error().message == kTooManyStreams);
  subscribe(f, bob);  // another user is not counted with alice

  open.front().subscription.reset();
  Subscribed again = subscribe(f, alice);
  create(f, alice, "seen by the open ones only");
  REQUIRE(again.told->wait_for(2).size() == 2);
  REQUIRE(open.back().told->wait_for(2).size() == 2);
  REQUIRE(open.front().told->now().size() == 1);  // closed before the change
}

// PostgreSQL only: what several instances on one database need.

TEST_CASE("pg feed: a change made through one instance reaches the other's subscriptions", "[feed][pg]") {
  PgFeed a;
  todo::pg::PgTaskFeed other{feed_options()};
  REQUIRE(other.wait_listening(kPatience));
  const User alice = add_user(a.backend.users(), "alice@example.com");
  auto told = std::make_shared<Recorder>();
  auto subscription = other.subscribe(caller_of(alice), std::nullopt, told);
  REQUIRE(subscription);
  REQUIRE(told->wait_for(1).size() == 1);
  create(a, alice, "made on a");
  const auto seen = told->wait_for(2);
  REQUIRE(whats(seen) == std::vector<std::string>{"started 0", "created 1"});
  REQUIRE(seen[1].task->title == "made on a");
}

TEST_CASE("pg feed: the per-user limit counts every instance's subscriptions, and a closed one frees its place",
          "[feed][pg]") {
  PgFeed a;
  todo::pg::PgTaskFeed b{feed_options()};
  REQUIRE(b.wait_listening(kPatience));
  const User alice = add_user(a.backend.users(), "alice@example.com");
  std::vector<Subscribed> open;
  open.push_back(subscribe(a, alice));
  open.push_back(subscribe(a, alice));
  const auto on_b = [&] {
    Subscribed s;
    auto made = b.subscribe(caller_of(alice), std::nullopt, s.told);
    REQUIRE(made);  // the local count allows it: the shared one decides
    s.subscription = std::move(*made);
    return s;
  };
  Subscribed third = on_b();
  REQUIRE(whats(third.told->wait_for(1)) == std::vector<std::string>{"started 0"});
  Subscribed fourth = on_b();
  REQUIRE(whats(fourth.told->wait_for(1)) == std::vector<std::string>{"refused 0"});

  // One on instance a ends: its place is free for instance b once a has
  // given it back (at a's next round).
  const std::uint64_t given_back = a.feed.places_given_back();
  open.front().subscription.reset();
  REQUIRE(a.feed.wait_places_given_back(given_back + 1, kPatience));
  Subscribed again = on_b();
  REQUIRE(whats(again.told->wait_for(1)) == std::vector<std::string>{"started 0"});
  open.push_back(std::move(again));
  // Everyone still follows the changes.
  create(a, alice, "to all three");
  REQUIRE(open.back().told->wait_for(2).size() == 2);
  REQUIRE(third.told->wait_for(2).size() == 2);
}

TEST_CASE("pg feed: a lost listening connection is made again and nothing committed meanwhile is lost",
          "[feed][pg]") {
  PgFeed f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  Subscribed s = subscribe(f, alice);
  create(f, alice, "before");
  REQUIRE(s.told->wait_for(2).size() == 2);

  // Every feed connection of this database is cut (as a restart or a
  // failover would); changes are made before it is back.
  execute_sql(PgBackend::url(),
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE application_name = 'todo-server-feed' AND datname = current_database()");
  for (const char* title : {"while away 1", "while away 2"}) create(f, alice, title);
  const auto told = s.told->wait_for(4);
  REQUIRE(whats(told) == std::vector<std::string>{"started 0", "created 1", "created 2", "created 3"});
  REQUIRE(f.feed.wait_listening(kPatience));
  create(f, alice, "after");
  REQUIRE(whats(s.told->wait_for(5)).back() == "created 4");
  REQUIRE(s.told->now().size() == 5);
}

TEST_CASE("pg feed: the places of an instance that is gone count no more", "[feed][pg]") {
  PgFeed f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  const std::string id = std::to_string(alice.id.value());
  // Another instance has all of alice's places: its row, and its listening
  // connection holding the instance lock (a pid no backend can have).
  execute_sql(PgBackend::url(), "INSERT INTO live_streams (user_id, instance, streams) VALUES (" + id + ", 2000000001, " +
                                    std::to_string(kLimit) + ")");
  {
    todo::test::HeldTransaction other(PgBackend::url(), "SELECT pg_advisory_lock(1413742593, 2000000001)");
    auto told = std::make_shared<Recorder>();
    auto made = f.feed.subscribe(caller_of(alice), std::nullopt, told);
    REQUIRE(made);
    REQUIRE(whats(told->wait_for(1)) == std::vector<std::string>{"refused 0"});
  }
  // Its connection closed (the instance was killed): the lock went with
  // it, so its row no longer counts and the next take deletes it.
  Subscribed s = subscribe(f, alice);
  REQUIRE(whats(s.told->now()) == std::vector<std::string>{"started 0"});
  REQUIRE(query_int(PgBackend::url(), "SELECT count(*) FROM live_streams WHERE instance = 2000000001") == 0);
  REQUIRE(query_int(PgBackend::url(), "SELECT streams FROM live_streams WHERE user_id = " + id) == 1);
}

TEST_CASE("pg feed: after a lost connection an instance counts its open subscriptions again", "[feed][pg]") {
  PgFeed a;
  todo::pg::PgTaskFeed b{feed_options()};
  REQUIRE(b.wait_listening(kPatience));
  const User alice = add_user(a.backend.users(), "alice@example.com");
  const std::string id = std::to_string(alice.id.value());
  std::vector<Subscribed> open;
  for (std::size_t i = 0; i < kLimit; ++i) open.push_back(subscribe(a, alice));
  // Only a's listening connection is cut; a connects again as a new
  // instance (another backend) and counts its streams there.
  const std::uint64_t caught_up = a.feed.caught_up();
  execute_sql(PgBackend::url(), "SELECT pg_terminate_backend(instance) FROM live_streams WHERE user_id = " + id);
  REQUIRE(a.feed.wait_caught_up(caught_up, kPatience));
  // The old backend's row stays until a take deletes it; only the live
  // instances' rows count (their lock is held).
  REQUIRE(query_int(PgBackend::url(), "SELECT sum(streams) FROM live_streams WHERE user_id = " + id +
                                          " AND NOT pg_try_advisory_xact_lock_shared(1413742593, instance)") ==
          static_cast<std::int64_t>(kLimit));
  auto told = std::make_shared<Recorder>();
  auto made = b.subscribe(caller_of(alice), std::nullopt, told);
  REQUIRE(made);
  REQUIRE(whats(told->wait_for(1)) == std::vector<std::string>{"refused 0"});
  // And the streams still follow the changes.
  create(a, alice, "after the reconnect");
  REQUIRE(whats(open.back().told->wait_for(2)) == std::vector<std::string>{"started 0", "created 1"});
}

TEST_CASE("pg feed: events are recorded by the database itself, for any writer, and found unannounced",
          "[feed][pg]") {
  PgFeed f;
  const User alice = add_user(f.backend.users(), "alice@example.com");
  Subscribed s = subscribe(f, alice);
  // A writer that is not this service (a migration, an operator's fix): no
  // instance announces it; the feed's sweep finds it.
  execute_sql(PgBackend::url(),
              "INSERT INTO tasks (user_id, title, created_at, updated_at) VALUES (" +
                  std::to_string(alice.id.value()) + ", 'by hand', now(), now())");
  const auto told = s.told->wait_for(2);
  REQUIRE(whats(told) == std::vector<std::string>{"started 0", "created 1"});
  REQUIRE(told[1].task->title == "by hand");
  REQUIRE(query_int(PgBackend::url(), "SELECT event_seq FROM users WHERE id = " + std::to_string(alice.id.value())) == 1);
}
