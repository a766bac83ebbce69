// The ceiling of our own code, with no network and no database: parsing and
// routing one request, serialising a 100-task page, and the whole Handler
// (real HS256 tokens) on the in-memory adapters.

#include <benchmark/benchmark.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include <string>
#include <vector>

#include "json_io.hpp"
#include "todo/core/auth_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/crypto/bcrypt_hasher.hpp"
#include "todo/crypto/jwt_hs256.hpp"
#include "todo/http/handler.hpp"
#include "todo/http/router.hpp"
#include "todo/memory/in_process_login_throttle.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

namespace {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

// What wrk's list.lua sends (a real token is about this long).
const std::string kListRequest =
    "GET /api/tasks?limit=20 HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "Authorization: Bearer "
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NSIsImVtYWlsIjoidXNlcjEyMzQ1QGJlbmNoLmV4YW1wbGUiLCJpYXQiOjE3NjQwMDAwMDAsImV4cCI6MTc2NDYwNDgwMCwidHYiOjB9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXI\r\n"
    "\r\n";

// Beast's parser (as the server configures it) + the copy into an
// http::Request + the route lookup: the per-request work before the Handler
// runs its endpoint.
void BM_ParseAndRoute(benchmark::State& state) {
  for (auto _ : state) {
    beast::flat_buffer buffer;
    buffer.commit(boost::asio::buffer_copy(buffer.prepare(kListRequest.size()),
                                           boost::asio::buffer(kListRequest)));
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    beast::error_code ec;
    const std::size_t used = parser.put(buffer.data(), ec);
    if (ec || !parser.is_done() || used != kListRequest.size()) {
      state.SkipWithError("request did not parse");
      break;
    }
    auto message = parser.release();
    todo::http::Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.peer_address = "127.0.0.1";
    const std::string_view target = request.target;
    auto match = todo::http::match_route(request.method, target.substr(0, target.find('?')));
    if (match.kind != todo::http::RouteMatch::Kind::Found) state.SkipWithError("no route");
    benchmark::DoNotOptimize(match);
  }
}
BENCHMARK(BM_ParseAndRoute);

todo::core::Task sample_task(std::int64_t id) {
  todo::core::Task task;
  task.id = todo::core::TaskId(id);
  task.user_id = todo::core::UserId(42);
  task.title = "task " + std::to_string(id) + " write the quarterly report";
  if (id % 3 == 0) task.description = "notes for task " + std::to_string(id);
  task.completed = id % 4 == 0;
  task.priority = static_cast<todo::core::Priority>(id % 3);
  if (id % 2 == 0) task.tags = {"work", "home"};
  if (id % 5 != 0) task.due_date = todo::core::from_unix_seconds(1'800'000'000 + id * 3600);
  task.created_at = todo::core::from_unix_seconds(1'764'000'000 + id);
  task.updated_at = task.created_at;
  return task;
}

// Exactly what the list endpoint does with a page.
void BM_TaskPageJson100(benchmark::State& state) {
  std::vector<todo::core::Task> page;
  for (std::int64_t id = 1; id <= 100; ++id) page.push_back(sample_task(id));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = todo::http::tasks_json(page);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_TaskPageJson100);

// A Handler on the memory adapters with the production token code (HS256)
// and bcrypt at its minimum cost (only signup uses it here).
class Service {
 public:
  Service()
      : throttle_(clock_, todo::memory::ThrottleLimits{}),
        hasher_(4),
        jwt_(clock_, "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"),
        auth_(users_, hasher_, jwt_, jwt_, clock_, throttle_),
        tasks_(task_repo_, clock_),
        handler_(auth_, tasks_, todo::http::HandlerOptions{}) {}

  todo::http::Response call(const std::string& method, const std::string& target,
                            const std::string& body, const std::string& token) const {
    todo::http::Request request;
    request.method = method;
    request.target = target;
    request.headers.push_back({"Host", "127.0.0.1:8080"});
    if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    request.body = body;
    request.peer_address = "127.0.0.1";
    return handler_.handle(request);
  }

  // Signs one user up and gives them `tasks` tasks; returns the token.
  std::string seed_user(int tasks) {
    const auto signed_up =
        call("POST", "/auth/signup", R"({"email":"bench@example.com","password":"bench password"})", "");
    const std::string token =
        json::value_to<std::string>(json::parse(signed_up.body).at("access_token"));
    for (int i = 0; i < tasks; ++i) {
      call("POST", "/api/tasks",
           R"({"title":"task )" + std::to_string(i) +
               R"( write report","description":"notes","priority":"high","tags":"work,home","due_date":"2030-01-01T10:00"})",
           token);
    }
    return token;
  }

 private:
  todo::memory::ManualClock clock_;
  todo::memory::MemoryUserRepository users_;
  todo::memory::MemoryTaskRepository task_repo_{users_};
  todo::memory::InProcessLoginThrottle throttle_;
  todo::crypto::BcryptHasher hasher_;
  todo::crypto::JwtHs256 jwt_;
  todo::core::AuthService auth_;
  todo::core::TaskService tasks_;
  todo::http::Handler handler_;
};

void handler_list(benchmark::State& state, const std::string& target) {
  Service service;
  const std::string token = service.seed_user(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto response = service.call("GET", target, "", token);
    if (response.status != 200) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(response);
  }
}

void BM_HandlerList20(benchmark::State& state) { handler_list(state, "/api/tasks?limit=20"); }
BENCHMARK(BM_HandlerList20)->Arg(20)->Arg(2000);

void BM_HandlerList100(benchmark::State& state) { handler_list(state, "/api/tasks?limit=100"); }
BENCHMARK(BM_HandlerList100)->Arg(100);

void BM_HandlerSearchByDue(benchmark::State& state) {
  handler_list(state, "/api/tasks?search=report&sort_by=due_date&limit=20");
}
BENCHMARK(BM_HandlerSearchByDue)->Arg(20);

void BM_HandlerCreate(benchmark::State& state) {
  Service service;
  const std::string token = service.seed_user(0);
  const std::string body = R"({"title":"bench task","priority":"low","tags":"bench,load"})";
  for (auto _ : state) {
    auto response = service.call("POST", "/api/tasks", body, token);
    if (response.status != 201) state.SkipWithError("create failed");
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_HandlerCreate)->Iterations(100000);  // the repository keeps every task

}  // namespace
