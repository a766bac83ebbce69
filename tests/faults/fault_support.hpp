#pragma once
// Shared pieces of the fault suite: client threads that keep a todo-server
// busy while something breaks, a ledger of every task a client sent and
// every 201 it received, and the check that the database holds exactly what
// the clients were told (nothing acknowledged lost, nothing half-written).
//
// Catch2 v2 assertions are not thread-safe, so client threads only record
// `Call`s; the test's main thread asserts on them after joining.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "e2e/e2e_support.hpp"

namespace todo::test::faults {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;

// SLOW=1 in the environment selects the long variants.
bool slow_mode();

// The e2e environment (cheap bcrypt, no sign-up limit) for a database,
// access log off.
Environment fault_environment(const std::string& database_url);

// What a client sent to POST /api/tasks.
struct SentTask {
  std::string owner;  // the owner tag given to TaskLedger::next (the account's email)
  std::string title;
  std::string description;
  std::string priority;
  std::string tags;
};

// One request a client thread made.
struct Call {
  enum class Kind { List, Create, Other };
  Kind kind = Kind::Other;
  int status = 0;        // 0: no response (connection refused, reset or timed out)
  std::string error;     // the transport error, when status == 0
  std::string detail;    // "detail" of an error body, when it is a string
  bool valid = false;    // the body is the complete answer its status promises
  std::int64_t id = 0;   // id of the created task (201)
  std::string title;     // title sent (Create)
  std::string connection_header;
  Clock::time_point start;
  Clock::time_point end;

  std::chrono::milliseconds latency() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(end - start);
  }
};

std::string describe(const Call& call);

// Every task sent and every 201 received, by any thread.
class TaskLedger {
 public:
  SentTask next(const std::string& owner_tag);
  void acknowledged(std::int64_t id, const std::string& title);

  std::map<std::string, SentTask> sent() const;
  std::map<std::int64_t, std::string> acknowledged() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t counter_ = 0;
  std::map<std::string, SentTask> sent_;
  std::map<std::int64_t, std::string> acknowledged_;
};

// A client thread's work: alternating list and create (or creates only) on
// the port `port_for(n)` gives for its n-th request, until `stop` is set,
// `max_calls` are made, or (when `stop_on_transport_error`) the server goes
// away.
struct LoadOptions {
  bool creates_only = false;
  bool stop_on_transport_error = false;
  std::size_t max_calls = 100000;
  std::chrono::milliseconds pause{0};
  std::chrono::milliseconds timeout{5000};
};

std::vector<Call> run_client(const std::function<std::uint16_t(std::size_t)>& port_for,
                             const std::string& token, const std::string& owner_tag,
                             TaskLedger& ledger, const std::atomic<bool>& stop,
                             const LoadOptions& options);

// A single create or list (no Catch assertions: usable from any thread).
Call create_call(HttpClient& client, const std::string& token, const SentTask& task);
Call list_call(HttpClient& client, const std::string& token);

// Every task of the account, paging through GET /api/tasks.
std::vector<json::object> list_all(HttpClient& client, const std::string& token);

struct LedgerCheck {
  std::size_t rows = 0;
  std::size_t acknowledged = 0;
  std::size_t acknowledged_missing = 0;  // must be 0: a 201 was lost
  std::size_t unacknowledged_rows = 0;   // committed, but the 201 never arrived
  std::size_t unknown_rows = 0;          // must be 0: a row no client sent
  std::size_t mismatched_rows = 0;       // must be 0: a row differing from what was sent
  std::vector<std::string> problems;     // the first few, for the failure message
};

// Compares what the accounts' task lists hold (through `client`) with the
// ledger. `accounts` are the owners the ledger's tasks were created for.
LedgerCheck check_ledger(HttpClient& client, const std::vector<e2e::Account>& accounts,
                         const TaskLedger& ledger);

// Polls `GET path` until it answers `status`; the time it took, or nullopt
// when `timeout` passed first.
std::optional<std::chrono::milliseconds> wait_for_status(std::uint16_t port,
                                                         const std::string& path, int status,
                                                         std::chrono::milliseconds timeout);

std::int64_t milliseconds_between(Clock::time_point from, Clock::time_point to);

}  // namespace todo::test::faults
