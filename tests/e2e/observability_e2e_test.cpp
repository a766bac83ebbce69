// Observability of the real server: the JSON log of a full session holds
// no secret and parses line by line, X-Request-Id is echoed or generated on
// every answer (the server's own 400/413/431 included), and /metrics counts
// exactly the requests made.
#include "e2e_support.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "support/pg/pg_admin.hpp"
#include "support/pg/pg_cluster.hpp"

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

// Every request a test made, as the server should have logged it.
struct Sent {
  std::string method;
  std::string path;  // without the query
  int status = 0;
  std::string request_id;  // from the response
  std::int64_t user_id = 0;  // who should be named on the log line (0: nobody)
};

class Recorder {
 public:
  explicit Recorder(std::uint16_t port) : client_(port) {}

  HttpResponse send(const std::string& method, const std::string& target, const std::string& body = {},
                    const HeaderList& headers = {}, std::int64_t user_id = 0) {
    HttpResponse response = client_.request(method, target, body, headers);
    sent_.push_back(Sent{method, target.substr(0, target.find('?')), response.status,
                         response.header("X-Request-Id").value_or(""), user_id});
    return response;
  }
  // The last request turned out to be by this user (a sign-up).
  void name_user(std::int64_t user_id) { sent_.back().user_id = user_id; }
  const std::vector<Sent>& sent() const { return sent_; }

 private:
  HttpClient client_;
  std::vector<Sent> sent_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Each stderr line parsed as a JSON object with ts, level and msg; fails
// the test on the first line that is not.
std::vector<json::object> json_lines(const std::string& err) {
  std::vector<json::object> out;
  for (const std::string& line : lines_of(err)) {
    INFO("stderr line: " << line);
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(value.is_object());
    const json::object& o = value.as_object();
    REQUIRE(o.contains("ts"));
    REQUIRE(o.at("ts").is_string());
    REQUIRE(o.contains("level"));
    const std::string level(o.at("level").as_string());
    REQUIRE((level == "debug" || level == "info" || level == "warn" || level == "error"));
    REQUIRE(o.contains("msg"));
    REQUIRE(o.at("msg").is_string());
    out.push_back(o);
  }
  return out;
}

std::vector<json::object> access_lines(const std::vector<json::object>& lines) {
  std::vector<json::object> out;
  std::copy_if(lines.begin(), lines.end(), std::back_inserter(out),
               [](const json::object& o) { return o.at("msg") == "access"; });
  return out;
}

std::string field(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool is_hex32(const std::string& id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
           return std::isdigit(c) != 0 || (c >= 'a' && c <= 'f');
         });
}

std::string login_body(const std::string& email, const std::string& password) {
  return dump(json::object{{"email", email}, {"password", password}});
}

// "name{labels}" -> value of one /metrics answer.
std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> out;
  for (const std::string& line : lines_of(text)) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

double metric(const std::map<std::string, double>& metrics, const std::string& key) {
  const auto it = metrics.find(key);
  return it == metrics.end() ? 0.0 : it->second;
}

std::string requests_key(const std::string& route, const std::string& method, int status) {
  return "todo_http_requests_total{route=\"" + route + "\",method=\"" + method + "\",status=\"" +
         std::to_string(status) + "\"}";
}

}  // namespace

