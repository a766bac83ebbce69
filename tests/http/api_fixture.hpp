#pragma once
// A Handler wired to in-memory ports and fast fakes, plus helpers to build
// requests and read JSON answers, for the http_tests suite.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "support/fake_hasher.hpp"
#include "support/fake_tokens.hpp"
#include "todo/core/auth_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/http/handler.hpp"
#include "todo/memory/in_process_login_throttle.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

namespace todo::test {

inline constexpr std::string_view kPassword = "correct horse";

struct Signed {
  std::string token;
  std::int64_t user_id = 0;
};

class Api {
 public:
  explicit Api(http::HandlerOptions options = {}, memory::ThrottleLimits limits = {});
  // Same, but tasks are served by `tasks` (e.g. a repository that fails).
  Api(core::TaskRepository& tasks, http::HandlerOptions options = {});

  http::Response call(std::string method, std::string target, std::string body = "",
                      std::vector<http::Header> headers = {}, std::string peer = "127.0.0.1") const;
  // A JSON request, with a bearer token when `token` is not empty.
  http::Response json(std::string method, std::string target, std::string body,
                      const std::string& token = "") const;
  // A bodiless request with a bearer token.
  http::Response authed(std::string method, std::string target, const std::string& token) const;

  // Signs `email` up with kPassword (REQUIREs 201) and returns the token.
  Signed signup(const std::string& email, std::optional<std::string> username = std::nullopt) const;
  // Creates a task from a JSON body (REQUIREs 201) and returns its id.
  std::int64_t create_task(const std::string& token, const std::string& body) const;

  // Answers are checked against openapi.json by default; a test that makes
  // an adapter fail in ways the real ones never do (a synthetic 500, a
  // PermissionDenied) turns that off for its fixture.
  void skip_openapi_check() { check_openapi_ = false; }

  const http::Handler& handler() const { return handler_; }
  memory::ManualClock& clock() { return clock_; }
  FakeHasher& hasher() { return hasher_; }

 private:
  memory::ManualClock clock_;
  memory::MemoryUserRepository users_;
  memory::MemoryTaskRepository own_tasks_{users_};
  memory::InProcessLoginThrottle throttle_;
  FakeHasher hasher_;
  FakeTokens tokens_;
  core::AuthService auth_;
  core::TaskService tasks_;
  http::Handler handler_;
  bool check_openapi_ = true;
};

// The response body as JSON (REQUIREs it parses).
boost::json::value body_json(const http::Response& response);
// response.header(name) or "" when absent.
std::string header_or_empty(const http::Response& response, std::string_view name);
// The "detail" string of an error body.
std::string detail(const http::Response& response);
// The first 422 item's loc joined with '/', e.g. "body/title", and its type.
std::string first_loc(const http::Response& response);
std::string first_type(const http::Response& response);

}  // namespace todo::test
