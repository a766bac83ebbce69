// The pipelined task statements (pg::Database::enable_pipeline): reads give
// the pool's answers under concurrency and are re-run through the pool when
// their connection is lost; writes answer once each and a lost one is
// Unavailable, never run twice; an outage is answered quickly; a clean stop.

#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pg_admin.hpp"
#include "pg_cluster.hpp"
#include "todo/core/time.hpp"
#include "todo/pg/migrations.hpp"
#include "todo/core/blocking_task_service.hpp"
#include "todo/pg/database.hpp"
#include "todo/pg/pg_task_repository.hpp"
#include "sync_tasks.hpp"
#include "todo/pg/pg_user_repository.hpp"
#include "todo/pg/pool.hpp"

using namespace std::chrono_literals;
using namespace todo;
using todo::test::HeldTransaction;
using todo::test::PgCluster;
namespace net = boost::asio;

namespace {

core::Timestamp t0() { return core::from_unix_seconds(1'764'000'000); }

pg::PoolOptions options_for(const std::string& url, bool transaction_pooler = false) {
  pg::PoolOptions o;
  o.conninfo = url;
  o.transaction_pooler = transaction_pooler;
  o.size = 2;
  o.acquire_timeout = 500ms;
  o.connect_timeout = 2s;
  o.reconnect_backoff = 100ms;
  return o;
}

// Runs an io_context on two threads, as the server's I/O threads do.
class EventLoop {
 public:
  EventLoop() : guard_(net::make_work_guard(context_)) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { context_.run(); });
  }
  ~EventLoop() { stop(); }
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  net::io_context& context() { return context_; }
  void stop() {
    guard_.reset();
    context_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  net::io_context context_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// Collects asynchronous answers; wait() is bounded so a lost callback fails
// the test instead of hanging it.
template <class T>
class AnswersOf {
 public:
  explicit AnswersOf(std::size_t expected) : results_(expected) {}
  std::function<void(core::Result<T>)> slot(std::size_t i) {
    return [this, i](core::Result<T> page) {
      std::lock_guard lock(mutex_);
      if (results_[i]) ++duplicates_;
      results_[i].emplace(std::move(page));
      ++done_;
      changed_.notify_all();
    };
  }
  bool wait(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return done_ >= results_.size(); });
  }
  const core::Result<T>& at(std::size_t i) const { return *results_[i]; }
  int duplicates() const { return duplicates_; }
  std::size_t answered() {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<core::Result<T>>> results_;
  std::size_t done_ = 0;
  int duplicates_ = 0;
};

using Answers = AnswersOf<core::TaskPage>;

struct Fixture {
  explicit Fixture(const std::string& name, bool transaction_pooler = false)
      : url(PgCluster::shared().fresh_database(name)),
        pool(options_for(url, transaction_pooler)),
        users(pool),
        database(pool),
        tasks(database),
        pooled_database(pool),
        pooled(pooled_database) {
    REQUIRE(pg::migrate(pool));
    for (int u = 0; u < 3; ++u) {
      auto user = users.create(core::NewUser{"user" + std::to_string(u) + "@example.com", std::nullopt, "hash", t0()});
      REQUIRE(user);
      ids.push_back(user->id);
      for (int t = 0; t < 5 + u * 10; ++t) {
        core::NewTask task;
        task.title = "task " + std::to_string(t);
        task.priority = t % 2 == 0 ? core::Priority::High : core::Priority::Low;
        REQUIRE(core::BlockingTaskRepository(pooled).create(core::caller_of(*user), task, t0() + std::chrono::seconds(t)));
      }
    }
  }

  core::TaskQuery query(int i) const {
    core::TaskQuery q;
    q.limit = 1 + i % 7;
    q.offset = i % 3;
    if (i % 4 == 1) q.priority = core::Priority::High;
    if (i % 5 == 2) q.search = "task 1";
    if (i % 2 == 0) q.order = core::SortOrder::Desc;
    q.sort_by = static_cast<core::SortBy>(i % 5);
    return q;
  }

  std::string url;
  pg::Pool pool;
  pg::PgUserRepository users;
  pg::Database database;  // pipelined once a test enables it
  pg::PgTaskRepository tasks;
  pg::Database pooled_database;  // never pipelined: the reference answers
  pg::PgTaskRepository pooled;
  std::vector<core::UserId> ids;

  core::Result<core::TaskPage> list_pooled(core::UserId owner, std::int64_t version, const core::TaskQuery& q) {
    return core::BlockingTaskRepository(pooled).list(test::as_caller(owner, version), q);
  }
};

// Terminates every pipelined connection's backend (the pool's stay up).
void terminate_pipelines(const std::string& url) {
  test::execute_sql(url,
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'todo-server-pipeline'");
}

void require_same(const core::Result<core::TaskPage>& got, const core::Result<core::TaskPage>& want) {
  REQUIRE(got.has_value() == want.has_value());
  if (!want) {
    CHECK(got.error().code == want.error().code);
    return;
  }
  CHECK(got->total == want->total);
  REQUIRE(got->items.size() == want->items.size());
  for (std::size_t i = 0; i < want->items.size(); ++i) CHECK(got->items[i].id == want->items[i].id);
}

}  // namespace

TEST_CASE("pipelined lists give the pool's answers, each exactly once, under concurrency",
          "[postgres][pipeline]") {
  Fixture f("pipeline_same");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  constexpr std::size_t kCalls = 600;
  Answers answers(kCalls);
  std::vector<std::thread> submitters;
  for (std::size_t s = 0; s < 4; ++s) {
    submitters.emplace_back([&, s] {
      for (std::size_t i = s; i < kCalls; i += 4) {
        const core::UserId owner = f.ids[i % f.ids.size()];
        // Every tenth call carries a stale token version: Unauthenticated.
        const std::int64_t version = i % 10 == 9 ? 1 : 0;
        f.tasks.list(test::as_caller(owner, version), f.query(static_cast<int>(i)), answers.slot(i));
      }
    });
  }
  for (auto& t : submitters) t.join();
  REQUIRE(answers.wait());
  CHECK(answers.duplicates() == 0);
  const pg::PipelineStats stats = f.database.pipeline_stats();
  // One for light reads, one for writes, two for filtered (heavy) reads,
  // each opened on demand: no write was made.
  CHECK(stats.connections == 4);
  CHECK(stats.open >= 2);
  CHECK(stats.open <= 3);
  CHECK(stats.in_flight == 0);
  // Filtered lists beyond a user's backlog of kHeavyQueuePerUser waiting
  // are refused (ResourceExhausted) without being sent; every other answer
  // is the pool's.
  // A statement of batched lists carries several of them (list batching).
  CHECK(stats.statements + stats.bypassed + stats.heavy_refused + stats.batched_lists - stats.list_batches ==
        kCalls);
  CHECK(stats.statements > 0);
  std::uint64_t refused = 0;
  for (std::size_t i = 0; i < kCalls; ++i) {
    const std::int64_t version = i % 10 == 9 ? 1 : 0;
    const core::TaskQuery q = f.query(static_cast<int>(i));
    if (!answers.at(i) && answers.at(i).error().code == core::ErrorCode::ResourceExhausted) {
      CHECK((q.completed || q.priority || q.tag || q.search));
      ++refused;
      continue;
    }
    require_same(answers.at(i), f.list_pooled(f.ids[i % f.ids.size()], version, q));
  }
  CHECK(refused == stats.heavy_refused);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("reads on a pipelined connection the server terminated are re-run through the pool, "
          "and the pipeline reconnects",
          "[postgres][pipeline]") {
  Fixture f("pipeline_terminated");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  // Only the pipelined connection: the pool's, which the lost reads are
  // re-run on, stay up (killing those too races the re-runs' reconnects).
  for (int round = 0; round < 5; ++round) {
    constexpr std::size_t kCalls = 200;
    Answers answers(kCalls);
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(round));
      terminate_pipelines(f.url);
    });
    for (std::size_t i = 0; i < kCalls; ++i) {
      f.tasks.list(test::as_caller(f.ids[i % f.ids.size()], 0), f.query(static_cast<int>(i)), answers.slot(i));
    }
    killer.join();
    REQUIRE(answers.wait());
    CHECK(answers.duplicates() == 0);
    for (std::size_t i = 0; i < kCalls; ++i) {
      INFO("round " << round << ", call " << i);
      const core::TaskQuery q = f.query(static_cast<int>(i));
      // A filtered list beyond its user's backlog (kHeavyQueuePerUser) is
      // refused without being sent, as in the first case; on a loaded
      // machine the 200 calls outrun the answers. CI failed on that once.
      if (!answers.at(i) && answers.at(i).error().code == core::ErrorCode::ResourceExhausted) {
        CHECK((q.completed || q.priority || q.tag || q.search));
        continue;
      }
      if (!answers.at(i)) {
        UNSCOPED_INFO("error: " << core::to_string(answers.at(i).error().code) << " " << answers.at(i).error().message);
      }
      require_same(answers.at(i), f.list_pooled(f.ids[i % f.ids.size()], 0, q));
    }
  }
  // A later read goes through a fresh pipelined connection again, opening
  // at most one.
  const auto before = test::query_int(
      f.url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  Answers answers(1);
  f.tasks.list(test::as_caller(f.ids[0], 0), f.query(0), answers.slot(0));
  REQUIRE(answers.wait());
  REQUIRE(answers.at(0));
  const auto after = test::query_int(
      f.url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  CHECK(after <= before + 1);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("with the database stopped, pipelined lists answer Unavailable quickly and recover when it is back",
          "[postgres][pipeline][outage]") {
  auto& cluster = PgCluster::shared();
  if (cluster.external()) {
    WARN("TEST_DATABASE_URL is set: cannot stop that server, skipped");
    return;
  }
  Fixture f("pipeline_outage");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  {
    Answers warm(1);
    f.tasks.list(test::as_caller(f.ids[0], 0), f.query(0), warm.slot(0));
    REQUIRE(warm.wait());
    REQUIRE(warm.at(0));
  }
  cluster.stop();
  for (int i = 0; i < 5; ++i) {
    Answers answers(1);
    const auto start = std::chrono::steady_clock::now();
    f.tasks.list(test::as_caller(f.ids[0], 0), f.query(i), answers.slot(0));
    REQUIRE(answers.wait(3s));
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    REQUIRE_FALSE(answers.at(0));
    CHECK(answers.at(0).error().code == core::ErrorCode::Unavailable);
  }
  cluster.start();
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {  // at most ~10 s
    Answers answers(1);
    f.tasks.list(test::as_caller(f.ids[1], 0), f.query(1), answers.slot(0));
    REQUIRE(answers.wait(3s));
    recovered = answers.at(0).has_value();
    if (!recovered) std::this_thread::sleep_for(100ms);
  }
  CHECK(recovered);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("disabling the pipeline with reads outstanding drops their callbacks uncalled and frees them",
          "[postgres][pipeline]") {
  Fixture f("pipeline_stop");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 2, 1);
  {
    Answers warm(2);  // opens both connections while the loop runs
    f.tasks.list(test::as_caller(f.ids[0], 0), f.query(0), warm.slot(0));
    f.tasks.list(test::as_caller(f.ids[1], 0), f.query(1), warm.slot(1));
    REQUIRE(warm.wait());
  }
  loop.stop();  // nobody reads the results any more
  auto alive = std::make_shared<int>(0);
  int called = 0;
  for (int i = 0; i < 20; ++i) {
    f.tasks.list(test::as_caller(f.ids[0], 0), f.query(i),
                                 [alive, &called](const core::Result<core::TaskPage>&) { ++called; });
  }
  f.database.disable_pipeline();
  CHECK(called == 0);
  CHECK(alive.use_count() == 1);
  // Without a pipeline the list still works, through the pool.
  std::optional<core::Result<core::TaskPage>> page;
  f.tasks.list(test::as_caller(f.ids[2], 0), f.query(2), [&page](core::Result<core::TaskPage> p) { page.emplace(std::move(p)); });
  REQUIRE(page);
  CHECK(page->has_value());
}

TEST_CASE("pipelined writes answer like the pool's, each exactly once, spread over their connections",
          "[postgres][pipeline][writes]") {
  Fixture f("pipeline_writes");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 2);
  constexpr std::size_t kCalls = 300;
  AnswersOf<core::Task> created(kCalls);
  std::vector<std::thread> submitters;
  for (int s = 0; s < 2; ++s) {
    submitters.emplace_back([&, s] {
      for (std::size_t i = static_cast<std::size_t>(s); i < kCalls; i += 2) {
        core::NewTask task;
        task.title = "written " + std::to_string(i);
        task.tags = {"pipelined"};
        f.tasks.create(test::as_caller(f.ids[i % f.ids.size()], 0), task, t0(), created.slot(i));
      }
    });
  }
  for (auto& t : submitters) t.join();
  REQUIRE(created.wait());
  CHECK(created.duplicates() == 0);
  for (std::size_t i = 0; i < kCalls; ++i) {
    INFO("call " << i);
    REQUIRE(created.at(i));
    CHECK(created.at(i)->title == "written " + std::to_string(i));
    CHECK(created.at(i)->user_id == f.ids[i % f.ids.size()]);
  }
  CHECK(test::query_int(f.url, "SELECT count(*) FROM tasks WHERE tags = 'pipelined'") == kCalls);
  CHECK(test::query_int(f.url, "SELECT count(DISTINCT title) FROM tasks WHERE tags = 'pipelined'") == kCalls);
  // The counts the trigger keeps moved with them.
  CHECK(test::query_int(f.url, "SELECT sum(task_count) FROM users") ==
        test::query_int(f.url, "SELECT count(*) FROM tasks"));

  // Update, toggle and delete go the same way; a stale token changes nothing.
  const core::Task first = *created.at(0);
  const core::Caller owner = test::as_caller(first.user_id, 0);
  core::TaskPatch patch;
  patch.title = "renamed";
  AnswersOf<core::Task> changed(3);
  f.tasks.update(owner, first.id, patch, t0(), changed.slot(0));
  f.tasks.toggle_completed(owner, first.id, t0(), changed.slot(1));
  f.tasks.update(test::as_caller(first.user_id, 7), first.id, patch, t0(), changed.slot(2));
  REQUIRE(changed.wait());
  REQUIRE(changed.at(0));
  CHECK(changed.at(0)->title == "renamed");
  REQUIRE(changed.at(1));
  CHECK(changed.at(1)->completed);
  REQUIRE_FALSE(changed.at(2));
  CHECK(changed.at(2).error().code == core::ErrorCode::Unauthenticated);
  AnswersOf<void> removed(1);
  f.tasks.remove(owner, first.id, removed.slot(0));
  REQUIRE(removed.wait());
  CHECK(removed.at(0));
  AnswersOf<void> again(1);
  f.tasks.remove(owner, first.id, again.slot(0));
  REQUIRE(again.wait());
  REQUIRE_FALSE(again.at(0));
  CHECK(again.at(0).error().code == core::ErrorCode::NotFound);

  const pg::PipelineStats stats = f.database.pipeline_stats();
  CHECK(stats.connections == 5);  // 1 light read, 2 write, 2 heavy read
  CHECK(stats.in_flight == 0);
  CHECK(stats.rerun == 0);
  CHECK(stats.statements + stats.bypassed >= kCalls + 5);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("a pipelined write lost with its connection is Unavailable and never run twice",
          "[postgres][pipeline][writes]") {
  Fixture f("pipeline_lost_writes");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  std::size_t answered_ok = 0;
  std::size_t answered_lost = 0;
  for (int round = 0; round < 3; ++round) {
    constexpr std::size_t kCalls = 200;
    AnswersOf<core::Task> created(kCalls);
    std::thread killer([&] { terminate_pipelines(f.url); });
    for (std::size_t i = 0; i < kCalls; ++i) {
      core::NewTask task;
      task.title = "round " + std::to_string(round) + " write " + std::to_string(i);
      task.tags = {"lost"};
      f.tasks.create(test::as_caller(f.ids[0], 0), task, t0(), created.slot(i));
    }
    killer.join();
    REQUIRE(created.wait());
    CHECK(created.duplicates() == 0);
    for (std::size_t i = 0; i < kCalls; ++i) {
      if (created.at(i)) {
        ++answered_ok;
      } else {
        INFO("call " << i << ": " << created.at(i).error().message);
        CHECK(created.at(i).error().code == core::ErrorCode::Unavailable);
        ++answered_lost;
      }
    }
  }
  // Each write ran at most once: no title twice. Every acknowledged one is
  // there; a lost one may or may not have committed (its outcome is unknown).
  const auto rows = test::query_int(f.url, "SELECT count(*) FROM tasks WHERE tags = 'lost'");
  CHECK(test::query_int(f.url, "SELECT count(DISTINCT title) FROM tasks WHERE tags = 'lost'") == rows);
  CHECK(rows >= static_cast<std::int64_t>(answered_ok));
  CHECK(rows <= static_cast<std::int64_t>(answered_ok + answered_lost));
  CHECK(f.database.pipeline_stats().rerun == 0);  // writes are never re-run
  loop.stop();
  f.database.disable_pipeline();
}

// Issue 19: group commit. One write connection; a row lock held by another
// session keeps the first write's transaction open, so what is submitted
// meanwhile waits for it (no timing involved).
namespace {

core::UserId add_user(Fixture& f, const std::string& email) {
  auto user = f.users.create(core::NewUser{email, std::nullopt, "hash", t0()});
  REQUIRE(user);
  return user->id;
}

std::string hold_user(core::UserId user) {
  return "SELECT FROM users WHERE id = " + std::to_string(user.value()) + " FOR UPDATE";
}

core::NewTask titled(const std::string& title) {
  core::NewTask task;
  task.title = title;
  task.tags = {"grouped"};
  return task;
}

// One create, so the write connection is open and prepared (and counted
// in the stats) before a test looks.
void open_write_connection(Fixture& f) {
  AnswersOf<core::Task> warm(1);
  f.tasks.create(test::as_caller(f.ids[1], 0), titled("warm"), t0(), warm.slot(0));
  REQUIRE(warm.wait());
  REQUIRE(warm.at(0));
}

std::int64_t count_titled(const Fixture& f, const std::string& title) {
  return test::query_int(f.url, "SELECT count(*) FROM tasks WHERE title = '" + title + "'");
}

}  // namespace

TEST_CASE("group commit: writes that arrive while a transaction commits go out together, one per user, "
          "answered only once committed",
          "[postgres][pipeline][writes][group]") {
  Fixture f("pipeline_group");
  const core::UserId fourth = add_user(f, "fourth@example.com");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1, 32);
  open_write_connection(f);
  const std::uint64_t groups_before = f.database.pipeline_stats().write_groups;
  AnswersOf<core::Task> blocked(1);
  AnswersOf<core::Task> waiting(5);
  {
    std::optional<HeldTransaction> hold;
    hold.emplace(f.url, hold_user(f.ids[0]));
    // Sent at once (nothing in flight), then stuck on the row lock.
    f.tasks.create(test::as_caller(f.ids[0], 0), titled("blocked"), t0(), blocked.slot(0));
    f.tasks.create(test::as_caller(fourth, 0), titled("from fourth"), t0(), waiting.slot(0));
    f.tasks.create(test::as_caller(f.ids[2], 0), titled("from third"), t0(), waiting.slot(1));
    f.tasks.create(test::as_caller(f.ids[0], 0), titled("second of first"), t0(), waiting.slot(2));
    f.tasks.create(test::as_caller(f.ids[1], 0), titled("from second"), t0(), waiting.slot(3));
    f.tasks.create(test::as_caller(f.ids[0], 0), titled("third of first"), t0(), waiting.slot(4));
    const pg::PipelineStats held = f.database.pipeline_stats();
    CHECK(held.write_groups == groups_before + 1);  // the others wait for its commit
    CHECK(held.in_flight == 6);
    CHECK(blocked.answered() == 0);
    CHECK(waiting.answered() == 0);
    CHECK(count_titled(f, "from fourth") == 0);
    hold.reset();
  }
  REQUIRE(blocked.wait());
  REQUIRE(waiting.wait());
  CHECK(blocked.duplicates() + waiting.duplicates() == 0);
  REQUIRE(blocked.at(0));
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("write " << i);
    REQUIRE(waiting.at(i));
  }
  CHECK(waiting.at(0)->user_id == fourth);
  CHECK(waiting.at(2)->title == "second of first");
  // Then one group of the first waiting write of each user (four users),
  // then the first user's third write: three transactions in all.
  const pg::PipelineStats after = f.database.pipeline_stats();
  CHECK(after.write_groups == groups_before + 3);
  CHECK(after.write_group_retries == 0);
  CHECK(after.in_flight == 0);
  CHECK(test::query_int(f.url, "SELECT count(*) FROM tasks WHERE tags = 'grouped'") == 7);
  CHECK(test::query_int(f.url, "SELECT sum(task_count) FROM users") ==
        test::query_int(f.url, "SELECT count(*) FROM tasks"));
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("group commit: a group with a failing write rolls back and its writes commit one by one, "
          "so only the bad one fails",
          "[postgres][pipeline][writes][group]") {
  Fixture f("pipeline_group_fail");
  const core::UserId fourth = add_user(f, "fourth@example.com");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1, 32);
  AnswersOf<core::Task> blocked(1);
  AnswersOf<core::Task> group(3);
  const std::uint64_t groups_before = f.database.pipeline_stats().write_groups;
  {
    std::optional<HeldTransaction> hold;
    hold.emplace(f.url, hold_user(f.ids[0]));
    f.tasks.create(test::as_caller(f.ids[0], 0), titled("blocked"), t0(), blocked.slot(0));
    f.tasks.create(test::as_caller(f.ids[1], 0), titled("good one"), t0(), group.slot(0));
    // The core never sends this (titles are at most 255 characters); the
    // table's CHECK constraint refuses it.
    f.tasks.create(test::as_caller(f.ids[2], 0), titled(std::string(256, 'x')), t0(), group.slot(1));
    f.tasks.create(test::as_caller(fourth, 0), titled("good two"), t0(), group.slot(2));
    hold.reset();
  }
  REQUIRE(blocked.wait());
  REQUIRE(group.wait());
  CHECK(group.duplicates() == 0);
  REQUIRE(blocked.at(0));
  REQUIRE(group.at(0));
  CHECK(group.at(0)->title == "good one");
  REQUIRE_FALSE(group.at(1));
  CHECK(group.at(1).error().code == core::ErrorCode::Internal);
  REQUIRE(group.at(2));
  CHECK(group.at(2)->title == "good two");
  CHECK(count_titled(f, "good one") == 1);
  CHECK(count_titled(f, "good two") == 1);
  CHECK(test::query_int(f.url, "SELECT count(*) FROM tasks WHERE tags = 'grouped'") == 3);
  CHECK(test::query_int(f.url, "SELECT sum(task_count) FROM users") ==
        test::query_int(f.url, "SELECT count(*) FROM tasks"));
  const pg::PipelineStats after = f.database.pipeline_stats();
  CHECK(after.write_group_retries == 1);
  // blocked; the group of three; then each of the three alone.
  CHECK(after.write_groups == groups_before + 5);
  CHECK(after.in_flight == 0);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("group commit: a transaction that fails at commit answers none of its writes as done; "
          "each runs again alone",
          "[postgres][pipeline][writes][group]") {
  Fixture f("pipeline_group_commit_fails");
  // Test-only: a deferred check, so the insert itself succeeds and only the
  // commit fails (an error after every statement's own result).
  test::execute_sql(f.url, R"sql(
CREATE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.title = 'fail at commit' THEN RAISE EXCEPTION 'refused at commit'; END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON tasks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit();
)sql");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1, 32);
  AnswersOf<core::Task> blocked(1);
  AnswersOf<core::Task> group(2);
  {
    HeldTransaction hold(f.url, hold_user(f.ids[0]));
    f.tasks.create(test::as_caller(f.ids[0], 0), titled("blocked"), t0(), blocked.slot(0));
    f.tasks.create(test::as_caller(f.ids[1], 0), titled("fine"), t0(), group.slot(0));
    f.tasks.create(test::as_caller(f.ids[2], 0), titled("fail at commit"), t0(), group.slot(1));
  }
  REQUIRE(blocked.wait());
  REQUIRE(group.wait());
  REQUIRE(blocked.at(0));
  REQUIRE(group.at(0));
  CHECK(group.at(0)->title == "fine");
  REQUIRE_FALSE(group.at(1));
  CHECK(group.at(1).error().code == core::ErrorCode::Internal);
  CHECK(count_titled(f, "fine") == 1);
  CHECK(count_titled(f, "fail at commit") == 0);
  CHECK(f.database.pipeline_stats().write_group_retries == 1);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("group commit: when the connection is lost, the group in flight is Unavailable and never re-run, "
          "and the writes still queued (never sent) run through the pool",
          "[postgres][pipeline][writes][group]") {
  Fixture f("pipeline_group_lost");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1, 32);
  open_write_connection(f);
  const std::uint64_t bypassed_before = f.database.pipeline_stats().bypassed;
  AnswersOf<core::Task> in_flight(1);
  AnswersOf<core::Task> queued(2);
  {
    HeldTransaction hold(f.url, hold_user(f.ids[0]));
    f.tasks.create(test::as_caller(f.ids[0], 0), titled("in flight"), t0(), in_flight.slot(0));
    f.tasks.create(test::as_caller(f.ids[1], 0), titled("queued one"), t0(), queued.slot(0));
    f.tasks.create(test::as_caller(f.ids[2], 0), titled("queued two"), t0(), queued.slot(1));
    CHECK(f.database.pipeline_stats().in_flight == 3);
    terminate_pipelines(f.url);
    // The queued writes run on the pool (their users' rows are not held).
    REQUIRE(queued.wait());
    REQUIRE(in_flight.wait());
  }
  REQUIRE_FALSE(in_flight.at(0));
  CHECK(in_flight.at(0).error().code == core::ErrorCode::Unavailable);
  REQUIRE(queued.at(0));
  REQUIRE(queued.at(1));
  CHECK(count_titled(f, "in flight") == 0);  // terminated before it committed
  CHECK(count_titled(f, "queued one") == 1);
  CHECK(count_titled(f, "queued two") == 1);
  const pg::PipelineStats after = f.database.pipeline_stats();
  CHECK(after.bypassed == bypassed_before + 2);
  CHECK(after.rerun == 0);
  CHECK(after.in_flight == 0);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("group commit on several connections: creates, completes and deletes of the same users never "
          "deadlock (one write per user per group, in user order)",
          "[postgres][pipeline][writes][group]") {
  Fixture f("pipeline_group_locks");
  std::vector<core::UserId> users = f.ids;
  for (int u = 0; u < 5; ++u) users.push_back(add_user(f, "extra" + std::to_string(u) + "@example.com"));
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 3, 32);
  // Every user's existing tasks, to complete and delete.
  std::vector<std::vector<core::TaskId>> owned(users.size());
  for (std::size_t u = 0; u < users.size(); ++u) {
    for (int t = 0; t < 12; ++t) {
      auto made = core::BlockingTaskRepository(f.pooled).create(test::as_caller(users[u], 0), titled("seed"), t0());
      REQUIRE(made);
      owned[u].push_back(made->id);
    }
  }
  constexpr std::size_t kPerThread = 120;
  constexpr std::size_t kThreads = 3;
  AnswersOf<core::Task> changed(kPerThread * kThreads);
  AnswersOf<void> removed(kPerThread * kThreads);
  std::vector<std::thread> submitters;
  for (std::size_t s = 0; s < kThreads; ++s) {
    submitters.emplace_back([&, s] {
      for (std::size_t i = 0; i < kPerThread; ++i) {
        const std::size_t n = s * kPerThread + i;
        // Each thread walks the users in another order.
        const std::size_t u = (s == 1 ? users.size() - 1 - i % users.size() : (i * (s + 1)) % users.size());
        const core::Caller caller = test::as_caller(users[u], 0);
        const core::TaskId task = owned[u][(i + s) % owned[u].size()];
        if (n % 2 == 0) {
          f.tasks.create(caller, titled("made " + std::to_string(n)), t0(), changed.slot(n));
        } else {
          f.tasks.toggle_completed(caller, task, t0(), changed.slot(n));
        }
        f.tasks.remove(caller, owned[u][(i + s + 1 + n % 5) % owned[u].size()], removed.slot(n));
      }
    });
  }
  for (auto& t : submitters) t.join();
  REQUIRE(changed.wait(30s));
  REQUIRE(removed.wait(30s));
  for (std::size_t n = 0; n < kPerThread * kThreads; ++n) {
    INFO("write " << n);
    const auto& c = changed.at(n);
    if (!c) CHECK(c.error().code == core::ErrorCode::NotFound);  // toggled a task deleted before
    const auto& r = removed.at(n);
    if (!r) CHECK(r.error().code == core::ErrorCode::NotFound);  // deleted twice
  }
  loop.stop();
  // A deadlock (40P01) would have failed a group: none did.
  const pg::PipelineStats after = f.database.pipeline_stats();
  CHECK(after.write_group_retries == 0);
  CHECK(test::query_int(f.url, "SELECT sum(task_count) FROM users") ==
        test::query_int(f.url, "SELECT count(*) FROM tasks"));
  f.database.disable_pipeline();
}

// Issue 18: one user's costly lists go one at a time through their own
// connection, behind nobody and ahead of nobody; past kHeavyQueuePerUser
// waiting they are refused. The tasks table is locked by another session so
// that nothing finishes until the test says so (no timing involved).
TEST_CASE("filtered lists take turns per user on their own connections; a user's backlog is bounded",
          "[postgres][pipeline][fairness]") {
  Fixture f("pipeline_fair");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  core::TaskQuery filtered;
  filtered.search = "task";
  {
    // Every read connection open and prepared first (preparing waits for
    // the table lock too): two users' filtered lists at once open both
    // heavy connections.
    Answers warm(3);
    f.tasks.list(test::as_caller(f.ids[0], 0), filtered, warm.slot(0));
    f.tasks.list(test::as_caller(f.ids[1], 0), filtered, warm.slot(1));
    f.tasks.list(test::as_caller(f.ids[0], 0), core::TaskQuery{}, warm.slot(2));
    REQUIRE(warm.wait());
    for (std::size_t i = 0; i < 3; ++i) REQUIRE(warm.at(i).has_value());
    REQUIRE(f.database.pipeline_stats().open == 3);
  }
  constexpr std::size_t kFlood = 40;
  Answers flood(kFlood);
  Answers others(2);
  Answers light(1);
  {
    HeldTransaction lock(f.url, "LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE");
    for (std::size_t i = 0; i < kFlood; ++i) f.tasks.list(test::as_caller(f.ids[0], 0), filtered, flood.slot(i));
    const pg::PipelineStats held = f.database.pipeline_stats();
    CHECK(held.heavy_running == 1);
    CHECK(held.heavy_waiting == 32);
    CHECK(held.heavy_refused == kFlood - 33);
    // Refused at once, before anything ran: 429 with Retry-After.
    for (std::size_t i = 33; i < kFlood; ++i) {
      const auto& answer = flood.at(i);
      REQUIRE_FALSE(answer.has_value());
      CHECK(answer.error().code == core::ErrorCode::ResourceExhausted);
      CHECK(answer.error().retry_after_s.has_value());
    }
    // Other users' filtered lists start at once (the gate admits
    // kHeavyDepth per heavy connection, one per user), never behind user
    // 0's backlog.
    f.tasks.list(test::as_caller(f.ids[1], 0), filtered, others.slot(0));
    CHECK(f.database.pipeline_stats().heavy_running == 2);
    CHECK(f.database.pipeline_stats().heavy_waiting == 32);
    f.tasks.list(test::as_caller(f.ids[2], 0), filtered, others.slot(1));
    CHECK(f.database.pipeline_stats().heavy_running == 3);
    CHECK(f.database.pipeline_stats().heavy_waiting == 32);
    // An unfiltered list goes its own way (it waits for the lock too, but on
    // the light connection, not in the gate).
    f.tasks.list(test::as_caller(f.ids[1], 0), core::TaskQuery{}, light.slot(0));
    CHECK(f.database.pipeline_stats().heavy_waiting == 32);
    CHECK(f.database.pipeline_stats().heavy_running == 3);
  }
  REQUIRE(flood.wait());
  REQUIRE(others.wait());
  REQUIRE(light.wait());
  for (std::size_t i = 0; i < 33; ++i) require_same(flood.at(i), f.list_pooled(f.ids[0], 0, filtered));
  require_same(others.at(0), f.list_pooled(f.ids[1], 0, filtered));
  require_same(others.at(1), f.list_pooled(f.ids[2], 0, filtered));
  require_same(light.at(0), f.list_pooled(f.ids[1], 0, core::TaskQuery{}));
  const pg::PipelineStats after = f.database.pipeline_stats();
  CHECK(after.heavy_running == 0);
  CHECK(after.heavy_waiting == 0);
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("behind a transaction pooler: unnamed statements, one transaction in flight per connection, "
          "the same answers",
          "[postgres][pipeline][pooler]") {
  Fixture f("pipeline_pooler", true);
  // The reference answers (f.pooled) come through the same kind of connections.
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  constexpr std::size_t kReads = 300;
  constexpr std::size_t kWrites = 120;
  Answers answers(kReads);
  AnswersOf<core::Task> created(kWrites);
  std::vector<std::thread> submitters;
  for (std::size_t s = 0; s < 3; ++s) {
    submitters.emplace_back([&, s] {
      for (std::size_t i = s; i < kReads; i += 3) {
        const core::UserId owner = f.ids[i % f.ids.size()];
        f.tasks.list(test::as_caller(owner, 0), f.query(static_cast<int>(i)), answers.slot(i));
        if (i < kWrites) {
          core::NewTask task;
          task.title = "pooled " + std::to_string(i);
          f.tasks.create(test::as_caller(owner, 0), task, t0(), created.slot(i));
        }
      }
    });
  }
  for (auto& t : submitters) t.join();
  REQUIRE(answers.wait());
  REQUIRE(created.wait());
  CHECK(answers.duplicates() == 0);
  CHECK(created.duplicates() == 0);
  for (std::size_t i = 0; i < kWrites; ++i) {
    INFO("write " << i);
    REQUIRE(created.at(i));
    CHECK(created.at(i)->title == "pooled " + std::to_string(i));
  }
  CHECK(test::query_int(f.url, "SELECT count(*) FROM tasks WHERE title LIKE 'pooled %'") == kWrites);
  const pg::PipelineStats stats = f.database.pipeline_stats();
  // One more light-read connection than asked for (2), 1 write, 3 heavy.
  CHECK(stats.connections == 6);
  CHECK(stats.in_flight == 0);
  CHECK(stats.statements > 0);
  loop.stop();
  f.database.disable_pipeline();
  // The reads raced the creates, so their pages are only checked for shape
  // here; the comparison with the pool's answers follows on the final state.
  for (std::size_t i = 0; i < kReads; ++i) {
    INFO("read " << i);
    const auto& got = answers.at(i);
    if (!got) {
      CHECK(got.error().code == core::ErrorCode::ResourceExhausted);
      continue;
    }
    CHECK(got->items.size() <= static_cast<std::size_t>(f.query(static_cast<int>(i)).limit));
  }
  // With the writes done, every read kind answers as the pool does.
  EventLoop again;
  f.database.enable_pipeline(again.context(), 1, 1);
  Answers settled(40);
  for (std::size_t i = 0; i < 40; ++i) {
    f.tasks.list(test::as_caller(f.ids[i % f.ids.size()], i % 10 == 9 ? 1 : 0), f.query(static_cast<int>(i)),
                 settled.slot(i));
  }
  REQUIRE(settled.wait());
  for (std::size_t i = 0; i < 40; ++i) {
    INFO("settled read " << i);
    if (!settled.at(i) && settled.at(i).error().code == core::ErrorCode::ResourceExhausted) continue;
    require_same(settled.at(i), f.list_pooled(f.ids[i % f.ids.size()], i % 10 == 9 ? 1 : 0, f.query(static_cast<int>(i))));
  }
  again.stop();
  f.database.disable_pipeline();
}

// Session 10: list batching (docs/decisions/0013). A table lock held by
// another session keeps the lane's first two lists in flight, so the lists
// submitted meanwhile wait and then go out as one statement (no timing
// involved); each gets the answer it would have had alone.
TEST_CASE("unfiltered lists that arrive while their sort's statements are in flight go out as one statement, "
          "each answered as if alone",
          "[postgres][pipeline][batch]") {
  Fixture f("pipeline_list_batch");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1, 1);
  {
    Answers warm(1);  // opens and prepares the read connection
    f.tasks.list(test::as_caller(f.ids[0], 0), core::TaskQuery{}, warm.slot(0));
    REQUIRE(warm.wait());
    REQUIRE(warm.at(0));
  }
  struct Call {
    core::UserId owner;
    std::int64_t version;
    std::int64_t limit;
    std::int64_t offset;
  };
  const core::UserId nobody(f.ids[2].value() + 1000);
  const std::vector<Call> calls{
      {f.ids[0], 0, 20, 0},  // these two go out at once and wait for the lock
      {f.ids[1], 0, 3, 1},
      {f.ids[2], 0, 4, 2},   // these wait for them, then go out together
      {f.ids[0], 1, 20, 0},  // a stale token: refused
      {f.ids[2], 0, 2, 0},   // the same user twice in one statement
      {f.ids[1], 0, 5, 100}, // an offset past the end: empty page, total kept
      {nobody, 0, 20, 0},    // no such user: refused
      {f.ids[1], 0, 1, 14},
  };
  const pg::PipelineStats before = f.database.pipeline_stats();
  Answers answers(calls.size());
  {
    std::optional<HeldTransaction> hold;
    hold.emplace(f.url, "LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE");
    for (std::size_t i = 0; i < calls.size(); ++i) {
      core::TaskQuery q;
      q.limit = calls[i].limit;
      q.offset = calls[i].offset;
      f.tasks.list(test::as_caller(calls[i].owner, calls[i].version), q, answers.slot(i));
    }
    const pg::PipelineStats held = f.database.pipeline_stats();
    CHECK(held.in_flight == 2);
    CHECK(held.statements == before.statements + 2);
    CHECK(held.list_batches == before.list_batches);
    CHECK(answers.answered() == 0);
    hold.reset();
  }
  REQUIRE(answers.wait());
  CHECK(answers.duplicates() == 0);
  const pg::PipelineStats after = f.database.pipeline_stats();
  CHECK(after.list_batches == before.list_batches + 1);
  CHECK(after.batched_lists == before.batched_lists + 6);
  CHECK(after.statements == before.statements + 3);
  CHECK(after.in_flight == 0);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    INFO("list " << i);
    core::TaskQuery q;
    q.limit = calls[i].limit;
    q.offset = calls[i].offset;
    require_same(answers.at(i), f.list_pooled(calls[i].owner, calls[i].version, q));
  }
  CHECK_FALSE(answers.at(3));
  CHECK_FALSE(answers.at(6));
  REQUIRE(answers.at(5));
  CHECK(answers.at(5)->items.empty());
  CHECK(answers.at(5)->total == 15);
  REQUIRE(answers.at(4));
  CHECK(answers.at(4)->items.size() == 2);
  loop.stop();
  f.database.disable_pipeline();
}
