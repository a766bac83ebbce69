// Issue 10 §2: crash durability. Clients create tasks while something is
// killed with SIGKILL — the todo-server process, or the PostgreSQL
// postmaster of a private cluster. Afterwards every task whose 201 reached a
// client must be stored exactly as sent, and nothing else may be there but
// the few creates whose answer was lost in the crash (at most one in flight
// per client for a server crash; at most the 503s/no-answers for a database
// crash), each of them complete.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "fault_support.hpp"
#include "support/pg/pg_admin.hpp"
#include "support/pg/pg_cluster.hpp"

using namespace todo::test;
using namespace todo::test::faults;

namespace {

constexpr std::size_t kClients = 4;

std::string problems_text(const LedgerCheck& check) {
  std::string text;
  for (const auto& p : check.problems) text += p + "\n";
  return text;
}

// The parent pid from /proc/<pid>/stat (the field after the parenthesised
// command name, which may itself contain spaces or parentheses).
pid_t parent_of(const std::filesystem::path& stat_file) {
  std::ifstream in(stat_file);
  std::string line;
  if (!std::getline(in, line)) return -1;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 1));
  std::string state;
  long parent = -1;
  fields >> state >> parent;
  return static_cast<pid_t>(parent);
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (parent_of(entry.path() / "stat") == parent) children.push_back(std::stoi(name));
  }
  return children;
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// Crash the cluster the hard way: SIGKILL to the postmaster. Its children
// notice and exit on their own; any still there after 5 s get SIGKILL too,
// because a new postmaster refuses to start while they hold the old shared
// memory. Returns the postmaster's pid.
pid_t kill_postmaster(const std::string& data_directory) {
  std::ifstream pid_file(data_directory + "/postmaster.pid");
  long value = 0;
  pid_file >> value;
  const auto postmaster = static_cast<pid_t>(value);
  if (postmaster <= 1) throw std::runtime_error("no pid in " + data_directory + "/postmaster.pid");
  const auto children = children_of(postmaster);
  if (::kill(postmaster, SIGKILL) != 0) throw std::runtime_error("kill(postmaster) failed");
  const auto deadline = Clock::now() + std::chrono::seconds{5};
  const auto any_alive = [&] {
    if (alive(postmaster)) return true;
    for (const pid_t child : children) {
      if (alive(child)) return true;
    }
    return false;
  };
  while (any_alive() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  for (const pid_t child : children) {
    if (alive(child)) ::kill(child, SIGKILL);
  }
  const auto hard_deadline = Clock::now() + std::chrono::seconds{5};
  while (any_alive() && Clock::now() < hard_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return postmaster;
}

std::vector<e2e::Account> sign_up_clients(std::uint16_t port, const char* what) {
  HttpClient setup(port);
  std::vector<e2e::Account> accounts;
  for (std::size_t i = 0; i < kClients; ++i) accounts.push_back(e2e::signup(setup, what));
  return accounts;
}

}  // namespace

TEST_CASE("kill -9 of todo-server while clients create tasks loses no acknowledged task",
          "[faults][crash]") {
  const std::string url = PgCluster::shared().fresh_database("crash");
  const auto load_time = slow_mode() ? std::chrono::seconds{15} : std::chrono::seconds{2};
  auto server = std::make_unique<ServerProcess>(fault_environment(url));
  const std::uint16_t port = server->port();
  const auto accounts = sign_up_clients(port, "crash");

  TaskLedger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::vector<Call>> results(kClients);
  std::vector<std::thread> clients;
  LoadOptions options;
  options.creates_only = true;
  options.stop_on_transport_error = true;
  options.max_calls = 200000;
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      results[i] = run_client([port](std::size_t) { return port; }, accounts[i].token,
                              accounts[i].email, ledger, stop, options);
    });
  }
  std::this_thread::sleep_for(load_time);
  REQUIRE(::kill(server->pid(), SIGKILL) == 0);
  for (auto& t : clients) t.join();
  // Killed by the signal: no exit code.
  CHECK_FALSE(server->stop().has_value());
  server.reset();

  std::size_t created = 0;
  std::size_t other = 0;
  std::size_t no_answer = 0;
  for (const auto& calls : results) {
    for (const auto& call : calls) {
      if (call.status == 201 && call.valid) {
        ++created;
      } else if (call.status == 0) {
        ++no_answer;
      } else {
        ++other;
        UNSCOPED_INFO(describe(call));
      }
    }
  }

  ServerProcess restarted(fault_environment(url));
  HttpClient reader(restarted.port());
  const auto check = check_ledger(reader, accounts, ledger);
  std::cout << "faults/crash (todo-server kill -9): 201s received " << created
            << ", stored rows " << check.rows << ", acknowledged but lost "
            << check.acknowledged_missing << ", committed without a 201 "
            << check.unacknowledged_rows << ", requests without an answer " << no_answer
            << std::endl;
  INFO(problems_text(check));
  CHECK(created > 20);
  CHECK(other == 0);
  // Each client saw its connection die: the kill ended every client.
  CHECK(no_answer == kClients);
  CHECK(check.acknowledged == created);
  CHECK(check.acknowledged_missing == 0);
  CHECK(check.unknown_rows == 0);
  CHECK(check.mismatched_rows == 0);
  CHECK(check.unacknowledged_rows <= no_answer);
}

