// SPEC §1 service endpoints, routing errors, content types, CORS, and §3
// HTTP limits and response headers, spoken over real sockets.
#include "e2e_support.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool list_contains(const std::optional<std::string>& header, std::string_view item) {
  if (!header) return false;
  const std::string haystack = lower(*header);
  const std::string needle = lower(std::string(item));
  std::size_t start = 0;
  while (start <= haystack.size()) {
    auto end = haystack.find(',', start);
    if (end == std::string::npos) end = haystack.size();
    std::string token = haystack.substr(start, end - start);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    if (token == needle) return true;
    start = end + 1;
  }
  return false;
}

std::string raw_request(const std::string& method, const std::string& target,
                        const std::vector<std::string>& header_lines, const std::string& body = {}) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& line : header_lines) text += line + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return text + "\r\n" + body;
}

void check_common_headers(const HttpResponse& response, const std::string& what) {
  INFO(what << "\n" << describe(response));
  CHECK(lower(response.header("X-Content-Type-Options").value_or("")) == "nosniff");
  // A Server header is tolerated only without a version.
  const auto server = response.header("Server");
  if (server) {
    CHECK(std::none_of(server->begin(), server->end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; }));
  }
}

}  // namespace

TEST_CASE("GET /healthz and /readyz answer 200 while the database is up", "[e2e][service]") {
  HttpClient client(shared_port());
  E2E_CHECK_STATUS(client.request("GET", "/healthz"), 200);
  E2E_CHECK_STATUS(client.request("GET", "/readyz"), 200);
}

TEST_CASE("GET /openapi.json is an OpenAPI 3.1 document naming every route of the SPEC",
          "[e2e][service]") {
  HttpClient client(shared_port());
  const auto response = client.request("GET", "/openapi.json");
  E2E_REQUIRE_STATUS(response, 200);
  CHECK(response.header("Content-Type").value_or("").rfind("application/json", 0) == 0);
  const auto document = body_object(response);
  REQUIRE(document.contains("openapi"));
  REQUIRE(document.at("openapi").is_string());
  CHECK(document.at("openapi").as_string().subview().substr(0, 3) == "3.1");
  REQUIRE(document.contains("paths"));
  const auto& paths = document.at("paths").as_object();
  const std::vector<std::pair<const char*, std::vector<const char*>>> routes = {
      {"/auth/signup", {"post"}},          {"/auth/login", {"post"}},
      {"/auth/me", {"get"}},               {"/auth/logout-all", {"post"}},
      {"/auth/password", {"post"}},        {"/api/auth/signup", {"post"}},
      {"/api/auth/signin", {"post"}},      {"/api/auth/login", {"post"}},
      {"/api/tasks", {"get", "post"}},     {"/api/tasks/{id}", {"get", "put", "patch", "delete"}},
      {"/api/tasks/{id}/complete", {"patch"}}, {"/healthz", {"get"}},
      {"/readyz", {"get"}}};
  for (const auto& [path, methods] : routes) {
    INFO(path);
    // The id parameter may be named differently ({task_id}); accept that.
    const json::object* item = nullptr;
    for (const auto& [key, value] : paths) {
      std::string normalized(key);
      const auto open = normalized.find('{');
      if (open != std::string::npos) {
        const auto close = normalized.find('}', open);
        normalized.replace(open, close - open + 1, "{id}");
      }
      if (normalized == path && value.is_object()) item = &value.as_object();
    }
    REQUIRE(item != nullptr);
    for (const char* method : methods) {
      INFO(method);
      CHECK(item->contains(method));
    }
  }
  const auto dumped = dump(document);
  CHECK(lower(dumped).find("bearer") != std::string::npos);
}

TEST_CASE("GET / serves the web client", "[e2e][service]") {
  HttpClient client(shared_port());
  const auto response = client.request("GET", "/");
  E2E_REQUIRE_STATUS(response, 200);
  CHECK(lower(response.header("Content-Type").value_or("")).rfind("text/html", 0) == 0);
  CHECK_FALSE(response.body.empty());
}

