// /api/tasks routes: shapes, partial updates, toggling, listing, isolation
// between users and the 422/404 answers for bodies and ids.

#include <optional>
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "api_fixture.hpp"

namespace json = boost::json;
using todo::test::Api;
using todo::test::body_json;
using todo::test::detail;
using todo::test::first_loc;
using todo::test::first_type;
using todo::test::header_or_empty;

namespace {

const std::regex kTimestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");

std::string task_path(std::int64_t id) { return "/api/tasks/" + std::to_string(id); }

std::vector<std::int64_t> ids_of(const todo::http::Response& r) {
  INFO(r.body);
  REQUIRE(r.status == 200);
  const json::value list = body_json(r);
  std::vector<std::int64_t> ids;
  for (const json::value& t : list.as_array()) ids.push_back(t.at("id").as_int64());
  return ids;
}

}  // namespace

TEST_CASE("creating a task answers 201, Location and exactly the Task fields", "[http][tasks]") {
  Api api;
  const auto user = api.signup("create@example.com");
  const auto r = api.json("POST", "/api/tasks", R"({"title":"  Buy milk  "})", user.token);
  REQUIRE(r.status == 201);
  const json::object task = body_json(r).as_object();
  const std::set<std::string> keys{"id", "user_id", "title", "description", "completed", "priority",
                                   "tags", "due_date", "created_at", "updated_at"};
  std::set<std::string> got;
  for (const auto& kv : task) got.insert(std::string(kv.key()));
  CHECK(got == keys);
  CHECK(header_or_empty(r, "Location") == task_path(task.at("id").as_int64()));
  CHECK(task.at("user_id") == user.user_id);
  CHECK(task.at("title") == "Buy milk");
  CHECK(task.at("description").is_null());
  CHECK(task.at("completed") == false);
  CHECK(task.at("priority") == "medium");
  CHECK(task.at("tags").is_null());
  CHECK(task.at("due_date").is_null());
  CHECK(std::regex_match(json::value_to<std::string>(task.at("created_at")), kTimestamp));
  CHECK(task.at("created_at") == task.at("updated_at"));
  CHECK(r.header("Cache-Control") == std::optional<std::string>("no-store"));
}

TEST_CASE("the origin frontend's full task form just works", "[http][tasks]") {
  Api api;
  const auto user = api.signup("front@example.com");
  const auto r = api.json("POST", "/api/tasks",
                          R"({"title":"Report","description":"","completed":false,"priority":"high",)"
                          R"("tags":"","due_date":"2026-12-01T10:30","user_id":999,"id":5})",
                          user.token);
  REQUIRE(r.status == 201);
  const json::value t = body_json(r);
  CHECK(t.at("user_id") == user.user_id);
  CHECK(t.at("priority") == "high");
  CHECK(t.at("tags").is_null());
  CHECK(t.at("due_date") == "2026-12-01T10:30:00.000000Z");

  const auto tagged = api.json("POST", "/api/tasks", R"({"title":"T","tags":" work , Home ","due_date":null})",
                               user.token);
  REQUIRE(tagged.status == 201);
  CHECK(body_json(tagged).at("tags") == "work,Home");
}

TEST_CASE("task bodies of the wrong shape are 422 with pydantic types", "[http][tasks][422]") {
  Api api;
  const auto user = api.signup("shape@example.com");
  const auto post = [&](const std::string& body) { return api.json("POST", "/api/tasks", body, user.token); };

  const auto missing = post(R"({"description":"no title"})");
  CHECK(missing.status == 422);
  CHECK(first_loc(missing) == "body/title");
  CHECK(first_type(missing) == "missing");

  const auto number = post(R"({"title":123})");
  CHECK(number.status == 422);
  CHECK(first_loc(number) == "body/title");
  CHECK(first_type(number) == "string_type");

  const auto not_bool = post(R"({"title":"x","completed":[true]})");
  CHECK(not_bool.status == 422);
  CHECK(first_loc(not_bool) == "body/completed");
  CHECK(first_type(not_bool) == "bool_type");

  const auto bad_bool = post(R"({"title":"x","completed":"maybe"})");
  CHECK(first_type(bad_bool) == "bool_parsing");

  const auto priority = post(R"({"title":"x","priority":"urgent"})");
  CHECK(priority.status == 422);
  CHECK(first_loc(priority) == "body/priority");

  const auto empty_tag = post(R"({"title":"x","tags":"a,,b"})");
  CHECK(empty_tag.status == 422);
  CHECK(first_loc(empty_tag) == "body/tags");

  const auto due = post(R"({"title":"x","due_date":"next tuesday"})");
  CHECK(due.status == 422);
  CHECK(first_loc(due) == "body/due_date");

  const auto blank = post(R"({"title":"   "})");
  CHECK(blank.status == 422);
  CHECK(first_loc(blank) == "body/title");

  const auto nul = post(R"({"title":"a\u0000b"})");
  CHECK(nul.status == 422);
  CHECK(first_loc(nul) == "body/title");

  const auto long_title = post(json::serialize(json::object{{"title", std::string(256, 'x')}}));
  CHECK(long_title.status == 422);
  CHECK(first_loc(long_title) == "body/title");
}

