// /auth/* and their /api/auth/* aliases: signup, login (JSON and OAuth2
// form), me, logout-all, password change, throttling and client addresses.

#include <catch2/catch.hpp>

#include <regex>

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
using todo::test::kPassword;

namespace {

const std::regex kTimestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");

std::string login_body(const std::string& email, std::string_view password = kPassword) {
  return json::serialize(json::object{{"email", email}, {"password", password}});
}

void check_session(const todo::http::Response& r, const std::string& email) {
  const json::value v = body_json(r);
  INFO(r.body);
  CHECK(v.as_object().size() == 4);
  CHECK(v.at("access_token").is_string());
  CHECK_FALSE(v.at("access_token").as_string().empty());
  CHECK(v.at("token_type") == "bearer");
  CHECK(v.at("expires_in") == 604800);
  const json::object& user = v.at("user").as_object();
  CHECK(user.size() == 4);
  CHECK(user.at("id").as_int64() > 0);
  CHECK(user.at("email") == json::value(email));
  CHECK(user.contains("username"));
  CHECK(std::regex_match(json::value_to<std::string>(user.at("created_at")), kTimestamp));
}

}  // namespace

TEST_CASE("signup answers 201 with a session, on /auth and the /api alias", "[http][auth]") {
  Api api;
  const auto r = api.json("POST", "/auth/signup", R"({"email":"  Ann@Example.COM ","password":"password1"})");
  CHECK(r.status == 201);
  check_session(r, "ann@example.com");
  CHECK(body_json(r).at("user").at("username").is_null());
  CHECK(header_or_empty(r, "Content-Type") == "application/json");
  CHECK(header_or_empty(r, "Cache-Control") == "no-store");

  const auto alias = api.json("POST", "/api/auth/signup",
                              R"({"username":"bob_1","email":"bob@example.com","password":"password1"})");
  CHECK(alias.status == 201);
  check_session(alias, "bob@example.com");
  CHECK(body_json(alias).at("user").at("username") == "bob_1");
}

TEST_CASE("signup with a taken email or username is 409", "[http][auth]") {
  Api api;
  api.signup("taken@example.com", "taken");
  const auto email = api.json("POST", "/auth/signup", R"({"email":"TAKEN@example.com","password":"password1"})");
  CHECK(email.status == 409);
  CHECK(detail(email).find("email") != std::string::npos);
  const auto name = api.json("POST", "/auth/signup",
                             R"({"email":"other@example.com","password":"password1","username":"TAKEN"})");
  CHECK(name.status == 409);
  CHECK(detail(name).find("username") != std::string::npos);
}

TEST_CASE("signup validation errors are 422 in FastAPI's list form", "[http][auth][422]") {
  Api api;
  const auto bad_email = api.json("POST", "/auth/signup", R"({"email":"nope","password":"password1"})");
  CHECK(bad_email.status == 422);
  CHECK(first_loc(bad_email) == "body/email");

  const auto short_pw = api.json("POST", "/auth/signup", R"({"email":"a@example.com","password":"short"})");
  CHECK(short_pw.status == 422);
  CHECK(first_loc(short_pw) == "body/password");

  const auto long_pw = api.json("POST", "/auth/signup",
                                json::serialize(json::object{{"email", "a@example.com"}, {"password", std::string(73, 'x')}}));
  CHECK(long_pw.status == 422);
  CHECK(first_loc(long_pw) == "body/password");

  const auto missing = api.json("POST", "/auth/signup", R"({"email":"a@example.com"})");
  CHECK(missing.status == 422);
  CHECK(first_loc(missing) == "body/password");
  CHECK(first_type(missing) == "missing");
  const json::value item = body_json(missing).at("detail").as_array().front();
  CHECK(item.at("msg") == "Field required");

  const auto wrong_type = api.json("POST", "/auth/signup", R"({"email":42,"password":"password1"})");
  CHECK(wrong_type.status == 422);
  CHECK(first_loc(wrong_type) == "body/email");
  CHECK(first_type(wrong_type) == "string_type");

  const auto bad_name = api.json("POST", "/auth/signup",
                                 R"({"email":"a@example.com","password":"password1","username":"no spaces"})");
  CHECK(bad_name.status == 422);
  CHECK(first_loc(bad_name) == "body/username");

  // Every bad field is reported at once.
  const auto both = api.json("POST", "/auth/signup", R"({"email":1,"password":false})");
  CHECK(body_json(both).at("detail").as_array().size() == 2);

  const auto empty = api.json("POST", "/auth/signup", "");
  CHECK(empty.status == 422);
  CHECK(first_loc(empty) == "body");
  CHECK(first_type(empty) == "missing");
}

