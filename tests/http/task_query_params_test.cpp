// http::parse_task_query: the list query of SPEC §1 (every option, defaults,
// bounds, unknown values, the legacy `status` spelling).

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/core_test_support.hpp"
#include "task_query_params.hpp"

using namespace todo::core;
using todo::test::field_names;
using todo::test::names_field;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// The decoder's refusals as a core error naming the same fields, so the
// shared helpers (field_names, names_field) read them.
Result<TaskQuery> parse(const Params& p) {
  todo::http::Decoded<TaskQuery> d = todo::http::parse_task_query(p);
  if (d.ok()) return d.value;
  std::vector<FieldError> fields;
  for (const auto& e : d.errors) fields.push_back(FieldError{e.field, FieldIssue::OutOfRange, 0, 0});
  return Error::invalid(std::move(fields));
}

TaskQuery parse_ok(const Params& p) {
  auto r = parse(p);
  if (!r.has_value()) {
    FAIL("parse_task_query refused valid params: " << r.error().message);
  }
  return std::move(r).value();
}

}  // namespace

TEST_CASE("query without parameters has the documented defaults", "[query]") {
  const TaskQuery q = parse_ok({});
  CHECK_FALSE(q.completed.has_value());
  CHECK_FALSE(q.priority.has_value());
  CHECK_FALSE(q.tag.has_value());
  CHECK_FALSE(q.search.has_value());
  CHECK(q.sort_by == SortBy::CreatedAt);
  CHECK(q.order == SortOrder::Asc);
  CHECK(q.limit == 100);
  CHECK(q.offset == 0);
}

TEST_CASE("query completed=true|false filters on completion", "[query]") {
  CHECK(parse_ok({{"completed", "true"}}).completed == true);
  CHECK(parse_ok({{"completed", "false"}}).completed == false);
}

TEST_CASE("query completed with another value is refused naming 'completed'", "[query]") {
  for (const char* bad : {"maybe", "", "2", "truee"}) {
    INFO(bad);
    CHECK(names_field(parse({{"completed", bad}}), "completed"));
  }
}

TEST_CASE("query status=pending|completed|all is the legacy spelling of completed", "[query]") {
  CHECK(parse_ok({{"status", "pending"}}).completed == false);
  CHECK(parse_ok({{"status", "completed"}}).completed == true);
  CHECK_FALSE(parse_ok({{"status", "all"}}).completed.has_value());
}

TEST_CASE("query status with another value is refused naming 'status'", "[query]") {
  CHECK(names_field(parse({{"status", "done"}}), "status"));
  CHECK(names_field(parse({{"status", ""}}), "status"));
}

TEST_CASE("query status and completed that agree are accepted", "[query]") {
  CHECK(parse_ok({{"status", "completed"}, {"completed", "true"}}).completed == true);
  CHECK(parse_ok({{"completed", "false"}, {"status", "pending"}}).completed == false);
}

TEST_CASE("query status=all does not disagree with completed", "[query]") {
  CHECK(parse_ok({{"status", "all"}, {"completed", "true"}}).completed == true);
  CHECK(parse_ok({{"completed", "false"}, {"status", "all"}}).completed == false);
}

TEST_CASE("query status and completed that disagree are refused", "[query]") {
  const auto a = parse({{"status", "completed"}, {"completed", "false"}});
  REQUIRE_FALSE(a.has_value());
  CHECK(a.error().code == ErrorCode::InvalidArgument);
  const auto b = parse({{"completed", "true"}, {"status", "pending"}});
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().code == ErrorCode::InvalidArgument);
}

TEST_CASE("query priority=high|medium|low filters on priority", "[query]") {
  CHECK(parse_ok({{"priority", "high"}}).priority == Priority::High);
  CHECK(parse_ok({{"priority", "medium"}}).priority == Priority::Medium);
  CHECK(parse_ok({{"priority", "low"}}).priority == Priority::Low);
}

TEST_CASE("query priority with another value is refused naming 'priority'", "[query]") {
  CHECK(names_field(parse({{"priority", "urgent"}}), "priority"));
  CHECK(names_field(parse({{"priority", ""}}), "priority"));
}

TEST_CASE("query tag is kept trimmed", "[query]") {
  CHECK(parse_ok({{"tag", "work"}}).tag == std::string("work"));
  CHECK(parse_ok({{"tag", "  Work "}}).tag == std::string("Work"));
}

TEST_CASE("query search is kept with % and _ as given", "[query]") {
  CHECK(parse_ok({{"search", "50%_off"}}).search == std::string("50%_off"));
  CHECK(parse_ok({{"search", "milk"}}).search == std::string("milk"));
}