TEST_CASE("kill -9 of the PostgreSQL postmaster under writes loses no acknowledged task",
          "[faults][crash]") {
  PgCluster cluster;
  if (cluster.external()) {
    WARN("TEST_DATABASE_URL is set: the postmaster test needs its own cluster; skipped");
    return;
  }
  const std::string url = cluster.fresh_database("pgcrash");
  // Test clusters run with synchronous_commit=off (pg-local's PG_LOCAL_FAST),
  // under which a commit is acknowledged before its WAL leaves the server's
  // memory, and a crash of the server loses it: with `off` here this test
  // saw 4 and 13 acknowledged tasks lost in two runs. Production runs with
  // the default (on); so does this database. fsync=off is harmless here: the
  // operating system, and its page cache, survive a process crash.
  execute_sql(url,
              "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = on', "
              "current_database()); END $$");
  const auto load_time = slow_mode() ? std::chrono::seconds{15} : std::chrono::seconds{2};
  ServerProcess server(fault_environment(url));
  const std::uint16_t port = server.port();
  const auto accounts = sign_up_clients(port, "pgcrash");
  REQUIRE(query_int(url, "SELECT (current_setting('synchronous_commit') = 'on')::int") == 1);

  TaskLedger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::vector<Call>> results(kClients);
  std::vector<std::thread> clients;
  LoadOptions options;
  options.creates_only = true;
  options.pause = std::chrono::milliseconds{1};
  options.timeout = std::chrono::milliseconds{10000};
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      results[i] = run_client([port](std::size_t) { return port; }, accounts[i].token,
                              accounts[i].email, ledger, stop, options);
    });
  }
  std::this_thread::sleep_for(load_time);
  const auto killed_at = Clock::now();
  const pid_t postmaster = kill_postmaster(cluster.data_directory());
  std::this_thread::sleep_for(std::chrono::seconds{1});
  const auto restarting = Clock::now();
  cluster.start();  // crash recovery replays the WAL
  const auto up = Clock::now();
  HttpClient probe(port);
  std::size_t probes_failed = 0;
  const auto recovered = [&]() -> std::optional<std::int64_t> {
    while (Clock::now() < up + std::chrono::seconds{10}) {
      const Call call = create_call(probe, accounts[0].token, ledger.next(accounts[0].email));
      if (call.status == 201 && call.valid) {
        ledger.acknowledged(call.id, call.title);
        return milliseconds_between(up, Clock::now());
      }
      ++probes_failed;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return std::nullopt;
  }();
  std::this_thread::sleep_for(std::chrono::seconds{1});
  stop = true;
  for (auto& t : clients) t.join();

  std::size_t created = 0;
  std::size_t unavailable = 0;
  std::size_t other = 0;
  for (const auto& calls : results) {
    for (const auto& call : calls) {
      if (call.status == 201 && call.valid) {
        ++created;
      } else if (call.status == 503 && call.detail == "database unavailable") {
        ++unavailable;
      } else {
        ++other;
        UNSCOPED_INFO(describe(call));
      }
    }
  }
  const auto check = check_ledger(probe, accounts, ledger);
  std::cout << "faults/crash (postmaster " << postmaster << " kill -9): 201s received "
            << created << ", 503s " << unavailable << ", stored rows " << check.rows
            << ", acknowledged but lost " << check.acknowledged_missing
            << ", committed without a 201 " << check.unacknowledged_rows << "; cluster down "
            << milliseconds_between(killed_at, restarting) << " ms, restart (with recovery) "
            << milliseconds_between(restarting, up) << " ms, server writing again "
            << (recovered ? *recovered : -1) << " ms later" << std::endl;
  INFO(problems_text(check));
  CHECK(created > 20);
  CHECK(unavailable > 0);
  CHECK(other == 0);
  REQUIRE(recovered.has_value());
  CHECK(*recovered <= 2000);
  CHECK(check.acknowledged_missing == 0);
  CHECK(check.unknown_rows == 0);
  CHECK(check.mismatched_rows == 0);
  CHECK(check.unacknowledged_rows <= unavailable + probes_failed);
  CHECK(server.running());
}
