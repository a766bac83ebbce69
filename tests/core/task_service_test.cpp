// TaskService on the memory task repository and a manual clock, through
// the synchronous facade: typed commands, validation before any storage
// work, the caller's scope and session, partial updates and completion.
// (How JSON and query strings become these commands is the HTTP adapter's
// and tested there: tests/http.)

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/core_test_support.hpp"
#include "todo/core/blocking_task_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

using namespace todo::core;
using todo::memory::ManualClock;
using todo::memory::MemoryTaskRepository;
using todo::memory::MemoryUserRepository;
using todo::test::code_of;
using todo::test::field_names;
using todo::test::repeat;

namespace {

struct TaskFixture {
  ManualClock clock;
  MemoryUserRepository users;
  MemoryTaskRepository repo{users};
  TaskService service{repo, clock};
  BlockingTaskService tasks{service};
  Caller alice = add("alice@example.com");
  Caller bob = add("bob@example.com");

  Caller add(const std::string& email) {
    auto user = users.create(NewUser{email, std::nullopt, "hash", clock.now()});
    REQUIRE(user);
    return caller_of(*user);
  }
  Task create_ok(const Caller& caller, NewTask task) {
    auto r = tasks.create(caller, task);
    if (!r) FAIL("create failed: " << r.error().message);
    return std::move(r).value();
  }
  Task create_ok(const Caller& caller, const std::string& title) {
    NewTask task;
    task.title = title;
    return create_ok(caller, task);
  }
};

FieldIssue issue_of(const Error& e, const std::string& field) {
  for (const FieldError& f : e.fields) {
    if (f.field == field) return f.issue;
  }
  FAIL("no error for " << field);
  return FieldIssue::InvalidUtf8;
}

}  // namespace

TEST_CASE("create applies the defaults, trims the title and stamps both times", "[tasks][create]") {
  TaskFixture f;
  const Task t = f.create_ok(f.alice, "  Buy milk \t");
  CHECK(t.title == "Buy milk");
  CHECK(t.user_id == f.alice.user_id());
  CHECK_FALSE(t.completed);
  CHECK(t.priority == Priority::Medium);
  CHECK(t.tags.empty());
  CHECK_FALSE(t.description);
  CHECK_FALSE(t.due_date);
  CHECK(t.created_at == f.clock.now());
  CHECK(t.updated_at == t.created_at);
}

