// SPEC §1 Tasks table (except listing) and §2 task data rules.
#include "e2e_support.hpp"

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

std::string task_path(std::int64_t id) { return "/api/tasks/" + std::to_string(id); }

void require_task_shape(const json::object& task) {
  INFO(dump(task));
  for (const char* key : {"id", "user_id", "title", "description", "completed", "priority", "tags",
                          "due_date", "created_at", "updated_at"}) {
    INFO(key);
    CHECK(task.contains(key));
  }
  REQUIRE(task.contains("id"));
  CHECK(task.at("id").is_int64());
  CHECK(task.at("user_id").is_int64());
  CHECK(task.at("title").is_string());
  CHECK(task.at("completed").is_bool());
  CHECK(task.at("priority").is_string());
  REQUIRE(task.at("created_at").is_string());
  REQUIRE(task.at("updated_at").is_string());
  CHECK(is_timestamp(task.at("created_at").as_string()));
  CHECK(is_timestamp(task.at("updated_at").as_string()));
  if (task.at("due_date").is_string()) CHECK(is_timestamp(task.at("due_date").as_string()));
}

HttpResponse put(HttpClient& client, const Account& account, std::int64_t id, const std::string& body,
                 const char* method = "PUT") {
  return client.request(method, task_path(id), body, json_bearer(account.token));
}

}  // namespace

TEST_CASE("POST /api/tasks answers 201 with the task, defaults and a Location header",
          "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "create");
  const auto response = client.request("POST", "/api/tasks",
                                       dump(json::object{{"title", "Buy milk"}}),
                                       json_bearer(account.token));
  E2E_REQUIRE_STATUS(response, 201);
  const auto task = body_object(response);
  require_task_shape(task);
  const auto id = task.at("id").as_int64();
  CHECK(id > 0);
  CHECK(task.at("user_id") == account.id);
  CHECK(task.at("title") == "Buy milk");
  CHECK(task.at("completed") == false);
  CHECK(task.at("priority") == "medium");
  CHECK(task.at("tags").is_null());
  CHECK(task.at("due_date").is_null());
  CHECK((task.at("description").is_null() || task.at("description") == ""));
  const auto location = response.header("Location");
  REQUIRE(location.has_value());
  const std::string suffix = task_path(id);
  CHECK(location->size() >= suffix.size());
  CHECK(location->compare(location->size() - std::min(location->size(), suffix.size()),
                          suffix.size(), suffix) == 0);

  const auto fetched = client.request("GET", task_path(id), {}, bearer(account.token));
  E2E_REQUIRE_STATUS(fetched, 200);
  CHECK(body_object(fetched) == task);
}

TEST_CASE("POST /api/tasks stores every field of the create body", "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "full");
  const auto task = create_task(client, account,
                                {{"title", "Write report"},
                                 {"description", "Quarterly numbers"},
                                 {"completed", true},
                                 {"priority", "high"},
                                 {"tags", " Work , urgent,home "},
                                 {"due_date", "2026-12-01T10:30:00Z"}});
  require_task_shape(task);
  CHECK(task.at("description") == "Quarterly numbers");
  CHECK(task.at("completed") == true);
  CHECK(task.at("priority") == "high");
  CHECK(task.at("tags") == "Work,urgent,home");
  CHECK(task.at("due_date") == "2026-12-01T10:30:00.000000Z");
}

TEST_CASE("due_date accepts RFC 3339, naive date-times and plain dates, all as UTC",
          "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "due");
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"2026-12-01T10:30", "2026-12-01T10:30:00.000000Z"},
      {"2026-12-01T10:30:15.5", "2026-12-01T10:30:15.500000Z"},
      {"2026-12-01", "2026-12-01T00:00:00.000000Z"},
      {"2026-12-01T12:30:00+02:00", "2026-12-01T10:30:00.000000Z"},
      {"2026-12-01T10:30:00.123456Z", "2026-12-01T10:30:00.123456Z"},
  };
  for (const auto& [sent, expected] : cases) {
    INFO(sent);
    const auto task = create_task(client, account, {{"title", "due"}, {"due_date", sent}});
    CHECK(task.at("due_date") == json::value(expected));
  }
  const auto task = create_task(client, account, {{"title", "no due"}, {"due_date", nullptr}});
  CHECK(task.at("due_date").is_null());
  for (const char* bad : {"tomorrow", "2026-13-01", "2026-12-01T25:00", "01/12/2026"}) {
    INFO(bad);
    const auto response = client.request("POST", "/api/tasks",
                                         dump(json::object{{"title", "x"}, {"due_date", bad}}),
                                         json_bearer(account.token));
    CHECK(is_validation_error(response));
  }
}