TEST_CASE("signups per client address are throttled with 429 and Retry-After", "[http][auth][throttle]") {
  todo::memory::ThrottleLimits limits;
  limits.signup_per_address = 2;
  Api api({}, limits);
  api.signup("s1@example.com");
  api.signup("s2@example.com");
  const auto r = api.json("POST", "/auth/signup", R"({"email":"s3@example.com","password":"password1"})");
  CHECK(r.status == 429);
  CHECK(std::stoll(header_or_empty(r, "Retry-After")) > 0);
}

TEST_CASE("login with JSON answers 200 with a session on every alias", "[http][auth]") {
  Api api;
  api.signup("log@example.com");
  for (const char* path : {"/auth/login", "/api/auth/signin", "/api/auth/login"}) {
    const auto r = api.json("POST", path, login_body("LOG@example.com"));
    INFO(path);
    CHECK(r.status == 200);
    check_session(r, "log@example.com");
    CHECK(header_or_empty(r, "Cache-Control") == "no-store");
  }
}

TEST_CASE("login accepts JSON with a charset parameter", "[http][auth]") {
  Api api;
  api.signup("charset@example.com");
  const auto r = api.call("POST", "/auth/login", login_body("charset@example.com"),
                          {{"content-type", "Application/JSON; charset=utf-8"}});
  CHECK(r.status == 200);
}

TEST_CASE("login failures are 401 Incorrect email or password, the same for unknown emails", "[http][auth]") {
  Api api;
  api.signup("who@example.com");
  const auto wrong = api.json("POST", "/auth/login", login_body("who@example.com", "wrong password"));
  const auto unknown = api.json("POST", "/auth/login", login_body("nobody@example.com"));
  for (const auto& r : {wrong, unknown}) {
    CHECK(r.status == 401);
    CHECK(detail(r) == "Incorrect email or password");
    CHECK(header_or_empty(r, "WWW-Authenticate") == "Bearer");
  }
  CHECK(wrong.body == unknown.body);
}