TEST_CASE("an unknown path is 404 with a detail", "[e2e][routing]") {
  HttpClient client(shared_port());
  for (const char* path : {"/nope", "/api/taskz", "/api/tasks/1/completed", "/auth", "/api/tasks/1/complete/x"}) {
    INFO(path);
    const auto response = client.request("GET", path);
    E2E_CHECK_STATUS(response, 404);
    CHECK(has_string_detail(response));
  }
}

TEST_CASE("a known path with the wrong method is 405 with Allow", "[e2e][routing]") {
  HttpClient client(shared_port());
  const std::vector<std::tuple<const char*, const char*, std::vector<const char*>>> cases = {
      {"GET", "/auth/signup", {"POST"}},
      {"DELETE", "/auth/login", {"POST"}},
      {"POST", "/auth/me", {"GET"}},
      {"GET", "/auth/logout-all", {"POST"}},
      {"PUT", "/api/auth/signin", {"POST"}},
      {"DELETE", "/api/tasks", {"GET", "POST"}},
      {"POST", "/api/tasks/1", {"GET", "PUT", "PATCH", "DELETE"}},
      {"GET", "/api/tasks/1/complete", {"PATCH"}},
      {"POST", "/healthz", {"GET"}},
  };
  for (const auto& [method, path, allowed] : cases) {
    INFO(method << " " << path);
    const auto response = client.request(method, path, {}, json_content());
    E2E_CHECK_STATUS(response, 405);
    for (const char* m : allowed) {
      INFO(m);
      CHECK(list_contains(response.header("Allow"), m));
    }
    CHECK(has_string_detail(response));
  }
}

TEST_CASE("a body with a Content-Type the route does not take is 415", "[e2e][content]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "ctype");
  const std::vector<std::tuple<const char*, std::string, std::string>> cases = {
      {"POST", "/api/tasks", "text/plain"},
      {"POST", "/api/tasks", "application/x-www-form-urlencoded"},
      {"POST", "/auth/signup", "text/plain"},
      {"POST", "/auth/login", "application/xml"},
      {"POST", "/auth/password", "text/plain"},
  };
  for (const auto& [method, path, type] : cases) {
    INFO(method << " " << path << " " << type);
    HeaderList headers = bearer(account.token);
    headers.emplace_back("Content-Type", type);
    const auto response = client.request(method, path, R"({"title":"x","email":"a@b.co","password":"12345678"})", headers);
    E2E_CHECK_STATUS(response, 415);
    CHECK(has_string_detail(response));
  }
  SECTION("a charset parameter on application/json is fine") {
    HeaderList headers = bearer(account.token);
    headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    E2E_CHECK_STATUS(client.request("POST", "/api/tasks", R"({"title":"charset"})", headers), 201);
  }
}

TEST_CASE("bodiless GET and DELETE with Content-Type: application/json just work",
          "[e2e][content]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "bodiless");
  const auto id = create_task(client, account, {{"title", "t"}}).at("id").as_int64();
  E2E_CHECK_STATUS(client.request("GET", "/api/tasks", {}, json_bearer(account.token)), 200);
  E2E_CHECK_STATUS(client.request("GET", "/api/tasks/" + std::to_string(id), {}, json_bearer(account.token)), 200);
  E2E_CHECK_STATUS(client.request("GET", "/auth/me", {}, json_bearer(account.token)), 200);
  // Content-Length: 0 spelled out, as some clients do.
  RawConnection raw(shared_port());
  REQUIRE(raw.send(raw_request("GET", "/api/tasks",
                               {"Authorization: Bearer " + account.token,
                                "Content-Type: application/json", "Content-Length: 0"})));
  const auto listed = raw.read_response();
  REQUIRE(listed.has_value());
  E2E_CHECK_STATUS(*listed, 200);
  E2E_CHECK_STATUS(client.request("DELETE", "/api/tasks/" + std::to_string(id), {}, json_bearer(account.token)), 200);
}

TEST_CASE("malformed JSON is 422 in FastAPI's list form", "[e2e][content]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "malformed");
  for (const char* body : {"{", "{\"title\": \"x\",}", "not json", "{\"title\":\"x\"} trailing", "\xFF\xFE"}) {
    INFO(body);
    const auto response = client.request("POST", "/api/tasks", body, json_bearer(account.token));
    INFO(describe(response));
    CHECK(is_validation_error(response));
  }
  CHECK(is_validation_error(client.request("POST", "/auth/signup", "{\"email\": ", json_content())));
}

