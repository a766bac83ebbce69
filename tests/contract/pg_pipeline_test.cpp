// The pipelined task-list reads (PgTaskRepository::enable_pipeline): the
// same answers as the pool's reads under concurrency, lost connections
// re-run through the pool, an outage answered quickly, and a clean stop.

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
using todo::test::PgCluster;
namespace net = boost::asio;

namespace {

core::Timestamp t0() { return core::from_unix_seconds(1'764'000'000); }

pg::PoolOptions options_for(const std::string& url) {
  pg::PoolOptions o;
  o.conninfo = url;
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
class Answers {
 public:
  explicit Answers(std::size_t expected) : results_(expected) {}
  std::function<void(core::Result<core::TaskPage>)> slot(std::size_t i) {
    return [this, i](core::Result<core::TaskPage> page) {
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
  const core::Result<core::TaskPage>& at(std::size_t i) const { return *results_[i]; }
  int duplicates() const { return duplicates_; }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<core::Result<core::TaskPage>>> results_;
  std::size_t done_ = 0;
  int duplicates_ = 0;
};

struct Fixture {
  explicit Fixture(const std::string& name)
      : url(PgCluster::shared().fresh_database(name)),
        pool(options_for(url)),
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
  f.database.enable_pipeline(loop.context(), 1);
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
  CHECK(stats.connections == 1);
  CHECK(stats.open == 1);
  CHECK(stats.in_flight == 0);
  CHECK(stats.statements + stats.bypassed == kCalls);
  CHECK(stats.statements > 0);
  for (std::size_t i = 0; i < kCalls; ++i) {
    const std::int64_t version = i % 10 == 9 ? 1 : 0;
    require_same(answers.at(i), f.list_pooled(f.ids[i % f.ids.size()], version, f.query(static_cast<int>(i))));
  }
  loop.stop();
  f.database.disable_pipeline();
}

TEST_CASE("reads on a pipelined connection the server terminated are re-run through the pool, "
          "and the pipeline reconnects",
          "[postgres][pipeline]") {
  Fixture f("pipeline_terminated");
  EventLoop loop;
  f.database.enable_pipeline(loop.context(), 1);
  // Only the pipelined connection: the pool's, which the lost reads are
  // re-run on, stay up (killing those too races the re-runs' reconnects).
  const std::string kill_pipeline =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE datname = current_database() AND application_name = 'todo-server-pipeline'";
  for (int round = 0; round < 5; ++round) {
    constexpr std::size_t kCalls = 200;
    Answers answers(kCalls);
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(round));
      test::execute_sql(f.url, kill_pipeline);
    });
    for (std::size_t i = 0; i < kCalls; ++i) {
      f.tasks.list(test::as_caller(f.ids[i % f.ids.size()], 0), f.query(static_cast<int>(i)), answers.slot(i));
    }
    killer.join();
    REQUIRE(answers.wait());
    CHECK(answers.duplicates() == 0);
    for (std::size_t i = 0; i < kCalls; ++i) {
      INFO("round " << round << ", call " << i);
      require_same(answers.at(i), f.list_pooled(f.ids[i % f.ids.size()], 0, f.query(static_cast<int>(i))));
    }
  }
  // A later read goes through a fresh pipelined connection again.
  std::this_thread::sleep_for(200ms);
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
  f.database.enable_pipeline(loop.context(), 1);
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
  f.database.enable_pipeline(loop.context(), 2);
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
