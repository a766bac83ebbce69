// The replaced Next.js frontend's exact call sequence (SPEC §2, last rule):
// the requests its signup/signin pages, TaskForm, TaskList and taskService
// send, byte for byte in what matters: headers, bodies and the fields it reads.
#include "e2e_support.hpp"

#include <unistd.h>

#include <cctype>

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

constexpr const char* kOrigin = "http://localhost:3000";

// Every fetch of its taskService: JSON content type and bearer, even bodiless.
HeaderList frontend_headers(const std::string& token) {
  return {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}, {"Origin", kOrigin}};
}

// What the browser needs to hand the response to the page.
void require_readable(const HttpResponse& response) {
  INFO(describe(response));
  CHECK(response.header("Access-Control-Allow-Origin") == std::optional<std::string>(kOrigin));
}

// TaskForm's state for an existing task: `|| ''` and substring(0, 16) of due_date.
json::object form_from(const json::object& task) {
  json::object form;
  form["title"] = task.at("title");
  form["description"] = task.at("description").is_string() ? task.at("description") : json::value("");
  form["priority"] = task.at("priority");
  form["tags"] = task.at("tags").is_string() ? task.at("tags") : json::value("");
  form["due_date"] = task.at("due_date").is_string()
                         ? json::value(task.at("due_date").as_string().subview().substr(0, 16))
                         : json::value(nullptr);
  form["completed"] = task.at("completed");
  return form;
}

}  // namespace