TEST_CASE("a body over 1 MiB is 413, exactly 1 MiB is read", "[e2e][limits]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "big");
  const std::string auth = "Authorization: Bearer " + account.token;

  SECTION("declared by Content-Length: answered before the body is sent") {
    RawConnection raw(shared_port());
    REQUIRE(raw.send("POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                     "\r\nContent-Type: application/json\r\nContent-Length: 1048577\r\n\r\n"));
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 413);
    check_common_headers(*response, "413 early");
  }
  SECTION("sent in full: the client still sees the 413 (lingering close)") {
    const std::string body = "{\"title\":\"" + std::string(2U * 1024U * 1024U, 'x') + "\"}";
    RawConnection raw(shared_port());
    raw.send(raw_request("POST", "/api/tasks", {auth, "Content-Type: application/json"}, body));
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 413);
  }
  SECTION("chunked past the limit") {
    RawConnection raw(shared_port());
    std::string text = "POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                       "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(64U * 1024U, 'y');
    for (int i = 0; i < 20; ++i) text += "10000\r\n" + chunk + "\r\n";
    text += "0\r\n\r\n";
    raw.send(text);
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 413);
  }
  SECTION("exactly 1 MiB is within the limit (and too long a description is 422)") {
    const std::string head = "{\"title\":\"x\",\"description\":\"";
    const std::string tail = "\"}";
    const std::string body = head + std::string(1048576 - head.size() - tail.size(), 'd') + tail;
    REQUIRE(body.size() == 1048576);
    const auto response = client.request("POST", "/api/tasks", body, json_bearer(account.token));
    INFO(describe(response));
    CHECK(is_validation_error(response));
  }
  E2E_CHECK_STATUS(HttpClient(shared_port()).request("GET", "/healthz"), 200);
}

TEST_CASE("headers over 16 KiB are 431; 8 KiB of headers are fine", "[e2e][limits]") {
  {
    RawConnection raw(shared_port());
    raw.send(raw_request("GET", "/healthz", {"X-Padding: " + std::string(20000, 'h')}));
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 431);
    check_common_headers(*response, "431");
  }
  {
    RawConnection raw(shared_port());
    std::vector<std::string> many;
    for (int i = 0; i < 40; ++i) many.push_back("X-H" + std::to_string(i) + ": " + std::string(500, 'v'));
    raw.send(raw_request("GET", "/healthz", many));
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 431);
  }
  HttpClient client(shared_port());
  E2E_CHECK_STATUS(client.request("GET", "/healthz", {}, {{"X-Padding", std::string(8000, 'h')}}), 200);
}

TEST_CASE("malformed HTTP gets a 400 or a closed connection, and the server carries on",
          "[e2e][limits]") {
  for (const char* bytes : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
                            "GET / HTTP/9.9\r\n\r\n",
                            "POST /api/tasks HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"}) {
    INFO(bytes);
    RawConnection raw(shared_port());
    raw.send(bytes);
    const auto response = raw.read_response(std::chrono::seconds{10});
    if (response) {
      E2E_CHECK_STATUS(*response, 400);
    }
  }
  E2E_CHECK_STATUS(HttpClient(shared_port()).request("GET", "/healthz"), 200);
}

TEST_CASE("slow clients are cut off: a stalled and a dripping request are closed",
          "[e2e][limits][slow]") {
  // SPEC §3 sets no number; 30 s is a generous bound for a read deadline.
  constexpr auto kBound = std::chrono::seconds{30};
  const auto start = std::chrono::steady_clock::now();
  RawConnection stalled(shared_port());
  REQUIRE(stalled.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  RawConnection dripping(shared_port());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
                              std::string(200, 'd') + "\r\n\r\n";
  bool drip_closed = false;
  // One byte every 250 ms never completes the headers within the bound.
  for (std::size_t i = 0; i < request.size() - 2 && !drip_closed; ++i) {
    if (std::chrono::steady_clock::now() - start > kBound) break;
    if (!dripping.send(request.substr(i, 1))) drip_closed = true;
    else drip_closed = dripping.wait_closed(std::chrono::milliseconds{250});
  }
  CHECK(drip_closed);
  const auto left = kBound - (std::chrono::steady_clock::now() - start);
  CHECK(stalled.wait_closed(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(left),
                                     std::chrono::milliseconds{1000})));
  E2E_CHECK_STATUS(HttpClient(shared_port()).request("GET", "/healthz"), 200);
}