TEST_CASE("login accepts the OAuth2 password form with percent-decoding", "[http][auth][form]") {
  Api api;
  const auto s = api.json("POST", "/auth/signup", R"({"email":"a+b@example.com","password":"pass word&=%"})");
  REQUIRE(s.status == 201);
  const auto r = api.call("POST", "/auth/login",
                          "grant_type=password&username=a%2Bb%40example.com&password=pass+word%26%3D%25&scope=",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(r.status == 200);
  check_session(r, "a+b@example.com");

  const auto alias = api.call("POST", "/api/auth/signin", "username=a%2bb%40example.com&password=pass%20word%26%3D%25",
                              {{"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"}});
  CHECK(alias.status == 200);

  const auto wrong = api.call("POST", "/auth/login", "username=a%2Bb%40example.com&password=nope-nope",
                              {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(wrong.status == 401);
}

TEST_CASE("the login form without username or password is 422 on the form's field names", "[http][auth][form]") {
  Api api;
  const auto r = api.call("POST", "/auth/login", "password=whatever1",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(r.status == 422);
  CHECK(first_loc(r) == "body/username");
  CHECK(first_type(r) == "missing");

  const auto empty = api.call("POST", "/auth/login", "", {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(empty.status == 422);
  CHECK(body_json(empty).at("detail").as_array().size() == 2);
}

TEST_CASE("a body in a media type the route does not take is 415", "[http][auth][415]") {
  Api api;
  const auto text = api.call("POST", "/auth/login", "email=a", {{"Content-Type", "text/plain"}});
  CHECK(text.status == 415);
  CHECK(header_or_empty(text, "Content-Type") == "application/json");
  CHECK(body_json(text).at("detail").is_string());
  const auto multipart = api.call("POST", "/auth/login", "--x--", {{"Content-Type", "multipart/form-data; boundary=x"}});
  CHECK(multipart.status == 415);
  // Signup takes JSON only.
  const auto form = api.call("POST", "/auth/signup", "email=a%40b.io&password=password1",
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(form.status == 415);
}

TEST_CASE("a JSON body without Content-Type is read as JSON, as FastAPI does", "[http][auth]") {
  Api api;
  const auto r = api.call("POST", "/auth/signup", R"({"email":"noct@example.com","password":"password1"})");
  CHECK(r.status == 201);
}

TEST_CASE("repeated failed logins get 429 with Retry-After, even with the right password", "[http][auth][throttle]") {
  todo::memory::ThrottleLimits limits;
  limits.login_max_failures = 3;
  Api api({}, limits);
  api.signup("victim@example.com");
  for (int i = 0; i < 3; ++i) {
    CHECK(api.json("POST", "/auth/login", login_body("victim@example.com", "bad password")).status == 401);
  }
  const auto r = api.json("POST", "/auth/login", login_body("victim@example.com"));
  CHECK(r.status == 429);
  CHECK(std::stoll(header_or_empty(r, "Retry-After")) > 0);
  CHECK(header_or_empty(r, "Cache-Control") == "no-store");
}

TEST_CASE("the client address is the peer unless a trusted proxy forwarded the request", "[http][auth][throttle]") {
  todo::memory::ThrottleLimits limits;
  limits.address_max_failures = 2;
  todo::http::HandlerOptions options;
  options.trusted_proxies = {"10.0.0.1"};
  Api api(options, limits);
  const auto fail_from = [&](const std::string& peer, const std::string& xff, const std::string& email) {
    std::vector<todo::http::Header> headers{{"Content-Type", "application/json"}};
    if (!xff.empty()) headers.push_back({"X-Forwarded-For", xff});
    return api.call("POST", "/auth/login", login_body(email, "bad password"), headers, peer).status;
  };

  // Behind the trusted proxy the right-most untrusted hop is the client.
  CHECK(fail_from("10.0.0.1", "1.1.1.1, 203.0.113.9", "p1@example.com") == 401);
  CHECK(fail_from("::FFFF:10.0.0.1", "203.0.113.9", "p2@example.com") == 401);
  CHECK(fail_from("10.0.0.1", "203.0.113.9, 10.0.0.1", "p3@example.com") == 429);
  // Another client behind the same proxy is not affected.
  CHECK(fail_from("10.0.0.1", "198.51.100.4", "p4@example.com") == 401);

  // Spellings of one IPv6 address are one client.
  CHECK(fail_from("10.0.0.1", "2001:db8::7", "v1@example.com") == 401);
  CHECK(fail_from("10.0.0.1", "2001:0DB8:0:0::7", "v2@example.com") == 401);
  CHECK(fail_from("10.0.0.1", "2001:db8:0000::0007", "v3@example.com") == 429);

  // An untrusted peer cannot choose its address with the header.
  CHECK(fail_from("192.0.2.50", "198.51.100.77", "q1@example.com") == 401);
  CHECK(fail_from("192.0.2.50", "198.51.100.78", "q2@example.com") == 401);
  CHECK(fail_from("192.0.2.50", "198.51.100.79", "q3@example.com") == 429);
}

TEST_CASE("me returns the user of the bearer token, whatever the case of the scheme", "[http][auth]") {
  Api api;
  const auto user = api.signup("me@example.com", "meme");
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER  "}) {
    const auto r = api.call("GET", "/auth/me", "", {{"Authorization", scheme + user.token}});
    INFO(scheme);
    CHECK(r.status == 200);
    const json::value v = body_json(r);
    CHECK(v.as_object().size() == 4);
    CHECK(v.at("id") == user.user_id);
    CHECK(v.at("email") == "me@example.com");
    CHECK(v.at("username") == "meme");
    CHECK(header_or_empty(r, "Cache-Control") == "no-store");
  }
}

TEST_CASE("missing or malformed credentials are 401 with WWW-Authenticate", "[http][auth]") {
  Api api;
  const auto user = api.signup("cred@example.com");
  const auto missing = api.call("GET", "/auth/me");
  CHECK(missing.status == 401);
  CHECK(detail(missing) == "Not authenticated");
  CHECK(header_or_empty(missing, "WWW-Authenticate") == "Bearer");

  for (const std::string& value : {std::string("Basic dXNlcjpwYXNz"), std::string("Token ") + user.token, std::string("Bearer"),
                                   std::string("Bearer   ")}) {
    const auto r = api.call("GET", "/auth/me", "", {{"Authorization", value}});
    INFO(value);
    CHECK(r.status == 401);
    CHECK(detail(r) == "Not authenticated");
    CHECK(header_or_empty(r, "WWW-Authenticate") == "Bearer");
  }

  const auto tampered = api.authed("GET", "/auth/me", user.token + "x");
  CHECK(tampered.status == 401);
  CHECK(detail(tampered) == "Could not validate credentials");
  CHECK(header_or_empty(tampered, "WWW-Authenticate") == "Bearer");

  api.clock().advance(std::chrono::hours(24 * 8));
  const auto expired = api.authed("GET", "/auth/me", user.token);
  CHECK(expired.status == 401);
  CHECK(detail(expired) == "Could not validate credentials");
}

TEST_CASE("logout-all answers 204 and revokes every earlier token", "[http][auth][revocation]") {
  Api api;
  const auto user = api.signup("out@example.com");
  const auto second = api.json("POST", "/auth/login", login_body("out@example.com"));
  const std::string other_token = json::value_to<std::string>(body_json(second).at("access_token"));

  CHECK(api.call("POST", "/auth/logout-all").status == 401);
  const auto r = api.authed("POST", "/auth/logout-all", user.token);
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(header_or_empty(r, "Cache-Control") == "no-store");

  CHECK(api.authed("GET", "/auth/me", user.token).status == 401);
  const auto listed = api.authed("GET", "/api/tasks", other_token);
  CHECK(listed.status == 401);
  CHECK(detail(listed) == "Could not validate credentials");
  CHECK(header_or_empty(listed, "WWW-Authenticate") == "Bearer");
  // As in FastAPI, the user is resolved before the query is validated: a
  // revoked token with a bad query is still 401, not 422.
  const auto bad_query = api.authed("GET", "/api/tasks?limit=0&sort_by=nope", other_token);
  CHECK(bad_query.status == 401);
  CHECK(detail(bad_query) == "Could not validate credentials");
  CHECK(api.authed("GET", "/api/tasks?limit=501", other_token).status == 401);
  const auto again = api.json("POST", "/auth/login", login_body("out@example.com"));
  REQUIRE(again.status == 200);
  const std::string fresh = json::value_to<std::string>(body_json(again).at("access_token"));
  CHECK(api.authed("GET", "/auth/me", fresh).status == 200);
  CHECK(api.authed("GET", "/api/tasks", fresh).status == 200);
  CHECK(api.authed("GET", "/api/tasks?limit=0", fresh).status == 422);
  CHECK(api.authed("GET", "/api/tasks?sort_by=nope", fresh).status == 422);
}

TEST_CASE("password change answers 204 and revokes every token, the caller's included", "[http][auth][revocation]") {
  Api api;
  const auto user = api.signup("pw@example.com");
  const std::string change =
      json::serialize(json::object{{"current_password", kPassword}, {"new_password", "brand new pass"}});

  CHECK(api.json("POST", "/auth/password", change).status == 401);
  const auto r = api.json("POST", "/auth/password", change, user.token);
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(header_or_empty(r, "Cache-Control") == "no-store");

  CHECK(api.authed("GET", "/auth/me", user.token).status == 401);
  CHECK(api.json("POST", "/auth/login", login_body("pw@example.com")).status == 401);
  const auto login = api.json("POST", "/auth/login", login_body("pw@example.com", "brand new pass"));
  CHECK(login.status == 200);
}

TEST_CASE("password change with a wrong current password is 401, a bad new one 422", "[http][auth]") {
  Api api;
  const auto user = api.signup("pw2@example.com");
  const auto wrong = api.json(
      "POST", "/auth/password",
      json::serialize(json::object{{"current_password", "not it at all"}, {"new_password", "brand new pass"}}),
      user.token);
  CHECK(wrong.status == 401);
  CHECK(header_or_empty(wrong, "WWW-Authenticate") == "Bearer");
  CHECK(api.authed("GET", "/auth/me", user.token).status == 200);

  const auto weak = api.json("POST", "/auth/password",
                             json::serialize(json::object{{"current_password", kPassword}, {"new_password", "short"}}),
                             user.token);
  CHECK(weak.status == 422);
  CHECK(first_loc(weak) == "body/new_password");

  const auto missing = api.json("POST", "/auth/password", R"({"new_password":"brand new pass"})", user.token);
  CHECK(missing.status == 422);
  CHECK(first_loc(missing) == "body/current_password");
  CHECK(first_type(missing) == "missing");

  const auto text = api.call("POST", "/auth/password", "x",
                             {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + user.token}});
  CHECK(text.status == 415);
}