TEST_CASE("task validation failures answer 422 in list form", "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "taskbad");
  std::string long_accented;
  for (int i = 0; i < 256; ++i) long_accented += "\xC3\xA9";
  const std::vector<std::tuple<const char*, std::string, const char*>> cases = {
      {"missing title", R"({"description":"x"})", "title"},
      {"null title", R"({"title":null})", "title"},
      {"blank title", R"({"title":"   "})", "title"},
      {"title of 256 chars", dump(json::object{{"title", std::string(256, 't')}}), "title"},
      {"title of 256 accented chars", dump(json::object{{"title", long_accented}}), "title"},
      {"title as a number", R"({"title":12})", "title"},
      {"description of 1001 chars",
       dump(json::object{{"title", "t"}, {"description", std::string(1001, 'd')}}), "description"},
      {"tags of 501 chars", dump(json::object{{"title", "t"}, {"tags", std::string(501, 'g')}}), "tags"},
      {"an empty tag", R"({"title":"t","tags":"a,,b"})", "tags"},
      {"unknown priority", R"({"title":"t","priority":"urgent"})", "priority"},
      {"completed as a string that is no boolean", R"({"title":"t","completed":"maybe"})", "completed"},
      {"completed as an array", R"({"title":"t","completed":[true]})", "completed"},
      {"priority as a number", R"({"title":"t","priority":1})", "priority"},
      {"tags as an array", R"({"title":"t","tags":["a","b"]})", "tags"},
      {"NUL in the title", R"({"title":"a\u0000b"})", "title"},
  };
  for (const auto& [name, body, field] : cases) {
    INFO(name);
    const auto response = client.request("POST", "/api/tasks", body, json_bearer(account.token));
    INFO(describe(response));
    CHECK(is_validation_error(response));
    CHECK(validation_mentions(response, field));
  }
  for (const char* body : {"null", "[]", "\"title\"", "42", "{\"title\":", "{'title':'x'}", ""}) {
    INFO(body);
    CHECK(is_validation_error(
        client.request("POST", "/api/tasks", body, json_bearer(account.token))));
  }
  INFO("invalid UTF-8");
  CHECK(is_validation_error(
      client.request("POST", "/api/tasks", "{\"title\":\"bad \xC3\x28 byte\"}", json_bearer(account.token))));
}

TEST_CASE("lengths count characters: 255 accented characters make a valid title",
          "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "chars");
  std::string accented;
  for (int i = 0; i < 255; ++i) accented += "\xC3\xA9";
  const auto task = create_task(client, account, {{"title", accented}});
  CHECK(task.at("title") == json::value(accented));
  const auto emoji = create_task(client, account, {{"title", "\xF0\x9F\x93\x9D notes"}});
  CHECK(emoji.at("title") == "\xF0\x9F\x93\x9D notes");
}

TEST_CASE("an empty tags string means no tags and reads back as null", "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "tags");
  const auto task = create_task(client, account, {{"title", "t"}, {"tags", ""}});
  CHECK(task.at("tags").is_null());
}

TEST_CASE("ids and user_id in a body never change ownership", "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto alice = signup(client, "owner-a");
  const auto bob = signup(client, "owner-b");
  const auto task = create_task(client, alice,
                                {{"title", "mine"}, {"user_id", bob.id}, {"id", 1}, {"extra", "x"}});
  CHECK(task.at("user_id") == alice.id);
  const auto id = task.at("id").as_int64();
  const auto updated = put(client, alice, id, dump(json::object{{"user_id", bob.id}, {"title", "still mine"}}));
  E2E_REQUIRE_STATUS(updated, 200);
  CHECK(body_object(updated).at("user_id") == alice.id);
  E2E_CHECK_STATUS(client.request("GET", task_path(id), {}, bearer(bob.token)), 404);
}

