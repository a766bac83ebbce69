// Hostile input (issue 8, item 3) against the real server: bad text in every
// string field and in the query, pathological JSON, HTTP framing lies, floods
// and odd paths. Every case must get a 4xx with a `detail` (or, for broken
// HTTP, a closed connection), and after every case the server must still
// serve a normal request on a new connection.
#include "e2e_support.hpp"
#include "support/pg/pg_cluster.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

using namespace std::string_literals;

// {"detail": "<non-empty string>"} or FastAPI's non-empty list form. The body
// must be valid JSON, which for Boost.JSON includes valid UTF-8.
bool has_detail(const HttpResponse& response) {
  return has_string_detail(response) || is_validation_error(response);
}

bool is_4xx(const HttpResponse& response) { return response.status >= 400 && response.status < 500; }

void require_still_serving(const std::string& after) {
  INFO("after: " << after);
  HttpClient fresh(shared_port(), "127.0.0.1", std::chrono::seconds{10});
  E2E_REQUIRE_STATUS(fresh.request("GET", "/healthz"), 200);
}

// Shows control bytes and non-ASCII in test names and messages.
std::string printable(std::string_view text, std::size_t max = 120) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text.substr(0, max)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4U];
      out += kHex[byte & 0xFU];
    }
  }
  if (text.size() > max) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

// Bad text as it appears inside a JSON string literal (between the quotes).
struct BadText {
  const char* name;
  std::string json_literal;
  // True when the JSON itself is valid, so the field's own validation must
  // refuse it and name the field.
  bool names_field;
};

std::vector<BadText> bad_texts() {
  return {
      {"raw 0xFF byte", "ab\xFF"s "cd", false},
      {"overlong '/' (C0 AF)", "a\xC0\xAF" "b", false},
      {"truncated 3-byte sequence", "ab\xE2\x82", false},
      {"UTF-8 encoded surrogate (ED A0 80)", "a\xED\xA0\x80" "b", false},
      {"code point above U+10FFFF (F4 90 80 80)", "a\xF4\x90\x80\x80", false},
      {"lone continuation byte", "\x80" "abc", false},
      {"raw NUL byte", "ab\0cd"s, false},
      {"lone surrogate escape", "ab\\ud800cd", false},
      {"NUL escape", "ab\\u0000cd", true},
      {"NUL escape alone", "\\u0000", true},
  };
}

// One JSON body with `field` set to a raw literal and the other fields valid.
struct BodyTemplate {
  const char* method;
  std::string path;
  HeaderList headers;
  // field name -> valid JSON string literal (without quotes)
  std::vector<std::pair<std::string, std::string>> fields;
};

std::string body_with(const BodyTemplate& t, const std::string& field, const std::string& literal) {
  std::string body = "{";
  for (const auto& [name, valid] : t.fields) {
    if (body.size() > 1) body += ",";
    body += "\"" + name + "\":\"" + (name == field ? literal : valid) + "\"";
  }
  return body + "}";
}

