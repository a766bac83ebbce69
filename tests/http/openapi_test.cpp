// The hand-written OpenAPI document: valid JSON, OpenAPI 3.1, bearer scheme,
// and every routed path and method documented.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/json/parse.hpp>

#include "api_fixture.hpp"
#include "todo/http/router.hpp"

namespace json = boost::json;
using todo::test::Api;
using todo::test::header_or_empty;

TEST_CASE("GET /openapi.json serves a valid OpenAPI 3.1 document with a bearer scheme", "[http][openapi]") {
  Api api;
  const auto r = api.call("GET", "/openapi.json");
  REQUIRE(r.status == 200);
  CHECK(header_or_empty(r, "Content-Type") == "application/json");
  CHECK(r.body == todo::http::openapi_document());
  std::error_code ec;
  const json::value doc = json::parse(r.body, ec);
  REQUIRE_FALSE(ec);
  CHECK(doc.at("openapi") == "3.1.0");
  const json::value& scheme = doc.at("components").at("securitySchemes").at("bearerAuth");
  CHECK(scheme.at("type") == "http");
  CHECK(scheme.at("scheme") == "bearer");
}

TEST_CASE("every routed path and method appears in openapi.json", "[http][openapi]") {
  const json::value doc = json::parse(todo::http::openapi_document());
  const json::object& paths = doc.at("paths").as_object();
  REQUIRE_FALSE(todo::http::routes().empty());
  for (const todo::http::Route& route : todo::http::routes()) {
    std::string method(route.method);
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    INFO(route.method << " " << route.path);
    const json::value* item = paths.if_contains(json::string_view(route.path.data(), route.path.size()));
    REQUIRE(item != nullptr);
    CHECK(item->as_object().contains(method));
  }
  // And nothing documented that is not routed.
  for (const auto& kv : paths) {
    const std::string path(kv.key());
    INFO(path);
    CHECK(std::any_of(todo::http::routes().begin(), todo::http::routes().end(),
                      [&](const todo::http::Route& route) { return route.path == path; }));
  }
}
