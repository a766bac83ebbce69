#include "todo/http/router.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace todo::http {
namespace {

constexpr std::array kRoutes{
    Route{"GET", "/", Endpoint::WebClient},
    Route{"GET", "/static/{file}", Endpoint::WebClient},
    Route{"GET", "/healthz", Endpoint::Healthz},
    Route{"GET", "/readyz", Endpoint::Readyz},
    Route{"GET", "/metrics", Endpoint::Metrics},
    Route{"GET", "/openapi.json", Endpoint::OpenApi},
    Route{"GET", "/docs", Endpoint::Docs},
    Route{"POST", "/auth/signup", Endpoint::Signup},
    Route{"POST", "/api/auth/signup", Endpoint::Signup},
    Route{"POST", "/auth/login", Endpoint::Login},
    Route{"POST", "/api/auth/signin", Endpoint::Login},
    Route{"POST", "/api/auth/login", Endpoint::Login},
    Route{"GET", "/auth/me", Endpoint::Me},
    Route{"DELETE", "/auth/me", Endpoint::DeleteAccount},
    Route{"POST", "/auth/logout-all", Endpoint::LogoutAll},
    Route{"POST", "/auth/password", Endpoint::ChangePassword},
    Route{"GET", "/api/tasks", Endpoint::ListTasks},
    Route{"POST", "/api/tasks", Endpoint::CreateTask},
    // Before the {task_id} routes, which would read "events" as an id.
    Route{"GET", "/api/tasks/events", Endpoint::TaskEvents},
    Route{"GET", "/api/tasks/{task_id}", Endpoint::GetTask},
    Route{"PUT", "/api/tasks/{task_id}", Endpoint::UpdateTask},
    Route{"PATCH", "/api/tasks/{task_id}", Endpoint::UpdateTask},
    Route{"DELETE", "/api/tasks/{task_id}", Endpoint::DeleteTask},
    Route{"PATCH", "/api/tasks/{task_id}/complete", Endpoint::CompleteTask},
};

bool is_param(std::string_view segment) noexcept {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches `path` against `pattern` segment by segment, without allocating
// (this runs for every route on every request); fills `param` from the
// template slot. Both start with '/'.
bool path_matches(std::string_view pattern, std::string_view path, std::string& param) {
  std::string_view captured;
  std::size_t p = 1;
  std::size_t s = 1;
  while (true) {
    const std::size_t p_end = std::min(pattern.find('/', p), pattern.size());
    const std::size_t s_end = std::min(path.find('/', s), path.size());
    const std::string_view expected = pattern.substr(p, p_end - p);
    const std::string_view actual = path.substr(s, s_end - s);
    if (is_param(expected)) {
      if (actual.empty()) return false;
      captured = actual;
    } else if (expected != actual) {
      return false;
    }
    const bool pattern_done = p_end == pattern.size();
    const bool path_done = s_end == path.size();
    if (pattern_done || path_done) {
      if (!(pattern_done && path_done)) return false;
      param = std::string(captured);
      return true;
    }
    p = p_end + 1;
    s = s_end + 1;
  }
}

}  // namespace

std::span<const Route> routes() noexcept { return kRoutes; }

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch match;
  if (path.empty() || path.front() != '/') return match;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const Route& route : kRoutes) {
    std::string param;
    if (!path_matches(route.path, path, param)) continue;
    // HEAD is GET without the body (the server drops it), as RFC 9110 asks.
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      match.kind = RouteMatch::Kind::Found;
      match.route = &route;
      match.path_param = std::move(param);
      match.allow.clear();
      return match;
    }
    match.kind = RouteMatch::Kind::MethodNotAllowed;
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += route.method;
    if (route.method == "GET") match.allow += ", HEAD";
  }
  return match;
}

}  // namespace todo::http