// A plain POSIX socket for what the test client cannot do: half-close after
// a lying Content-Length, and read everything until the server closes.
class Socket {
 public:
  explicit Socket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Like send_all, but gives up when the peer stops reading for `timeout`.
  bool send_within(std::string_view bytes, std::chrono::milliseconds timeout) {
    while (!bytes.empty()) {
      pollfd entry{fd_, POLLOUT, 0};
      if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) return false;
      if ((entry.revents & (POLLERR | POLLHUP)) != 0) return false;
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Everything received until the peer closes; nullopt if it stays open
  // past the deadline.
  std::optional<std::string> read_until_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string received;
    char buffer[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return received;  // closed (0) or reset (-1)
      received.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
};

// What comes back on a raw connection: nothing (closed), or a 4xx with a
// detail in the body.
void check_refused_or_closed(RawConnection& raw, const std::string& what) {
  INFO(what);
  const auto response = raw.read_response(std::chrono::seconds{10});
  if (!response) return;  // closed without an answer: allowed for broken HTTP
  INFO(describe(*response));
  CHECK(is_4xx(*response));
  CHECK(has_detail(*response));
}

}  // namespace

TEST_CASE("invalid UTF-8 and NUL in every JSON string field are 422 with a detail",
          "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "badtext");
  const auto task = create_task(client, account, {{"title", "target"}});
  const std::string task_path = "/api/tasks/" + std::to_string(task.at("id").as_int64());
  const std::string task_fields_due = "2026-12-01T10:30:00Z";
  const std::vector<std::pair<std::string, std::string>> task_fields = {
      {"title", "ok"}, {"description", "d"}, {"tags", "a,b"}, {"priority", "high"}, {"due_date", task_fields_due}};

  const std::vector<BodyTemplate> templates = {
      {"POST", "/auth/signup", json_content(),
       {{"email", unique_email("never")}, {"password", std::string(kPassword)}, {"username", "never_made"}}},
      {"POST", "/api/auth/signup", json_content(),
       {{"email", unique_email("never")}, {"password", std::string(kPassword)}}},
      {"POST", "/auth/login", json_content(), {{"email", account.email}, {"password", account.password}}},
      {"POST", "/api/auth/signin", json_content(), {{"email", account.email}, {"password", account.password}}},
      {"POST", "/auth/password", json_bearer(account.token),
       {{"current_password", account.password}, {"new_password", "another password"}}},
      {"POST", "/api/tasks", json_bearer(account.token), task_fields},
      {"PUT", task_path, json_bearer(account.token), task_fields},
      {"PATCH", task_path, json_bearer(account.token), task_fields},
  };
  for (const auto& t : templates) {
    for (const auto& [field, valid] : t.fields) {
      for (const auto& bad : bad_texts()) {
        const std::string body = body_with(t, field, bad.json_literal);
        INFO(t.method << " " << t.path << " field " << field << ": " << bad.name << "\n" << printable(body));
        const auto response = client.request(t.method, t.path, body, t.headers);
        INFO(describe(response));
        CHECK(is_validation_error(response));
        if (bad.names_field) CHECK(validation_mentions(response, field));
      }
    }
  }
  // Nothing slipped through: the password still works, the task is unchanged
  // and no other task was created.
  E2E_CHECK_STATUS(client.request("POST", "/auth/login",
                                  dump(json::object{{"email", account.email}, {"password", account.password}}),
                                  json_content()),
                   200);
  const auto listed = client.request("GET", "/api/tasks", {}, bearer(account.token));
  E2E_REQUIRE_STATUS(listed, 200);
  const auto items = body_array(listed);
  REQUIRE(items.size() == 1);
  CHECK(items.at(0).at("title") == "target");
  require_still_serving("bad text in JSON fields");
}

TEST_CASE("invalid UTF-8 and NUL in the login form and in query parameters are 422 with a detail",
          "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "badquery");
  create_task(client, account, {{"title", "present"}});
  const HeaderList form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  const std::string email = url_encode(account.email);
  for (const char* bad : {"%FF", "ab%C0%AFcd", "%ED%A0%80", "%00", "ab%00cd", "%F4%90%80%80"}) {
    INFO("form value " << bad);
    const auto in_user = client.request("POST", "/auth/login", "username="s + bad + "&password=whatever1", form);
    INFO(describe(in_user));
    CHECK(validation_mentions(in_user, "username"));
    const auto in_password =
        client.request("POST", "/auth/login", "username=" + email + "&password=" + bad, form);
    INFO(describe(in_password));
    CHECK(validation_mentions(in_password, "password"));
  }
  for (const char* name : {"search", "tag", "priority", "sort_by", "order", "status", "completed", "limit",
                           "offset", "unknown_parameter"}) {
    for (const char* bad : {"%FF", "a%C0%AFb", "%00", "a%00b", "%ED%A0%80"}) {
      const std::string target = "/api/tasks?"s + name + "=" + bad;
      INFO(target);
      const auto response = client.request("GET", target, {}, bearer(account.token));
      INFO(describe(response));
      CHECK(is_validation_error(response));
    }
  }
  // The parameter's name is client text too, and it is echoed in `loc`:
  // the answer must still be valid UTF-8 JSON.
  for (const char* target : {"/api/tasks?%FF=%FF", "/api/tasks?%FF%FE=%00", "/api/tasks?a%C0=%C0"}) {
    INFO(target);
    const auto response = client.request("GET", target, {}, bearer(account.token));
    INFO(describe(response));
    CHECK(is_validation_error(response));
  }
  require_still_serving("bad text in the query");
}

TEST_CASE("raw control and non-ASCII bytes in the request line get a 4xx or a closed connection",
          "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "rawline");
  const std::string auth = "Authorization: Bearer " + account.token + "\r\n";
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"raw 0xFF in the query", "GET /api/tasks?search=\xFF\xFE HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n"},
      {"raw 0xFF in the path", "GET /api/tasks/\xFF HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n"},
      {"raw NUL in the query", "GET /api/tasks?search=a\0b HTTP/1.1\r\nHost: a\r\n"s + auth + "\r\n"},
      {"raw NUL in the path", "GET /heal\0thz HTTP/1.1\r\nHost: a\r\n\r\n"s},
      {"NUL in a header value", "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Bad: a\0b\r\n\r\n"s},
      {"0xFF in a header name", "GET /healthz HTTP/1.1\r\nHost: a\r\nX-\xFF: b\r\n\r\n"},
      {"bare LF line endings with NUL", "GET /healthz\0 HTTP/1.1\nHost: a\n\n"s},
  };
  for (const auto& [name, bytes] : cases) {
    RawConnection raw(shared_port());
    raw.send(bytes);
    check_refused_or_closed(raw, name);
    require_still_serving(name);
  }
}