TEST_CASE("the replaced frontend's full session works unchanged", "[e2e][frontend]") {
  HttpClient client(shared_port());
  const std::string email = unique_email("frontend");
  const std::string username = "front_" + std::to_string(::getpid());
  const std::string password = "frontend-pass";
  const HeaderList json_only = {{"Content-Type", "application/json"}, {"Origin", kOrigin}};

  // signup/page.jsx: {username, email, password}; stores data.access_token.
  const auto signed_up = client.request(
      "POST", "/api/auth/signup",
      dump(json::object{{"username", username}, {"email", email}, {"password", password}}), json_only);
  E2E_REQUIRE_STATUS(signed_up, 201);
  require_readable(signed_up);
  REQUIRE(body_object(signed_up).at("access_token").is_string());

  // signin/page.jsx: {email, password}; stores data.access_token.
  const auto signed_in = client.request(
      "POST", "/api/auth/signin", dump(json::object{{"email", email}, {"password", password}}), json_only);
  E2E_REQUIRE_STATUS(signed_in, 200);
  require_readable(signed_in);
  const std::string token(body_object(signed_in).at("access_token").as_string());

  // dashboard: the token's payload `sub` is the user id.
  const auto first_dot = token.find('.');
  const auto payload = json::parse(
      base64url_decode(token.substr(first_dot + 1, token.find('.', first_dot + 1) - first_dot - 1)));
  const auto user_id = body_object(signed_in).at("user").at("id").to_number<std::int64_t>();
  CHECK(payload.at("sub") == json::value(std::to_string(user_id)));

  // taskService.getTasks: GET with Content-Type and no body; expects an array.
  const auto empty = client.request("GET", "/api/tasks", {}, frontend_headers(token));
  E2E_REQUIRE_STATUS(empty, 200);
  require_readable(empty);
  CHECK(body_array(empty).empty());

  // TaskForm, new task, nothing but a title typed in.
  const auto plain = client.request("POST", "/api/tasks",
                                    dump(json::object{{"title", "Plain task"},
                                                      {"description", ""},
                                                      {"priority", "medium"},
                                                      {"tags", ""},
                                                      {"due_date", nullptr},
                                                      {"completed", false}}),
                                    frontend_headers(token));
  E2E_REQUIRE_STATUS(plain, 201);
  require_readable(plain);
  const auto plain_task = body_object(plain);
  CHECK(plain_task.at("tags").is_null());
  CHECK(plain_task.at("due_date").is_null());
  CHECK(plain_task.at("completed") == false);

  // TaskForm with every input used; datetime-local sends "YYYY-MM-DDTHH:MM".
  const auto full = client.request("POST", "/api/tasks",
                                   dump(json::object{{"title", "Full task"},
                                                     {"description", "With details"},
                                                     {"priority", "high"},
                                                     {"tags", "work, personal, urgent"},
                                                     {"due_date", "2026-12-01T10:30"},
                                                     {"completed", false}}),
                                   frontend_headers(token));
  E2E_REQUIRE_STATUS(full, 201);
  const auto full_task = body_object(full);
  CHECK(full_task.at("tags") == "work,personal,urgent");
  CHECK(full_task.at("due_date") == "2026-12-01T10:30:00.000000Z");
  const auto full_id = full_task.at("id").as_int64();
  const auto plain_id = plain_task.at("id").as_int64();

  // Editing re-sends the whole form built from the task it got back.
  auto form = form_from(full_task);
  form["title"] = "Full task, edited";
  const auto edited = client.request("PUT", "/api/tasks/" + std::to_string(full_id), dump(form),
                                     frontend_headers(token));
  E2E_REQUIRE_STATUS(edited, 200);
  require_readable(edited);
  const auto edited_task = body_object(edited);
  CHECK(edited_task.at("title") == "Full task, edited");
  CHECK(edited_task.at("due_date") == "2026-12-01T10:30:00.000000Z");
  CHECK(edited_task.at("tags") == "work,personal,urgent");
  CHECK(edited_task.at("description") == "With details");

  const auto edited_plain = client.request("PUT", "/api/tasks/" + std::to_string(plain_id),
                                           dump(form_from(plain_task)), frontend_headers(token));
  E2E_REQUIRE_STATUS(edited_plain, 200);
  CHECK(body_object(edited_plain).at("tags").is_null());
  CHECK(body_object(edited_plain).at("due_date").is_null());

  // TaskList's checkbox: updateTask(id, {completed}).
  const auto ticked = client.request("PUT", "/api/tasks/" + std::to_string(plain_id),
                                     R"({"completed":true})", frontend_headers(token));
  E2E_REQUIRE_STATUS(ticked, 200);
  CHECK(body_object(ticked).at("completed") == true);
  CHECK(body_object(ticked).at("title") == "Plain task");

  // taskService.toggleTaskCompletion: PATCH /complete with {completed}.
  const auto toggled = client.request("PATCH", "/api/tasks/" + std::to_string(plain_id) + "/complete",
                                      R"({"completed":false})", frontend_headers(token));
  E2E_REQUIRE_STATUS(toggled, 200);
  require_readable(toggled);
  CHECK(body_object(toggled).at("completed") == false);

  // taskService.getTask.
  const auto fetched = client.request("GET", "/api/tasks/" + std::to_string(full_id), {},
                                      frontend_headers(token));
  E2E_REQUIRE_STATUS(fetched, 200);
  CHECK(body_object(fetched).at("title") == "Full task, edited");

  const auto listed = client.request("GET", "/api/tasks", {}, frontend_headers(token));
  E2E_REQUIRE_STATUS(listed, 200);
  CHECK(body_array(listed).size() == 2);

  // taskService.deleteTask: Content-Type on a bodiless DELETE; parses JSON.
  const auto deleted = client.request("DELETE", "/api/tasks/" + std::to_string(full_id), {},
                                      frontend_headers(token));
  E2E_REQUIRE_STATUS(deleted, 200);
  require_readable(deleted);
  CHECK(body_object(deleted).at("message") == "Task deleted successfully");

  // Its error paths read detail as a string or a list of {msg}.
  const auto invalid = client.request("POST", "/api/tasks", dump(json::object{{"title", ""}}),
                                      frontend_headers(token));
  CHECK(is_validation_error(invalid));
  require_readable(invalid);
  const auto refused = client.request(
      "POST", "/api/auth/signin", dump(json::object{{"email", email}, {"password", "wrong-password"}}),
      json_only);
  E2E_CHECK_STATUS(refused, 401);
  require_readable(refused);
  CHECK(string_detail(refused) == "Incorrect email or password");
  const auto duplicate = client.request(
      "POST", "/api/auth/signup",
      dump(json::object{{"username", username + "2"}, {"email", email}, {"password", password}}), json_only);
  E2E_CHECK_STATUS(duplicate, 409);
  CHECK(has_string_detail(duplicate));
}
