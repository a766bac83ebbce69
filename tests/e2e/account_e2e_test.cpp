// DELETE /auth/me (SPEC §6): with the password, the user, their tasks and
// every token of theirs are gone at once; the email may sign up again. A
// wrong password is 401 and counts as a failed login; no token is 401.
#include "e2e_support.hpp"

#include <string>

#include "support/pg/pg_admin.hpp"

using namespace todo::test;
using namespace todo::test::e2e;

namespace {
std::string password_body(const std::string& password) {
  return R"({"password":")" + password + R"("})";
}
}  // namespace

TEST_CASE("DELETE /auth/me with the password deletes the account, its tasks and its tokens", "[e2e][account]") {
  HttpClient client(shared_port());
  const Account ada = signup(client, "delete-me");
  for (int i = 0; i < 3; ++i) create_task(client, ada, json::object{{"title", "task " + std::to_string(i)}});
  const auto second_login = client.request("POST", "/auth/login",
                                           R"({"email":")" + ada.email + R"(","password":")" + ada.password + R"("})",
                                           json_content());
  E2E_REQUIRE_STATUS(second_login, 200);
  const std::string other_token = std::string(body_object(second_login).at("access_token").as_string());

  const auto deleted = client.request("DELETE", "/auth/me", password_body(ada.password), json_bearer(ada.token));
  E2E_REQUIRE_STATUS(deleted, 204);
  CHECK(deleted.body.empty());

  // Every token of the account, not only the one used, is refused at once.
  for (const std::string& token : {ada.token, other_token}) {
    const auto refused = client.request("GET", "/api/tasks", "", bearer(token));
    E2E_CHECK_STATUS(refused, 401);
    CHECK(refused.header("WWW-Authenticate") == std::optional<std::string>("Bearer"));
  }
  E2E_CHECK_STATUS(client.request("GET", "/auth/me", "", bearer(ada.token)), 401);
  E2E_CHECK_STATUS(client.request("DELETE", "/auth/me", password_body(ada.password), json_bearer(ada.token)), 401);
  // Login no longer finds it; the tasks are gone from the database.
  E2E_CHECK_STATUS(client.request("POST", "/auth/login",
                                  R"({"email":")" + ada.email + R"(","password":")" + ada.password + R"("})",
                                  json_content()),
                   401);
  CHECK(query_int(shared_server_database_url(), "SELECT count(*) FROM tasks WHERE user_id = " +
                                                    std::to_string(ada.id)) == 0);
  CHECK(query_int(shared_server_database_url(), "SELECT count(*) FROM users WHERE id = " + std::to_string(ada.id)) ==
        0);

  // The email signs up again, as a new account with nothing in it.
  const auto again = client.request("POST", "/auth/signup",
                                    R"({"email":")" + ada.email + R"(","password":")" + ada.password + R"("})",
                                    json_content());
  E2E_REQUIRE_STATUS(again, 201);
  const json::object fresh = body_object(again);
  CHECK(fresh.at("user").as_object().at("id").as_int64() != ada.id);
  const auto list = client.request("GET", "/api/tasks", "",
                                   bearer(std::string(fresh.at("access_token").as_string())));
  E2E_REQUIRE_STATUS(list, 200);
  CHECK(body_array(list).empty());
}

TEST_CASE("DELETE /auth/me: wrong password 401 and nothing deleted; no token 401; bad body 422", "[e2e][account]") {
  HttpClient client(shared_port());
  const Account bob = signup(client, "keep-me");
  create_task(client, bob, json::object{{"title", "still here"}});

  const auto wrong = client.request("DELETE", "/auth/me", password_body("not the password"), json_bearer(bob.token));
  E2E_CHECK_STATUS(wrong, 401);
  CHECK(string_detail(wrong) == "Incorrect password");
  E2E_CHECK_STATUS(client.request("DELETE", "/auth/me", password_body(bob.password), json_content()), 401);
  const auto missing = client.request("DELETE", "/auth/me", "{}", json_bearer(bob.token));
  E2E_CHECK_STATUS(missing, 422);
  CHECK(validation_mentions(missing, "password"));
  E2E_CHECK_STATUS(client.request("DELETE", "/auth/me", "", json_bearer(bob.token)), 422);

  const auto list = client.request("GET", "/api/tasks", "", bearer(bob.token));
  E2E_REQUIRE_STATUS(list, 200);
  CHECK(body_array(list).size() == 1);
}