TEST_CASE("pathological JSON: deep nesting, huge and odd numbers, duplicate keys, huge arrays",
          "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "patho");
  const auto task = create_task(client, account, {{"title", "target"}});
  const std::string task_path = "/api/tasks/" + std::to_string(task.at("id").as_int64());
  const HeaderList headers = json_bearer(account.token);

  std::string hundred_thousand = "[";
  for (int i = 0; i < 100000; ++i) hundred_thousand += i == 0 ? "1" : ",1";
  hundred_thousand += "]";
  std::string hundred_thousand_objects = "[";
  for (int i = 0; i < 100000; ++i) hundred_thousand_objects += i == 0 ? "{}" : ",{}";
  hundred_thousand_objects += "]";
  const std::string deep_arrays = std::string(10000, '[') + std::string(10000, ']');
  std::string deep_objects;
  for (int i = 0; i < 10000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(10000, '}');

  struct Case {
    std::string name;
    std::string method;
    std::string path;
    std::string body;
  };
  std::vector<Case> cases = {
      {"10,000 nested arrays", "POST", "/api/tasks", deep_arrays},
      {"10,000 nested objects", "POST", "/api/tasks", deep_objects},
      {"10,000 nested arrays as the title", "POST", "/api/tasks", "{\"title\":" + deep_arrays + "}"},
      {"10,000 nested objects on signup", "POST", "/auth/signup", deep_objects},
      {"10,000 nested arrays on login", "POST", "/auth/login", deep_arrays},
      {"10,000 nested arrays on complete", "PATCH", task_path + "/complete", deep_arrays},
      {"100,000-element array as the body", "POST", "/api/tasks", hundred_thousand},
      {"100,000 objects as the body", "PUT", task_path, hundred_thousand_objects},
      {"100,000-element array as the title", "POST", "/api/tasks", "{\"title\":" + hundred_thousand + "}"},
      {"100,000-element array as tags", "POST", "/api/tasks",
       "{\"title\":\"x\",\"tags\":" + hundred_thousand + "}"},
      {"100,000-element array as the email", "POST", "/auth/signup",
       "{\"email\":" + hundred_thousand + ",\"password\":\"12345678\"}"},
      {"100,000-element array as completed", "PATCH", task_path + "/complete",
       "{\"completed\":" + hundred_thousand + "}"},
  };
  // Every number where a string or a boolean belongs.
  // (1e-999999 underflows to 0.0, which is false, as in pydantic: only
  // string fields refuse it, see the -0 section.)
  for (const char* number : {"1e999", "-1e999", "18446744073709551616", "-9223372036854775809",
                             "123456789012345678901234567890"}) {
    const std::string n(number);
    cases.push_back({"title " + n, "POST", "/api/tasks", "{\"title\":" + n + "}"});
    cases.push_back({"completed " + n + " on create", "POST", "/api/tasks",
                     "{\"title\":\"x\",\"completed\":" + n + "}"});
    cases.push_back({"completed " + n + " on update", "PATCH", task_path, "{\"completed\":" + n + "}"});
    cases.push_back({"completed " + n + " on complete", "PATCH", task_path + "/complete",
                     "{\"completed\":" + n + "}"});
    cases.push_back({"priority " + n, "PUT", task_path, "{\"priority\":" + n + "}"});
    cases.push_back({"due_date " + n, "PUT", task_path, "{\"due_date\":" + n + "}"});
    cases.push_back({"email " + n, "POST", "/auth/signup", "{\"email\":" + n + ",\"password\":\"12345678\"}"});
    cases.push_back({"password " + n, "POST", "/auth/login", "{\"email\":\"a@b.co\",\"password\":" + n + "}"});
  }
  // Duplicate keys: the last one wins (as in Python's json, so as in the
  // replaced backend), and it is that value which is validated.
  cases.push_back({"duplicate title, last not a string", "POST", "/api/tasks", R"({"title":"ok","title":123})"});
  cases.push_back({"duplicate title, last has NUL", "POST", "/api/tasks", R"({"title":"ok","title":"a\u0000"})"});
  cases.push_back({"duplicate completed, last not a bool", "PATCH", task_path + "/complete",
                   R"({"completed":true,"completed":"maybe"})"});
  cases.push_back({"duplicate password, last too short", "POST", "/auth/signup",
                   "{\"email\":\"" + unique_email("dup") + R"(","password":"long enough 1","password":"short"})"});

  SECTION("each is 422 in the list form") {
    for (const auto& c : cases) {
      INFO(c.name << ": " << c.method << " " << c.path << "\n" << printable(c.body));
      const auto response = client.request(c.method, c.path, c.body, headers);
      INFO(describe(response));
      CHECK(is_validation_error(response));
    }
    require_still_serving("pathological JSON");
  }

  SECTION("duplicate keys that end valid are read with the last value") {
    const auto created = client.request("POST", "/api/tasks", R"({"title":123,"title":"last wins"})", headers);
    E2E_REQUIRE_STATUS(created, 201);
    CHECK(body_object(created).at("title") == "last wins");
  }
  SECTION("-0 is the integer 0: false for a boolean, 0 for offset, below 1 for limit") {
    const auto created = client.request("POST", "/api/tasks", R"({"title":"minus zero","completed":-0})", headers);
    E2E_REQUIRE_STATUS(created, 201);
    CHECK(body_object(created).at("completed") == false);
    const auto set = client.request("PATCH", task_path + "/complete", R"({"completed":-0.0})", headers);
    E2E_REQUIRE_STATUS(set, 200);
    CHECK(body_object(set).at("completed") == false);
    const auto tiny = client.request("PATCH", task_path + "/complete", R"({"completed":1e-999999})", headers);
    E2E_REQUIRE_STATUS(tiny, 200);
    CHECK(body_object(tiny).at("completed") == false);
    CHECK(validation_mentions(client.request("POST", "/api/tasks", R"({"title":1e-999999})", headers), "title"));
    E2E_CHECK_STATUS(client.request("GET", "/api/tasks?offset=-0", {}, bearer(account.token)), 200);
    CHECK(validation_mentions(client.request("GET", "/api/tasks?limit=-0", {}, bearer(account.token)), "limit"));
  }
  SECTION("ids and user_id in a body never change ownership, whatever their size") {
    for (const char* number : {"1e999", "18446744073709551616", "-0", "0"}) {
      const std::string body = "{\"title\":\"mine\",\"id\":"s + number + ",\"user_id\":" + number + "}";
      INFO(body);
      const auto created = client.request("POST", "/api/tasks", body, headers);
      E2E_REQUIRE_STATUS(created, 201);
      CHECK(body_object(created).at("user_id") == account.id);
    }
  }
}

TEST_CASE("odd numbers in query parameters are 422 with a detail", "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "querynum");
  for (const char* name : {"limit", "offset", "completed"}) {
    for (const char* value : {"1e999", "18446744073709551616", "9999999999999999999999", "-1", "1.5", "0x10",
                              "%201%20x", "abc", ""}) {
      const std::string target = "/api/tasks?"s + name + "=" + value;
      const auto response = client.request("GET", target, {}, bearer(account.token));
      INFO(target << "\n" << describe(response));
      if (std::string_view(name) == "offset" && std::string_view(value) == "-1") {
        CHECK(validation_mentions(response, "offset"));
      } else {
        CHECK(is_validation_error(response));
      }
    }
  }
  // The largest offset is a valid, empty page.
  const auto far = client.request("GET", "/api/tasks?offset=9223372036854775807", {}, bearer(account.token));
  E2E_CHECK_STATUS(far, 200);
  CHECK(far.body == "[]");
  require_still_serving("numbers in the query");
}

TEST_CASE("task ids 0, -1, 9999999999999999999999 and abc are 404 or 422 with a detail on every task route",
          "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "ids");
  create_task(client, account, {{"title", "keep me"}});
  struct IdCase {
    const char* id;
    int status;
  };
  const std::vector<IdCase> ids = {
      {"0", 404},     {"-1", 404},     {"9999999999999999999999", 404}, {"18446744073709551616", 404},
      {"-0", 404},    {"abc", 422},    {"1e3", 422},                    {"1.0", 422},
      {"0x1", 422},   {"%00", 422},    {"1%00", 422},                   {"%FF", 422},
      {"..", 422},    {"%2e%2e", 422}, {"%20", 422},
  };
  const std::vector<std::pair<const char*, std::string>> routes = {
      {"GET", ""}, {"PUT", ""}, {"PATCH", ""}, {"DELETE", ""}, {"PATCH", "/complete"}};
  for (const auto& [id, status] : ids) {
    for (const auto& [method, suffix] : routes) {
      const std::string path = "/api/tasks/"s + id + suffix;
      const bool has_body = std::string_view(method) == "PUT" || std::string_view(method) == "PATCH";
      const auto response = client.request(method, path, has_body ? R"({"title":"changed"})" : "",
                                           has_body ? json_bearer(account.token) : bearer(account.token));
      INFO(method << " " << path << "\n" << describe(response));
      CHECK(response.status == status);
      CHECK(has_detail(response));
    }
  }
  const auto listed = client.request("GET", "/api/tasks", {}, bearer(account.token));
  E2E_REQUIRE_STATUS(listed, 200);
  REQUIRE(body_array(listed).size() == 1);
  CHECK(body_array(listed).at(0).at("title") == "keep me");
  require_still_serving("odd task ids");
}

TEST_CASE("%00, .. and %2e%2e in paths never reach a file or another route", "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "paths");
  for (const char* path :
       {"/%00", "/healthz%00", "/auth/me%00", "/api/tasks%00", "/api/%00tasks", "/static/%00",
        "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..",
        "/static/%2e%2e", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/tasks/../../etc/passwd",
        "/api/../healthz/..", "/auth/../api/tasks", "/static/app.js%00.html", "/static/%2e%2e%5c%2e%2e%5cwin.ini"}) {
    INFO(path);
    const auto response = client.request("GET", path, {}, bearer(account.token));
    INFO(describe(response));
    CHECK(is_4xx(response));
    CHECK(has_detail(response));
    CHECK(response.body.find("root:") == std::string::npos);
  }
  require_still_serving("odd paths");
}

TEST_CASE("a title of 255 emoji is accepted and one of 256 is 422 (characters, not bytes)",
          "[e2e][hostile]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "emoji");
  std::string emoji_255;
  for (int i = 0; i < 255; ++i) emoji_255 += "\xF0\x9F\x98\x80";  // U+1F600, 4 bytes each
  const std::string emoji_256 = emoji_255 + "\xF0\x9F\x98\x80";

  const auto created = client.request("POST", "/api/tasks", dump(json::object{{"title", emoji_255}}),
                                      json_bearer(account.token));
  E2E_REQUIRE_STATUS(created, 201);
  const auto task = body_object(created);
  CHECK(task.at("title") == json::value(emoji_255));
  const std::string path = "/api/tasks/" + std::to_string(task.at("id").as_int64());
  E2E_CHECK_STATUS(client.request("PUT", path, dump(json::object{{"title", emoji_255}}), json_bearer(account.token)),
                   200);

  const auto too_long = client.request("POST", "/api/tasks", dump(json::object{{"title", emoji_256}}),
                                       json_bearer(account.token));
  INFO(describe(too_long));
  CHECK(validation_mentions(too_long, "title"));
  const auto update_too_long = client.request("PATCH", path, dump(json::object{{"title", emoji_256}}),
                                              json_bearer(account.token));
  INFO(describe(update_too_long));
  CHECK(validation_mentions(update_too_long, "title"));
  // Escaped as surrogate pairs in the JSON, the count is the same.
  std::string escaped_255 = "{\"title\":\"";
  for (int i = 0; i < 255; ++i) escaped_255 += "\\ud83d\\ude00";
  E2E_CHECK_STATUS(client.request("POST", "/api/tasks", escaped_255 + "\"}", json_bearer(account.token)), 201);
  E2E_CHECK_STATUS(client.request("POST", "/api/tasks", escaped_255 + "\\ud83d\\ude00\"}", json_bearer(account.token)),
                   422);
  require_still_serving("emoji titles");
}

TEST_CASE("Content-Length lies, conflicting framing and oversized chunked bodies are refused",
          "[e2e][hostile][http]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "framing");
  const std::string auth = "Authorization: Bearer " + account.token + "\r\n";
  const std::string head = "POST /api/tasks HTTP/1.1\r\nHost: a\r\n" + auth + "Content-Type: application/json\r\n";
  const std::string body = R"({"title":"framed"})";

  SECTION("Content-Length shorter than the body: the cut body is 422, the rest is not a request") {
    RawConnection raw(shared_port());
    REQUIRE(raw.send(head + "Content-Length: 5\r\n\r\n" + body));
    const auto first = raw.read_response();
    REQUIRE(first.has_value());
    INFO(describe(*first));
    CHECK(is_validation_error(*first));
    check_refused_or_closed(raw, "the body's tail read as a request");
  }
  SECTION("Content-Length longer than the body: nothing is answered and the connection closes") {
    Socket socket(shared_port());
    REQUIRE(socket.send_all(head + "Content-Length: 500\r\n\r\n" + body));
    socket.shutdown_write();
    const auto received = socket.read_until_closed(std::chrono::seconds{12});
    REQUIRE(received.has_value());
    INFO(printable(*received, 400));
    CHECK((received->empty() || received->rfind("HTTP/1.1 4", 0) == 0));
  }
  SECTION("both Content-Length and Transfer-Encoding: 400 or closed, never a task") {
    for (const std::string& framing :
         {"Content-Length: 18\r\nTransfer-Encoding: chunked\r\n"s, "Transfer-Encoding: chunked\r\nContent-Length: 18\r\n"s}) {
      RawConnection raw(shared_port());
      raw.send(head + framing + "\r\n12\r\n" + body + "\r\n0\r\n\r\n");
      check_refused_or_closed(raw, framing);
    }
  }
  SECTION("other framing lies: two lengths, negative or huge length, bad chunk size") {
    for (const std::string& framing :
         {"Content-Length: 18\r\nContent-Length: 19\r\n"s, "Content-Length: 18, 19\r\n"s, "Content-Length: -1\r\n"s,
          "Content-Length: 99999999999999999999999\r\n"s, "Content-Length: 1e3\r\n"s,
          "Content-Length: 18\r\nContent-Length: 18\r\nContent-Length: 19\r\n"s}) {
      RawConnection raw(shared_port());
      raw.send(head + framing + "\r\n" + body);
      check_refused_or_closed(raw, framing);
    }
    for (const std::string& chunks : {"zz\r\n"s + body + "\r\n0\r\n\r\n", "-12\r\n"s + body + "\r\n0\r\n\r\n",
                                      "FFFFFFFFFFFFFFFFFFFF\r\n"s + body + "\r\n0\r\n\r\n"}) {
      RawConnection raw(shared_port());
      raw.send(head + "Transfer-Encoding: chunked\r\n\r\n" + chunks);
      check_refused_or_closed(raw, chunks);
    }
  }
  SECTION("a chunked body over 1 MiB is 413 with a detail") {
    RawConnection raw(shared_port());
    std::string text = head + "Transfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(32U * 1024U, 'y');
    for (int i = 0; i < 40; ++i) text += "8000\r\n" + chunk + "\r\n";
    text += "0\r\n\r\n";
    raw.send(text);
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 413);
    CHECK(has_string_detail(*response));
  }
  SECTION("one chunk declaring more than 1 MiB is 413 before its data arrives") {
    RawConnection raw(shared_port());
    REQUIRE(raw.send(head + "Transfer-Encoding: chunked\r\n\r\n200000\r\n"));
    const auto response = raw.read_response(std::chrono::seconds{5});
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 413);
    CHECK(has_string_detail(*response));
  }
  // None of the lies created a task.
  const auto listed = client.request("GET", "/api/tasks", {}, bearer(account.token));
  E2E_REQUIRE_STATUS(listed, 200);
  CHECK(body_array(listed).empty());
  require_still_serving("framing lies");
}