TEST_CASE("malformed JSON, wrong top-level values and invalid UTF-8 are 422", "[http][tasks][422]") {
  Api api;
  const auto user = api.signup("malformed@example.com");
  const auto post = [&](const std::string& body) { return api.json("POST", "/api/tasks", body, user.token); };

  for (const std::string& body : {std::string(R"({"title": )"), std::string("{'title':'x'}"), std::string("{} {}"),
                                  std::string("{\"title\":\"\xff\xfe\"}"), std::string("{\"title\":\"\xc0\xaf\"}"),
                                  std::string(100, '[') + std::string(100, ']'), std::string("NaN")}) {
    const auto r = post(body);
    INFO(body);
    CHECK(r.status == 422);
    CHECK(first_loc(r) == "body");
    CHECK(first_type(r) == "json_invalid");
  }
  for (const char* body : {"[]", "\"title\"", "42", "true"}) {
    const auto r = post(body);
    INFO(body);
    CHECK(r.status == 422);
    CHECK(first_loc(r) == "body");
    CHECK(first_type(r) == "model_attributes_type");
  }
  const auto null_body = post("null");
  CHECK(null_body.status == 422);
  CHECK(first_type(null_body) == "missing");

  // Nesting inside the limit is fine (and ignored as an unknown field).
  CHECK(post(R"({"title":"deep","extra":[[[[[[{"a":[1e400, 123456789012345678901234567890]}]]]]]]})").status == 201);
  // Duplicate keys: the last one wins, as with Python's json.
  const auto dup = post(R"({"title":"first","title":"second"})");
  REQUIRE(dup.status == 201);
  CHECK(body_json(dup).at("title") == "second");
}

TEST_CASE("a task is read by id, bad ids are 422 and impossible ones 404", "[http][tasks]") {
  Api api;
  const auto user = api.signup("get@example.com");
  const auto id = api.create_task(user.token, R"({"title":"read me"})");

  const auto r = api.authed("GET", task_path(id), user.token);
  CHECK(r.status == 200);
  CHECK(body_json(r).at("title") == "read me");
  // The origin frontend sends Content-Type on bodiless requests.
  CHECK(api.json("GET", task_path(id), "", user.token).status == 200);

  for (const char* bad : {"abc", "1.5", "1e3", "%20", "12abc"}) {
    const auto b = api.authed("GET", std::string("/api/tasks/") + bad, user.token);
    INFO(bad);
    CHECK(b.status == 422);
    CHECK(first_loc(b) == "path/task_id");
    CHECK(first_type(b) == "int_parsing");
  }
  for (const char* none : {"0", "-1", "999999", "99999999999999999999999", "9223372036854775807"}) {
    const auto n = api.authed("GET", std::string("/api/tasks/") + none, user.token);
    INFO(none);
    CHECK(n.status == 404);
    CHECK(detail(n) == "Task not found");
  }
  // Authentication comes first, as FastAPI resolves security dependencies first.
  CHECK(api.call("GET", "/api/tasks/abc").status == 401);
}

