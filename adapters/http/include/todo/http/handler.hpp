#pragma once
// The whole HTTP API of SPEC §1 as a plain function Request -> Response.
// Thread-safe: may be called concurrently from worker threads.

#include <functional>
#include <string>
#include <vector>

#include "todo/core/auth_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/http/message.hpp"

namespace todo::http {

// Where the server should run a request: cheap work inline on the I/O
// thread, database work on the worker pool, password hashing on the crypto
// pool (so a login storm cannot starve task reads).
enum class Lane { Inline, Database, Crypto };

struct HandlerOptions {
  std::vector<std::string> cors_origins{"http://localhost:3000"};
  // Client address = socket peer, or the right-most X-Forwarded-For entry
  // not in this list when the peer itself is listed here.
  std::vector<std::string> trusted_proxies;
  // Answers /readyz: true when the database is reachable.
  std::function<bool()> ready = [] { return true; };
  // Answers /metrics with the Prometheus text (Metrics::render); /metrics
  // is 404 when unset.
  std::function<std::string()> metrics;
};

class Handler {
 public:
  Handler(core::AuthService& auth, core::TaskService& tasks, HandlerOptions options);

  Lane lane_for(const Request& request) const;
  // Never throws: an unexpected exception becomes a 500 with a generic
  // detail and the cause in Response::log_error. Sets Response::route and
  // Response::log_user_id for the access log and metrics.
  Response handle(const Request& request) const;
  // handle() that may finish later: calls `done` exactly once with the
  // response, either before returning or afterwards on another thread (the
  // task list, whose database read the repository may pipeline without
  // blocking this thread: docs/decisions/0007). Never throws.
  void handle_async(Request request, std::function<void(Response)> done) const;

 private:
  core::AuthService& auth_;
  core::TaskService& tasks_;
  HandlerOptions options_;
};

}  // namespace todo::http
