// SPEC §1 Auth table and §3 tokens, against the running server.
#include "e2e_support.hpp"

#include <unistd.h>

#include <cctype>

#include "support/pg/pg_admin.hpp"
#include "support/pg/pg_cluster.hpp"

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

void require_session_shape(const HttpResponse& response, const std::string& email) {
  const auto object = body_object(response);
  INFO(describe(response));
  REQUIRE(object.contains("access_token"));
  REQUIRE(object.at("access_token").is_string());
  CHECK_FALSE(object.at("access_token").as_string().empty());
  REQUIRE(object.contains("token_type"));
  CHECK(object.at("token_type") == "bearer");
  REQUIRE(object.contains("expires_in"));
  CHECK(object.at("expires_in").is_int64());
  CHECK(object.at("expires_in") == 604800);
  REQUIRE(object.contains("user"));
  REQUIRE(object.at("user").is_object());
  const auto& user = object.at("user").as_object();
  REQUIRE(user.contains("id"));
  CHECK(user.at("id").is_int64());
  CHECK(user.at("id").to_number<std::int64_t>() > 0);
  CHECK(user.at("email") == json::value(email));
  REQUIRE(user.contains("username"));
  REQUIRE(user.contains("created_at"));
  REQUIRE(user.at("created_at").is_string());
  CHECK(is_timestamp(user.at("created_at").as_string()));
}

std::string login_body(const std::string& email, const std::string& password) {
  return dump(json::object{{"email", email}, {"password", password}});
}

HttpResponse me(HttpClient& client, const std::string& token) {
  return client.request("GET", "/auth/me", {}, bearer(token));
}

void require_unauthorized(const HttpResponse& response) {
  E2E_REQUIRE_STATUS(response, 401);
  INFO(describe(response));
  REQUIRE(response.header("WWW-Authenticate").has_value());
  CHECK(response.header("WWW-Authenticate")->rfind("Bearer", 0) == 0);
  CHECK(has_string_detail(response));
}

}  // namespace

TEST_CASE("signup answers 201 with a bearer session and a user without username as null",
          "[e2e][auth]") {
  HttpClient client(shared_port());
  const std::string email = unique_email("signup");
  const auto response = client.request("POST", "/auth/signup", login_body(email, std::string(kPassword)),
                                       json_content());
  E2E_REQUIRE_STATUS(response, 201);
  require_session_shape(response, email);
  const auto user = body_object(response).at("user").as_object();
  CHECK(user.at("username").is_null());
  CHECK_FALSE(user.contains("password"));
  CHECK_FALSE(user.contains("hashed_password"));
  CHECK(response.header("Content-Type").value_or("").find("application/json") == 0);
}

TEST_CASE("signup trims and lower-cases the email and keeps the username", "[e2e][auth]") {
  HttpClient client(shared_port());
  const std::string email = unique_email("MiXeD");
  std::string shouted;
  for (const char c : email) shouted += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string name = "user_" + std::to_string(::getpid()) + "-x";
  const auto response = client.request(
      "POST", "/auth/signup",
      dump(json::object{{"email", "  " + shouted + " "}, {"password", std::string(kPassword)},
                        {"username", name}}),
      json_content());
  E2E_REQUIRE_STATUS(response, 201);
  std::string lowered;
  for (const char c : email) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  require_session_shape(response, lowered);
  CHECK(body_object(response).at("user").at("username") == json::value(name));

  const auto login = client.request("POST", "/auth/login", login_body(lowered, std::string(kPassword)),
                                    json_content());
  E2E_CHECK_STATUS(login, 200);
}

TEST_CASE("signup with a taken email answers 409, whatever its case", "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "dup");
  std::string upper;
  for (const char c : account.email) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& email : {account.email, upper}) {
    const auto response = client.request("POST", "/auth/signup",
                                         login_body(email, "another password"), json_content());
    E2E_CHECK_STATUS(response, 409);
    CHECK(has_string_detail(response));
  }
}

