#include "todo/http/router.hpp"

#include <array>
#include <utility>
#include <vector>

namespace todo::http {
namespace {

constexpr std::array kRoutes{
    Route{"GET", "/", Endpoint::WebClient},
    Route{"GET", "/static/{file}", Endpoint::WebClient},
    Route{"GET", "/healthz", Endpoint::Healthz},
    Route{"GET", "/readyz", Endpoint::Readyz},
    Route{"GET", "/openapi.json", Endpoint::OpenApi},
    Route{"POST", "/auth/signup", Endpoint::Signup},
    Route{"POST", "/api/auth/signup", Endpoint::Signup},
    Route{"POST", "/auth/login", Endpoint::Login},
    Route{"POST", "/api/auth/signin", Endpoint::Login},
    Route{"POST", "/api/auth/login", Endpoint::Login},
    Route{"GET", "/auth/me", Endpoint::Me},
    Route{"POST", "/auth/logout-all", Endpoint::LogoutAll},
    Route{"POST", "/auth/password", Endpoint::ChangePassword},
    Route{"GET", "/api/tasks", Endpoint::ListTasks},
    Route{"POST", "/api/tasks", Endpoint::CreateTask},
    Route{"GET", "/api/tasks/{task_id}", Endpoint::GetTask},
    Route{"PUT", "/api/tasks/{task_id}", Endpoint::UpdateTask},
    Route{"PATCH", "/api/tasks/{task_id}", Endpoint::UpdateTask},
    Route{"DELETE", "/api/tasks/{task_id}", Endpoint::DeleteTask},
    Route{"PATCH", "/api/tasks/{task_id}/complete", Endpoint::CompleteTask},
};

// "/" -> {""}; "/a/b" -> {"a", "b"}.
std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool is_param(std::string_view segment) noexcept {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches `path` against `pattern`; fills `param` from the template slot.
bool path_matches(std::string_view pattern, const std::vector<std::string_view>& segments, std::string& param) {
  const std::vector<std::string_view> expected = split_segments(pattern);
  if (expected.size() != segments.size()) return false;
  std::string captured;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (is_param(expected[i])) {
      if (segments[i].empty()) return false;
      captured = std::string(segments[i]);
    } else if (expected[i] != segments[i]) {
      return false;
    }
  }
  param = std::move(captured);
  return true;
}

}  // namespace

std::span<const Route> routes() noexcept { return kRoutes; }

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch match;
  if (path.empty() || path.front() != '/') return match;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::vector<std::string_view> segments = split_segments(path);

  for (const Route& route : kRoutes) {
    std::string param;
    if (!path_matches(route.path, segments, param)) continue;
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