TEST_CASE("a full session at LOG_LEVEL=debug logs one JSON object per line and no password, token, hash or key",
          "[e2e][observability][log]") {
  const std::string url = PgCluster::shared().fresh_database("logsecrets");
  ServerProcess server(with_variable(server_environment(url), "LOG_LEVEL", "debug"));
  Recorder r(server.port());

  const std::string alice_email = unique_email("secret-alice");
  const std::string bob_email = unique_email("secret-bob");
  const std::string alice_password = "Alice-pass-never-logged-7f3a";
  const std::string bob_password = "Bob-pass-never-logged-91c2";
  const std::string alice_new_password = "Alice-new-pass-never-logged-c0de";
  const std::string wrong_password = "Wrong-pass-never-logged-5e5e";
  const std::string ghost_password = "Ghost-pass-never-logged-0b0e";
  std::vector<std::string> tokens;
  const auto token_of = [&](const HttpResponse& response) {
    std::string token(body_object(response).at("access_token").as_string());
    tokens.push_back(token);
    return token;
  };

  // Sign-ups, on both spellings of the route.
  auto response = r.send("POST", "/auth/signup", login_body(alice_email, alice_password), json_content());
  E2E_REQUIRE_STATUS(response, 201);
  const std::int64_t alice = body_object(response).at("user").at("id").as_int64();
  r.name_user(alice);
  std::string alice_token = token_of(response);
  response = r.send("POST", "/api/auth/signup", login_body(bob_email, bob_password), json_content());
  E2E_REQUIRE_STATUS(response, 201);
  const std::int64_t bob = body_object(response).at("user").at("id").as_int64();
  r.name_user(bob);
  const std::string bob_token = token_of(response);
  const std::vector<std::string> first_hashes =
      query_strings(url, "SELECT password_hash FROM users ORDER BY id");
  REQUIRE(first_hashes.size() == 2);

  // Logins: JSON, form and the /api spelling; wrong passwords; an unknown email.
  response = r.send("POST", "/auth/login", login_body(alice_email, alice_password), json_content(), alice);
  E2E_REQUIRE_STATUS(response, 200);
  alice_token = token_of(response);
  response = r.send("POST", "/auth/login",
                    "username=" + url_encode(bob_email) + "&password=" + url_encode(bob_password),
                    {{"Content-Type", "application/x-www-form-urlencoded"}}, bob);
  E2E_REQUIRE_STATUS(response, 200);
  token_of(response);
  response = r.send("POST", "/api/auth/signin", login_body(bob_email, bob_password), json_content(), bob);
  E2E_REQUIRE_STATUS(response, 200);
  token_of(response);
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/login", login_body(alice_email, wrong_password), json_content()), 401);
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/login",
                            "username=" + url_encode(alice_email) + "&password=" + url_encode(wrong_password),
                            {{"Content-Type", "application/x-www-form-urlencoded"}}),
                     401);
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/login", login_body(unique_email("ghost"), ghost_password),
                            json_content()),
                     401);
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/signup", login_body(alice_email, alice_password), json_content()), 409);

  // Tasks CRUD, a search that must stay out of the log, and a foreign task.
  E2E_REQUIRE_STATUS(r.send("GET", "/auth/me", {}, bearer(alice_token), alice), 200);
  response = r.send("POST", "/api/tasks", R"({"title":"first","description":"querymarker-body"})",
                    json_bearer(alice_token), alice);
  E2E_REQUIRE_STATUS(response, 201);
  const std::string task = std::to_string(body_object(response).at("id").as_int64());
  E2E_REQUIRE_STATUS(r.send("GET", "/api/tasks?search=querymarker&limit=5", {}, bearer(alice_token), alice), 200);
  E2E_REQUIRE_STATUS(r.send("GET", "/api/tasks/" + task, {}, bearer(alice_token), alice), 200);
  E2E_REQUIRE_STATUS(r.send("PUT", "/api/tasks/" + task, R"({"title":"renamed","completed":false})",
                            json_bearer(alice_token), alice),
                     200);
  E2E_REQUIRE_STATUS(r.send("PATCH", "/api/tasks/" + task, R"({"title":"patched"})", json_bearer(alice_token), alice),
                     200);
  E2E_REQUIRE_STATUS(r.send("PATCH", "/api/tasks/" + task + "/complete", {}, bearer(alice_token), alice), 200);
  E2E_REQUIRE_STATUS(r.send("GET", "/api/tasks/" + task, {}, bearer(bob_token), bob), 404);
  E2E_REQUIRE_STATUS(r.send("DELETE", "/api/tasks/" + task, {}, bearer(alice_token), alice), 200);
  E2E_REQUIRE_STATUS(r.send("GET", "/api/tasks", {}, bearer(alice_token + "x")), 401);

  // Password change (with a wrong current password first), then logout-all.
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/password",
                            dump(json::object{{"current_password", wrong_password},
                                              {"new_password", alice_new_password}}),
                            json_bearer(alice_token), alice),
                     401);
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/password",
                            dump(json::object{{"current_password", alice_password},
                                              {"new_password", alice_new_password}}),
                            json_bearer(alice_token), alice),
                     204);
  response = r.send("POST", "/auth/login", login_body(alice_email, alice_new_password), json_content(), alice);
  E2E_REQUIRE_STATUS(response, 200);
  alice_token = token_of(response);
  E2E_REQUIRE_STATUS(r.send("POST", "/auth/logout-all", {}, bearer(alice_token), alice), 204);
  E2E_REQUIRE_STATUS(r.send("GET", "/auth/me", {}, bearer(alice_token)), 401);
  E2E_REQUIRE_STATUS(r.send("GET", "/metrics"), 200);

  std::vector<std::string> hashes = query_strings(url, "SELECT password_hash FROM users ORDER BY id");
  hashes.insert(hashes.end(), first_hashes.begin(), first_hashes.end());
  REQUIRE(server.stop() == std::optional<int>(0));

  const std::string out = server.captured_stdout();
  const std::string err = server.captured_stderr();
  const std::string all = out + err;
  INFO(err.substr(0, 6000));

  // Nothing secret, in any form the server holds it.
  for (const std::string& secret : {alice_password, bob_password, alice_new_password, wrong_password, ghost_password,
                                    std::string(kJwtSecret), std::string(kPreviousSecret)}) {
    INFO("secret: " << secret);
    CHECK(all.find(secret) == std::string::npos);
  }
  CHECK(all.find(url_encode(bob_password)) == std::string::npos);
  REQUIRE(tokens.size() == 6);
  for (const std::string& token : tokens) {
    INFO("token: " << token);
    CHECK(all.find(token) == std::string::npos);
    CHECK(all.find(token.substr(token.rfind('.') + 1)) == std::string::npos);  // its signature
    CHECK(all.find(token.substr(0, token.rfind('.'))) == std::string::npos);   // header.payload
  }
  for (const std::string& hash : hashes) {
    INFO("hash: " << hash);
    REQUIRE(hash.size() == 60);
    CHECK(all.find(hash) == std::string::npos);
    CHECK(all.find(hash.substr(7)) == std::string::npos);  // salt + digest without "$2b$04$"
  }
  CHECK(all.find("$2b$") == std::string::npos);
  CHECK(all.find("querymarker") == std::string::npos);

  // stdout has only the start-up line; stderr is JSON, one object per line.
  CHECK(lines_of(out) == std::vector<std::string>{server.listening_line()});
  const std::vector<json::object> lines = json_lines(err);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const json::object& o) { return o.at("level") == "debug"; }));

  // One access line per request, matched by request id, naming who was authenticated.
  const std::vector<json::object> access = access_lines(lines);
  CHECK(access.size() == r.sent().size());
  std::map<std::string, json::object> by_id;
  for (const json::object& o : access) by_id[field(o, "request_id")] = o;
  for (const Sent& sent : r.sent()) {
    INFO(sent.method << " " << sent.path << " -> " << sent.status << " id " << sent.request_id);
    REQUIRE(is_hex32(sent.request_id));
    const auto it = by_id.find(sent.request_id);
    REQUIRE(it != by_id.end());
    const json::object& o = it->second;
    CHECK(field(o, "method") == sent.method);
    CHECK(field(o, "path") == sent.path);
    CHECK(o.at("status").as_int64() == sent.status);
    CHECK(o.at("level") == "info");
    CHECK(field(o, "peer") == "127.0.0.1");
    CHECK(o.at("duration_ms").is_number());
    CHECK(o.at("bytes").is_int64());
    CHECK_FALSE(field(o, "route").empty());
    const json::value* user = o.if_contains("user_id");
    CHECK((user == nullptr ? 0 : user->as_int64()) == sent.user_id);
  }
  const auto logged_route = [&](const std::string& method, const std::string& path) {
    for (const json::object& o : access) {
      if (field(o, "method") == method && field(o, "path") == path) return field(o, "route");
    }
    return std::string("<none>");
  };
  CHECK(logged_route("DELETE", "/api/tasks/" + task) == "/api/tasks/{task_id}");
  CHECK(logged_route("PATCH", "/api/tasks/" + task + "/complete") == "/api/tasks/{task_id}/complete");
  CHECK(logged_route("POST", "/api/auth/signin") == "/api/auth/signin");
}

