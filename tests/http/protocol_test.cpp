// Routing, methods, headers, CORS, lanes and failure mapping of the Handler.

#include <catch2/catch.hpp>

#include <stdexcept>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "api_fixture.hpp"

namespace json = boost::json;
using todo::http::Lane;
using todo::http::Request;
using todo::test::Api;
using todo::test::body_json;
using todo::test::detail;
using todo::test::header_or_empty;

TEST_CASE("unknown path is 404 Not Found with JSON and nosniff", "[http][routing]") {
  Api api;
  for (const char* target : {"/nope", "/api/task", "/api/tasks/1/complete/x", "/auth", "//api/tasks",
                             "/api/tasks//complete", "/api/tasks//", "/static", "/static/", "/healthzz"}) {
    const auto r = api.call("GET", target);
    INFO(target);
    CHECK(r.status == 404);
    CHECK(detail(r) == "Not Found");
    CHECK(header_or_empty(r, "Content-Type") == "application/json");
    CHECK(header_or_empty(r, "X-Content-Type-Options") == "nosniff");
  }
}

TEST_CASE("known path with wrong method is 405 with Allow", "[http][routing]") {
  Api api;
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const Case& c : {Case{"DELETE", "/api/tasks", "GET, HEAD, POST"},
                        Case{"POST", "/api/tasks/1", "GET, HEAD, PUT, PATCH, DELETE"},
                        Case{"GET", "/api/tasks/1/complete", "PATCH"},
                        Case{"GET", "/auth/login", "POST"},
                        Case{"GET", "/api/auth/signin", "POST"},
                        Case{"POST", "/auth/me", "GET, HEAD, DELETE"},
                        Case{"POST", "/healthz", "GET, HEAD"},
                        Case{"OPTIONS", "/api/tasks", "GET, HEAD, POST"}}) {
    const auto r = api.call(c.method, c.target);
    INFO(c.method << " " << c.target);
    CHECK(r.status == 405);
    CHECK(detail(r) == "Method Not Allowed");
    CHECK(header_or_empty(r, "Allow") == c.allow);
  }
}

TEST_CASE("HEAD is answered wherever GET is", "[http][routing]") {
  Api api;
  const auto get = api.call("GET", "/");
  const auto head = api.call("HEAD", "/");
  CHECK(head.status == 200);
  CHECK(head.body == get.body);  // the server drops it after computing Content-Length
  CHECK(header_or_empty(head, "ETag") == header_or_empty(get, "ETag"));
  CHECK(api.call("HEAD", "/healthz").status == 200);
  CHECK(api.call("HEAD", "/api/tasks").status == 401);
  CHECK(api.call("HEAD", "/auth/login").status == 405);
  CHECK(api.handler().lane_for(Request{"HEAD", "/api/tasks", {}, "", "127.0.0.1"}) == Lane::Inline);
}

TEST_CASE("one trailing slash is tolerated", "[http][routing]") {
  Api api;
  CHECK(api.call("GET", "/healthz/").status == 200);
  const auto s = api.json("POST", "/auth/signup/", R"({"email":"slash@example.com","password":"password1"})");
  CHECK(s.status == 201);
  const std::string token = json::value_to<std::string>(body_json(s).at("access_token"));
  CHECK(api.authed("GET", "/api/tasks/", token).status == 200);
  CHECK(api.authed("GET", "/api/tasks/?limit=5", token).status == 200);
}

TEST_CASE("percent-encoded paths and absolute-form targets are routed", "[http][routing]") {
  Api api;
  CHECK(api.call("GET", "/health%7A").status == 200);
  CHECK(api.call("GET", "http://localhost:8080/healthz").status == 200);
  CHECK(api.call("GET", "/healthz#frag").status == 200);
}

