// SPEC §1 list query: filters, search, sorting, paging and X-Total-Count.
#include "e2e_support.hpp"

#include <algorithm>

using namespace todo::test;
using namespace todo::test::e2e;

namespace {

struct Listing {
  std::vector<std::string> titles;
  std::optional<std::string> total;
};

// Lists with the query and returns titles in order (requires 200).
Listing list(HttpClient& client, const Account& account, const std::string& query) {
  const auto response = client.request("GET", "/api/tasks" + query, {}, bearer(account.token));
  INFO("GET /api/tasks" << query);
  E2E_REQUIRE_STATUS(response, 200);
  Listing out;
  for (const auto& item : body_array(response)) {
    out.titles.emplace_back(item.at("title").as_string());
  }
  out.total = response.header("X-Total-Count");
  return out;
}

std::vector<std::string> titles(std::initializer_list<const char*> names) {
  return {names.begin(), names.end()};
}

// A user with a known set of tasks, created in this order (so ids ascend).
struct Fixture {
  HttpClient client{shared_port()};
  Account account = signup(client, "list");
  std::vector<std::int64_t> ids;

  Fixture() {
    const std::vector<json::object> tasks = {
        {{"title", "banana"}, {"priority", "low"}, {"tags", "Fruit,Yellow"}, {"due_date", "2026-12-03"}},
        {{"title", "Apple"}, {"priority", "high"}, {"tags", "fruit"}, {"completed", true}},
        {{"title", "cherry"}, {"priority", "medium"}, {"description", "Red and SWEET"}, {"due_date", "2026-12-01"}},
        {{"title", "apple"}, {"priority", "high"}, {"tags", "urgent,work"}, {"due_date", "2026-12-02"}},
        {{"title", "100% done"}, {"priority", "medium"}, {"completed", true}},
        {{"title", "1000 done"}, {"priority", "low"}, {"description", "snake_case here"}},
        {{"title", "\xC3\x89" "clair"}, {"priority", "medium"}, {"description", "snakeXcase"}},
    };
    for (const auto& body : tasks) ids.push_back(create_task(client, account, body).at("id").as_int64());
  }
};

}  // namespace

TEST_CASE("the list defaults to created_at ascending with X-Total-Count", "[e2e][list]") {
  Fixture f;
  const auto all = list(f.client, f.account, "");
  CHECK(all.titles == titles({"banana", "Apple", "cherry", "apple", "100% done", "1000 done",
                                        "\xC3\x89" "clair"}));
  CHECK(all.total == std::optional<std::string>("7"));
  const auto explicit_default = list(f.client, f.account, "?sort_by=created_at&order=asc");
  CHECK(explicit_default.titles == all.titles);
  auto reversed = all.titles;
  std::reverse(reversed.begin(), reversed.end());
  CHECK(list(f.client, f.account, "?sort_by=created_at&order=desc").titles == reversed);
}

TEST_CASE("completed and status filter by completion and disagreeing values are 422",
          "[e2e][list]") {
  Fixture f;
  const auto done = list(f.client, f.account, "?completed=true");
  CHECK(done.titles == titles({"Apple", "100% done"}));
  CHECK(done.total == std::optional<std::string>("2"));
  CHECK(list(f.client, f.account, "?completed=false").titles ==
        titles({"banana", "cherry", "apple", "1000 done", "\xC3\x89" "clair"}));
  CHECK(list(f.client, f.account, "?status=completed").titles == done.titles);
  CHECK(list(f.client, f.account, "?status=pending").titles ==
        list(f.client, f.account, "?completed=false").titles);
  CHECK(list(f.client, f.account, "?status=all").total == std::optional<std::string>("7"));
  CHECK(list(f.client, f.account, "?status=completed&completed=true").titles == done.titles);
  CHECK(list(f.client, f.account, "?status=all&completed=true").titles == done.titles);
  CHECK(list(f.client, f.account, "?status=pending&completed=false").total == std::optional<std::string>("5"));
  for (const char* query : {"?status=completed&completed=false", "?status=pending&completed=true",
                            "?status=done", "?completed=maybe", "?completed="}) {
    INFO(query);
    CHECK(is_validation_error(
        f.client.request("GET", std::string("/api/tasks") + query, {}, bearer(f.account.token))));
  }
}

