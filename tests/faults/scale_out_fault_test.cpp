// Issue 10 §4: two todo-server instances on one database, as behind a load
// balancer. They share nothing but PostgreSQL and JWT_SECRET, so a token of
// one is good on the other, a logout-all on one revokes on the other at once
// (every authenticated request reads the user's token_version; there is no
// cache, so the documented bound is 0), concurrent sign-ups are decided by
// the database's unique index, and migrations run once under the advisory
// lock even when both instances start at the same moment.
#include <catch2/catch.hpp>

#include <array>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <iostream>
#include <thread>

#include "fault_support.hpp"
#include "support/pg/pg_admin.hpp"
#include "support/pg/pg_cluster.hpp"

using namespace todo::test;
using namespace todo::test::faults;

namespace {

// Two instances started from two threads at once on a fresh database.
// The starting threads live as long as the servers: the server processes
// are spawned with PR_SET_PDEATHSIG, which fires when the *thread* that
// forked them ends.
class Pair {
 public:
  Pair() : url_(PgCluster::shared().fresh_database("scale")) {
    // At info the start-up log says whether this instance applied migrations.
    const Environment env = with_variable(fault_environment(url_), "LOG_LEVEL", "info");
    for (std::size_t i = 0; i < 2; ++i) {
      starters_[i] = std::thread([this, env, i] {
        try {
          servers_[i] = std::make_unique<ServerProcess>(env);
        } catch (const std::exception& e) {
          failures_[i] = e.what();
        }
        std::unique_lock lock(mutex_);
        ++started_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return release_; });
      });
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return started_ == 2; });
  }
  ~Pair() {
    for (auto& server : servers_) server.reset();
    {
      std::lock_guard lock(mutex_);
      release_ = true;
    }
    changed_.notify_all();
    for (auto& t : starters_) t.join();
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;

  // Empty when both started.
  std::string failures() const { return failures_[0] + failures_[1]; }
  const std::string& url() const { return url_; }
  std::uint16_t port(std::size_t i) const { return servers_[i]->port(); }
  const ServerProcess& server(std::size_t i) const { return *servers_[i]; }
  std::optional<int> stop(std::size_t i) { return servers_[i]->stop(); }

 private:
  std::string url_;
  std::array<std::unique_ptr<ServerProcess>, 2> servers_;
  std::array<std::string, 2> failures_;
  std::array<std::thread, 2> starters_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0;
  bool release_ = false;
};

#define REQUIRE_STARTED(pair)    \
  do {                           \
    INFO((pair).failures());     \
    REQUIRE((pair).failures().empty()); \
  } while (false)

HttpResponse me(std::uint16_t port, const std::string& token) {
  HttpClient client(port);
  return client.request("GET", "/auth/me", {}, e2e::bearer(token));
}

std::string login_token(std::uint16_t port, const e2e::Account& account) {
  HttpClient client(port);
  const auto response = client.request(
      "POST", "/auth/login",
      e2e::dump(json::object{{"email", account.email}, {"password", account.password}}),
      e2e::json_content());
  E2E_REQUIRE_STATUS(response, 200);
  return std::string(e2e::body_object(response).at("access_token").as_string());
}

}  // namespace

TEST_CASE("two instances starting at once on a fresh database apply each migration once",
          "[faults][scale]") {
  Pair pair;
  REQUIRE_STARTED(pair);
  const auto applied = query_int(pair.url(), "SELECT count(*) FROM schema_migrations");
  CHECK(applied >= 1);
  // Versions are 1..N: one row each, no duplicates.
  CHECK(applied == query_int(pair.url(), "SELECT max(version) FROM schema_migrations"));
  CHECK(applied == query_int(pair.url(), "SELECT count(DISTINCT version) FROM schema_migrations"));
  // Both serve.
  for (std::size_t i = 0; i < 2; ++i) {
    HttpClient client(pair.port(i));
    E2E_CHECK_STATUS(client.request("GET", "/readyz"), 200);
  }
  // Exactly one instance did the work; the other found the schema current.
  // Info lines are written in batches (up to 50 ms late), so the logs are
  // read once both have stopped and flushed everything.
  int applying = 0;
  int current = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(pair.stop(i) == std::optional<int>(0));
    const std::string log = pair.server(i).captured_stderr();
    INFO(log);
    if (log.find("applied migrations") != std::string::npos) ++applying;
    if (log.find("database schema is current") != std::string::npos) ++current;
  }
  CHECK(applying == 1);
  CHECK(current == 1);
}