TEST_CASE("another user's task is indistinguishable from a missing one (404)",
          "[e2e][tasks][isolation]") {
  HttpClient client(shared_port());
  const auto alice = signup(client, "iso-a");
  const auto bob = signup(client, "iso-b");
  const auto task = create_task(client, alice, {{"title", "Alice's secret"}});
  const auto id = task.at("id").as_int64();
  const std::string body = R"({"title":"hijacked"})";

  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", ""}, {"PUT", body}, {"PATCH", body}, {"DELETE", ""}};
  std::vector<HttpResponse> foreign;
  std::vector<HttpResponse> missing;
  for (const auto& [method, payload] : requests) {
    foreign.push_back(client.request(method, task_path(id), payload, json_bearer(bob.token)));
    missing.push_back(client.request(method, task_path(id + 1000000), payload, json_bearer(bob.token)));
  }
  foreign.push_back(client.request("PATCH", task_path(id) + "/complete", {}, bearer(bob.token)));
  missing.push_back(client.request("PATCH", task_path(id + 1000000) + "/complete", {}, bearer(bob.token)));
  for (std::size_t i = 0; i < foreign.size(); ++i) {
    E2E_CHECK_STATUS(foreign[i], 404);
    CHECK(has_string_detail(foreign[i]));
    CHECK(foreign[i].body == missing[i].body);
  }

  const auto list = client.request("GET", "/api/tasks", {}, bearer(bob.token));
  E2E_REQUIRE_STATUS(list, 200);
  CHECK(body_array(list).empty());
  CHECK(list.header("X-Total-Count") == std::optional<std::string>("0"));

  const auto still = client.request("GET", task_path(id), {}, bearer(alice.token));
  E2E_REQUIRE_STATUS(still, 200);
  CHECK(body_object(still).at("title") == "Alice's secret");
  CHECK(body_object(still).at("completed") == false);
}

TEST_CASE("PUT and PATCH update only the fields sent; null clears description, tags, due_date",
          "[e2e][tasks][update]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "partial");
  for (const char* method : {"PUT", "PATCH"}) {
    INFO(method);
    const auto task = create_task(client, account,
                                  {{"title", "original"},
                                   {"description", "keep me"},
                                   {"priority", "low"},
                                   {"tags", "a,b"},
                                   {"due_date", "2026-12-01"}});
    const auto id = task.at("id").as_int64();

    const auto renamed = put(client, account, id, R"({"title":"renamed"})", method);
    E2E_REQUIRE_STATUS(renamed, 200);
    auto object = body_object(renamed);
    require_task_shape(object);
    CHECK(object.at("title") == "renamed");
    CHECK(object.at("description") == "keep me");
    CHECK(object.at("priority") == "low");
    CHECK(object.at("tags") == "a,b");
    CHECK(object.at("due_date") == "2026-12-01T00:00:00.000000Z");
    CHECK(object.at("completed") == false);
    CHECK(object.at("created_at") == task.at("created_at"));
    CHECK(object.at("updated_at").as_string() >= task.at("updated_at").as_string());

    const auto cleared =
        put(client, account, id, R"({"description":null,"tags":null,"due_date":null})", method);
    E2E_REQUIRE_STATUS(cleared, 200);
    object = body_object(cleared);
    CHECK(object.at("title") == "renamed");
    CHECK(object.at("description").is_null());
    CHECK(object.at("tags").is_null());
    CHECK(object.at("due_date").is_null());
    CHECK(object.at("priority") == "low");

    const auto nothing = put(client, account, id, "{}", method);
    E2E_REQUIRE_STATUS(nothing, 200);
    CHECK(body_object(nothing).at("title") == "renamed");

    const auto everything = put(client, account, id,
                                R"({"title":"all","description":"d","completed":true,)"
                                R"("priority":"high","tags":"x","due_date":"2027-01-02T03:04:05Z"})",
                                method);
    E2E_REQUIRE_STATUS(everything, 200);
    object = body_object(everything);
    CHECK(object.at("title") == "all");
    CHECK(object.at("description") == "d");
    CHECK(object.at("completed") == true);
    CHECK(object.at("priority") == "high");
    CHECK(object.at("tags") == "x");
    CHECK(object.at("due_date") == "2027-01-02T03:04:05.000000Z");

    const auto fetched = client.request("GET", task_path(id), {}, bearer(account.token));
    CHECK(body_object(fetched) == object);
  }
}

TEST_CASE("PUT and PATCH refuse null title, priority or completed and bad values with 422",
          "[e2e][tasks][update]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "nulls");
  const auto task = create_task(client, account, {{"title", "unchanged"}});
  const auto id = task.at("id").as_int64();
  for (const char* method : {"PUT", "PATCH"}) {
    for (const auto& [body, field] : std::vector<std::pair<const char*, const char*>>{
             {R"({"title":null})", "title"},
             {R"({"priority":null})", "priority"},
             {R"({"completed":null})", "completed"},
             {R"({"title":""})", "title"},
             {R"({"priority":"urgent"})", "priority"},
             {R"({"tags":"a,,b"})", "tags"},
             {R"({"due_date":"soon"})", "due_date"}}) {
      INFO(method << " " << body);
      const auto response = put(client, account, id, body, method);
      INFO(describe(response));
      CHECK(is_validation_error(response));
      CHECK(validation_mentions(response, field));
    }
    CHECK(is_validation_error(put(client, account, id, "[1]", method)));
    CHECK(is_validation_error(put(client, account, id, "{oops", method)));
  }
  const auto fetched = client.request("GET", task_path(id), {}, bearer(account.token));
  CHECK(body_object(fetched) == task);
}

