#pragma once
// The route table of SPEC §1 and path matching. Kept separate from the
// Handler so the OpenAPI test can check every routed path is documented.

#include <span>
#include <string>
#include <string_view>

namespace todo::http {

enum class Endpoint {
  WebClient,    // "/" and "/static/{file}": the embedded web client (todo::web)
  Healthz,
  Readyz,
  Metrics,
  OpenApi,
  Docs,         // GET /docs: Swagger UI (todo::web's docs.html)
  Signup,
  Login,
  Me,
  LogoutAll,
  ChangePassword,
  DeleteAccount,  // DELETE /auth/me
  ListTasks,
  CreateTask,
  GetTask,
  UpdateTask,  // PUT and PATCH
  CompleteTask,
  DeleteTask,
  TaskEvents,  // GET /api/tasks/events: the live stream (SPEC §6)
};

struct Route {
  std::string_view method;
  std::string_view path;  // template; a "{name}" segment matches any one non-empty segment
  Endpoint endpoint;
};

std::span<const Route> routes() noexcept;

struct RouteMatch {
  enum class Kind { Found, NotFound, MethodNotAllowed };
  Kind kind = Kind::NotFound;
  const Route* route = nullptr;  // set when Found
  std::string path_param;        // the segment matched by "{name}", when the template has one
  std::string allow;             // "GET, HEAD, POST" when MethodNotAllowed
};

// `path` is already percent-decoded and has no query; one trailing '/' is
// ignored, as FastAPI clients expect. HEAD matches every GET route.
RouteMatch match_route(std::string_view method, std::string_view path);

// The hand-written OpenAPI 3.1 document served at /openapi.json.
std::string_view openapi_document() noexcept;

}  // namespace todo::http