TEST_CASE("every task route needs a valid bearer token", "[http][tasks][auth]") {
  Api api;
  struct Case {
    const char* method;
    const char* target;
  };
  for (const Case& c : {Case{"GET", "/api/tasks"}, Case{"POST", "/api/tasks"}, Case{"GET", "/api/tasks/1"},
                        Case{"PUT", "/api/tasks/1"}, Case{"PATCH", "/api/tasks/1"}, Case{"DELETE", "/api/tasks/1"},
                        Case{"PATCH", "/api/tasks/1/complete"}}) {
    INFO(c.method << " " << c.target);
    const auto none = api.json(c.method, c.target, R"({"title":"x"})");
    CHECK(none.status == 401);
    CHECK(detail(none) == "Not authenticated");
    CHECK(header_or_empty(none, "WWW-Authenticate") == "Bearer");
    const auto bad = api.json(c.method, c.target, R"({"title":"x"})", "tok.garbage");
    CHECK(bad.status == 401);
    CHECK(detail(bad) == "Could not validate credentials");
  }
}

TEST_CASE("a revoked token is 401 on every task route, even with a bad id or body or a missing task",
          "[http][tasks][auth][revocation]") {
  Api api;
  const auto user = api.signup("revoked@example.com");
  const std::string login = R"({"email":"revoked@example.com","password":")" +
                            std::string(todo::test::kPassword) + "\"}";
  const auto id = api.create_task(user.token, R"({"title":"keep me","priority":"low"})");
  const std::string path = task_path(id);
  const std::string missing = task_path(id + 100);

  struct Case {
    std::string method;
    std::string target;
    std::string body;
    std::string content_type;  // "" = application/json
    int status_when_current;   // with a current token; 0 = a success, not replayed
  };
  const std::vector<Case> cases{
      {"POST", "/api/tasks", R"({"title":"   "})", "", 422},
      {"POST", "/api/tasks", R"({"title":"x","priority":"urgent","tags":"a,,b"})", "", 422},
      {"POST", "/api/tasks", "{not json", "", 422},
      {"POST", "/api/tasks", "null", "", 422},
      {"POST", "/api/tasks", "title=x", "text/plain", 415},
      {"POST", "/api/tasks", R"({"title":"sneaked in"})", "", 0},
      {"GET", "/api/tasks/abc", "", "", 422},
      {"GET", "/api/tasks/0", "", "", 404},
      {"GET", "/api/tasks/99999999999999999999999", "", "", 404},
      {"GET", missing, "", "", 404},
      {"GET", path, "", "", 0},
      {"PUT", path, R"({"title":null})", "", 422},
      {"PUT", path, R"({"due_date":"tomorrow"})", "", 422},
      {"PUT", path, "[1]", "", 422},
      {"PUT", path, "title=x", "application/x-www-form-urlencoded", 415},
      {"PUT", "/api/tasks/1.5", R"({"title":"x"})", "", 422},
      {"PUT", missing, R"({"title":"x"})", "", 404},
      {"PUT", path, R"({"title":"changed"})", "", 0},
      {"PATCH", path, R"({"completed":null})", "", 422},
      {"PATCH", "/api/tasks/-1", R"({"title":"x"})", "", 404},
      {"PATCH", missing, R"({"title":"x"})", "", 404},
      {"PATCH", path, R"({"priority":"high"})", "", 0},
      {"PATCH", path + "/complete", R"({"completed":"perhaps"})", "", 422},
      {"PATCH", path + "/complete", "{not json", "", 422},
      {"PATCH", path + "/complete", "true", "text/plain", 415},
      {"PATCH", "/api/tasks/abc/complete", "", "", 422},
      {"PATCH", missing + "/complete", "", "", 404},
      {"PATCH", path + "/complete", "", "", 0},
      {"PATCH", path + "/complete", R"({"completed":true})", "", 0},
      {"DELETE", "/api/tasks/abc", "", "", 422},
      {"DELETE", "/api/tasks/0", "", "", 404},
      {"DELETE", missing, "", "", 404},
      {"DELETE", path, "", "", 0},
  };
  const auto send = [&](const Case& c, const std::string& token) {
    const std::string type = c.content_type.empty() ? "application/json" : c.content_type;
    return api.call(c.method, c.target, c.body, {{"Content-Type", type}, {"Authorization", "Bearer " + token}});
  };

  // With the current token: the refusals (not the successes) as they are,
  // and the log names the user.
  for (const Case& c : cases) {
    if (c.status_when_current == 0) continue;
    INFO(c.method << " " << c.target << " " << c.body);
    const auto r = send(c, user.token);
    CHECK(r.status == c.status_when_current);
    CHECK(r.log_user_id == user.user_id);
  }

  // Revoke it (logout-all from another session), then every case is 401.
  const auto other = api.json("POST", "/auth/login", login);
  REQUIRE(other.status == 200);
  const std::string other_token(body_json(other).at("access_token").as_string());
  REQUIRE(api.authed("POST", "/auth/logout-all", other_token).status == 204);
  for (const Case& c : cases) {
    INFO(c.method << " " << c.target << " " << c.body);
    const auto r = send(c, user.token);
    CHECK(r.status == 401);
    CHECK(detail(r) == "Could not validate credentials");
    CHECK(header_or_empty(r, "WWW-Authenticate") == "Bearer");
    CHECK(r.log_user_id == 0);
  }

  // Nothing was written through the revoked token.
  const auto again = api.json("POST", "/auth/login", login);
  REQUIRE(again.status == 200);
  const std::string fresh(body_json(again).at("access_token").as_string());
  const auto listed = api.authed("GET", "/api/tasks", fresh);
  CHECK(header_or_empty(listed, "X-Total-Count") == "1");
  const auto kept = api.authed("GET", path, fresh);
  REQUIRE(kept.status == 200);
  CHECK(kept.log_user_id == user.user_id);
  CHECK(body_json(kept).at("title") == "keep me");
  CHECK(body_json(kept).at("priority") == "low");
  CHECK(body_json(kept).at("completed") == false);
  CHECK(body_json(kept).at("created_at") == body_json(kept).at("updated_at"));
}