TEST_CASE("a token from one instance works on the other and logout-all on one revokes on both at once",
          "[faults][scale]") {
  const Pair pair;
  REQUIRE_STARTED(pair);
  for (int round = 0; round < 5; ++round) {
    HttpClient a(pair.port(0));
    const auto account = e2e::signup(a, "twins");
    const std::string from_a = account.token;
    const std::string from_b = login_token(pair.port(1), account);

    const auto on_b = me(pair.port(1), from_a);
    E2E_REQUIRE_STATUS(on_b, 200);
    CHECK(e2e::body_object(on_b).at("id").as_int64() == account.id);
    E2E_REQUIRE_STATUS(me(pair.port(0), from_b), 200);

    // Alternate which instance revokes; check the other one with no pause
    // at all: the bound is 0.
    const std::size_t revoker = static_cast<std::size_t>(round % 2);
    HttpClient revoking(pair.port(revoker));
    E2E_REQUIRE_STATUS(revoking.request("POST", "/auth/logout-all", {}, e2e::bearer(from_a)), 204);
    E2E_CHECK_STATUS(me(pair.port(1 - revoker), from_a), 401);
    E2E_CHECK_STATUS(me(pair.port(1 - revoker), from_b), 401);
    E2E_CHECK_STATUS(me(pair.port(revoker), from_b), 401);
    // A fresh login works again on both.
    const std::string fresh = login_token(pair.port(1 - revoker), account);
    E2E_CHECK_STATUS(me(pair.port(revoker), fresh), 200);
  }
}

TEST_CASE("200 concurrent sign-ups of 20 emails over two instances create exactly 20 users",
          "[faults][scale]") {
  const Pair pair;
  REQUIRE_STARTED(pair);
  constexpr std::size_t kEmails = 20;
  constexpr std::size_t kAttempts = 200;
  constexpr std::size_t kThreads = 8;
  std::vector<std::string> emails;
  for (std::size_t i = 0; i < kEmails; ++i) emails.push_back(e2e::unique_email("storm"));

  std::vector<std::vector<std::pair<int, std::string>>> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::array<std::unique_ptr<HttpClient>, 2> clients{
          std::make_unique<HttpClient>(pair.port(0)), std::make_unique<HttpClient>(pair.port(1))};
      // Attempt j signs up emails[j % 20] on instance (j / 20) % 2: each email
      // is tried 10 times, 5 times on each instance.
      for (std::size_t j = t; j < kAttempts; j += kThreads) {
        auto& client = *clients[(j / kEmails) % 2];
        const std::string body = e2e::dump(
            json::object{{"email", emails[j % kEmails]}, {"password", std::string(e2e::kPassword)}});
        try {
          // 429 here is the hashing lane's share per address (all these
          // clients are 127.0.0.1): the client is told to come back, and
          // does (bounded; the lane frees up as hashes finish).
          auto response = client.request("POST", "/auth/signup", body, e2e::json_content());
          for (int retry = 0; retry < 1000 && response.status == 429; ++retry) {
            response = client.request("POST", "/auth/signup", body, e2e::json_content());
          }
          outcomes[t].emplace_back(response.status, response.body);
        } catch (const std::exception& e) {
          client.close();
          outcomes[t].emplace_back(0, e.what());
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  std::size_t created = 0;
  std::size_t conflicts = 0;
  std::size_t other = 0;
  for (const auto& list : outcomes) {
    for (const auto& [status, body] : list) {
      if (status == 201) {
        ++created;
      } else if (status == 409 && body.find("already registered") != std::string::npos) {
        ++conflicts;
      } else {
        ++other;
        UNSCOPED_INFO(status << " " << body);
      }
    }
  }
  const auto users = query_int(pair.url(), "SELECT count(*) FROM users");
  std::cout << "faults/scale: 200 sign-ups of 20 emails over 2 instances: " << created
            << " created, " << conflicts << " conflicts, " << other << " other; users " << users
            << std::endl;
  CHECK(created == kEmails);
  CHECK(conflicts == kAttempts - kEmails);
  CHECK(other == 0);
  CHECK(users == static_cast<std::int64_t>(kEmails));
  // Every one of them can log in on either instance.
  for (std::size_t i = 0; i < kEmails; ++i) {
    e2e::Account account;
    account.email = emails[i];
    account.password = std::string(e2e::kPassword);
    CHECK_FALSE(login_token(pair.port(i % 2), account).empty());
  }
}
