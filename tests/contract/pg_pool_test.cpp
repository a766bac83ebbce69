// PostgreSQL-only behaviour: the pool under outages, broken connections and
// contention; concurrent sign-ups; concurrent migrations.

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "pg_admin.hpp"
#include "pg_cluster.hpp"
#include "todo/core/time.hpp"
#include "todo/pg/migrations.hpp"
#include "sync_tasks.hpp"
#include "todo/pg/database.hpp"
#include "todo/pg/pg_task_repository.hpp"
#include "todo/pg/pg_user_repository.hpp"
#include "todo/pg/pool.hpp"

using namespace std::chrono_literals;
using namespace todo;
using todo::test::PgCluster;
using Clock = std::chrono::steady_clock;

namespace {

core::Timestamp t0() { return core::from_unix_seconds(1'764'000'000); }

pg::PoolOptions options_for(const std::string& url, std::size_t size) {
  pg::PoolOptions o;
  o.conninfo = url;
  o.size = size;
  o.acquire_timeout = 500ms;
  o.connect_timeout = 2s;
  o.reconnect_backoff = 100ms;
  return o;
}

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

core::User signup(pg::PgUserRepository& users, const std::string& email) {
  auto created = users.create(core::NewUser{email, std::nullopt, "hash", t0()});
  REQUIRE(created);
  return *created;
}

}  // namespace

TEST_CASE("migrate on an empty database applies every migration once, then nothing", "[postgres][migrations]") {
  const auto url = PgCluster::shared().fresh_database("migrate");
  pg::Pool pool(options_for(url, 2));
  auto first = pg::migrate(pool);
  REQUIRE(first);
  CHECK(*first == pg::known_migrations());
  auto second = pg::migrate(pool);
  REQUIRE(second);
  CHECK(second->empty());
  CHECK(test::query_int(url, "SELECT count(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(pg::known_migrations().size()));
}

TEST_CASE("two instances migrating one database at once apply each migration exactly once",
          "[postgres][migrations]") {
  const auto url = PgCluster::shared().fresh_database("migrate_race");
  pg::Pool a(options_for(url, 1));
  pg::Pool b(options_for(url, 1));
  std::latch go(2);
  core::Result<std::vector<int>> result_a = std::vector<int>{};
  core::Result<std::vector<int>> result_b = std::vector<int>{};
  std::thread ta([&] { go.arrive_and_wait(); result_a = pg::migrate(a); });
  std::thread tb([&] { go.arrive_and_wait(); result_b = pg::migrate(b); });
  ta.join();
  tb.join();
  REQUIRE(result_a);
  REQUIRE(result_b);
  // One of them did the work; the other, having waited on the lock, found nothing to do.
  std::vector<int> all = *result_a;
  all.insert(all.end(), result_b->begin(), result_b->end());
  CHECK(all == pg::known_migrations());
  CHECK(test::query_int(url, "SELECT count(*) FROM schema_migrations") ==
        static_cast<std::int64_t>(pg::known_migrations().size()));
}

TEST_CASE("8 threads x 50 concurrent sign-ups of the same 10 emails make exactly 10 users, "
          "failing only with AlreadyExists",
          "[postgres][users][concurrency]") {
  const auto url = PgCluster::shared().fresh_database("signups");
  pg::Pool pool(options_for(url, 8));
  REQUIRE(pg::migrate(pool));
  pg::PgUserRepository users(pool);
  constexpr int kThreads = 8;
  constexpr int kAttempts = 50;
  std::atomic<int> created{0};
  std::atomic<int> already_exists{0};
  std::mutex mutex;
  std::vector<std::string> other_errors;
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        // Case varies too: uniqueness is on the folded email.
        std::string email = "same" + std::to_string((i + t) % 10) + "@example.com";
        if ((i + t) % 3 == 0) email[0] = 'S';
        auto r = users.create(core::NewUser{email, std::nullopt, "hash", t0()});
        if (r) {
          ++created;
        } else if (r.error().code == core::ErrorCode::AlreadyExists &&
                   r.error().message == "email already registered") {
          ++already_exists;
        } else {
          std::lock_guard lock(mutex);
          other_errors.push_back(std::string(core::to_string(r.error().code)) + ": " + r.error().message);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(other_errors.empty());
  CHECK(created.load() == 10);
  CHECK(already_exists.load() == kThreads * kAttempts - 10);
  CHECK(test::query_int(url, "SELECT count(*) FROM users") == 10);
}

TEST_CASE("a database stopped under a live pool gives Unavailable quickly, and the same pool recovers "
          "when it is back",
          "[postgres][pool][outage]") {
  auto& cluster = PgCluster::shared();
  if (cluster.external()) {
    WARN("TEST_DATABASE_URL is set: cannot stop that server, skipped");
    return;
  }
  const auto url = cluster.fresh_database("outage");
  pg::Pool pool(options_for(url, 4));
  REQUIRE(pg::migrate(pool));
  pg::PgUserRepository users(pool);
  pg::Database database(pool);
  pg::PgTaskRepository repository(database);
  test::SyncTasks tasks(users, repository);
  const auto ada = signup(users, "ada@example.com");
  for (int i = 0; i < 4; ++i) REQUIRE(users.find_by_id(ada.id));
  CHECK(pool.ping());
  CHECK(pool.open_connections() >= 1);

  cluster.stop();
  // Each caller fails as unreachable (not by waiting out the acquire
  // deadline); how fast is the fault tests' and benchmarks' business.
  const auto timeouts = pool.stats().acquire_timeouts;
  for (int i = 0; i < 5; ++i) {
    const auto errors = pool.stats().acquire_errors;
    auto read = users.find_by_id(ada.id);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == core::ErrorCode::Unavailable);
    CHECK(read.error().message == "database unavailable");
    CHECK(pool.stats().acquire_errors > errors);
  }
  test::TaskDraft task;
  task.user_id = ada.id;
  task.title = "during the outage";
  task.now = t0();
  auto write = tasks.create(task);
  REQUIRE_FALSE(write);
  CHECK(write.error().code == core::ErrorCode::Unavailable);
  CHECK(pool.stats().acquire_timeouts == timeouts);
  CHECK_FALSE(pool.ping(200ms));
  CHECK_FALSE(pool.reachable());
  CHECK_FALSE(pool.last_failure().empty());

  cluster.start();
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {  // at most ~10 s
    recovered = users.find_by_id(ada.id).has_value();
    if (!recovered) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(recovered);
  task.title = "after the outage";
  auto after = tasks.create(task);
  REQUIRE(after);
  CHECK(pool.ping());
  CHECK(pool.reachable());
  CHECK(pool.open_connections() <= 4);
}

TEST_CASE("connections the server terminated are replaced without failing reads or writes",
          "[postgres][pool]") {
  const auto url = PgCluster::shared().fresh_database("terminated");
  pg::Pool pool(options_for(url, 2));
  REQUIRE(pg::migrate(pool));
  pg::PgUserRepository users(pool);
  const auto ada = signup(users, "ada@example.com");
  // Client backends only: an autovacuum worker may be in this database too.
  const std::string kill_others =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
  for (int round = 0; round < 5; ++round) {
    REQUIRE(users.find_by_id(ada.id));
    test::execute_sql(url, kill_others);
    // Straight away: the read may reach the dying backend and is retried.
    auto read = users.find_by_id(ada.id);
    REQUIRE(read);
    CHECK(read->email == "ada@example.com");
  }
  // This time each kill waits (up to 10 s) until its backend has exited.
  test::execute_sql(url,
                    "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  // Once the killed backends are gone, their farewell is in our sockets:
  // the pool must catch it before use (a write is never retried).
  const std::string others =
      "SELECT count(*) FROM pg_stat_activity"
      " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
  for (int i = 0; i < 1000 && test::query_int(url, others) > 0; ++i) std::this_thread::yield();
  REQUIRE(test::query_int(url, others) == 0);
  auto write = users.bump_token_version(ada.id);
  REQUIRE(write);
  CHECK(write->token_version == 1);
  CHECK(pool.open_connections() <= 2);
}

TEST_CASE("16 threads share a pool of 2 connections: every call waits its turn and succeeds",
          "[postgres][pool][concurrency]") {
  const auto url = PgCluster::shared().fresh_database("shared");
  auto options = options_for(url, 2);
  options.acquire_timeout = 10s;  // generous: this checks queueing, not deadlines
  pg::Pool pool(options);
  REQUIRE(pg::migrate(pool));
  pg::PgUserRepository users(pool);
  pg::Database database(pool);
  pg::PgTaskRepository repository(database);
  test::SyncTasks tasks(users, repository);
  const auto ada = signup(users, "ada@example.com");
  constexpr int kThreads = 16;
  constexpr int kCalls = 30;
  std::atomic<int> failures{0};
  std::atomic<std::size_t> most_open{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        test::TaskDraft task;
        task.user_id = ada.id;
        task.title = "t" + std::to_string(t) + "-" + std::to_string(i);
        task.now = t0();
        if (!tasks.create(task)) ++failures;
        if (!users.find_by_id(ada.id)) ++failures;
        const std::size_t open = pool.open_connections();
        std::size_t seen = most_open.load();
        while (open > seen && !most_open.compare_exchange_weak(seen, open)) {
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(most_open.load() <= 2);
  core::TaskQuery all;
  all.limit = 1;
  auto page = tasks.list(ada.id, all);
  REQUIRE(page);
  CHECK(page->total == kThreads * kCalls);
}

TEST_CASE("with every connection busy, callers get Unavailable at the acquire deadline", "[postgres][pool]") {
  const auto url = PgCluster::shared().fresh_database("busy");
  pg::Pool pool(options_for(url, 1));
  REQUIRE(pg::migrate(pool));
  pg::PgUserRepository users(pool);
  const auto ada = signup(users, "ada@example.com");
  {
    auto held = pool.acquire();
    REQUIRE(held);
    CHECK(pool.stats().in_use == 1);
    CHECK(pool.stats().idle == 0);
    // A caller blocked for the connection shows as waiting.
    std::thread waiter([&] { (void)users.find_by_id(ada.id); });
    const auto until = Clock::now() + 2s;
    while (pool.stats().waiting == 0 && Clock::now() < until) std::this_thread::sleep_for(5ms);
    CHECK(pool.stats().waiting == 1);
    waiter.join();
    CHECK(pool.stats().waiting == 0);
    const auto timeouts_before = pool.stats().acquire_timeouts;
    CHECK(timeouts_before >= 1);
    const auto start = Clock::now();
    auto r = users.find_by_id(ada.id);
    const auto took = ms_since(start);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == core::ErrorCode::Unavailable);
    CHECK(took >= 450);  // a lower bound: load can only make it later
    CHECK(pool.stats().acquire_timeouts > timeouts_before);
    // Busy is not down: readiness keeps saying yes.
    CHECK(pool.ping(100ms));
  }
  CHECK(users.find_by_id(ada.id));
  const pg::PoolStats after = pool.stats();
  CHECK(after.size == 1);
  CHECK(after.open == 1);
  CHECK(after.idle == 1);
  CHECK(after.in_use == 0);
  CHECK(after.acquire_errors == 0);
}

TEST_CASE("a server that is not there gives Unavailable within the connect timeout", "[postgres][pool]") {
  // Port 1 on loopback: nothing listens there, the connection is refused.
  pg::Pool pool(options_for("postgresql://postgres@127.0.0.1:1/todo?sslmode=disable", 2));
  pg::PgUserRepository users(pool);
  auto r = users.find_by_id(core::UserId(1));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == core::ErrorCode::Unavailable);
  CHECK_FALSE(pool.last_failure().empty());
  CHECK_FALSE(pool.ping(200ms));
  CHECK(pool.open_connections() == 0);
  CHECK(pool.stats().acquire_errors >= 2);
  CHECK(pool.stats().open == 0);
}

TEST_CASE("a server that accepts but never answers gives Unavailable at the URL's connect timeout, not later",
          "[postgres][pool]") {
  // A listening socket nobody accepts from: the kernel completes the TCP
  // handshake, then the startup packet is never answered.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  REQUIRE(::listen(listener, 16) == 0);
  // The URL's connect_timeout (1 s) wins over the option (5 s).
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
                          "/todo?sslmode=disable&connect_timeout=1";
  auto options = options_for(url, 2);
  options.connect_timeout = 5s;
  options.reconnect_backoff = 1s;
  pg::Pool pool(options);
  pg::PgUserRepository users(pool);
  const auto start = Clock::now();
  auto r = users.find_by_id(core::UserId(1));
  const auto took = ms_since(start);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == core::ErrorCode::Unavailable);
  CHECK(took >= 900);  // the URL's 1 s, not sooner (a lower bound: load can only make it later)
  // Right after a failed attempt, callers fail too (at once, in the backoff).
  CHECK_FALSE(users.find_by_id(core::UserId(1)));
  ::close(listener);
}

TEST_CASE("a malformed connection string is refused when the pool is built", "[postgres][pool]") {
  pg::PoolOptions bad;
  bad.conninfo = "host=localhost port";
  CHECK_THROWS_AS(pg::Pool(bad), std::invalid_argument);
  pg::PoolOptions empty_pool;
  empty_pool.conninfo = "host=localhost";
  empty_pool.size = 0;
  CHECK_THROWS_AS(pg::Pool(empty_pool), std::invalid_argument);
}