TEST_CASE("keep-alive serves many requests on one connection, pipelined ones in order",
          "[e2e][protocol]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "keepalive");
  for (int i = 0; i < 20; ++i) {
    E2E_REQUIRE_STATUS(client.request("GET", "/api/tasks", {}, bearer(account.token)), 200);
  }
  CHECK(client.connections_opened() == 1);

  RawConnection raw(shared_port());
  const std::string auth = "Authorization: Bearer " + account.token;
  REQUIRE(raw.send(raw_request("POST", "/api/tasks", {auth, "Content-Type: application/json"},
                               R"({"title":"first"})") +
                   raw_request("GET", "/nope", {}) +
                   raw_request("POST", "/api/tasks", {auth, "Content-Type: application/json"},
                               R"({"title":"second"})")));
  const auto first = raw.read_response();
  const auto second = raw.read_response();
  const auto third = raw.read_response();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  REQUIRE(third.has_value());
  E2E_CHECK_STATUS(*first, 201);
  E2E_CHECK_STATUS(*second, 404);
  E2E_CHECK_STATUS(*third, 201);
  CHECK(body_object(*first).at("title") == "first");
  CHECK(body_object(*third).at("title") == "second");
}

TEST_CASE("a trailing slash on a route is tolerated", "[e2e][routing]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "slash");
  const auto response = client.request("GET", "/api/tasks/", {}, bearer(account.token));
  INFO(describe(response));
  CHECK((response.status == 200 || response.status == 307 || response.status == 308));
  if (response.status != 200) {
    CHECK(response.header("Location").value_or("").find("/api/tasks") != std::string::npos);
  }
}

TEST_CASE("CORS preflight from http://localhost:3000 allows the frontend's requests",
          "[e2e][cors]") {
  HttpClient client(shared_port());
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"/api/tasks", "GET"},          {"/api/tasks", "POST"},
      {"/api/tasks/1", "PUT"},        {"/api/tasks/1", "DELETE"},
      {"/api/tasks/1/complete", "PATCH"}, {"/api/auth/signin", "POST"},
      {"/api/auth/signup", "POST"},   {"/auth/me", "GET"}};
  for (const auto& [path, method] : cases) {
    INFO(method << " " << path);
    const auto response = client.request(
        "OPTIONS", path, {},
        {{"Origin", "http://localhost:3000"},
         {"Access-Control-Request-Method", method},
         {"Access-Control-Request-Headers", "authorization,content-type"}});
    INFO(describe(response));
    CHECK((response.status == 200 || response.status == 204));
    CHECK(response.header("Access-Control-Allow-Origin") ==
          std::optional<std::string>("http://localhost:3000"));
    const auto methods = response.header("Access-Control-Allow-Methods");
    CHECK((list_contains(methods, method) || methods == std::optional<std::string>("*")));
    CHECK(list_contains(response.header("Access-Control-Allow-Headers"), "authorization"));
    CHECK(list_contains(response.header("Access-Control-Allow-Headers"), "content-type"));
    check_common_headers(response, "preflight");
  }
}

TEST_CASE("CORS does not allow an origin outside CORS_ORIGINS", "[e2e][cors]") {
  HttpClient client(shared_port());
  const auto preflight = client.request("OPTIONS", "/api/tasks", {},
                                        {{"Origin", "http://evil.example"},
                                         {"Access-Control-Request-Method", "POST"},
                                         {"Access-Control-Request-Headers", "authorization"}});
  INFO(describe(preflight));
  CHECK(preflight.header("Access-Control-Allow-Origin") != std::optional<std::string>("http://evil.example"));
  CHECK(preflight.header("Access-Control-Allow-Origin") != std::optional<std::string>("*"));
  const auto simple = client.request("GET", "/healthz", {}, {{"Origin", "http://evil.example"}});
  CHECK(simple.header("Access-Control-Allow-Origin") != std::optional<std::string>("http://evil.example"));
}

