#include "api_fixture.hpp"

#include "support/openapi_check.hpp"

#include <catch2/catch.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

namespace todo::test {
namespace json = boost::json;

Api::Api(http::HandlerOptions options, memory::ThrottleLimits limits)
    : throttle_(clock_, limits),
      tokens_(clock_),
      auth_(users_, hasher_, tokens_, tokens_, clock_, throttle_, options.feed),
      tasks_(own_tasks_, clock_, options.feed),
      handler_(auth_, tasks_, std::move(options)) {}

Api::Api(core::TaskRepository& tasks, http::HandlerOptions options)
    : throttle_(clock_, memory::ThrottleLimits{}),
      tokens_(clock_),
      auth_(users_, hasher_, tokens_, tokens_, clock_, throttle_),
      tasks_(tasks, clock_),
      handler_(auth_, tasks_, std::move(options)) {}

http::Response Api::call(std::string method, std::string target, std::string body,
                         std::vector<http::Header> headers, std::string peer) const {
  const std::string checked_method = method;
  const std::string checked_target = target;
  http::Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers = std::move(headers);
  request.body = std::move(body);
  request.peer_address = std::move(peer);
  // Reads are answered both ways and must agree: route + handle with a
  // callback (the server's path) and the blocking handle. Writes only once,
  // through the callback.
  const bool read = request.method == "GET" || request.method == "HEAD";
  std::optional<http::Response> direct;
  if (read) direct = handler_.handle(request);
  int calls = 0;
  http::Response answer;
  handler_.handle(handler_.route(std::move(request)), [&calls, &answer](http::Response response) {
    ++calls;
    answer = std::move(response);
  });
  REQUIRE(calls == 1);  // the memory adapters finish before handle returns
  if (direct) {
    CHECK(answer.status == direct->status);
    CHECK(answer.body == direct->body);
    CHECK(answer.route == direct->route);
    CHECK(answer.log_user_id == direct->log_user_id);
    REQUIRE(answer.headers.size() == direct->headers.size());
    for (std::size_t i = 0; i < answer.headers.size(); ++i) {
      CHECK(answer.headers[i].name == direct->headers[i].name);
      CHECK(answer.headers[i].value == direct->headers[i].value);
    }
  }
  // Issue 21: every answer is one openapi.json declares (status and body).
  if (check_openapi_) {
    std::string content_type;
    for (const auto& h : answer.headers) {
      if (h.name == "Content-Type") content_type = h.value;
    }
    const auto problems =
        test::openapi_violations(checked_method, checked_target, answer.status, content_type, answer.body);
    for (const auto& p : problems) {
      INFO(checked_method << " " << checked_target << " -> " << answer.status << ": " << answer.body);
      FAIL_CHECK(p);
    }
  }
  return answer;
}

http::Response Api::json(std::string method, std::string target, std::string body, const std::string& token) const {
  std::vector<http::Header> headers{{"Content-Type", "application/json"}};
  if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
  return call(std::move(method), std::move(target), std::move(body), std::move(headers));
}

http::Response Api::authed(std::string method, std::string target, const std::string& token) const {
  return call(std::move(method), std::move(target), "", {{"Authorization", "Bearer " + token}});
}

Signed Api::signup(const std::string& email, std::optional<std::string> username) const {
  json::object body{{"email", email}, {"password", kPassword}};
  if (username) body["username"] = *username;
  const http::Response r = json("POST", "/auth/signup", json::serialize(body));
  REQUIRE(r.status == 201);
  const json::value v = body_json(r);
  return Signed{json::value_to<std::string>(v.at("access_token")), v.at("user").at("id").as_int64()};
}

std::int64_t Api::create_task(const std::string& token, const std::string& body) const {
  const http::Response r = json("POST", "/api/tasks", body, token);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return body_json(r).at("id").as_int64();
}

json::value body_json(const http::Response& response) {
  std::error_code ec;
  json::value v = json::parse(response.body, ec);
  INFO(response.body);
  REQUIRE_FALSE(ec);
  return v;
}

std::string header_or_empty(const http::Response& response, std::string_view name) {
  const auto h = response.header(name);
  return h ? std::string(*h) : std::string();
}

std::string detail(const http::Response& response) {
  const json::value v = body_json(response);
  INFO(response.body);
  REQUIRE(v.at("detail").is_string());
  return json::value_to<std::string>(v.at("detail"));
}

std::string first_loc(const http::Response& response) {
  const json::value v = body_json(response);
  INFO(response.body);
  REQUIRE(v.at("detail").is_array());
  REQUIRE_FALSE(v.at("detail").as_array().empty());
  std::string out;
  for (const json::value& part : v.at("detail").as_array().front().at("loc").as_array()) {
    if (!out.empty()) out += '/';
    out += part.is_string() ? json::value_to<std::string>(part) : json::serialize(part);
  }
  return out;
}

std::string first_type(const http::Response& response) {
  const json::value v = body_json(response);
  INFO(response.body);
  REQUIRE(v.at("detail").is_array());
  REQUIRE_FALSE(v.at("detail").as_array().empty());
  return json::value_to<std::string>(v.at("detail").as_array().front().at("type"));
}

}  // namespace todo::test