TEST_CASE("at LOG_LEVEL=warn the access log is off and the start-up lines are JSON too",
          "[e2e][observability][log]") {
  ServerProcess server(
      with_variable(server_environment(PgCluster::shared().fresh_database("logwarn")), "LOG_LEVEL", "warn"));
  HttpClient client(server.port());
  E2E_REQUIRE_STATUS(client.request("GET", "/healthz"), 200);
  E2E_REQUIRE_STATUS(client.request("GET", "/nope"), 404);
  REQUIRE(server.stop() == std::optional<int>(0));
  const std::vector<json::object> lines = json_lines(server.captured_stderr());
  CHECK(access_lines(lines).empty());
  for (const json::object& o : lines) CHECK((o.at("level") == "warn" || o.at("level") == "error"));

  // Below the level filter: an invalid configuration is one JSON error line.
  const auto result = ServerProcess::run_to_exit(
      with_variable(server_environment(PgCluster::shared().fresh_database("logcfg")), "PORT", "eighty"));
  REQUIRE(result.exit_code == std::optional<int>(2));
  const std::vector<json::object> config_lines = json_lines(result.err);
  REQUIRE(config_lines.size() == 1);
  CHECK(config_lines.front().at("level") == "error");
  CHECK(field(config_lines.front(), "msg").find("PORT") != std::string::npos);
}