TEST_CASE("service endpoints answer healthz and readyz", "[http][service]") {
  bool ready = true;
  todo::http::HandlerOptions options;
  options.ready = [&ready] { return ready; };
  Api api(options);

  const auto health = api.call("GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(body_json(health).at("status") == "ok");

  CHECK(api.call("GET", "/readyz").status == 200);
  ready = false;
  const auto not_ready = api.call("GET", "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(detail(not_ready) == "database unavailable");
}

TEST_CASE("GET / and /static/* serve the embedded web client with ETags", "[http][web]") {
  Api api;
  const auto root = api.call("GET", "/");
  REQUIRE(root.status == 200);
  CHECK(header_or_empty(root, "Content-Type").rfind("text/html", 0) == 0);
  CHECK(root.body.find("/static/app.js") != std::string::npos);
  CHECK_FALSE(header_or_empty(root, "Content-Security-Policy").empty());
  CHECK(header_or_empty(root, "Referrer-Policy") == "no-referrer");
  CHECK(header_or_empty(root, "X-Content-Type-Options") == "nosniff");
  const std::string etag = header_or_empty(root, "ETag");
  REQUIRE_FALSE(etag.empty());

  const auto unchanged = api.call("GET", "/", "", {{"If-None-Match", "\"other\", W/" + etag}});
  CHECK(unchanged.status == 304);
  CHECK(unchanged.body.empty());
  CHECK(api.call("GET", "/", "", {{"If-None-Match", "\"stale\""}}).status == 200);

  const auto script = api.call("GET", "/static/app.js?v=2");
  CHECK(script.status == 200);
  CHECK(header_or_empty(script, "Content-Type").rfind("text/javascript", 0) == 0);
  CHECK_FALSE(script.body.empty());

  const auto missing = api.call("GET", "/static/nope.js");
  CHECK(missing.status == 404);
  CHECK(detail(missing) == "Not Found");
  CHECK(api.call("GET", "/static/../CMakeLists.txt").status == 404);
  const auto post = api.call("POST", "/");
  CHECK(post.status == 405);
  CHECK(header_or_empty(post, "Allow") == "GET, HEAD");
}

TEST_CASE("an exception escaping a route is a generic 500", "[http][errors]") {
  todo::http::HandlerOptions options;
  options.ready = []() -> bool { throw std::runtime_error("connection string postgres://secret@db"); };
  Api api(options);
  api.skip_openapi_check();  // a synthetic failure: 500 is no declared answer
  const auto r = api.call("GET", "/readyz");
  CHECK(r.status == 500);
  CHECK(detail(r) == "Internal Server Error");
  CHECK(r.body.find("secret") == std::string::npos);
  CHECK(header_or_empty(r, "X-Content-Type-Options") == "nosniff");
  // The cause is for the operator's log line, which the server writes.
  CHECK(r.log_error.find("connection string") != std::string::npos);
  CHECK(r.route == "/readyz");
}

namespace {

// A TaskRepository whose every call fails with one error, to check how the
// adapter maps core errors it cannot provoke through the memory repository.
class FailingTasks final : public todo::core::TaskRepository {
 public:
  explicit FailingTasks(todo::core::Error error) : error_(std::move(error)) {}
  void create(const todo::core::Caller&, const todo::core::NewTask&, todo::core::Timestamp,
              todo::core::Completion<todo::core::Task> done) override {
    done(error_);
  }
  void get(const todo::core::Caller&, todo::core::TaskId, todo::core::Completion<todo::core::Task> done) override {
    done(error_);
  }
  void list(const todo::core::Caller&, const todo::core::TaskQuery&,
            todo::core::Completion<todo::core::TaskPage> done) override {
    done(error_);
  }
  void update(const todo::core::Caller&, todo::core::TaskId, const todo::core::TaskPatch&, todo::core::Timestamp,
              todo::core::Completion<todo::core::Task> done) override {
    done(error_);
  }
  void toggle_completed(const todo::core::Caller&, todo::core::TaskId, todo::core::Timestamp,
                        todo::core::Completion<todo::core::Task> done) override {
    done(error_);
  }
  void remove(const todo::core::Caller&, todo::core::TaskId, todo::core::Completion<void> done) override {
    done(error_);
  }

 private:
  todo::core::Error error_;
};

}  // namespace

TEST_CASE("core Internal errors are 500 without leaking their message", "[http][errors]") {
  FailingTasks tasks(todo::core::Error::internal("SELECT * FROM tasks -- password=hunter2"));
  Api api(tasks);
  api.skip_openapi_check();  // a synthetic failure: 500 is no declared answer
  const auto user = api.signup("internal@example.com");
  const auto r = api.authed("GET", "/api/tasks", user.token);
  CHECK(r.status == 500);
  CHECK(detail(r) == "Internal Server Error");
  CHECK(r.body.find("hunter2") == std::string::npos);
  CHECK(r.log_error.find("SELECT * FROM tasks") != std::string::npos);
  CHECK(r.log_user_id == user.user_id);
}

TEST_CASE("core Unavailable is 503 database unavailable, always with Retry-After (1 s unless known)",
          "[http][errors]") {
  auto error = todo::core::Error::unavailable("connection refused on 10.0.0.5");
  error.retry_after_s = 2;
  FailingTasks tasks(error);
  Api api(tasks);
  const auto user = api.signup("unavailable@example.com");
  const auto r = api.authed("GET", "/api/tasks/1", user.token);
  CHECK(r.status == 503);
  CHECK(detail(r) == "database unavailable");
  CHECK(header_or_empty(r, "Retry-After") == "2");

  FailingTasks no_hint(todo::core::Error::unavailable("down"));
  Api api2(no_hint);
  const auto user2 = api2.signup("unavailable2@example.com");
  const auto r2 = api2.authed("DELETE", "/api/tasks/1", user2.token);
  CHECK(r2.status == 503);
  // A restart or failover is over in seconds: clients are told to come back.
  CHECK(header_or_empty(r2, "Retry-After") == "1");
}

TEST_CASE("core PermissionDenied and ResourceExhausted map to 403 and 429", "[http][errors]") {
  // Synthetic failures no real adapter produces: no declared answers.
  FailingTasks denied(todo::core::Error::permission_denied("not yours"));
  Api api(denied);
  api.skip_openapi_check();
  const auto user = api.signup("denied@example.com");
  const auto r = api.authed("GET", "/api/tasks", user.token);
  CHECK(r.status == 403);
  CHECK(detail(r) == "not yours");

  FailingTasks busy(todo::core::Error::resource_exhausted("slow down", 7));
  Api api2(busy);
  api2.skip_openapi_check();
  const auto user2 = api2.signup("busy@example.com");
  const auto r2 = api2.json("POST", "/api/tasks", R"({"title":"x"})", user2.token);
  CHECK(r2.status == 429);
  CHECK(header_or_empty(r2, "Retry-After") == "7");
}

TEST_CASE("Cache-Control no-store is on every auth and task response, not on the web client", "[http][headers]") {
  Api api;
  const auto user = api.signup("cache@example.com");
  CHECK(header_or_empty(api.authed("GET", "/auth/me", user.token), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.call("GET", "/auth/me"), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.call("GET", "/auth/login"), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.json("POST", "/api/auth/signin", "{}"), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.call("GET", "/auth/nothing-here"), "Cache-Control") == "no-store");
  // SPEC §6: /api/* is private data too.
  CHECK(header_or_empty(api.authed("GET", "/api/tasks", user.token), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.call("GET", "/api/tasks"), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.call("GET", "/api/nothing-here"), "Cache-Control") == "no-store");
  CHECK(header_or_empty(api.call("GET", "/healthz"), "Cache-Control").empty());
}

TEST_CASE("CORS headers go to allowed origins only", "[http][cors]") {
  Api api;
  const auto allowed = api.call("GET", "/healthz", "", {{"Origin", "http://localhost:3000"}});
  CHECK(header_or_empty(allowed, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header_or_empty(allowed, "Vary") == "Origin");
  const std::string exposed = header_or_empty(allowed, "Access-Control-Expose-Headers");
  CHECK(exposed.find("X-Total-Count") != std::string::npos);
  CHECK(exposed.find("Location") != std::string::npos);
  // A browser client can read the request id to quote it in a bug report.
  CHECK(exposed.find("X-Request-Id") != std::string::npos);

  const auto other = api.call("GET", "/healthz", "", {{"Origin", "http://evil.example"}});
  CHECK(other.status == 200);
  CHECK_FALSE(other.header("Access-Control-Allow-Origin"));

  const auto no_origin = api.call("GET", "/healthz");
  CHECK_FALSE(no_origin.header("Access-Control-Allow-Origin"));

  // Error answers carry CORS too, so a browser client can read the detail.
  const auto error = api.call("GET", "/api/tasks", "", {{"Origin", "http://localhost:3000"}});
  CHECK(error.status == 401);
  CHECK(header_or_empty(error, "Access-Control-Allow-Origin") == "http://localhost:3000");
}

TEST_CASE("CORS preflight is answered before routing", "[http][cors]") {
  Api api;
  const std::vector<todo::http::Header> headers{{"Origin", "http://localhost:3000"},
                                                {"Access-Control-Request-Method", "POST"},
                                                {"Access-Control-Request-Headers", "authorization,content-type"}};
  for (const char* target : {"/api/tasks", "/api/tasks/3/complete", "/auth/login", "/anything"}) {
    const auto r = api.call("OPTIONS", target, "", headers);
    INFO(target);
    CHECK(r.status == 200);
    CHECK(header_or_empty(r, "Access-Control-Allow-Origin") == "http://localhost:3000");
    const std::string methods = header_or_empty(r, "Access-Control-Allow-Methods");
    for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE"}) CHECK(methods.find(m) != std::string::npos);
    const std::string allowed_headers = header_or_empty(r, "Access-Control-Allow-Headers");
    CHECK(allowed_headers.find("Authorization") != std::string::npos);
    CHECK(allowed_headers.find("Content-Type") != std::string::npos);
    CHECK(allowed_headers.find("X-Request-Id") != std::string::npos);
    CHECK_FALSE(header_or_empty(r, "Access-Control-Max-Age").empty());
  }
  CHECK(api.handler().lane_for(Request{"OPTIONS", "/api/tasks", headers, "", "127.0.0.1"}) == Lane::Inline);
}

TEST_CASE("CORS preflight from a disallowed origin or for a strange method is 400", "[http][cors]") {
  Api api;
  const auto r = api.call("OPTIONS", "/api/tasks", "",
                          {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(r.status == 400);
  CHECK(detail(r) == "Disallowed CORS origin");
  CHECK_FALSE(r.header("Access-Control-Allow-Origin"));

  const auto m = api.call("OPTIONS", "/api/tasks", "",
                          {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "TRACE"}});
  CHECK(m.status == 400);
  CHECK(detail(m) == "Disallowed CORS method");
}

TEST_CASE("CORS origin list is configurable and accepts a wildcard", "[http][cors]") {
  todo::http::HandlerOptions options;
  options.cors_origins = {"https://app.example.com"};
  Api api(options);
  CHECK(header_or_empty(api.call("GET", "/healthz", "", {{"Origin", "https://app.example.com"}}),
                        "Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK_FALSE(api.call("GET", "/healthz", "", {{"Origin", "http://localhost:3000"}})
                  .header("Access-Control-Allow-Origin"));
  // Exact match only: no prefix or case games.
  CHECK_FALSE(api.call("GET", "/healthz", "", {{"Origin", "https://app.example.com.evil.io"}})
                  .header("Access-Control-Allow-Origin"));

  todo::http::HandlerOptions any;
  any.cors_origins = {"*"};
  Api open(any);
  const auto r = open.call("OPTIONS", "/api/tasks", "",
                           {{"Origin", "http://whatever.test"}, {"Access-Control-Request-Method", "DELETE"}});
  CHECK(r.status == 200);
  CHECK(header_or_empty(r, "Access-Control-Allow-Origin") == "http://whatever.test");
  CHECK_FALSE(r.header("Access-Control-Allow-Credentials"));
}

TEST_CASE("lane_for sends crypto, database and cheap work to the right pool", "[http][lanes]") {
  Api api;
  const auto lane = [&](const char* method, const char* target) {
    return api.handler().lane_for(Request{method, target, {}, "", "127.0.0.1"});
  };
  CHECK(lane("POST", "/auth/signup") == Lane::Crypto);
  CHECK(lane("POST", "/api/auth/signup") == Lane::Crypto);
  CHECK(lane("POST", "/auth/login") == Lane::Crypto);
  CHECK(lane("POST", "/api/auth/signin") == Lane::Crypto);
  CHECK(lane("POST", "/api/auth/login") == Lane::Crypto);
  CHECK(lane("POST", "/auth/password") == Lane::Crypto);
  CHECK(lane("DELETE", "/auth/me") == Lane::Crypto);  // a password check
  CHECK(lane("GET", "/auth/me") == Lane::Inline);  // asynchronous storage
  CHECK(lane("POST", "/auth/logout-all") == Lane::Inline);
  CHECK(lane("GET", "/api/tasks?limit=2") == Lane::Inline);  // asynchronous storage
  CHECK(lane("POST", "/api/tasks") == Lane::Inline);  // asynchronous storage
  CHECK(lane("PATCH", "/api/tasks/4/complete") == Lane::Inline);  // asynchronous storage
  CHECK(lane("DELETE", "/api/tasks/4/") == Lane::Inline);  // asynchronous storage
  CHECK(lane("GET", "/readyz") == Lane::Database);
  CHECK(lane("GET", "/healthz") == Lane::Inline);
  CHECK(lane("GET", "/metrics") == Lane::Inline);
  CHECK(lane("GET", "/openapi.json") == Lane::Inline);
  CHECK(lane("GET", "/") == Lane::Inline);
  CHECK(lane("GET", "/nope") == Lane::Inline);
  CHECK(lane("DELETE", "/api/tasks") == Lane::Inline);
  CHECK(lane("GET", "/auth/signup") == Lane::Inline);
}

TEST_CASE("GET /metrics serves what HandlerOptions::metrics renders, and is 404 without it", "[http][metrics]") {
  todo::http::HandlerOptions options;
  int scrapes = 0;
  options.metrics = [&scrapes] {
    ++scrapes;
    return std::string("# TYPE x counter\nx 1\n");
  };
  Api api(options);
  const auto r = api.call("GET", "/metrics");
  CHECK(r.status == 200);
  CHECK(header_or_empty(r, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.body == "# TYPE x counter\nx 1\n");
  CHECK(r.route == "/metrics");
  CHECK(scrapes == 2);  // Api::call answers a GET twice: handle and handle_async
  // Unauthenticated on purpose (like /healthz): a bearer header changes nothing.
  CHECK(api.call("GET", "/metrics", "", {{"Authorization", "Bearer nonsense"}}).status == 200);
  CHECK(api.call("POST", "/metrics").status == 405);

  Api without;
  without.skip_openapi_check();  // the server always serves /metrics; this fixture does not
  const auto missing = without.call("GET", "/metrics");
  CHECK(missing.status == 404);
  CHECK(detail(missing) == "Not Found");
}

TEST_CASE("responses name their route template and authenticated user for the access log", "[http][metrics]") {
  Api api;
  const auto alice = api.signup("route-alice@example.com");
  const auto id = api.create_task(alice.token, R"({"title":"t"})");

  const auto got = api.authed("GET", "/api/tasks/" + std::to_string(id), alice.token);
  CHECK(got.status == 200);
  CHECK(got.route == "/api/tasks/{task_id}");
  CHECK(got.log_user_id == alice.user_id);

  // The list checks its token its own way (one round trip); it names the user too.
  const auto listed = api.authed("GET", "/api/tasks?limit=5", alice.token);
  CHECK(listed.status == 200);
  CHECK(listed.route == "/api/tasks");
  CHECK(listed.log_user_id == alice.user_id);

  const auto completed = api.authed("PATCH", "/api/tasks/" + std::to_string(id) + "/complete", alice.token);
  CHECK(completed.route == "/api/tasks/{task_id}/complete");
  CHECK(completed.log_user_id == alice.user_id);

  // A bad token names nobody, whatever the route.
  const auto refused = api.authed("GET", "/api/tasks", alice.token + "x");
  CHECK(refused.status == 401);
  CHECK(refused.route == "/api/tasks");
  CHECK(refused.log_user_id == 0);

  const auto login = api.json("POST", "/auth/login",
                              R"({"email":"route-alice@example.com","password":")" + std::string(todo::test::kPassword) + "\"}");
  CHECK(login.status == 200);
  CHECK(login.route == "/auth/login");
  CHECK(login.log_user_id == alice.user_id);
  const auto wrong = api.json("POST", "/auth/login", R"({"email":"route-alice@example.com","password":"nope-nope"})");
  CHECK(wrong.status == 401);
  CHECK(wrong.log_user_id == 0);

  // Unknown paths and methods share one label, so clients cannot grow the metrics.
  CHECK(api.call("GET", "/no/such/path/12345").route == "unmatched");
  CHECK(api.call("DELETE", "/healthz").route == "unmatched");
  CHECK(api.call("OPTIONS", "/api/tasks", "",
                 {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "GET"}})
            .route == "preflight");
  CHECK(api.call("GET", "/healthz").route == "/healthz");
  CHECK(api.call("GET", "/healthz").log_user_id == 0);

  // A revoked token names nobody, on the list's own token check too.
  const auto fresh = api.json("POST", "/auth/login",
                              R"({"email":"route-alice@example.com","password":")" + std::string(todo::test::kPassword) + "\"}");
  const std::string token(body_json(fresh).at("access_token").as_string());
  CHECK(api.authed("POST", "/auth/logout-all", token).log_user_id == alice.user_id);
  const auto revoked = api.authed("GET", "/api/tasks", token);
  CHECK(revoked.status == 401);
  CHECK(revoked.log_user_id == 0);
}
