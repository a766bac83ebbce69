#include "fault_support.hpp"

#include <cstdlib>
#include <memory>
#include <thread>
#include <utility>

namespace todo::test::faults {
namespace {

constexpr const char* kPriorities[] = {"high", "medium", "low"};
constexpr int kListPage = 500;

std::optional<json::value> parse(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

std::string string_field(const json::object& object, const char* name) {
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

bool has_timestamp(const json::object& object, const char* name) {
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() && e2e::is_timestamp(value->as_string());
}

// Fills status, headers and, for error answers, the detail; an error answer
// is valid when it is {"detail": "..."} (SPEC: FastAPI's error shape).
void take_response(Call& call, const HttpResponse& response) {
  call.status = response.status;
  call.connection_header = response.header("Connection").value_or("");
  if (response.status >= 400) {
    const auto body = parse(response.body);
    if (body && body->is_object()) {
      call.detail = string_field(body->as_object(), "detail");
      call.valid = !call.detail.empty();
    }
  }
}

// The task fields the server must have stored exactly as sent.
bool matches(const json::object& task, const SentTask& sent, std::string& why) {
  const auto* completed = task.if_contains("completed");
  if (string_field(task, "title") != sent.title) why = "title";
  else if (string_field(task, "description") != sent.description) why = "description";
  else if (string_field(task, "priority") != sent.priority) why = "priority";
  else if (string_field(task, "tags") != sent.tags) why = "tags";
  else if (completed == nullptr || !completed->is_bool() || completed->as_bool()) why = "completed";
  else if (!has_timestamp(task, "created_at")) why = "created_at";
  else if (!has_timestamp(task, "updated_at")) why = "updated_at";
  else return true;
  return false;
}

}  // namespace

bool slow_mode() {
  const char* value = std::getenv("SLOW");
  return value != nullptr && std::string(value) == "1";
}

Environment fault_environment(const std::string& database_url) {
  Environment env = e2e::server_environment(database_url);
  // The access log of thousands of requests is noise here; warnings stay.
  return with_variable(std::move(env), "LOG_LEVEL", "warn");
}

std::string describe(const Call& call) {
  std::string text = call.kind == Call::Kind::Create ? "POST /api/tasks" :
                     call.kind == Call::Kind::List   ? "GET /api/tasks" : "request";
  text += " -> ";
  text += call.status == 0 ? "no response (" + call.error + ")" : std::to_string(call.status);
  if (!call.detail.empty()) text += " detail=" + call.detail;
  text += call.valid ? " valid" : " INVALID";
  text += " in " + std::to_string(call.latency().count()) + " ms";
  return text;
}

SentTask TaskLedger::next(const std::string& owner_tag) {
  std::lock_guard lock(mutex_);
  const std::uint64_t n = ++counter_;
  SentTask task;
  task.owner = owner_tag;
  task.title = "fault task " + std::to_string(n) + " of " + owner_tag;
  task.description = "written by a fault test, number " + std::to_string(n);
  task.priority = kPriorities[n % 3];
  task.tags = "fault,n" + std::to_string(n % 7);
  sent_.emplace(task.title, task);
  return task;
}

void TaskLedger::acknowledged(std::int64_t id, const std::string& title) {
  std::lock_guard lock(mutex_);
  acknowledged_.emplace(id, title);
}

std::map<std::string, SentTask> TaskLedger::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

std::map<std::int64_t, std::string> TaskLedger::acknowledged() const {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

Call create_call(HttpClient& client, const std::string& token, const SentTask& task) {
  Call call;
  call.kind = Call::Kind::Create;
  call.title = task.title;
  call.start = Clock::now();
  const json::object body{{"title", task.title},
                          {"description", task.description},
                          {"priority", task.priority},
                          {"tags", task.tags}};
  try {
    const auto response =
        client.request("POST", "/api/tasks", json::serialize(body), e2e::json_bearer(token));
    take_response(call, response);
    if (response.status == 201) {
      const auto parsed = parse(response.body);
      std::string why;
      if (parsed && parsed->is_object() && matches(parsed->as_object(), task, why)) {
        const auto* id = parsed->as_object().if_contains("id");
        if (id != nullptr && id->is_int64() && id->as_int64() > 0) {
          call.id = id->as_int64();
          call.valid = true;
        }
      }
    }
  } catch (const std::exception& error) {
    call.status = 0;
    call.error = error.what();
    client.close();
  }
  call.end = Clock::now();
  return call;
}

Call list_call(HttpClient& client, const std::string& token) {
  Call call;
  call.kind = Call::Kind::List;
  call.start = Clock::now();
  try {
    const auto response = client.request("GET", "/api/tasks?limit=20", {}, e2e::bearer(token));
    take_response(call, response);
    if (response.status == 200) {
      const auto parsed = parse(response.body);
      bool valid = parsed && parsed->is_array() && response.header("X-Total-Count").has_value();
      if (valid) {
        for (const auto& item : parsed->as_array()) {
          valid = valid && item.is_object() && item.as_object().contains("id") &&
                  has_timestamp(item.as_object(), "created_at");
        }
      }
      call.valid = valid;
    }
  } catch (const std::exception& error) {
    call.status = 0;
    call.error = error.what();
    client.close();
  }
  call.end = Clock::now();
  return call;
}

std::vector<Call> run_client(const std::function<std::uint16_t(std::size_t)>& port_for,
                             const std::string& token, const std::string& owner_tag,
                             TaskLedger& ledger, const std::atomic<bool>& stop,
                             const LoadOptions& options) {
  std::vector<Call> calls;
  std::unique_ptr<HttpClient> client;
  std::uint16_t current = 0;
  for (std::size_t n = 0; n < options.max_calls && !stop.load(); ++n) {
    const std::uint16_t port = port_for(n);
    if (!client || port != current) {
      client = std::make_unique<HttpClient>(port, "127.0.0.1", options.timeout);
      current = port;
    }
    Call call;
    if (options.creates_only || n % 2 == 1) {
      call = create_call(*client, token, ledger.next(owner_tag));
      if (call.status == 201 && call.valid) ledger.acknowledged(call.id, call.title);
    } else {
      call = list_call(*client, token);
    }
    const bool no_response = call.status == 0;
    calls.push_back(std::move(call));
    if (no_response) {
      if (options.stop_on_transport_error) break;
      // A refused connection fails in microseconds: do not spin on it.
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    if (options.pause.count() > 0) std::this_thread::sleep_for(options.pause);
  }
  return calls;
}

std::vector<json::object> list_all(HttpClient& client, const std::string& token) {
  std::vector<json::object> tasks;
  // Bounded: 200 pages of 500 is far more than any test here creates.
  for (int page = 0; page < 200; ++page) {
    const auto response = client.request(
        "GET", "/api/tasks?limit=" + std::to_string(kListPage) + "&offset=" +
                   std::to_string(page * kListPage),
        {}, e2e::bearer(token));
    E2E_REQUIRE_STATUS(response, 200);
    const auto items = e2e::body_array(response);
    for (const auto& item : items) {
      REQUIRE(item.is_object());
      tasks.push_back(item.as_object());
    }
    if (items.size() < static_cast<std::size_t>(kListPage)) return tasks;
  }
  FAIL("more than 200 pages of tasks");
  return tasks;
}

LedgerCheck check_ledger(HttpClient& client, const std::vector<e2e::Account>& accounts,
                         const TaskLedger& ledger) {
  const auto sent = ledger.sent();
  const auto acknowledged = ledger.acknowledged();
  LedgerCheck check;
  check.acknowledged = acknowledged.size();
  const auto problem = [&check](std::string text) {
    if (check.problems.size() < 10) check.problems.push_back(std::move(text));
  };
  std::map<std::int64_t, std::string> stored;  // id -> title
  std::set<std::string> titles;
  for (const auto& account : accounts) {
    for (const auto& task : list_all(client, account.token)) {
      ++check.rows;
      const auto* id = task.if_contains("id");
      const auto* user = task.if_contains("user_id");
      const std::string title = string_field(task, "title");
      if (id == nullptr || !id->is_int64() || user == nullptr || !user->is_int64() ||
          user->as_int64() != account.id) {
        ++check.mismatched_rows;
        problem("bad id or owner: " + e2e::dump(task));
        continue;
      }
      stored.emplace(id->as_int64(), title);
      if (!titles.insert(title).second) {
        ++check.mismatched_rows;
        problem("stored twice: " + e2e::dump(task));
      }
      const auto it = sent.find(title);
      if (it == sent.end()) {
        ++check.unknown_rows;
        problem("no client sent: " + e2e::dump(task));
        continue;
      }
      std::string why;
      if (it->second.owner != account.email || !matches(task, it->second, why)) {
        ++check.mismatched_rows;
        problem("differs from what was sent (" + (why.empty() ? "owner" : why) +
                "): " + e2e::dump(task));
      }
      if (acknowledged.count(id->as_int64()) == 0) ++check.unacknowledged_rows;
    }
  }
  for (const auto& [id, title] : acknowledged) {
    const auto it = stored.find(id);
    if (it == stored.end() || it->second != title) {
      ++check.acknowledged_missing;
      problem("acknowledged with 201 but missing: id " + std::to_string(id) + " " + title);
    }
  }
  return check;
}

std::optional<std::chrono::milliseconds> wait_for_status(std::uint16_t port,
                                                         const std::string& path, int status,
                                                         std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  for (;;) {
    try {
      HttpClient client(port, "127.0.0.1", std::chrono::milliseconds{3000});
      if (client.request("GET", path).status == status) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      }
    } catch (const std::exception&) {
      // Not answering yet counts as not ready.
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{25});
  }
}

std::int64_t milliseconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace todo::test::faults
