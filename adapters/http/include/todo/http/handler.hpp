#pragma once
// The whole HTTP API of SPEC §1, transport-neutral: a request is routed
// once, then answered through a callback (src/: request_context, cors,
// auth_routes, task_routes, static_routes; this class only dispatches).
// Thread-safe: may be called concurrently from any thread.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "todo/core/auth_service.hpp"
#include "todo/core/ports/task_feed.hpp"
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
  // Live sync (GET /api/tasks/events, SPEC §6); 404 when unset. Must
  // outlive the Handler.
  core::TaskFeed* feed = nullptr;
};

struct Exchange;  // one request being answered (src/routes.hpp)

class Handler {
 public:
  Handler(core::AuthService& auth, core::TaskService& tasks, HandlerOptions options);

  // A request routed once: the server asks its lane, then hands it back to
  // handle(). Move-only.
  class Routed {
   public:
    Lane lane() const noexcept { return lane_; }
    // For the Crypto lane: who the request is for, so one caller gets no
    // more than its share of the lane. The client address (through trusted
    // proxies) always; the account when a valid token names one.
    const std::string& share_address() const noexcept { return share_address_; }
    const std::optional<std::string>& share_account() const noexcept { return share_account_; }

   private:
    friend class Handler;
    enum class Kind { Failed, Preflight, NotFound, MethodNotAllowed, Found };
    std::shared_ptr<Exchange> exchange_;
    Kind kind_ = Kind::Failed;
    Lane lane_ = Lane::Inline;
    std::string allow_;  // for MethodNotAllowed
    std::string failure_;  // for Failed: why routing threw
    std::string share_address_;
    std::optional<std::string> share_account_;
  };

  // Never throws: a request that cannot be routed is answered 500 by handle().
  Routed route(Request request) const;
  // Answers a routed request: calls `done` exactly once with the response,
  // either before returning or afterwards on another thread (a task route
  // finishes from its repository's completion). Never throws. Sets
  // Response::route and Response::log_user_id for the access log and
  // metrics, and the headers every response carries.
  void handle(const Routed& routed, std::function<void(Response)> done) const;

  // route() and handle() for callers without an event loop (tests, the
  // fuzzer): waits for the answer. Not for a thread the repository's
  // completions need.
  Lane lane_for(const Request& request) const;
  Response handle(const Request& request) const;

 private:
  core::AuthService& auth_;
  core::TaskService& tasks_;
  HandlerOptions options_;
};

}  // namespace todo::http