TEST_CASE("signup with a username taken in another case answers 409", "[e2e][auth]") {
  HttpClient client(shared_port());
  const std::string name = "Taken_" + std::to_string(::getpid());
  signup(client, "named", name);
  std::string lowered;
  for (const char c : name) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto response = client.request(
      "POST", "/auth/signup",
      dump(json::object{{"email", unique_email("other")}, {"password", std::string(kPassword)},
                        {"username", lowered}}),
      json_content());
  E2E_CHECK_STATUS(response, 409);
  CHECK(has_string_detail(response));
}

TEST_CASE("signup refuses invalid input with 422 in FastAPI's list form", "[e2e][auth]") {
  HttpClient client(shared_port());
  struct Case {
    const char* name;
    json::object body;
    const char* field;
  };
  const std::string email = unique_email("invalid");
  const std::vector<Case> cases = {
      {"email without @", {{"email", "nobody.example.com"}, {"password", std::string(kPassword)}}, "email"},
      {"email without dot in domain", {{"email", "a@localhost"}, {"password", std::string(kPassword)}}, "email"},
      {"missing email", {{"password", std::string(kPassword)}}, "email"},
      {"missing password", {{"email", email}}, "password"},
      {"password of 7 bytes", {{"email", email}, {"password", "1234567"}}, "password"},
      {"password of 73 bytes", {{"email", email}, {"password", std::string(73, 'p')}}, "password"},
      {"username with a space", {{"email", email}, {"password", std::string(kPassword)}, {"username", "a b"}}, "username"},
      {"username of 51 chars", {{"email", email}, {"password", std::string(kPassword)}, {"username", std::string(51, 'u')}}, "username"},
      {"email as a number", {{"email", 42}, {"password", std::string(kPassword)}}, "email"},
      {"email of 262 chars", {{"email", std::string(250, 'a') + "@example.com"}, {"password", std::string(kPassword)}}, "email"},
      {"email with NUL", {{"email", std::string("a\0b@example.com", 15)}, {"password", std::string(kPassword)}}, "email"},
      {"email with two @", {{"email", "a@b@example.com"}, {"password", std::string(kPassword)}}, "email"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      const auto response = client.request("POST", "/auth/signup", dump(c.body), json_content());
      INFO(describe(response));
      CHECK(is_validation_error(response));
      CHECK(validation_mentions(response, c.field));
    }
  }
  SECTION("a password of exactly 72 bytes is accepted") {
    const auto response = client.request(
        "POST", "/auth/signup",
        dump(json::object{{"email", unique_email("p72")}, {"password", std::string(72, 'p')}}),
        json_content());
    E2E_CHECK_STATUS(response, 201);
  }
}

TEST_CASE("login with JSON answers 200 with a session", "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "login");
  const auto response = client.request("POST", "/auth/login",
                                       login_body(account.email, account.password), json_content());
  E2E_REQUIRE_STATUS(response, 200);
  require_session_shape(response, account.email);
  CHECK(body_object(response).at("user").at("id") == account.id);
  const std::string token(body_object(response).at("access_token").as_string());
  E2E_CHECK_STATUS(me(client, token), 200);
  // Unknown fields are ignored, as by the replaced backend.
  E2E_CHECK_STATUS(client.request("POST", "/auth/login",
                                  dump(json::object{{"email", account.email},
                                                    {"password", account.password},
                                                    {"remember", true}}),
                                  json_content()),
                   200);
}