TEST_CASE("priority filters and unknown priorities are 422", "[e2e][list]") {
  Fixture f;
  CHECK(list(f.client, f.account, "?priority=high").titles == titles({"Apple", "apple"}));
  CHECK(list(f.client, f.account, "?priority=low").total == std::optional<std::string>("2"));
  CHECK(list(f.client, f.account, "?priority=medium").total == std::optional<std::string>("3"));
  CHECK(is_validation_error(
      f.client.request("GET", "/api/tasks?priority=urgent", {}, bearer(f.account.token))));
}

TEST_CASE("tag matches one entry of the comma list, case-insensitively", "[e2e][list]") {
  Fixture f;
  CHECK(list(f.client, f.account, "?tag=fruit").titles == titles({"banana", "Apple"}));
  CHECK(list(f.client, f.account, "?tag=FRUIT").titles == titles({"banana", "Apple"}));
  CHECK(list(f.client, f.account, "?tag=work").titles == titles({"apple"}));
  CHECK(list(f.client, f.account, "?tag=yellow").titles == titles({"banana"}));
  // A substring of a tag is not a tag.
  CHECK(list(f.client, f.account, "?tag=urg").titles.empty());
  CHECK(list(f.client, f.account, "?tag=urg").total == std::optional<std::string>("0"));
}

TEST_CASE("search is a case-insensitive substring of title or description with literal % and _",
          "[e2e][list]") {
  Fixture f;
  CHECK(list(f.client, f.account, "?search=APPLE").titles == titles({"Apple", "apple"}));
  CHECK(list(f.client, f.account, "?search=sweet").titles == titles({"cherry"}));
  CHECK(list(f.client, f.account, "?search=" + url_encode("%")).titles == titles({"100% done"}));
  CHECK(list(f.client, f.account, "?search=" + url_encode("0%")).titles == titles({"100% done"}));
  CHECK(list(f.client, f.account, "?search=_").titles == titles({"1000 done"}));
  CHECK(list(f.client, f.account, "?search=snake_case").titles == titles({"1000 done"}));
  CHECK(list(f.client, f.account, "?search=" + url_encode("100 done")).titles.empty());
  CHECK(list(f.client, f.account, "?search=" + url_encode("\xC3\x89" "clair")).titles ==
        titles({"\xC3\x89" "clair"}));
  CHECK(list(f.client, f.account, "?search=zzz").total == std::optional<std::string>("0"));
}

TEST_CASE("sort_by title compares ASCII letters case-insensitively, ties by id ascending",
          "[e2e][list][sort]") {
  Fixture f;
  CHECK(list(f.client, f.account, "?sort_by=title").titles ==
        titles({"100% done", "1000 done", "Apple", "apple", "banana", "cherry", "\xC3\x89" "clair"}));
  CHECK(list(f.client, f.account, "?sort_by=title&order=desc").titles ==
        titles({"\xC3\x89" "clair", "cherry", "banana", "Apple", "apple", "1000 done", "100% done"}));
}

TEST_CASE("sort_by title folds only ASCII letters and orders the rest by code point",
          "[e2e][list][sort]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "codepoint");
  // Code points: 'Z' 5A < 'a' 61 < 'z' 7A < '\u00C9' C9 < '\u00E9' E9.
  for (const char* title : {"\xC3\xA9" "a", "\xC3\x89" "b", "zz", "Zy", "a"}) {
    create_task(client, account, {{"title", title}});
  }
  CHECK(list(client, account, "?sort_by=title").titles ==
        titles({"a", "Zy", "zz", "\xC3\x89" "b", "\xC3\xA9" "a"}));
}

TEST_CASE("sort_by priority puts high first in asc order, ties by id ascending",
          "[e2e][list][sort]") {
  Fixture f;
  CHECK(list(f.client, f.account, "?sort_by=priority").titles ==
        titles({"Apple", "apple", "cherry", "100% done", "\xC3\x89" "clair", "banana", "1000 done"}));
  CHECK(list(f.client, f.account, "?sort_by=priority&order=desc").titles ==
        titles({"banana", "1000 done", "cherry", "100% done", "\xC3\x89" "clair", "Apple", "apple"}));
}