// SPEC §6 (RFC 9112): framing a proxy could read another way is refused and
// the connection closed, so nothing after it is read as a second request.
// On the first build each of these was read (by Content-Length or as no
// body), answered 422, and `GET /smuggled` behind it was answered 404.
TEST_CASE("request smuggling: a Transfer-Encoding other than chunked, TE in HTTP/1.0 and a missing or "
          "doubled Host are refused and the connection closes",
          "[e2e][hostile][http][smuggling]") {
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
  // `status` 501 means "501, or 400 when Beast already refuses the field's
  // syntax" (SPEC §6 allows either for an unknown coding).
  const auto expect_refused_then_closed = [&](const std::string& request, int status, const std::string& what) {
    INFO(what);
    RawConnection raw(shared_port());
    REQUIRE(raw.send(request + smuggled));
    const auto response = raw.read_response(std::chrono::seconds{10});
    REQUIRE(response.has_value());
    INFO(describe(*response));
    CHECK((response->status == status || (status == 501 && response->status == 400)));
    CHECK(has_string_detail(*response));
    CHECK(response->header("Connection") == std::optional<std::string>("close"));
    // No answer to the smuggled request: the server closed the connection.
    CHECK_FALSE(raw.read_response(std::chrono::seconds{5}).has_value());
  };
  const std::string login = "POST /auth/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n";
  for (const std::string te : {"gzip", "identity", "xchunked", "chunked, gzip", "gzip, chunked", "chunked;q=1",
                               "Chunked, chunked"}) {
    expect_refused_then_closed(login + "Transfer-Encoding: " + te + "\r\nContent-Length: 2\r\n\r\n{}", 501,
                               "TE " + te + " with Content-Length");
    expect_refused_then_closed(login + "Transfer-Encoding: " + te + "\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 501,
                               "TE " + te + " alone");
  }
  // Two fields that together say "gzip, chunked".
  expect_refused_then_closed(login + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                             501, "TE split over two fields");
  expect_refused_then_closed(
      "POST /auth/login HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n",
      400, "HTTP/1.0 with chunked");
  expect_refused_then_closed("GET /healthz HTTP/1.1\r\n\r\n", 400, "no Host");
  expect_refused_then_closed("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts");
  // TE with CL, either order: Beast's own 400, and the connection closes too.
  expect_refused_then_closed(login + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                             400, "TE chunked then CL");
  expect_refused_then_closed(login + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                             400, "CL then TE chunked");

  // What stays allowed: exactly one chunked (any case) is read and the
  // connection lives on; HTTP/1.0 without Host is fine.
  RawConnection raw(shared_port());
  REQUIRE(raw.send(login + "Transfer-Encoding: CHUNKED\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + smuggled));
  const auto chunked = raw.read_response();
  REQUIRE(chunked.has_value());
  CHECK(chunked->status == 422);
  const auto next = raw.read_response();
  REQUIRE(next.has_value());
  CHECK(next->status == 404);
  RawConnection old(shared_port());
  REQUIRE(old.send("GET /healthz HTTP/1.0\r\n\r\n"));
  const auto healthz = old.read_response();
  REQUIRE(healthz.has_value());
  CHECK(healthz->status == 200);
  require_still_serving("smuggling");
}

TEST_CASE("a header flood and a 1 MB request line are refused with a detail", "[e2e][hostile][http]") {
  SECTION("5,000 tiny headers: 431") {
    std::string text = "GET /healthz HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 5000; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
    RawConnection raw(shared_port());
    raw.send(text + "\r\n");
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 431);
    CHECK(has_string_detail(*response));
  }
  SECTION("5,000 copies of one header: 431") {
    std::string text = "GET /healthz HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 5000; ++i) text += "A: b\r\n";
    RawConnection raw(shared_port());
    raw.send(text + "\r\n");
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 431);
    CHECK(has_string_detail(*response));
  }
  SECTION("1,500 tiny headers within 16 KiB are simply served") {
    std::string text = "GET /healthz HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 1500; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
    REQUIRE(text.size() < 16U * 1024U);
    RawConnection raw(shared_port());
    raw.send(text + "\r\n");
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    E2E_CHECK_STATUS(*response, 200);
  }
  SECTION("a 1 MB request line: 414 or 431 with a detail") {
    RawConnection raw(shared_port());
    raw.send("GET /api/tasks?search=" + std::string(1000000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n");
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    INFO(describe(*response));
    CHECK((response->status == 414 || response->status == 431));
    CHECK(has_string_detail(*response));
  }
  SECTION("a 1 MB path: 414 or 431 with a detail") {
    RawConnection raw(shared_port());
    raw.send("GET /" + std::string(1000000, 'p') + " HTTP/1.1\r\nHost: a\r\n\r\n");
    const auto response = raw.read_response();
    REQUIRE(response.has_value());
    INFO(describe(*response));
    CHECK((response->status == 414 || response->status == 431));
    CHECK(has_string_detail(*response));
  }
  SECTION("a 1 MB method: a 4xx or a closed connection") {
    RawConnection raw(shared_port());
    raw.send(std::string(1000000, 'G') + " / HTTP/1.1\r\nHost: a\r\n\r\n");
    check_refused_or_closed(raw, "1 MB method");
  }
  require_still_serving("header flood");
}

namespace {

bool has_no_store(const HttpResponse& response) {
  const std::string value = response.header("Cache-Control").value_or("");
  return value.find("no-store") != std::string::npos;
}

// SPEC §3: nosniff on every response, and no Server header at all (so no
// version banner either).
void check_security_headers(const HttpResponse& response, const std::string& what, bool auth) {
  INFO(what << "\n" << describe(response));
  CHECK(response.header("X-Content-Type-Options") == std::optional<std::string>("nosniff"));
  CHECK(response.header_count("Server") == 0);
  if (auth) CHECK(has_no_store(response));
}

HttpResponse raw_exchange(std::uint16_t port, const std::string& bytes) {
  RawConnection raw(port);
  raw.send(bytes);
  const auto response = raw.read_response(std::chrono::seconds{10});
  REQUIRE(response.has_value());
  return *response;
}

}  // namespace

TEST_CASE("every /auth/* and /api/* answer, errors and server-made ones included, has no-store; "
          "every answer has nosniff and no Server header",
          "[e2e][hostile][headers]") {
  Environment env = server_environment(PgCluster::shared().fresh_database("hdrs"));
  env = with_variable(env, "LOGIN_MAX_FAILURES", "1");
  env = with_variable(env, "SIGNUP_PER_ADDRESS", "3");
  ServerProcess server(env);
  const std::uint16_t port = server.port();
  HttpClient client(port);
  const auto account = signup(client, "hdrs");
  const std::string credentials =
      dump(json::object{{"email", account.email}, {"password", account.password}});
  const std::string wrong = dump(json::object{{"email", account.email}, {"password", "wrong-password"}});
  const HeaderList text_plain = {{"Content-Type", "text/plain"}};

  std::vector<std::pair<std::string, HttpResponse>> auth;
  for (const std::string base : {"/auth", "/api/auth"}) {
    auth.emplace_back(base + "/signup 201",
                      client.request("POST", base + "/signup",
                                     dump(json::object{{"email", unique_email("h")}, {"password", std::string(kPassword)}}),
                                     json_content()));
    auth.emplace_back(base + "/signup 409", client.request("POST", base + "/signup", credentials, json_content()));
    auth.emplace_back(base + "/signup 422", client.request("POST", base + "/signup", "{}", json_content()));
    auth.emplace_back(base + "/signup 415", client.request("POST", base + "/signup", credentials, text_plain));
    auth.emplace_back(base + "/signup 405", client.request("GET", base + "/signup"));
  }
  for (const std::string path : {"/auth/login", "/api/auth/signin", "/api/auth/login"}) {
    auth.emplace_back(path + " 200", client.request("POST", path, credentials, json_content()));
    auth.emplace_back(path + " 422", client.request("POST", path, "[]", json_content()));
    auth.emplace_back(path + " 415", client.request("POST", path, credentials, text_plain));
    auth.emplace_back(path + " 405", client.request("DELETE", path));
    auth.emplace_back(path + " HEAD 405", client.request("HEAD", path));
    auth.emplace_back(path + " preflight",
                      client.request("OPTIONS", path, {},
                                     {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "POST"}}));
  }
  auth.emplace_back("login 401", client.request("POST", "/auth/login", wrong, json_content()));
  for (const std::string path : {"/auth/login", "/api/auth/signin", "/api/auth/login"}) {
    const auto throttled = client.request("POST", path, wrong, json_content());
    E2E_CHECK_STATUS(throttled, 429);
    auth.emplace_back(path + " 429", throttled);
  }
  const auto signup_throttled = client.request(
      "POST", "/api/auth/signup",
      dump(json::object{{"email", unique_email("h")}, {"password", std::string(kPassword)}}), json_content());
  E2E_CHECK_STATUS(signup_throttled, 429);
  auth.emplace_back("/api/auth/signup 429", signup_throttled);
  auth.emplace_back("me 401", client.request("GET", "/auth/me", {}, bearer("not-a-token")));
  auth.emplace_back("me HEAD 401", client.request("HEAD", "/auth/me"));
  auth.emplace_back("me 200", client.request("GET", "/auth/me", {}, bearer(account.token)));
  auth.emplace_back("password 415", client.request("POST", "/auth/password", "x",
                                                   {{"Authorization", "Bearer " + account.token},
                                                    {"Content-Type", "text/plain"}}));
  auth.emplace_back("unknown /auth path 404", client.request("GET", "/auth/nope"));
  // Answers the server makes itself, before the handler sees the request.
  const std::string big = "Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n";
  auth.emplace_back("413 early", raw_exchange(port, "POST /auth/signup HTTP/1.1\r\nHost: a\r\n" + big));
  auth.emplace_back("413 /api/auth", raw_exchange(port, "POST /api/auth/signin HTTP/1.1\r\nHost: a\r\n" + big));
  auth.emplace_back("413 absolute-form target",
                    raw_exchange(port, "POST http://127.0.0.1/auth/login HTTP/1.1\r\nHost: a\r\n" + big));
  auth.emplace_back("413 percent-encoded path", raw_exchange(port, "POST /%61uth/login HTTP/1.1\r\nHost: a\r\n" + big));
  {
    std::string chunked = "POST /auth/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) chunked += "10000\r\n" + std::string(65536, 'c') + "\r\n";
    auth.emplace_back("413 chunked", raw_exchange(port, chunked + "0\r\n\r\n"));
  }
  auth.emplace_back("431", raw_exchange(port, "POST /auth/login HTTP/1.1\r\nHost: a\r\nX-Big: " +
                                                  std::string(20000, 'b') + "\r\n\r\n"));
  auth.emplace_back("400", raw_exchange(port, "POST /auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n"));
  // SPEC §6: /api/* is private data too; every answer there has no-store.
  auth.emplace_back("tasks 200", client.request("GET", "/api/tasks", {}, bearer(account.token)));
  auth.emplace_back("tasks 201", client.request("POST", "/api/tasks", R"({"title":"t"})", json_bearer(account.token)));
  auth.emplace_back("tasks 422", client.request("POST", "/api/tasks", "{}", json_bearer(account.token)));
  auth.emplace_back("task 404", client.request("GET", "/api/tasks/999999999", {}, bearer(account.token)));
  auth.emplace_back("tasks 401", client.request("GET", "/api/tasks"));
  auth.emplace_back("task 422 id", client.request("GET", "/api/tasks/abc", {}, bearer("x")));
  auth.emplace_back("tasks preflight", client.request("OPTIONS", "/api/tasks", {},
                                                      {{"Origin", "http://localhost:3000"},
                                                       {"Access-Control-Request-Method", "GET"}}));
  auth.emplace_back("413 tasks", raw_exchange(port, "POST /api/tasks HTTP/1.1\r\nHost: a\r\n" + big));
  auth.emplace_back("logout-all 204", client.request("POST", "/auth/logout-all", {}, bearer(account.token)));
  for (const auto& [name, response] : auth) check_security_headers(response, name, true);

  // Everything else: nosniff and no Server header (no-store not required).
  std::vector<std::pair<std::string, HttpResponse>> other;
  const auto index = client.request("GET", "/");
  other.emplace_back("web client", index);
  if (const auto etag = index.header("ETag")) {
    const auto not_modified = client.request("GET", "/", {}, {{"If-None-Match", *etag}});
    E2E_CHECK_STATUS(not_modified, 304);
    other.emplace_back("304", not_modified);
  }
  other.emplace_back("HEAD /healthz", client.request("HEAD", "/healthz"));
  other.emplace_back("400 garbage", raw_exchange(port, "GARBAGE / HTTP/1.1\r\nContent-Length: y\r\n\r\n"));
  for (const auto& [name, response] : other) check_security_headers(response, name, false);
}

TEST_CASE("the over-capacity 503 also has nosniff, no-store and no Server header",
          "[e2e][hostile][headers]") {
  Environment env = server_environment(PgCluster::shared().fresh_database("hdrcap"));
  env = with_variable(env, "MAX_CONNECTIONS", "1");
  ServerProcess server(env);
  HttpClient holder(server.port());
  E2E_REQUIRE_STATUS(holder.request("GET", "/healthz"), 200);
  RawConnection extra(server.port());
  extra.send("POST /auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
  const auto response = extra.read_response(std::chrono::seconds{5});
  REQUIRE(response.has_value());
  E2E_CHECK_STATUS(*response, 503);
  check_security_headers(*response, "503 over capacity", true);
  CHECK(has_string_detail(*response));
}

namespace {

// Resident memory of a process, from /proc (Linux), in KiB; 0 when unknown.
long resident_kib(int pid) {
  std::FILE* file = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
  if (file == nullptr) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, file) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  }
  std::fclose(file);
  return kib;
}

// Sends `prefix`, then up to `total` bytes of `filler` in 64 KiB pieces;
// returns how many filler bytes the server took before it stopped reading
// (closed, reset, or let the send stall for a second).
std::size_t flood(Socket& socket, const std::string& prefix, char filler, std::size_t total) {
  REQUIRE(socket.send_all(prefix));
  const std::string piece(64U * 1024U, filler);
  std::size_t sent = 0;
  while (sent < total) {
    if (!socket.send_within(piece, std::chrono::seconds{1})) break;
    sent += piece.size();
  }
  return sent;
}

}  // namespace

