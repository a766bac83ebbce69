// The response check every HTTP and e2e test runs (support/openapi_check):
// it must catch what drifts, and pass what conforms.
#include <catch2/catch.hpp>

#include <string>

#include "support/openapi_check.hpp"

using todo::test::openapi_violations;

namespace {
const std::string kTask =
    R"({"id":1,"user_id":2,"title":"t","description":null,"completed":false,"priority":"high","tags":null,)"
    R"("due_date":null,"created_at":"2026-12-02T10:00:00.000000Z","updated_at":"2026-12-02T10:00:00.000000Z"})";
constexpr const char* kJson = "application/json";
}  // namespace

TEST_CASE("a conforming answer passes the openapi check", "[http][openapi][check]") {
  CHECK(openapi_violations("GET", "/api/tasks/1", 200, kJson, kTask).empty());
  CHECK(openapi_violations("GET", "/api/tasks?limit=5", 200, kJson, "[" + kTask + "," + kTask + "]").empty());
  CHECK(openapi_violations("GET", "/api/tasks/1", 404, kJson, R"({"detail":"Task not found"})").empty());
  CHECK(openapi_violations("DELETE", "/auth/me", 204, "", "").empty());
  CHECK(openapi_violations("HEAD", "/api/tasks", 200, kJson, "").empty());
  // Not an operation of the document: not checked.
  CHECK(openapi_violations("GET", "/nowhere", 404, kJson, R"({"detail":"Not Found"})").empty());
  CHECK(openapi_violations("POST", "/auth/me", 405, kJson, R"({"detail":"Method Not Allowed"})").empty());
  CHECK(openapi_violations("OPTIONS", "/api/tasks", 204, "", "").empty());
}

TEST_CASE("the openapi check catches an undeclared status, a wrong body and a wrong media type",
          "[http][openapi][check]") {
  CHECK_FALSE(openapi_violations("GET", "/api/tasks/1", 418, kJson, "{}").empty());
  std::string no_title = kTask;
  no_title.replace(no_title.find(R"("title":"t",)"), 12, "");
  const auto missing = openapi_violations("GET", "/api/tasks/1", 200, kJson, no_title);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].find("missing required \"title\"") != std::string::npos);
  std::string string_id = kTask;
  string_id.replace(0, 7, R"({"id":"1")");
  CHECK_FALSE(openapi_violations("GET", "/api/tasks/1", 200, kJson, string_id).empty());
  std::string bad_priority = kTask;
  bad_priority.replace(bad_priority.find("\"high\""), 6, "\"urgent\"");
  CHECK_FALSE(openapi_violations("GET", "/api/tasks/1", 200, kJson, bad_priority).empty());
  const auto in_list = openapi_violations("GET", "/api/tasks", 200, kJson, "[" + kTask + "," + no_title + "]");
  REQUIRE(in_list.size() == 1);
  CHECK(in_list[0].find("[1]") != std::string::npos);
  CHECK_FALSE(openapi_violations("GET", "/api/tasks/1", 200, "text/html", "<p>").empty());
  CHECK_FALSE(openapi_violations("GET", "/api/tasks/1", 200, kJson, "not json").empty());
  // A 422 must have the list form, a 401 the string form.
  CHECK_FALSE(openapi_violations("POST", "/api/tasks", 422, kJson, R"({"detail":"bad"})").empty());
  CHECK_FALSE(openapi_violations("GET", "/auth/me", 401, kJson, R"({"detail":[]})").empty());
}
