#include "todo/http/handler.hpp"

#include <atomic>
#include <future>
#include <string>
#include <utility>

#include "cors.hpp"
#include "error_mapping.hpp"
#include "routes.hpp"
#include "todo/http/metrics.hpp"

namespace todo::http {
namespace {

enum class Module { Static, Auth, Sessions, Tasks, Events };

Module module_of(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::Signup:
    case Endpoint::Login:
    case Endpoint::ChangePassword:
    case Endpoint::DeleteAccount: return Module::Auth;
    case Endpoint::Me:
    case Endpoint::LogoutAll: return Module::Sessions;
    case Endpoint::ListTasks:
    case Endpoint::CreateTask:
    case Endpoint::GetTask:
    case Endpoint::UpdateTask:
    case Endpoint::CompleteTask:
    case Endpoint::DeleteTask: return Module::Tasks;
    case Endpoint::TaskEvents: return Module::Events;
    default: return Module::Static;
  }
}

// Cheap work inline on the I/O thread (task routes, me and logout-all too:
// their storage is asynchronous); password hashing on the crypto pool.
Lane lane_of(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::Signup:
    case Endpoint::Login:
    case Endpoint::ChangePassword:
    case Endpoint::DeleteAccount: return Lane::Crypto;
    case Endpoint::Readyz: return Lane::Database;
    default: return Lane::Inline;
  }
}

// Answers an exception that escaped a route, with its cause for the log;
// must not throw itself.
Response internal_error(const char* what) noexcept {
  Response response;
  try {
    response = detail_response(500, "Internal Server Error");
    response.log_error = std::string("unhandled exception: ") + what;
  } catch (...) {
    response.status = 500;
  }
  return response;
}

// What every answer gets last: the log fields and the common headers; then
// `done`, once, whoever answers first (a route, or the guard after a throw).
class Answer {
 public:
  Answer(std::shared_ptr<Exchange> exchange, std::string_view route, std::function<void(Response)> done)
      : state_(std::make_shared<State>()) {
    state_->exchange = std::move(exchange);
    state_->route = route;
    state_->done = std::move(done);
  }

  void operator()(Response response) const noexcept {
    if (state_->answered.exchange(true)) return;
    State& s = *state_;
    response.route = s.route;
    try {
      if (s.exchange) {
        response.log_user_id = s.exchange->user_id.value();
        decorate(s.exchange->request, s.exchange->target.path, s.exchange->options, response);
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): only allocation fails here; the answer stands
    }
    try {
      s.done(std::move(response));
    } catch (...) {  // NOLINT(bugprone-empty-catch): the server's callback must not throw; nothing to tell
    }
  }
  bool answered() const noexcept { return state_->answered.load(); }

 private:
  struct State {
    std::shared_ptr<Exchange> exchange;
    std::string_view route;
    std::function<void(Response)> done;
    std::atomic<bool> answered{false};
  };
  std::shared_ptr<State> state_;
};

}  // namespace

Handler::Handler(core::AuthService& auth, core::TaskService& tasks, HandlerOptions options)
    : auth_(auth), tasks_(tasks), options_(std::move(options)) {}

Handler::Routed Handler::route(Request request) const {
  Routed routed;
  try {
    auto x = std::make_shared<Exchange>(Exchange{auth_, tasks_, options_, std::move(request), {}, {}, {}});
    x->target = split_target(x->request.target);
    routed.exchange_ = x;
    if (is_preflight(x->request)) {
      routed.kind_ = Routed::Kind::Preflight;
      return routed;
    }
    x->match = match_route(x->request.method, x->target.path);
    switch (x->match.kind) {
      case RouteMatch::Kind::NotFound: routed.kind_ = Routed::Kind::NotFound; break;
      case RouteMatch::Kind::MethodNotAllowed:
        routed.kind_ = Routed::Kind::MethodNotAllowed;
        routed.allow_ = x->match.allow;
        break;
      case RouteMatch::Kind::Found:
        routed.kind_ = Routed::Kind::Found;
        routed.lane_ = lane_of(x->match.route->endpoint);
        if (routed.lane_ == Lane::Crypto) {
          routed.share_address_ = client_address(x->request, options_.trusted_proxies);
          // A signature check only (no database): enough to name the
          // account; the route checks the session itself.
          if (const auto token = bearer_token(x->request)) {
            if (const auto caller = auth_.verify(*token)) {
              routed.share_account_ = std::to_string(caller->user_id().value());
            }
          }
        }
        break;
    }
  } catch (const std::exception& e) {
    routed.kind_ = Routed::Kind::Failed;
    routed.failure_ = e.what();
  } catch (...) {
    routed.kind_ = Routed::Kind::Failed;
    routed.failure_ = "non-standard exception";
  }
  return routed;
}

void Handler::handle(const Routed& routed, std::function<void(Response)> done) const {
  std::string_view label;
  switch (routed.kind_) {
    case Routed::Kind::Failed: break;
    case Routed::Kind::Preflight: label = kRoutePreflight; break;
    case Routed::Kind::NotFound:
    case Routed::Kind::MethodNotAllowed: label = kRouteUnmatched; break;
    case Routed::Kind::Found: label = routed.exchange_->match.route->path; break;
  }
  const Answer answer(routed.exchange_, label, std::move(done));
  try {
    switch (routed.kind_) {
      case Routed::Kind::Failed: return answer(internal_error(routed.failure_.c_str()));
      case Routed::Kind::Preflight: return answer(preflight(routed.exchange_->request, options_));
      case Routed::Kind::NotFound: return answer(detail_response(404, "Not Found"));
      case Routed::Kind::MethodNotAllowed: {
        Response response = detail_response(405, "Method Not Allowed");
        response.set_header("Allow", routed.allow_);
        return answer(std::move(response));
      }
      case Routed::Kind::Found: break;
    }
    Exchange& x = *routed.exchange_;
    switch (module_of(x.match.route->endpoint)) {
      case Module::Static: return answer(answer_static_route(x));
      case Module::Auth: return answer(answer_auth_route(x));
      case Module::Sessions: return answer_session_route(routed.exchange_, answer);
      case Module::Tasks: return answer_task_route(routed.exchange_, answer);
      case Module::Events: return answer_events_route(routed.exchange_, answer);
    }
  } catch (const std::exception& e) {
    answer(internal_error(e.what()));
    return;
  } catch (...) {
    answer(internal_error("non-standard exception"));
    return;
  }
  answer(internal_error("route without a module"));
}

Lane Handler::lane_for(const Request& request) const { return route(request).lane(); }

Response Handler::handle(const Request& request) const {
  std::promise<Response> promise;
  std::future<Response> answered = promise.get_future();
  handle(route(request), [&promise](Response response) { promise.set_value(std::move(response)); });
  return answered.get();
}

}  // namespace todo::http