TEST_CASE("an endless chunk extension or trailer is cut off, not buffered", "[e2e][hostile][http]") {
  constexpr std::size_t kFlood = 64U * 1024U * 1024U;
  // One server per case: memory the first case freed would hide the second.
  for (const auto& [name, tail] : std::vector<std::pair<const char*, std::string>>{
           {"chunk extension", "1;ext="}, {"trailer", "2\r\n{}\r\n0\r\nX-Trailer: "}}) {
    INFO(name);
    ServerProcess server(server_environment(PgCluster::shared().fresh_database("chunkext")));
    HttpClient client(server.port());
    const auto account = signup(client, "chunkext");
    const std::string head = "POST /api/tasks HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + account.token +
                             "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    Socket socket(server.port());
    const long before = resident_kib(server.pid());
    const std::size_t taken = flood(socket, head + tail, 'e', kFlood);
    const long after = resident_kib(server.pid());
    INFO("server took " << taken / 1024 << " KiB; resident " << before << " -> " << after << " KiB");
    // The server may well read all of it (after its 400 it reads and
    // discards for a while, see linger_timeout), but must not keep it.
    // (Buffered, 64 MiB would add at least 64 MiB; an ASan build's allocator
    // adds ~8 MiB even with the cap.)
    CHECK(after - before < 32L * 1024L);
    const auto received = socket.read_until_closed(std::chrono::seconds{12});
    REQUIRE(received.has_value());
    INFO(printable(*received, 400));
    CHECK((received->empty() || received->rfind("HTTP/1.1 4", 0) == 0));
    E2E_CHECK_STATUS(HttpClient(server.port()).request("GET", "/healthz"), 200);
  }
}