TEST_CASE("login accepts the OAuth2 password form with username = email", "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "form");
  const std::string form = "grant_type=password&username=" + url_encode(account.email) +
                           "&password=" + url_encode(account.password) + "&scope=";
  const auto response = client.request("POST", "/auth/login", form,
                                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  E2E_REQUIRE_STATUS(response, 200);
  require_session_shape(response, account.email);

  const std::string wrong = "username=" + url_encode(account.email) + "&password=wrong%20password";
  const auto refused = client.request("POST", "/auth/login", wrong,
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  require_unauthorized(refused);

  const auto missing = client.request("POST", "/auth/login", "username=" + url_encode(account.email),
                                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(is_validation_error(missing));
}

TEST_CASE("the form login decodes + as a space and a JSON null username is no username",
          "[e2e][auth]") {
  HttpClient client(shared_port());
  const std::string email = unique_email("plus");
  const auto created = client.request(
      "POST", "/auth/signup",
      dump(json::object{{"email", email}, {"password", "with spaces & symbols"}, {"username", nullptr}}),
      json_content());
  E2E_REQUIRE_STATUS(created, 201);
  CHECK(body_object(created).at("user").at("username").is_null());
  const auto response = client.request(
      "POST", "/auth/login", "username=" + url_encode(email) + "&password=with+spaces+%26+symbols",
      {{"Content-Type", "application/x-www-form-urlencoded"}});
  E2E_CHECK_STATUS(response, 200);
}

TEST_CASE("login answers the same 401 for an unknown email and a wrong password", "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "wrongpw");
  const auto wrong = client.request("POST", "/auth/login",
                                    login_body(account.email, "not the password"), json_content());
  const auto unknown = client.request("POST", "/auth/login",
                                      login_body(unique_email("ghost"), "not the password"),
                                      json_content());
  require_unauthorized(wrong);
  require_unauthorized(unknown);
  CHECK(string_detail(wrong) == "Incorrect email or password");
  CHECK(wrong.body == unknown.body);
  CHECK(wrong.header("WWW-Authenticate") == unknown.header("WWW-Authenticate"));
}

TEST_CASE("login refuses a malformed body with 422", "[e2e][auth]") {
  HttpClient client(shared_port());
  CHECK(is_validation_error(client.request("POST", "/auth/login", "{\"email\":", json_content())));
  CHECK(is_validation_error(client.request("POST", "/auth/login", "[]", json_content())));
  CHECK(is_validation_error(
      client.request("POST", "/auth/login", "{\"email\":\"a@b.co\"}", json_content())));
}

TEST_CASE("the frontend's aliases sign up and sign in", "[e2e][auth]") {
  HttpClient client(shared_port());
  const std::string email = unique_email("alias");
  const std::string name = "alias_" + std::to_string(::getpid());
  const auto created = client.request(
      "POST", "/api/auth/signup",
      dump(json::object{{"username", name}, {"email", email}, {"password", std::string(kPassword)}}),
      json_content());
  E2E_REQUIRE_STATUS(created, 201);
  require_session_shape(created, email);
  CHECK(body_object(created).at("user").at("username") == json::value(name));

  for (const char* path : {"/api/auth/signin", "/api/auth/login"}) {
    INFO(path);
    const auto response =
        client.request("POST", path, login_body(email, std::string(kPassword)), json_content());
    E2E_CHECK_STATUS(response, 200);
    require_session_shape(response, email);
    const auto refused = client.request("POST", path, login_body(email, "bad password!"), json_content());
    require_unauthorized(refused);
  }
}

TEST_CASE("GET /auth/me returns the token's user", "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "me");
  const auto response = me(client, account.token);
  E2E_REQUIRE_STATUS(response, 200);
  const auto user = body_object(response);
  CHECK(user.at("id") == account.id);
  CHECK(user.at("email") == json::value(account.email));
  CHECK(user.at("username").is_null());
  REQUIRE(user.at("created_at").is_string());
  CHECK(is_timestamp(user.at("created_at").as_string()));
  CHECK(user.at("created_at") == account.user.at("created_at"));
}

TEST_CASE("the bearer scheme is matched case-insensitively", "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "scheme");
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer "}) {
    INFO(scheme);
    const auto response = client.request("GET", "/auth/me", {},
                                         {{"Authorization", std::string(scheme) + account.token}});
    E2E_CHECK_STATUS(response, 200);
  }
}

TEST_CASE("every way of not being authenticated is 401 with WWW-Authenticate: Bearer",
          "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "unauth");
  const std::vector<std::pair<const char*, HeaderList>> cases = {
      {"no header", {}},
      {"garbage token", bearer("not.a.token")},
      {"empty bearer", {{"Authorization", "Bearer "}}},
      {"basic scheme", {{"Authorization", "Basic " + base64url_encode(account.email + ":x")}}},
      {"token without scheme", {{"Authorization", account.token}}},
      {"token with a flipped signature char",
       bearer(account.token.substr(0, account.token.size() - 2) +
              (account.token[account.token.size() - 2] == 'A' ? "B" : "A") + account.token.back())},
  };
  for (const auto& [name, headers] : cases) {
    INFO(name);
    require_unauthorized(client.request("GET", "/auth/me", {}, headers));
    require_unauthorized(client.request("GET", "/api/tasks", {}, headers));
    require_unauthorized(client.request("POST", "/auth/logout-all", {}, headers));
  }
}

TEST_CASE("the access token is an HS256 JWT with sub, email, iat and a 7-day exp",
          "[e2e][auth][jwt]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "claims");
  const auto first = account.token.find('.');
  const auto second = account.token.find('.', first + 1);
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  const auto header = json::parse(base64url_decode(account.token.substr(0, first))).as_object();
  const auto payload =
      json::parse(base64url_decode(account.token.substr(first + 1, second - first - 1))).as_object();
  INFO(dump(header) + " " + dump(payload));
  CHECK(header.at("alg") == "HS256");
  REQUIRE(payload.contains("sub"));
  CHECK(payload.at("sub") == json::value(std::to_string(account.id)));
  CHECK(payload.at("email") == json::value(account.email));
  REQUIRE(payload.contains("exp"));
  REQUIRE(payload.contains("iat"));
  CHECK(payload.at("exp").to_number<std::int64_t>() - payload.at("iat").to_number<std::int64_t>() == 604800);
  CHECK(std::abs(payload.at("iat").to_number<std::int64_t>() - unix_now()) < 120);
  // The token version that makes revocation possible is one more integer claim.
  bool has_version = false;
  for (const auto& [key, value] : payload) {
    if (key != "sub" && key != "email" && key != "iat" && key != "exp" && value.is_number()) has_version = true;
  }
  CHECK(has_version);
  CHECK_FALSE(payload.contains("aud"));
  CHECK_FALSE(payload.contains("iss"));
  CHECK(account.token.find('=') == std::string::npos);
}

TEST_CASE("tokens minted like the replaced backend's (no iat, no version) are accepted",
          "[e2e][auth][jwt]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "legacy");
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const std::string payload = dump(json::object{
      {"sub", std::to_string(account.id)}, {"email", account.email}, {"exp", unix_now() + 3600}});
  SECTION("signed with JWT_SECRET") {
    E2E_CHECK_STATUS(me(client, sign_jwt(header, payload, kJwtSecret)), 200);
  }
  SECTION("signed with a secret from JWT_PREVIOUS_SECRETS") {
    E2E_CHECK_STATUS(me(client, sign_jwt(header, payload, kPreviousSecret)), 200);
  }
}

TEST_CASE("forged, expired or non-HS256 tokens are refused with 401", "[e2e][auth][jwt]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "forged");
  const std::string hs256 = R"({"alg":"HS256","typ":"JWT"})";
  const auto payload = [&](std::int64_t exp) {
    return dump(json::object{{"sub", std::to_string(account.id)}, {"email", account.email},
                             {"iat", unix_now()}, {"exp", exp}});
  };
  SECTION("wrong secret") {
    require_unauthorized(me(client, sign_jwt(hs256, payload(unix_now() + 3600),
                                             "another-secret-that-is-long-enough-0123")));
  }
  SECTION("alg none") {
    const std::string token = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                              base64url_encode(payload(unix_now() + 3600)) + ".";
    require_unauthorized(me(client, token));
  }
  SECTION("alg spelled hs256") {
    require_unauthorized(
        me(client, sign_jwt(R"({"alg":"hs256","typ":"JWT"})", payload(unix_now() + 3600), kJwtSecret)));
  }
  SECTION("expired beyond the leeway") {
    require_unauthorized(me(client, sign_jwt(hs256, payload(unix_now() - 600), kJwtSecret)));
  }
  SECTION("expired 90 s ago, past the 60 s leeway") {
    require_unauthorized(me(client, sign_jwt(hs256, payload(unix_now() - 90), kJwtSecret)));
  }
  SECTION("base64 padding on the signature (base64url is strict)") {
    require_unauthorized(me(client, sign_jwt(hs256, payload(unix_now() + 3600), kJwtSecret) + "="));
  }
  SECTION("a valid token with its payload swapped for another user's") {
    const std::string genuine = sign_jwt(hs256, payload(unix_now() + 3600), kJwtSecret);
    const std::string other = dump(json::object{{"sub", std::to_string(account.id + 1)},
                                                {"email", account.email}, {"exp", unix_now() + 3600}});
    const auto first = genuine.find('.');
    const auto second = genuine.find('.', first + 1);
    require_unauthorized(me(client, genuine.substr(0, first + 1) + base64url_encode(other) +
                                        genuine.substr(second)));
  }
  SECTION("no exp") {
    const std::string no_exp =
        dump(json::object{{"sub", std::to_string(account.id)}, {"email", account.email}});
    require_unauthorized(me(client, sign_jwt(hs256, no_exp, kJwtSecret)));
  }
  SECTION("a token for a user that does not exist") {
    const std::string ghost = dump(json::object{
        {"sub", "987654321"}, {"email", "ghost@example.com"}, {"exp", unix_now() + 3600}});
    require_unauthorized(me(client, sign_jwt(hs256, ghost, kJwtSecret)));
  }
}

TEST_CASE("logout-all answers 204 and revokes every earlier token; a new login works",
          "[e2e][auth][revocation]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "logoutall");
  const auto second_login = client.request("POST", "/auth/login",
                                           login_body(account.email, account.password), json_content());
  E2E_REQUIRE_STATUS(second_login, 200);
  const std::string other_token(body_object(second_login).at("access_token").as_string());

  const auto response = client.request("POST", "/auth/logout-all", {}, bearer(account.token));
  E2E_REQUIRE_STATUS(response, 204);
  CHECK(response.body.empty());
  CHECK_FALSE(response.header("Content-Length").has_value());  // RFC 9110 §8.6

  require_unauthorized(me(client, account.token));
  require_unauthorized(me(client, other_token));
  require_unauthorized(client.request("GET", "/api/tasks", {}, bearer(other_token)));

  // Within the same second as the revocation: the token version, not iat,
  // must tell the new token apart.
  const auto fresh = client.request("POST", "/auth/login",
                                    login_body(account.email, account.password), json_content());
  E2E_REQUIRE_STATUS(fresh, 200);
  const std::string new_token(body_object(fresh).at("access_token").as_string());
  E2E_CHECK_STATUS(me(client, new_token), 200);
  E2E_CHECK_STATUS(client.request("GET", "/api/tasks", {}, bearer(new_token)), 200);
}

TEST_CASE("a password change answers 204, revokes the caller's token and swaps the password",
          "[e2e][auth][revocation]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "passwd");
  const std::string new_password = "a brand new password";
  const auto response = client.request(
      "POST", "/auth/password",
      dump(json::object{{"current_password", account.password}, {"new_password", new_password}}),
      json_bearer(account.token));
  E2E_REQUIRE_STATUS(response, 204);

  require_unauthorized(me(client, account.token));
  require_unauthorized(client.request("POST", "/auth/login",
                                      login_body(account.email, account.password), json_content()));
  const auto login = client.request("POST", "/auth/login", login_body(account.email, new_password),
                                    json_content());
  E2E_REQUIRE_STATUS(login, 200);
  E2E_CHECK_STATUS(me(client, std::string(body_object(login).at("access_token").as_string())), 200);
}

TEST_CASE("a password change refuses a wrong current password (401) and a bad new one (422)",
          "[e2e][auth]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "passwd-bad");
  require_unauthorized(client.request(
      "POST", "/auth/password",
      dump(json::object{{"current_password", "not it at all"}, {"new_password", "whatever1234"}}),
      json_bearer(account.token)));
  // The failed attempt revoked nothing.
  E2E_CHECK_STATUS(me(client, account.token), 200);

  const auto short_password = client.request(
      "POST", "/auth/password",
      dump(json::object{{"current_password", account.password}, {"new_password", "short"}}),
      json_bearer(account.token));
  CHECK(is_validation_error(short_password));
  CHECK(is_validation_error(client.request("POST", "/auth/password",
                                           dump(json::object{{"current_password", account.password}}),
                                           json_bearer(account.token))));
  require_unauthorized(client.request(
      "POST", "/auth/password",
      dump(json::object{{"current_password", account.password}, {"new_password", "whatever1234"}}),
      json_content()));
  E2E_CHECK_STATUS(me(client, account.token), 200);
}

// SPEC §6: after BCRYPT_COST goes up, a successful login stores a hash at the
// new cost (the first build kept the old one forever, so its wrong-password
// answers stayed cheap and told the account apart from an unknown email); a
// failed login writes nothing; the session survives.
TEST_CASE("a login after BCRYPT_COST went up stores a $2b$ hash at the new cost", "[e2e][auth][rehash]") {
  const std::string url = PgCluster::shared().fresh_database("rehash");
  const std::string email = unique_email("rehash");
  const auto hash_of = [&] {
    const auto rows = query_strings(url, "SELECT password_hash FROM users WHERE email = '" + email + "'");
    REQUIRE(rows.size() == 1);
    return rows.front();
  };
  std::string token;
  {
    ServerProcess cost4(server_environment(url));
    HttpClient client(cost4.port());
    const auto signed_up = client.request(
        "POST", "/auth/signup", dump(json::object{{"email", email}, {"password", std::string(kPassword)}}),
        json_content());
    E2E_REQUIRE_STATUS(signed_up, 201);
    token = std::string(body_object(signed_up).at("access_token").as_string());
  }
  const std::string before = hash_of();
  CHECK(before.rfind("$2b$04$", 0) == 0);

  ServerProcess cost5(with_variable(server_environment(url), "BCRYPT_COST", "5"));
  HttpClient client(cost5.port());
  const auto login = [&](const std::string& password) {
    return client.request("POST", "/auth/login", dump(json::object{{"email", email}, {"password", password}}),
                          json_content());
  };
  E2E_CHECK_STATUS(login("wrong password here"), 401);
  CHECK(hash_of() == before);
  E2E_CHECK_STATUS(login(std::string(kPassword)), 200);
  const std::string after = hash_of();
  CHECK(after.rfind("$2b$05$", 0) == 0);
  // The token from before is still good (a rehash is not a password change),
  // and the password still works against the new hash.
  E2E_CHECK_STATUS(client.request("GET", "/auth/me", {}, bearer(token)), 200);
  E2E_CHECK_STATUS(login(std::string(kPassword)), 200);
  CHECK(hash_of() == after);
}

// Issue 18: look-alike addresses (fullwidth letters, the Kelvin sign) made
// separate accounts on the first build. New addresses must be ASCII.
TEST_CASE("signup with a non-ASCII email is 422 on the email field; its ASCII twin is one account",
          "[e2e][auth][email]") {
  HttpClient client(shared_port());
  const std::string local = unique_name("kelvin");
  const std::string ascii = local + "k@example.com";
  E2E_REQUIRE_STATUS(client.request("POST", "/auth/signup",
                                    dump(json::object{{"email", ascii}, {"password", std::string(kPassword)}}),
                                    json_content()),
                     201);
  for (const std::string& lookalike : {local + "\xE2\x84\xAA@example.com", local + "\xEF\xBD\x8B@example.com",
                                       local + "k@\xEF\xBD\x85xample.com"}) {
    const auto refused = client.request(
        "POST", "/auth/signup", dump(json::object{{"email", lookalike}, {"password", std::string(kPassword)}}),
        json_content());
    INFO(describe(refused));
    CHECK(is_validation_error(refused));
    CHECK(refused.body.find("\"email\"") != std::string::npos);
  }
}
