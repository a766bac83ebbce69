#pragma once
// The route modules' shared view of one request (private to the adapter):
// the handler routes a request once, then hands its Exchange to the module
// of its endpoint. auth_routes, task_routes and static_routes each answer
// their own endpoints; the handler adds the headers every answer carries.

#include <functional>
#include <memory>
#include <string_view>

#include "request_context.hpp"
#include "todo/core/auth_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/http/handler.hpp"
#include "todo/http/router.hpp"

namespace todo::http {

// Everything one request needs while it is answered. Held by shared_ptr and
// never moved: `target.query` points into `request.target`.
struct Exchange {
  core::AuthService& auth;
  core::TaskService& tasks;
  const HandlerOptions& options;
  Request request;
  Target target;
  RouteMatch match;
  // Who the request turned out to be from, for the access log: set when a
  // token was accepted or a login/sign-up succeeded.
  core::UserId user_id;
};

using Reply = std::function<void(Response)>;

// FastAPI's detail for every rejected bearer token.
inline constexpr std::string_view kInvalidCredentials = "Could not validate credentials";

// Bearer token -> current user, read from the database (FastAPI's
// get_current_user): the two 401 details FastAPI gives, or the user.
core::Result<core::User> current_user(Exchange& x);

// auth_routes.cpp: signup, login and password (synchronous, on the crypto
// lane), and me and logout-all (asynchronous, like the task routes).
Response answer_auth_route(Exchange& x);
void answer_session_route(const std::shared_ptr<Exchange>& x, Reply reply);
// task_routes.cpp: the task API; replies exactly once, maybe later on
// another thread (the repository's completion).
void answer_task_route(const std::shared_ptr<Exchange>& x, Reply reply);
// event_routes.cpp: GET /api/tasks/events (Server-Sent Events); replies
// once, maybe later (after the user is read), with a streamed answer.
void answer_events_route(const std::shared_ptr<Exchange>& x, Reply reply);
// static_routes.cpp: web client, health, readiness, metrics, OpenAPI.
Response answer_static_route(Exchange& x);

}  // namespace todo::http