TEST_CASE("every response carries nosniff and no versioned Server banner", "[e2e][headers]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "headers");
  const auto id = create_task(client, account, {{"title", "h"}}).at("id").as_int64();
  const std::string task = "/api/tasks/" + std::to_string(id);
  const std::vector<std::tuple<const char*, std::string, std::string, HeaderList>> requests = {
      {"GET", "/healthz", "", {}},
      {"GET", "/readyz", "", {}},
      {"GET", "/openapi.json", "", {}},
      {"GET", "/", "", {}},
      {"GET", "/nope", "", {}},
      {"DELETE", "/healthz", "", {}},
      {"GET", "/api/tasks", "", {}},
      {"GET", "/api/tasks", "", bearer(account.token)},
      {"GET", "/api/tasks?limit=0", "", bearer(account.token)},
      {"POST", "/api/tasks", R"({"title":"n"})", json_bearer(account.token)},
      {"POST", "/api/tasks", "{", json_bearer(account.token)},
      {"POST", "/api/tasks", "x", {{"Authorization", "Bearer " + account.token}, {"Content-Type", "text/plain"}}},
      {"GET", task, "", bearer(account.token)},
      {"PUT", task, R"({"title":"m"})", json_bearer(account.token)},
      {"PATCH", task + "/complete", "", bearer(account.token)},
      {"GET", "/api/tasks/999999999", "", bearer(account.token)},
      {"DELETE", task, "", bearer(account.token)},
      {"GET", "/auth/me", "", bearer(account.token)},
      {"POST", "/auth/login", R"({"email":"x@y.zz","password":"wrong-password"})", json_content()},
      {"OPTIONS", "/api/tasks", "", {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "GET"}}},
  };
  for (const auto& [method, path, body, headers] : requests) {
    const auto response = client.request(method, path, body, headers);
    check_common_headers(response, std::string(method) + " " + path);
  }
}

TEST_CASE("every /auth/* response carries Cache-Control: no-store", "[e2e][headers]") {
  HttpClient client(shared_port());
  const std::string email = unique_email("nostore");
  const std::string credentials = dump(json::object{{"email", email}, {"password", std::string(kPassword)}});
  std::vector<std::pair<std::string, HttpResponse>> responses;
  responses.emplace_back("signup", client.request("POST", "/auth/signup", credentials, json_content()));
  responses.emplace_back("signup 409", client.request("POST", "/auth/signup", credentials, json_content()));
  responses.emplace_back("signup 422", client.request("POST", "/auth/signup", "{}", json_content()));
  const auto login = client.request("POST", "/auth/login", credentials, json_content());
  responses.emplace_back("login", login);
  const std::string token(body_object(login).at("access_token").as_string());
  responses.emplace_back("login 401", client.request("POST", "/auth/login",
                                                     dump(json::object{{"email", email}, {"password", "wrong-password"}}),
                                                     json_content()));
  responses.emplace_back("me", client.request("GET", "/auth/me", {}, bearer(token)));
  responses.emplace_back("me 401", client.request("GET", "/auth/me"));
  responses.emplace_back("password 422", client.request("POST", "/auth/password", "{}", json_bearer(token)));
  responses.emplace_back("login 405", client.request("GET", "/auth/login"));
  responses.emplace_back("login 415", client.request("POST", "/auth/login", credentials,
                                                     {{"Content-Type", "text/plain"}}));
  responses.emplace_back("password 401", client.request("POST", "/auth/password", "{}", json_content()));
  responses.emplace_back("logout-all", client.request("POST", "/auth/logout-all", {}, bearer(token)));
  for (const auto& [name, response] : responses) {
    INFO(name << "\n" << describe(response));
    CHECK(lower(response.header("Cache-Control").value_or("")).find("no-store") != std::string::npos);
  }
}