TEST_CASE("sort_by due_date keeps tasks without a due date last in both orders",
          "[e2e][list][sort]") {
  Fixture f;
  CHECK(list(f.client, f.account, "?sort_by=due_date").titles ==
        titles({"cherry", "apple", "banana", "Apple", "100% done", "1000 done", "\xC3\x89" "clair"}));
  CHECK(list(f.client, f.account, "?sort_by=due_date&order=desc").titles ==
        titles({"banana", "apple", "cherry", "Apple", "100% done", "1000 done", "\xC3\x89" "clair"}));
}

TEST_CASE("sort_by updated_at follows the order of the last updates", "[e2e][list][sort]") {
  Fixture f;
  // Touch tasks in a known order: cherry, banana, Apple; the others keep
  // their creation time as updated_at.
  for (const std::size_t index : {std::size_t{2}, std::size_t{0}, std::size_t{1}}) {
    const auto response = f.client.request("PATCH", "/api/tasks/" + std::to_string(f.ids[index]),
                                           R"({"description":"touched"})", json_bearer(f.account.token));
    E2E_REQUIRE_STATUS(response, 200);
  }
  CHECK(list(f.client, f.account, "?sort_by=updated_at").titles ==
        titles({"apple", "100% done", "1000 done", "\xC3\x89" "clair", "cherry", "banana", "Apple"}));
  CHECK(list(f.client, f.account, "?sort_by=updated_at&order=desc").titles ==
        titles({"Apple", "banana", "cherry", "\xC3\x89" "clair", "1000 done", "100% done", "apple"}));
}

TEST_CASE("limit and offset page the list while X-Total-Count counts every match",
          "[e2e][list][paging]") {
  Fixture f;
  const auto page = list(f.client, f.account, "?limit=2&offset=1");
  CHECK(page.titles == titles({"Apple", "cherry"}));
  CHECK(page.total == std::optional<std::string>("7"));
  const auto filtered = list(f.client, f.account, "?completed=false&sort_by=title&limit=2&offset=2");
  CHECK(filtered.titles == titles({"banana", "cherry"}));
  CHECK(filtered.total == std::optional<std::string>("5"));
  const auto beyond = list(f.client, f.account, "?offset=50");
  CHECK(beyond.titles.empty());
  CHECK(beyond.total == std::optional<std::string>("7"));
  CHECK(list(f.client, f.account, "?limit=1").titles == titles({"banana"}));
  CHECK(list(f.client, f.account, "?limit=500").titles.size() == 7);
  for (const char* query : {"?limit=0", "?limit=501", "?limit=-1", "?limit=ten", "?offset=-1",
                            "?offset=x", "?sort_by=color", "?order=up", "?sort_by=id"}) {
    INFO(query);
    CHECK(is_validation_error(
        f.client.request("GET", std::string("/api/tasks") + query, {}, bearer(f.account.token))));
  }
}

TEST_CASE("the default limit is 100", "[e2e][list][paging]") {
  HttpClient client(shared_port());
  const auto account = signup(client, "many");
  for (int i = 0; i < 101; ++i) create_task(client, account, {{"title", "t" + std::to_string(i)}});
  const auto all = list(client, account, "");
  CHECK(all.titles.size() == 100);
  CHECK(all.total == std::optional<std::string>("101"));
  CHECK(all.titles.front() == "t0");
}

TEST_CASE("unknown query parameters are ignored", "[e2e][list]") {
  Fixture f;
  const auto listing = list(f.client, f.account, "?foo=bar&user_id=1&page=3");
  CHECK(listing.total == std::optional<std::string>("7"));
}

TEST_CASE("X-Total-Count is exposed to the browser on CORS requests", "[e2e][list][cors]") {
  Fixture f;
  HeaderList headers = bearer(f.account.token);
  headers.emplace_back("Origin", "http://localhost:3000");
  const auto response = f.client.request("GET", "/api/tasks", {}, headers);
  E2E_REQUIRE_STATUS(response, 200);
  CHECK(response.header("Access-Control-Allow-Origin") == std::optional<std::string>("http://localhost:3000"));
  std::string exposed = response.header("Access-Control-Expose-Headers").value_or("");
  std::transform(exposed.begin(), exposed.end(), exposed.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  CHECK(exposed.find("x-total-count") != std::string::npos);
}