TEST_CASE("query tag and search refuse invalid UTF-8 and NUL", "[query][utf8]") {
  CHECK(names_field(parse({{"tag", std::string("a\0b", 3)}}), "tag"));
  CHECK(names_field(parse({{"search", std::string("a\0b", 3)}}), "search"));
  for (const auto& bad : todo::test::invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(parse({{"tag", "t" + bad.bytes}}), "tag"));
    CHECK(names_field(parse({{"search", "s" + bad.bytes}}), "search"));
  }
}

TEST_CASE("query sort_by takes every sortable field", "[query]") {
  CHECK(parse_ok({{"sort_by", "created_at"}}).sort_by == SortBy::CreatedAt);
  CHECK(parse_ok({{"sort_by", "updated_at"}}).sort_by == SortBy::UpdatedAt);
  CHECK(parse_ok({{"sort_by", "due_date"}}).sort_by == SortBy::DueDate);
  CHECK(parse_ok({{"sort_by", "priority"}}).sort_by == SortBy::Priority);
  CHECK(parse_ok({{"sort_by", "title"}}).sort_by == SortBy::Title);
}

TEST_CASE("query sort_by with another value is refused naming 'sort_by'", "[query]") {
  for (const char* bad : {"id", "name", "", "Title", "created_at;drop table tasks"}) {
    INFO(bad);
    CHECK(names_field(parse({{"sort_by", bad}}), "sort_by"));
  }
}

TEST_CASE("query order=asc|desc", "[query]") {
  CHECK(parse_ok({{"order", "asc"}}).order == SortOrder::Asc);
  CHECK(parse_ok({{"order", "desc"}}).order == SortOrder::Desc);
  CHECK(names_field(parse({{"order", "up"}}), "order"));
  CHECK(names_field(parse({{"order", "DESC"}}), "order"));
}

TEST_CASE("query limit 1 and 500 pass, 0 and 501 fail naming 'limit'", "[query]") {
  CHECK(parse_ok({{"limit", "1"}}).limit == 1);
  CHECK(parse_ok({{"limit", "500"}}).limit == 500);
  CHECK(parse_ok({{"limit", "37"}}).limit == 37);
  CHECK(names_field(parse({{"limit", "0"}}), "limit"));
  CHECK(names_field(parse({{"limit", "501"}}), "limit"));
  CHECK(names_field(parse({{"limit", "-1"}}), "limit"));
}

TEST_CASE("query limit that is not an integer is refused", "[query]") {
  for (const char* bad : {"", "ten", "1.5", "10abc", "99999999999999999999999"}) {
    INFO(bad);
    CHECK(names_field(parse({{"limit", bad}}), "limit"));
  }
}

TEST_CASE("query offset 0 and above pass, -1 fails naming 'offset'", "[query]") {
  CHECK(parse_ok({{"offset", "0"}}).offset == 0);
  CHECK(parse_ok({{"offset", "1"}}).offset == 1);
  CHECK(parse_ok({{"offset", "5000000000"}}).offset == 5'000'000'000LL);
  CHECK(names_field(parse({{"offset", "-1"}}), "offset"));
  CHECK(names_field(parse({{"offset", "x"}}), "offset"));
  CHECK(names_field(parse({{"offset", ""}}), "offset"));
}

TEST_CASE("query ignores unknown parameters", "[query]") {
  const TaskQuery q = parse_ok({{"page", "2"}, {"foo", ""}, {"LIMIT", "0"}, {"sort", "bogus"}});
  CHECK(q.limit == 100);
  CHECK(q.sort_by == SortBy::CreatedAt);
}

TEST_CASE("query uses the last value of a repeated parameter", "[query]") {
  const TaskQuery q = parse_ok({{"limit", "5"}, {"limit", "7"}, {"order", "asc"}, {"order", "desc"}});
  CHECK(q.limit == 7);
  CHECK(q.order == SortOrder::Desc);
}

TEST_CASE("query with every option set reads each one", "[query]") {
  const TaskQuery q = parse_ok({{"completed", "false"},
                                {"priority", "low"},
                                {"tag", "home"},
                                {"search", "milk"},
                                {"sort_by", "due_date"},
                                {"order", "desc"},
                                {"limit", "20"},
                                {"offset", "40"}});
  CHECK(q.completed == false);
  CHECK(q.priority == Priority::Low);
  CHECK(q.tag == std::string("home"));
  CHECK(q.search == std::string("milk"));
  CHECK(q.sort_by == SortBy::DueDate);
  CHECK(q.order == SortOrder::Desc);
  CHECK(q.limit == 20);
  CHECK(q.offset == 40);
}

TEST_CASE("query reports every bad parameter at once", "[query]") {
  const auto r = parse({{"limit", "0"}, {"offset", "-1"}, {"sort_by", "nope"}, {"priority", "urgent"}});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::InvalidArgument);
  CHECK(field_names(r.error()) == std::vector<std::string>{"limit", "offset", "priority", "sort_by"});
}