TEST_CASE("another user's task is indistinguishable from a missing one", "[http][tasks][isolation]") {
  Api api;
  const auto alice = api.signup("alice@example.com");
  const auto bob = api.signup("bob@example.com");
  const auto id = api.create_task(alice.token, R"({"title":"alice only"})");
  api.create_task(bob.token, R"({"title":"bob's"})");

  const auto missing = api.authed("GET", task_path(id + 100), bob.token);
  const auto theirs = api.authed("GET", task_path(id), bob.token);
  CHECK(theirs.status == 404);
  CHECK(theirs.body == missing.body);
  CHECK(api.json("PUT", task_path(id), R"({"title":"pwned"})", bob.token).status == 404);
  CHECK(api.json("PATCH", task_path(id), R"({"title":"pwned"})", bob.token).status == 404);
  CHECK(api.authed("PATCH", task_path(id) + "/complete", bob.token).status == 404);
  CHECK(api.authed("DELETE", task_path(id), bob.token).status == 404);

  const auto bobs_list = api.authed("GET", "/api/tasks", bob.token);
  CHECK(header_or_empty(bobs_list, "X-Total-Count") == "1");
  CHECK(body_json(bobs_list).at(0).at("title") == "bob's");

  const auto still = api.authed("GET", task_path(id), alice.token);
  CHECK(still.status == 200);
  CHECK(body_json(still).at("title") == "alice only");
  CHECK(body_json(still).at("completed") == false);
}

TEST_CASE("PUT and PATCH update only the given fields and null clears", "[http][tasks][update]") {
  Api api;
  const auto user = api.signup("update@example.com");
  const auto id = api.create_task(
      user.token, R"({"title":"orig","description":"d","tags":"a,b","due_date":"2026-12-01","priority":"low"})");
  api.clock().advance(std::chrono::seconds(5));

  const auto put = api.json("PUT", task_path(id), R"({"title":"renamed"})", user.token);
  REQUIRE(put.status == 200);
  json::value t = body_json(put);
  CHECK(t.at("title") == "renamed");
  CHECK(t.at("description") == "d");
  CHECK(t.at("tags") == "a,b");
  CHECK(t.at("priority") == "low");
  CHECK(t.at("due_date") == "2026-12-01T00:00:00.000000Z");
  CHECK(t.at("updated_at") != t.at("created_at"));

  const auto patch = api.json("PATCH", task_path(id),
                              R"({"description":null,"tags":null,"due_date":null,"completed":true})", user.token);
  REQUIRE(patch.status == 200);
  t = body_json(patch);
  CHECK(t.at("title") == "renamed");
  CHECK(t.at("description").is_null());
  CHECK(t.at("tags").is_null());
  CHECK(t.at("due_date").is_null());
  CHECK(t.at("completed") == true);

  for (const char* field : {"title", "priority", "completed"}) {
    const auto r = api.json("PATCH", task_path(id), std::string("{\"") + field + "\":null}", user.token);
    INFO(field);
    CHECK(r.status == 422);
    CHECK(first_loc(r) == std::string("body/") + field);
  }
  const auto typed = api.json("PUT", task_path(id), R"({"description":5})", user.token);
  CHECK(typed.status == 422);
  CHECK(first_type(typed) == "string_type");

  CHECK(api.json("PUT", task_path(id), "{}", user.token).status == 200);
  CHECK(api.json("PUT", task_path(id), "", user.token).status == 422);
  CHECK(api.call("PUT", task_path(id), "title=x",
                 {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Bearer " + user.token}})
            .status == 415);
  CHECK(api.json("PUT", task_path(id + 1), R"({"title":"x"})", user.token).status == 404);
}

TEST_CASE("PATCH complete toggles without a body and sets with one", "[http][tasks][complete]") {
  Api api;
  const auto user = api.signup("toggle@example.com");
  const auto id = api.create_task(user.token, R"({"title":"flip"})");
  const std::string path = task_path(id) + "/complete";
  const auto completed = [&](const todo::http::Response& r) {
    INFO(r.body);
    REQUIRE(r.status == 200);
    return body_json(r).at("completed").as_bool();
  };

  CHECK(completed(api.authed("PATCH", path, user.token)) == true);
  CHECK(completed(api.authed("PATCH", path, user.token)) == false);
  CHECK(completed(api.json("PATCH", path, "", user.token)) == true);
  CHECK(completed(api.json("PATCH", path, "{}", user.token)) == false);
  CHECK(completed(api.json("PATCH", path, R"({"completed":null})", user.token)) == true);
  CHECK(completed(api.json("PATCH", path, "null", user.token)) == false);
  CHECK(completed(api.json("PATCH", path, R"({"completed":true})", user.token)) == true);
  CHECK(completed(api.json("PATCH", path, R"({"completed":true})", user.token)) == true);
  CHECK(completed(api.json("PATCH", path, R"({"completed":false})", user.token)) == false);
  CHECK(completed(api.json("PATCH", path + "/", R"({"completed":false})", user.token)) == false);

  const auto bad = api.json("PATCH", path, R"({"completed":"perhaps"})", user.token);
  CHECK(bad.status == 422);
  CHECK(first_loc(bad) == "body/completed");
  CHECK(api.json("PATCH", path, "{not json", user.token).status == 422);
  CHECK(api.json("PATCH", path, "[true]", user.token).status == 422);
  CHECK(api.call("PATCH", path, "completed=true",
                 {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + user.token}})
            .status == 415);
  CHECK(api.authed("PATCH", task_path(id + 1) + "/complete", user.token).status == 404);
}

TEST_CASE("DELETE answers 200 with a message, then the task is gone", "[http][tasks]") {
  Api api;
  const auto user = api.signup("delete@example.com");
  const auto id = api.create_task(user.token, R"({"title":"bye"})");
  const auto r = api.json("DELETE", task_path(id), "", user.token);
  CHECK(r.status == 200);
  CHECK(body_json(r) == json::value(json::object{{"message", "Task deleted successfully"}}));
  CHECK(api.authed("GET", task_path(id), user.token).status == 404);
  CHECK(api.authed("DELETE", task_path(id), user.token).status == 404);
}

TEST_CASE("the list filters, sorts, pages and counts", "[http][tasks][list]") {
  Api api;
  const auto user = api.signup("list@example.com");
  const auto a = api.create_task(user.token, R"({"title":"Alpha report","priority":"low","tags":"Work,urgent"})");
  api.clock().advance(std::chrono::seconds(1));
  const auto b = api.create_task(user.token,
                                 R"({"title":"beta","description":"50% done_now","priority":"high","due_date":"2026-12-05"})");
  api.clock().advance(std::chrono::seconds(1));
  const auto c = api.create_task(user.token,
                                 R"({"title":"Gamma","completed":true,"tags":"home","due_date":"2026-12-01"})");
  const auto list = [&](const std::string& query) { return api.authed("GET", "/api/tasks" + query, user.token); };

  const auto all = list("");
  CHECK(all.status == 200);
  CHECK(header_or_empty(all, "Content-Type") == "application/json");
  CHECK(header_or_empty(all, "X-Total-Count") == "3");
  CHECK(ids_of(all) == std::vector<std::int64_t>{a, b, c});

  CHECK(ids_of(list("?completed=true")) == std::vector<std::int64_t>{c});
  CHECK(ids_of(list("?completed=false")) == std::vector<std::int64_t>{a, b});
  CHECK(ids_of(list("?status=completed")) == std::vector<std::int64_t>{c});
  CHECK(ids_of(list("?status=pending")) == std::vector<std::int64_t>{a, b});
  CHECK(ids_of(list("?status=all")) == std::vector<std::int64_t>{a, b, c});
  CHECK(ids_of(list("?priority=high")) == std::vector<std::int64_t>{b});
  CHECK(ids_of(list("?tag=work")) == std::vector<std::int64_t>{a});
  CHECK(ids_of(list("?tag=URGENT")) == std::vector<std::int64_t>{a});
  CHECK(ids_of(list("?search=REPORT")) == std::vector<std::int64_t>{a});
  CHECK(ids_of(list("?search=50%25")) == std::vector<std::int64_t>{b});
  CHECK(ids_of(list("?search=done_now")) == std::vector<std::int64_t>{b});
  CHECK(ids_of(list("?search=alpha+report")) == std::vector<std::int64_t>{a});
  CHECK(ids_of(list("?search=%")) == std::vector<std::int64_t>{b});  // a stray % is literal
  CHECK(ids_of(list("?search=a_r")).empty());                         // _ is no wildcard
  CHECK(ids_of(list("?sort_by=title&order=desc")) == std::vector<std::int64_t>{c, b, a});
  CHECK(ids_of(list("?sort_by=priority")) == std::vector<std::int64_t>{b, c, a});
  CHECK(ids_of(list("?sort_by=due_date&order=asc")) == std::vector<std::int64_t>{c, b, a});
  CHECK(ids_of(list("?sort_by=created_at&order=desc")) == std::vector<std::int64_t>{c, b, a});
  CHECK(ids_of(list("?unknown=1&limit=3")) == std::vector<std::int64_t>{a, b, c});

  const auto page = list("?limit=1&offset=1");
  CHECK(ids_of(page) == std::vector<std::int64_t>{b});
  CHECK(header_or_empty(page, "X-Total-Count") == "3");
  const auto filtered = list("?completed=false&limit=1");
  CHECK(header_or_empty(filtered, "X-Total-Count") == "2");
  CHECK(ids_of(filtered).size() == 1);
  CHECK(ids_of(list("?offset=10")).empty());
  // The frontend sends Content-Type: application/json on GET too.
  CHECK(api.json("GET", "/api/tasks", "", user.token).status == 200);
}

TEST_CASE("bad list parameters are 422 located in the query", "[http][tasks][list][422]") {
  Api api;
  const auto user = api.signup("badlist@example.com");
  struct Case {
    const char* query;
    const char* loc;
  };
  for (const Case& c : {Case{"?limit=0", "query/limit"}, Case{"?limit=501", "query/limit"},
                        Case{"?limit=ten", "query/limit"}, Case{"?offset=-1", "query/offset"},
                        Case{"?priority=urgent", "query/priority"}, Case{"?sort_by=owner", "query/sort_by"},
                        Case{"?order=up", "query/order"}, Case{"?completed=maybe", "query/completed"},
                        Case{"?status=done", "query/status"}, Case{"?status=pending&completed=true", "query/status"},
                        Case{"?search=%FF", "query/search"}}) {
    const auto r = api.authed("GET", std::string("/api/tasks") + c.query, user.token);
    INFO(c.query << " -> " << r.body);
    CHECK(r.status == 422);
    CHECK(first_loc(r) == c.loc);
  }
}