TEST_CASE("X-Request-Id is echoed when sane and generated otherwise, on every answer", "[e2e][observability]") {
  ServerProcess server(server_environment(PgCluster::shared().fresh_database("reqid")));
  HttpClient client(server.port());

  const auto given = client.request("GET", "/healthz", {}, {{"X-Request-Id", "edge-7:abc.DEF_42"}});
  CHECK(given.header("X-Request-Id") == std::optional<std::string>("edge-7:abc.DEF_42"));
  CHECK(given.header_count("X-Request-Id") == 1);

  const auto generated = client.request("GET", "/healthz");
  REQUIRE(generated.header("X-Request-Id").has_value());
  CHECK(is_hex32(*generated.header("X-Request-Id")));
  const auto again = client.request("GET", "/healthz");
  CHECK(again.header("X-Request-Id") != generated.header("X-Request-Id"));

  for (const std::string& bad : {std::string("has space"), std::string(129, 'a'), std::string("quote\"d"),
                                std::string("semi;colon")}) {
    INFO(bad);
    const auto replaced = client.request("GET", "/healthz", {}, {{"X-Request-Id", bad}});
    REQUIRE(replaced.header("X-Request-Id").has_value());
    CHECK(is_hex32(*replaced.header("X-Request-Id")));
  }

  // Handler errors, an authenticated call and CORS.
  const auto missing = client.request("GET", "/no/such/thing", {}, {{"X-Request-Id", "nf-1"}});
  E2E_CHECK_STATUS(missing, 404);
  CHECK(missing.header("X-Request-Id") == std::optional<std::string>("nf-1"));
  const auto cors = client.request("GET", "/healthz", {}, {{"Origin", "http://localhost:3000"}});
  CHECK(cors.header("Access-Control-Expose-Headers").value_or("").find("X-Request-Id") != std::string::npos);

  // The server's own answers: 413 (the id was sent), 431 and 400.
  {
    RawConnection raw(server.port());
    REQUIRE(raw.send("POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: big-body-1\r\n"
                     "Content-Type: application/json\r\nContent-Length: 99999999\r\n\r\n"));
    const auto too_large = raw.read_response();
    REQUIRE(too_large.has_value());
    E2E_CHECK_STATUS(*too_large, 413);
    CHECK(too_large->header("X-Request-Id") == std::optional<std::string>("big-body-1"));
  }
  {
    RawConnection raw(server.port());
    REQUIRE(raw.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: lost\r\nX-Huge: " +
                     std::string(64 * 1024, 'h') + "\r\n\r\n"));
    const auto too_big_header = raw.read_response();
    REQUIRE(too_big_header.has_value());
    E2E_CHECK_STATUS(*too_big_header, 431);
    // The id came before the oversized field: it may be kept, or replaced.
    const std::string id = too_big_header->header("X-Request-Id").value_or("");
    CHECK((id == "lost" || is_hex32(id)));
  }
  {
    RawConnection raw(server.port());
    REQUIRE(raw.send("NOT AN HTTP REQUEST\r\n\r\n"));
    const auto malformed = raw.read_response();
    REQUIRE(malformed.has_value());
    E2E_CHECK_STATUS(*malformed, 400);
    REQUIRE(malformed->header("X-Request-Id").has_value());
    CHECK(is_hex32(*malformed->header("X-Request-Id")));
  }

  // The log line carries the same id.
  REQUIRE(server.stop() == std::optional<int>(0));
  const std::vector<json::object> access = access_lines(json_lines(server.captured_stderr()));
  const auto logged = [&](const std::string& id) {
    return std::count_if(access.begin(), access.end(),
                         [&](const json::object& o) { return field(o, "request_id") == id; });
  };
  CHECK(logged("edge-7:abc.DEF_42") == 1);
  CHECK(logged(*generated.header("X-Request-Id")) == 1);
  CHECK(logged("nf-1") == 1);
  CHECK(logged("big-body-1") == 1);
  for (const json::object& o : access) {
    if (field(o, "request_id") == "big-body-1") {
      CHECK(field(o, "route") == "none");
      CHECK(o.at("status").as_int64() == 413);
    }
  }
}