TEST_CASE("create keeps every typed field; tags are trimmed", "[tasks][create]") {
  TaskFixture f;
  NewTask task;
  task.title = "Full";
  task.description = "  notes kept as given ";
  task.completed = true;
  task.priority = Priority::High;
  task.tags = {" home ", "errands"};
  task.due_date = from_unix_seconds(1'800'000'000);
  const Task t = f.create_ok(f.alice, task);
  CHECK(t.description == std::optional<std::string>("  notes kept as given "));
  CHECK(t.completed);
  CHECK(t.priority == Priority::High);
  CHECK(t.tags == std::vector<std::string>{"home", "errands"});
  CHECK(t.due_date == from_unix_seconds(1'800'000'000));
}

TEST_CASE("create reports every bad field at once, with a code and a bound, and stores nothing", "[tasks][create]") {
  TaskFixture f;
  NewTask task;
  task.title = "   ";
  task.description = repeat("d", 1001);
  task.tags = {"a", " ", "b"};
  auto r = f.tasks.create(f.alice, task);
  REQUIRE(code_of(r) == "InvalidArgument");
  CHECK(field_names(r.error()) == std::vector<std::string>{"description", "tags", "title"});
  CHECK(issue_of(r.error(), "title") == FieldIssue::TooShort);
  CHECK(issue_of(r.error(), "description") == FieldIssue::TooLong);
  CHECK(r.error().fields[1].limit == 1000);
  CHECK(issue_of(r.error(), "tags") == FieldIssue::EmptyTag);
  CHECK(f.tasks.list(f.alice)->total == 0);
}

TEST_CASE("create counts characters, not bytes, and refuses bad UTF-8 and NUL", "[tasks][create][utf8]") {
  TaskFixture f;
  CHECK(f.tasks.create(f.alice, NewTask{repeat("é", 255), {}, false, Priority::Medium, {}, {}}));
  auto too_long = f.tasks.create(f.alice, NewTask{repeat("é", 256), {}, false, Priority::Medium, {}, {}});
  REQUIRE_FALSE(too_long);
  CHECK(issue_of(too_long.error(), "title") == FieldIssue::TooLong);
  auto bad = f.tasks.create(f.alice, NewTask{"ok", std::string("\xC3\x28"), false, Priority::Medium, {"x\0y"}, {}});
  REQUIRE_FALSE(bad);
  CHECK(issue_of(bad.error(), "description") == FieldIssue::InvalidUtf8);
  auto nul = f.tasks.create(f.alice, NewTask{std::string("a\0b", 3), {}, false, Priority::Medium, {}, {}});
  REQUIRE_FALSE(nul);
  CHECK(issue_of(nul.error(), "title") == FieldIssue::ContainsNul);
}

TEST_CASE("tags joined beyond 500 characters are TooLong", "[tasks][create]") {
  TaskFixture f;
  NewTask task;
  task.title = "t";
  task.tags = {repeat("a", 250), repeat("b", 249)};  // 250 + ',' + 249 = 500
  CHECK(f.tasks.create(f.alice, task));
  task.tags.back() += "b";
  auto r = f.tasks.create(f.alice, task);
  REQUIRE_FALSE(r);
  CHECK(issue_of(r.error(), "tags") == FieldIssue::TooLong);
}

TEST_CASE("every call is scoped to its caller: another user's task is NotFound", "[tasks][scope]") {
  TaskFixture f;
  const Task mine = f.create_ok(f.alice, "mine");
  CHECK(code_of(f.tasks.get(f.bob, mine.id)) == "NotFound");
  TaskPatch patch;
  patch.title = "stolen";
  CHECK(code_of(f.tasks.update(f.bob, mine.id, patch)) == "NotFound");
  CHECK(code_of(f.tasks.complete(f.bob, mine.id)) == "NotFound");
  CHECK(code_of(f.tasks.remove(f.bob, mine.id)) == "NotFound");
  CHECK(f.tasks.list(f.bob)->total == 0);
  CHECK(f.tasks.get(f.alice, mine.id)->title == "mine");
}

TEST_CASE("a revoked session or a gone user is Unauthenticated on every call, after validation",
          "[tasks][token]") {
  TaskFixture f;
  const Task mine = f.create_ok(f.alice, "mine");
  REQUIRE(f.users.bump_token_version(f.alice.user_id()));
  const Caller stale = f.alice;
  CHECK(code_of(f.tasks.create(stale, NewTask{"new", {}, false, Priority::Low, {}, {}})) == "Unauthenticated");
  CHECK(code_of(f.tasks.get(stale, mine.id)) == "Unauthenticated");
  CHECK(code_of(f.tasks.list(stale)) == "Unauthenticated");
  CHECK(code_of(f.tasks.update(stale, mine.id, TaskPatch{})) == "Unauthenticated");
  CHECK(code_of(f.tasks.complete(stale, mine.id)) == "Unauthenticated");
  CHECK(code_of(f.tasks.remove(stale, mine.id)) == "Unauthenticated");
  // Validation comes first, so it says nothing about the session.
  CHECK(code_of(f.tasks.create(stale, NewTask{"", {}, false, Priority::Low, {}, {}})) == "InvalidArgument");
  const Caller renewed(f.alice.user_id(), TokenVersion(f.alice.token_version().value() + 1));
  const auto kept = f.tasks.get(renewed, mine.id);
  REQUIRE(kept);
  CHECK_FALSE(kept->completed);
  CHECK(code_of(f.tasks.get(Caller(UserId(999), TokenVersion(0)), mine.id)) == "Unauthenticated");
}

TEST_CASE("list validates its window", "[tasks][list]") {
  TaskFixture f;
  TaskQuery q;
  q.limit = 0;
  q.offset = -1;
  auto r = f.tasks.list(f.alice, q);
  REQUIRE(code_of(r) == "InvalidArgument");
  CHECK(field_names(r.error()) == std::vector<std::string>{"limit", "offset"});
  CHECK(r.error().fields[0].issue == FieldIssue::OutOfRange);
  q.limit = kListLimitMax;
  q.offset = 0;
  CHECK(f.tasks.list(f.alice, q));
}

TEST_CASE("update keeps, clears or sets each field and moves updated_at only", "[tasks][update]") {
  TaskFixture f;
  NewTask full;
  full.title = "Full";
  full.description = "notes";
  full.tags = {"a", "b"};
  full.due_date = from_unix_seconds(1'800'000'000);
  const Task t = f.create_ok(f.alice, full);
  f.clock.advance(std::chrono::seconds(5));

  TaskPatch keep;
  keep.priority = Priority::Low;
  auto kept = f.tasks.update(f.alice, t.id, keep);
  REQUIRE(kept);
  CHECK(kept->title == "Full");
  CHECK(kept->description == std::optional<std::string>("notes"));
  CHECK(kept->tags == std::vector<std::string>{"a", "b"});
  CHECK(kept->priority == Priority::Low);
  CHECK(kept->created_at == t.created_at);
  CHECK(kept->updated_at == f.clock.now());

  TaskPatch clear;
  clear.description = FieldUpdate<std::string>::clear();
  clear.tags = FieldUpdate<std::vector<std::string>>::clear();
  clear.due_date = FieldUpdate<Timestamp>::clear();
  clear.title = "  Renamed ";
  auto cleared = f.tasks.update(f.alice, t.id, clear);
  REQUIRE(cleared);
  CHECK(cleared->title == "Renamed");
  CHECK_FALSE(cleared->description);
  CHECK(cleared->tags.empty());
  CHECK_FALSE(cleared->due_date);

  TaskPatch bad;
  bad.title = " ";
  bad.tags = FieldUpdate<std::vector<std::string>>::set({"x", ""});
  auto refused = f.tasks.update(f.alice, t.id, bad);
  REQUIRE(code_of(refused) == "InvalidArgument");
  CHECK(field_names(refused.error()) == std::vector<std::string>{"tags", "title"});
  CHECK(f.tasks.get(f.alice, t.id)->title == "Renamed");
  CHECK(code_of(f.tasks.update(f.alice, TaskId(t.id.value() + 100), keep)) == "NotFound");
}

TEST_CASE("complete sets a given value and toggles without one", "[tasks][complete]") {
  TaskFixture f;
  const Task t = f.create_ok(f.alice, "t");
  CHECK(f.tasks.complete(f.alice, t.id)->completed);
  CHECK_FALSE(f.tasks.complete(f.alice, t.id)->completed);
  CHECK(f.tasks.complete(f.alice, t.id, true)->completed);
  CHECK(f.tasks.complete(f.alice, t.id, true)->completed);
  CHECK(code_of(f.tasks.complete(f.alice, TaskId(0))) == "NotFound");
}

TEST_CASE("remove deletes the task once", "[tasks][remove]") {
  TaskFixture f;
  const Task t = f.create_ok(f.alice, "t");
  CHECK(f.tasks.remove(f.alice, t.id));
  CHECK(code_of(f.tasks.remove(f.alice, t.id)) == "NotFound");
  CHECK(code_of(f.tasks.get(f.alice, t.id)) == "NotFound");
}

TEST_CASE("the asynchronous calls complete exactly once", "[tasks][async]") {
  TaskFixture f;
  int calls = 0;
  f.service.create(f.alice, NewTask{"t", {}, false, Priority::High, {}, {}}, [&](Result<Task> r) {
    ++calls;
    CHECK(r);
  });
  f.service.list(f.alice, TaskQuery{}, [&](Result<TaskPage> page) {
    ++calls;
    CHECK(page->total == 1);
  });
  f.service.create(f.alice, NewTask{"", {}, false, Priority::High, {}, {}}, [&](Result<Task> r) {
    ++calls;
    CHECK_FALSE(r);
  });
  CHECK(calls == 3);
}