TEST_CASE("PATCH /complete toggles with no body or {} and sets with {\"completed\": bool}",
          "[e2e][tasks][complete]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "toggle");
  const auto id = create_task(client, account, {{"title", "toggle me"}}).at("id").as_int64();
  const std::string path = task_path(id) + "/complete";
  auto completed = [&](const HttpResponse& response) {
    E2E_REQUIRE_STATUS(response, 200);
    const auto task = body_object(response);
    require_task_shape(task);
    return task.at("completed").as_bool();
  };
  // No body, no Content-Type.
  CHECK(completed(client.request("PATCH", path, {}, bearer(account.token))) == true);
  // No body but Content-Type: application/json, as the frontend's client sends.
  CHECK(completed(client.request("PATCH", path, {}, json_bearer(account.token))) == false);
  CHECK(completed(client.request("PATCH", path, "{}", json_bearer(account.token))) == true);
  CHECK(completed(client.request("PATCH", path, R"({"completed":true})", json_bearer(account.token))) == true);
  CHECK(completed(client.request("PATCH", path, R"({"completed":false})", json_bearer(account.token))) == false);
  CHECK(completed(client.request("PATCH", path, R"({"completed":false})", json_bearer(account.token))) == false);

  CHECK(is_validation_error(client.request("PATCH", path, R"({"completed":"maybe"})", json_bearer(account.token))));
  CHECK(is_validation_error(client.request("PATCH", path, R"({"completed":{}})", json_bearer(account.token))));
  CHECK(is_validation_error(client.request("PATCH", path, "[]", json_bearer(account.token))));
  CHECK(is_validation_error(client.request("PATCH", path, "{nope", json_bearer(account.token))));
  const auto fetched = client.request("GET", task_path(id), {}, bearer(account.token));
  CHECK(body_object(fetched).at("completed") == false);
}

TEST_CASE("DELETE answers 200 with the frontend's message, then the task is gone",
          "[e2e][tasks][delete]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "delete");
  const auto id = create_task(client, account, {{"title", "bye"}}).at("id").as_int64();
  const auto response = client.request("DELETE", task_path(id), {}, bearer(account.token));
  E2E_REQUIRE_STATUS(response, 200);
  CHECK(body_json(response) == json::value(json::object{{"message", "Task deleted successfully"}}));
  E2E_CHECK_STATUS(client.request("GET", task_path(id), {}, bearer(account.token)), 404);
  E2E_CHECK_STATUS(client.request("DELETE", task_path(id), {}, bearer(account.token)), 404);
  E2E_CHECK_STATUS(client.request("PUT", task_path(id), R"({"title":"x"})", json_bearer(account.token)), 404);
}

TEST_CASE("every task route answers 401 with WWW-Authenticate: Bearer without a token",
          "[e2e][tasks][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "noauth");
  const auto id = create_task(client, account, {{"title", "guarded"}}).at("id").as_int64();
  const std::vector<std::pair<const char*, std::string>> routes = {
      {"GET", "/api/tasks"},        {"POST", "/api/tasks"},
      {"GET", task_path(id)},       {"PUT", task_path(id)},
      {"PATCH", task_path(id)},     {"PATCH", task_path(id) + "/complete"},
      {"DELETE", task_path(id)},    {"GET", "/auth/me"},
      {"POST", "/auth/logout-all"}, {"POST", "/auth/password"}};
  for (const auto& [method, path] : routes) {
    INFO(method << " " << path);
    const bool with_body = std::string_view(method) == "POST" || std::string_view(method) == "PUT" ||
                           std::string_view(method) == "PATCH";
    const auto response = client.request(method, path, with_body ? R"({"title":"x"})" : "",
                                         json_content());
    E2E_CHECK_STATUS(response, 401);
    CHECK(response.header("WWW-Authenticate").value_or("").rfind("Bearer", 0) == 0);
  }
  const auto still = client.request("GET", task_path(id), {}, bearer(account.token));
  CHECK(body_object(still).at("title") == "guarded");
}

TEST_CASE("a task id that is not a positive integer is not found or invalid, never a 500",
          "[e2e][tasks]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "badid");
  for (const char* path : {"/api/tasks/abc", "/api/tasks/0", "/api/tasks/-1",
                           "/api/tasks/99999999999999999999999", "/api/tasks/1.5"}) {
    INFO(path);
    const auto response = client.request("GET", path, {}, bearer(account.token));
    INFO(describe(response));
    CHECK((response.status == 404 || response.status == 422));
  }
}