TEST_CASE("/metrics counts exactly the requests made, by route template, method and status",
          "[e2e][observability][metrics]") {
  Environment env = server_environment(PgCluster::shared().fresh_database("metrics"));
  env = with_variable(env, "LOGIN_MAX_FAILURES", "2");
  ServerProcess server(env);
  // One kept-alive connection: the server counts a response once it is
  // written, before it reads the next request, so each scrape sees every
  // earlier request.
  HttpClient client(server.port());
  const auto account = signup(client, "metrics");
  const std::string task = std::to_string(create_task(client, account, {{"title", "counted"}}).at("id").as_int64());

  const auto scrape = [&] {
    const auto response = client.request("GET", "/metrics");
    E2E_REQUIRE_STATUS(response, 200);
    CHECK(response.header("Content-Type") == std::optional<std::string>("text/plain; version=0.0.4; charset=utf-8"));
    return parse_metrics(response.body);
  };
  const auto before = scrape();

  for (int i = 0; i < 5; ++i) E2E_REQUIRE_STATUS(client.request("GET", "/healthz"), 200);
  for (int i = 0; i < 3; ++i) {
    E2E_REQUIRE_STATUS(client.request("GET", "/api/tasks/" + task, {}, bearer(account.token)), 200);
  }
  for (int i = 0; i < 2; ++i) {
    E2E_REQUIRE_STATUS(client.request("GET", "/api/tasks/987654321", {}, bearer(account.token)), 404);
  }
  E2E_REQUIRE_STATUS(client.request("PATCH", "/api/tasks/" + task, R"({"title":"x"})", json_bearer(account.token)),
                     200);
  for (int i = 0; i < 4; ++i) {
    E2E_REQUIRE_STATUS(client.request("GET", "/made/up/" + std::to_string(i)), 404);
  }
  // Two wrong passwords reach the limit; the third attempt is refused by the throttle.
  const std::string wrong = dump(json::object{{"email", account.email}, {"password", "not-the-password"}});
  E2E_REQUIRE_STATUS(client.request("POST", "/auth/login", wrong, json_content()), 401);
  E2E_REQUIRE_STATUS(client.request("POST", "/auth/login", wrong, json_content()), 401);
  E2E_REQUIRE_STATUS(client.request("POST", "/auth/login", wrong, json_content()), 429);

  const auto after = scrape();
  const auto delta = [&](const std::string& key) { return metric(after, key) - metric(before, key); };
  CHECK(delta(requests_key("/healthz", "GET", 200)) == 5);
  CHECK(delta(requests_key("/api/tasks/{task_id}", "GET", 200)) == 3);
  CHECK(delta(requests_key("/api/tasks/{task_id}", "GET", 404)) == 2);
  CHECK(delta(requests_key("/api/tasks/{task_id}", "PATCH", 200)) == 1);
  CHECK(delta(requests_key("unmatched", "GET", 404)) == 4);
  CHECK(delta(requests_key("/auth/login", "POST", 401)) == 2);
  CHECK(delta(requests_key("/auth/login", "POST", 429)) == 1);
  CHECK(delta(requests_key("/metrics", "GET", 200)) == 1);  // the first scrape
  CHECK(delta(requests_key("/api/tasks", "POST", 201)) == 0);
  // The histogram saw the same requests.
  CHECK(delta("todo_http_request_duration_seconds_count{route=\"/api/tasks/{task_id}\"}") == 6);
  CHECK(delta("todo_http_request_duration_seconds_bucket{route=\"/api/tasks/{task_id}\",le=\"+Inf\"}") == 6);
  CHECK(delta("todo_http_request_duration_seconds_count{route=\"/healthz\"}") == 5);
  CHECK(delta("todo_http_request_duration_seconds_sum{route=\"/healthz\"}") >= 0);
  CHECK(delta("todo_login_throttle_refusals_total{kind=\"login\"}") == 1);
  // No path a client made up became a label.
  for (const auto& [key, value] : after) CHECK(key.find("made/up") == std::string::npos);

  // Gauges: the scrape itself is in flight; the pool and the lanes are there.
  CHECK(metric(after, "todo_http_requests_in_flight") == 1);
  CHECK(metric(after, "todo_http_connections_open") >= 1);
  CHECK(metric(after, "todo_db_pool_size") >= 1);
  CHECK(metric(after, "todo_db_pool_connections{state=\"idle\"}") >= 1);
  CHECK(metric(after, "todo_db_pool_connections{state=\"in_use\"}") == 0);
  CHECK(metric(after, "todo_db_pool_waiting") == 0);
  CHECK(metric(after, "todo_db_up") == 1);
  CHECK(after.count("todo_db_pool_acquire_timeouts_total") == 1);
  CHECK(metric(after, "todo_worker_threads{lane=\"crypto\"}") >= 1);
  CHECK(metric(after, "todo_worker_queue_depth{lane=\"crypto\"}") == 0);
  // A worker posts its answer before it counts itself idle: 0 or 1 here.
  CHECK(metric(after, "todo_worker_busy{lane=\"crypto\"}") <= metric(after, "todo_worker_threads{lane=\"crypto\"}"));
  CHECK(after.count("todo_worker_busy{lane=\"crypto\"}") == 1);
  CHECK(after.count("todo_worker_rejected_total{lane=\"crypto\"}") == 1);
  CHECK(metric(after, "process_resident_memory_bytes") > 0);
  CHECK(metric(after, "todo_uptime_seconds") > 0);
  CHECK(std::any_of(after.begin(), after.end(), [](const auto& kv) {
    return kv.first.rfind("todo_build_info{version=\"", 0) == 0 && kv.second == 1;
  }));
}
