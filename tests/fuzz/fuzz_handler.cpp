// libFuzzer target: raw bytes -> todo::http::Request -> Handler::handle on
// in-memory ports with the fast fake hasher/tokens. Input layout:
//   METHOD SP TARGET LF
//   Name: value LF   (any number; "@TOKEN@" in a value becomes a valid token)
//   LF
//   body (the rest)
// Each input gets a fresh world (one user, one task), so runs are
// independent. Invariants: never a crash, status in 100..599 and never 500
// (memory ports do not fail, so a 500 is a handler bug), every 4xx/5xx JSON
// body is an object with a "detail".

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/json/parse.hpp>

#include "support/fake_hasher.hpp"
#include "support/fake_tokens.hpp"
#include "todo/core/auth_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/core/blocking_task_service.hpp"
#include "todo/http/handler.hpp"
#include "todo/memory/in_process_login_throttle.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

namespace {

constexpr std::string_view kTokenMarker = "@TOKEN@";

struct World {
  todo::memory::ManualClock clock;
  todo::memory::MemoryUserRepository users;
  todo::memory::MemoryTaskRepository task_repository{users};
  todo::memory::InProcessLoginThrottle throttle{clock, todo::memory::ThrottleLimits{}};
  todo::test::FakeHasher hasher;
  todo::test::FakeTokens tokens{clock};
  todo::core::AuthService auth{users, hasher, tokens, tokens, clock, throttle};
  todo::core::TaskService tasks{task_repository, clock};
  todo::http::Handler handler{auth, tasks, options()};
  std::string token;

  World() {
    todo::core::SignupCommand signup;
    signup.email = "ada@example.com";
    signup.password = "correct horse";
    signup.username = "ada";
    signup.client_address = "127.0.0.1";
    auto session = auth.signup(signup);
    if (!session) std::abort();
    token = session.value().access_token;
    todo::core::NewTask first;
    first.title = "first task";
    const todo::core::Caller ada = todo::core::caller_of(session.value().user);
    if (!todo::core::BlockingTaskService(tasks).create(ada, first)) std::abort();
  }

  static todo::http::HandlerOptions options() {
    todo::http::HandlerOptions o;
    o.trusted_proxies = {"127.0.0.1"};  // so X-Forwarded-For parsing is reached
    return o;
  }
};

std::string_view next_line(std::string_view& rest) {
  const std::size_t lf = rest.find('\n');
  const std::string_view line = rest.substr(0, lf);
  rest = lf == std::string_view::npos ? std::string_view() : rest.substr(lf + 1);
  return line;
}

std::string with_token(std::string_view value, const std::string& token) {
  std::string out(value);
  for (std::size_t at = out.find(kTokenMarker); at != std::string::npos;
       at = out.find(kTokenMarker, at + token.size())) {
    out.replace(at, kTokenMarker.size(), token);
  }
  return out;
}

todo::http::Request to_request(std::string_view input, const std::string& token) {
  todo::http::Request request;
  request.peer_address = "127.0.0.1";
  std::string_view rest = input;
  const std::string_view first = next_line(rest);
  const std::size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  request.target = space == std::string_view::npos ? std::string("/") : std::string(first.substr(space + 1));
  while (!rest.empty()) {
    const std::string_view line = next_line(rest);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.push_back({std::string(line.substr(0, colon)), with_token(value, token)});
  }
  request.body = std::string(rest);
  return request;
}

// Prints the offending answer (libFuzzer keeps the input) and stops.
[[noreturn]] void fail(const char* why, const todo::http::Request& request, const todo::http::Response& response) {
  std::fprintf(stderr, "fuzz_handler: %s\n%s %s -> %d\n%s\n", why, request.method.c_str(), request.target.c_str(),
               response.status, response.body.c_str());
  std::abort();
}

bool is_json(const todo::http::Response& response) {
  const auto type = response.header("Content-Type");
  return type && type->substr(0, 16) == "application/json";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World world;
  const todo::http::Request request =
      to_request(std::string_view(reinterpret_cast<const char*>(data), size), world.token);
  const todo::http::Response response = world.handler.handle(request);

  if (response.status < 100 || response.status > 599) fail("status out of range", request, response);
  if (response.status == 500) fail("internal error", request, response);
  if (response.status >= 400 && is_json(response) && !response.body.empty()) {
    std::error_code ec;
    const boost::json::value body = boost::json::parse(response.body, ec);
    if (ec || !body.is_object() || !body.as_object().contains("detail")) {
      fail("error body without detail", request, response);
    }
  }
  return 0;
}