// SPEC §6 limits on task data; each was accepted by the first build (an NBSP
// title was stored, the year-0 instant was a 500, the year-10000 one came
// back as "10000-01-01T04:59:59.000000Z", a 15 KB search ran for 770 ms).
TEST_CASE("blank Unicode titles, due dates outside years 0001-9999 in UTC and searches over 255 "
          "characters are 422",
          "[e2e][hostile][limits]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "limits");
  const auto post = [&](const json::object& body) {
    return client.request("POST", "/api/tasks", dump(body), json_bearer(account.token));
  };
  for (const char* blank : {"\xC2\xA0", "\xE3\x80\x80", "\xC2\xA0 \xE2\x80\xA8\xE3\x80\x80", "\xE2\x80\x83\t"}) {
    const auto refused = post({{"title", blank}});
    INFO(describe(refused));
    CHECK(is_validation_error(refused));
  }
  const auto trimmed = post({{"title", "\xE3\x80\x80" "tea\xC2\xA0"}, {"tags", "\xC2\xA0" "a ,b\xE3\x80\x80"}});
  E2E_REQUIRE_STATUS(trimmed, 201);
  CHECK(body_object(trimmed).at("title") == "tea");
  CHECK(body_object(trimmed).at("tags") == "a,b");

  for (const char* due : {"0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T04:59:59.999999+05:00"}) {
    const auto refused = post({{"title", "due"}, {"due_date", due}});
    INFO(due << ": " << describe(refused));
    CHECK(is_validation_error(refused));
    const auto id = body_object(trimmed).at("id").as_int64();
    const auto put = client.request("PATCH", "/api/tasks/" + std::to_string(id), dump(json::object{{"due_date", due}}),
                                    json_bearer(account.token));
    CHECK(is_validation_error(put));
  }
  // The edges themselves are fine and come back as sent, in UTC.
  const auto first = post({{"title", "first"}, {"due_date", "0001-01-01T05:00:00+05:00"}});
  E2E_REQUIRE_STATUS(first, 201);
  CHECK(body_object(first).at("due_date") == "0001-01-01T00:00:00.000000Z");
  const auto last = post({{"title", "last"}, {"due_date", "9999-12-31T18:59:59-05:00"}});
  E2E_REQUIRE_STATUS(last, 201);
  CHECK(body_object(last).at("due_date") == "9999-12-31T23:59:59.000000Z");
  E2E_CHECK_STATUS(post({{"title", "again"}, {"due_date", body_object(last).at("due_date")}}), 201);

  const auto search = [&](const std::string& text) {
    return client.request("GET", "/api/tasks?search=" + url_encode(text), {}, bearer(account.token));
  };
  E2E_CHECK_STATUS(search(std::string(255, 'z')), 200);
  std::string emoji_255;
  for (int i = 0; i < 255; ++i) emoji_255 += "\xF0\x9F\x98\x80";
  E2E_CHECK_STATUS(search(emoji_255), 200);
  for (const std::string& long_search : {std::string(256, 'z'), emoji_255 + "z", std::string(15000, 'z')}) {
    const auto refused = search(long_search);
    INFO(describe(refused));
    CHECK(is_validation_error(refused));
    CHECK(refused.body.find("search") != std::string::npos);
  }
  require_still_serving("limits");
}
