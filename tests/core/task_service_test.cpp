// TaskService on the memory task repository and a manual clock: defaults,
// validation, per-user scoping, partial updates and completion.

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/core_test_support.hpp"
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
using todo::test::names_field;
using todo::test::repeat;

namespace {

constexpr UserId kAlice = 1;
constexpr UserId kBob = 2;

// Nullable<T> spelled out: a value, an explicit null, or absent ({}).
template <class T>
Nullable<T> value(T v) {
  return std::optional<T>(std::move(v));
}
template <class T>
Nullable<T> null() {
  return std::optional<T>(std::nullopt);
}

struct TaskFixture {
  ManualClock clock;
  MemoryUserRepository users;
  MemoryTaskRepository repo{users};
  TaskService tasks{repo, clock};

  Task create_ok(UserId owner, const std::string& title) {
    CreateTaskCommand cmd;
    cmd.title = value(title);
    return create_ok(owner, cmd);
  }
  Task create_ok(UserId owner, const CreateTaskCommand& cmd) {
    auto r = tasks.create(owner, cmd);
    if (!r) FAIL("create failed: " << r.error().message);
    return std::move(r).value();
  }
  Task update_ok(UserId owner, TaskId id, const UpdateTaskCommand& cmd) {
    auto r = tasks.update(owner, id, cmd);
    if (!r) FAIL("update failed: " << r.error().message);
    return std::move(r).value();
  }
  Task full_task(UserId owner) {
    CreateTaskCommand cmd;
    cmd.title = value<std::string>("Full");
    cmd.description = value<std::string>("notes");
    cmd.priority = value<std::string>("high");
    cmd.tags = value<std::string>("a,b");
    cmd.due_date = value<std::string>("2026-12-01");
    return create_ok(owner, cmd);
  }
};

}  // namespace

// ---------------------------------------------------------------- create

TEST_CASE("create with only a title applies the defaults", "[tasks][create]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "Buy milk");
  CHECK(t.id > 0);
  CHECK(t.user_id == kAlice);
  CHECK(t.title == "Buy milk");
  CHECK_FALSE(t.description.has_value());
  CHECK_FALSE(t.completed);
  CHECK(t.priority == Priority::Medium);
  CHECK(t.tags.empty());
  CHECK_FALSE(t.due_date.has_value());
  CHECK(t.created_at == f.clock.now());
  CHECK(t.updated_at == f.clock.now());
}

TEST_CASE("create reads every field", "[tasks][create]") {
  TaskFixture f;
  CreateTaskCommand cmd;
  cmd.title = value<std::string>("  Plan trip  ");
  cmd.description = value<std::string>("Book flights");
  cmd.completed = value(true);
  cmd.priority = value<std::string>("high");
  cmd.tags = value<std::string>(" travel , family ");
  cmd.due_date = value<std::string>("2026-12-01T10:30");
  const Task t = f.create_ok(kAlice, cmd);
  CHECK(t.title == "Plan trip");
  CHECK(t.description == std::string("Book flights"));
  CHECK(t.completed);
  CHECK(t.priority == Priority::High);
  CHECK(t.tags == std::vector<std::string>{"travel", "family"});
  CHECK(t.due_date == parse_timestamp("2026-12-01T10:30:00Z"));
}

TEST_CASE("create treats null like absent for optional fields", "[tasks][create]") {
  TaskFixture f;
  CreateTaskCommand cmd;
  cmd.title = value<std::string>("Nulls");
  cmd.description = null<std::string>();
  cmd.completed = null<bool>();
  cmd.priority = null<std::string>();
  cmd.tags = null<std::string>();
  cmd.due_date = null<std::string>();
  const Task t = f.create_ok(kAlice, cmd);
  CHECK_FALSE(t.description.has_value());
  CHECK_FALSE(t.completed);
  CHECK(t.priority == Priority::Medium);
  CHECK(t.tags.empty());
  CHECK_FALSE(t.due_date.has_value());
}

TEST_CASE("create accepts what the replaced frontend's form sends", "[tasks][create]") {
  TaskFixture f;
  CreateTaskCommand cmd;
  cmd.title = value<std::string>("From the form");
  cmd.description = value<std::string>("");
  cmd.tags = value<std::string>("");
  cmd.due_date = null<std::string>();
  cmd.completed = value(false);
  const Task t = f.create_ok(kAlice, cmd);
  CHECK(t.tags.empty());
  CHECK_FALSE(t.due_date.has_value());
  CHECK_FALSE(t.completed);

  cmd.due_date = value<std::string>("2026-12-01T10:30");  // a datetime-local value
  CHECK(f.create_ok(kAlice, cmd).due_date == parse_timestamp("2026-12-01T10:30:00Z"));
}

TEST_CASE("create without a title is refused as missing", "[tasks][create]") {
  TaskFixture f;
  const auto r = f.tasks.create(kAlice, CreateTaskCommand{});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::InvalidArgument);
  REQUIRE(r.error().fields.size() == 1);
  CHECK(r.error().fields[0].field == "title");
  CHECK(r.error().fields[0].type == "missing");
}

TEST_CASE("create with a null, empty or blank title is refused", "[tasks][create]") {
  TaskFixture f;
  CreateTaskCommand cmd;
  cmd.title = null<std::string>();
  const auto null_title = f.tasks.create(kAlice, cmd);
  CHECK(names_field(null_title, "title"));
  REQUIRE_FALSE(null_title.has_value());
  CHECK(null_title.error().fields[0].type != "missing");
  cmd.title = value<std::string>("   ");
  CHECK(names_field(f.tasks.create(kAlice, cmd), "title"));
  cmd.title = value<std::string>("");
  CHECK(names_field(f.tasks.create(kAlice, cmd), "title"));
}

TEST_CASE("create reports every invalid field at once and stores nothing", "[tasks][create]") {
  TaskFixture f;
  CreateTaskCommand cmd;
  cmd.title = value(repeat("t", 256));
  cmd.description = value(repeat("d", 1001));
  cmd.priority = value<std::string>("urgent");
  cmd.tags = value<std::string>("a,,b");
  cmd.due_date = value<std::string>("someday");
  const auto r = f.tasks.create(kAlice, cmd);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::InvalidArgument);
  CHECK(field_names(r.error()) ==
        std::vector<std::string>{"description", "due_date", "priority", "tags", "title"});
  CHECK(f.tasks.list(kAlice, TaskQuery{})->total == 0);
}

TEST_CASE("create refuses invalid UTF-8 and NUL in every string field", "[tasks][create][utf8]") {
  TaskFixture f;
  const std::string nul("x\0y", 3);
  const std::string bad = "x\xED\xA0\x80";
  for (const std::string& poison : {nul, bad}) {
    CreateTaskCommand cmd;
    cmd.title = value("ok " + poison);
    cmd.description = value("ok " + poison);
    cmd.priority = value(poison);
    cmd.tags = value("ok," + poison);
    cmd.due_date = value("2026-12-01" + poison);
    const auto r = f.tasks.create(kAlice, cmd);
    REQUIRE_FALSE(r.has_value());
    CHECK(field_names(r.error()) ==
          std::vector<std::string>{"description", "due_date", "priority", "tags", "title"});
  }
}

TEST_CASE("create assigns distinct ids", "[tasks][create]") {
  TaskFixture f;
  const Task a = f.create_ok(kAlice, "a");
  const Task b = f.create_ok(kAlice, "b");
  const Task c = f.create_ok(kBob, "c");
  CHECK(a.id != b.id);
  CHECK(b.id != c.id);
  CHECK(a.id != c.id);
}

// ---------------------------------------------------------------- scoping

TEST_CASE("get returns the owner's task", "[tasks][scope]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "mine");
  const auto got = f.tasks.get(kAlice, t.id);
  REQUIRE(got.has_value());
  CHECK(got->title == "mine");
  CHECK(got->id == t.id);
}

TEST_CASE("another user's task is NotFound, exactly like a missing one", "[tasks][scope]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "alice's");
  const auto missing = f.tasks.get(kBob, t.id + 100);
  const auto foreign = f.tasks.get(kBob, t.id);
  REQUIRE_FALSE(foreign.has_value());
  REQUIRE_FALSE(missing.has_value());
  CHECK(foreign.error().code == ErrorCode::NotFound);
  CHECK(missing.error().code == ErrorCode::NotFound);
  CHECK(foreign.error().message == missing.error().message);
  CHECK(code_of(f.tasks.get(kAlice, 0)) == "NotFound");
  CHECK(code_of(f.tasks.get(kAlice, -1)) == "NotFound");
}

TEST_CASE("list shows only the caller's tasks", "[tasks][scope]") {
  TaskFixture f;
  for (const char* t : {"a1", "a2", "a3"}) f.create_ok(kAlice, t);
  for (const char* t : {"b1", "b2"}) f.create_ok(kBob, t);
  const auto alice = f.tasks.list(kAlice, TaskQuery{});
  REQUIRE(alice.has_value());
  CHECK(alice->total == 3);
  REQUIRE(alice->items.size() == 3);
  for (const Task& t : alice->items) CHECK(t.user_id == kAlice);
  CHECK(f.tasks.list(kBob, TaskQuery{})->total == 2);
  CHECK(f.tasks.list(3, TaskQuery{})->total == 0);
}

TEST_CASE("list refuses a query with limit or offset out of range", "[tasks][list]") {
  TaskFixture f;
  TaskQuery q;
  q.limit = 0;
  CHECK(names_field(f.tasks.list(kAlice, q), "limit"));
  q.limit = 501;
  CHECK(names_field(f.tasks.list(kAlice, q), "limit"));
  q.limit = 10;
  q.offset = -1;
  CHECK(names_field(f.tasks.list(kAlice, q), "offset"));
}

TEST_CASE("list_for_token lists for a current token version and refuses a stale one", "[tasks][list]") {
  TaskFixture f;
  const auto alice = f.users.create(NewUser{"alice@example.com", std::nullopt, "hash", Timestamp{}});
  REQUIRE(alice);
  f.create_ok(alice->id, "a1");
  f.create_ok(alice->id, "a2");
  TokenClaims claims;
  claims.user_id = alice->id;
  claims.token_version = alice->token_version;
  const auto page = f.tasks.list_for_token(claims, TaskQuery{});
  REQUIRE(page.has_value());
  CHECK(page->total == 2);

  TaskQuery bad;
  bad.limit = 0;
  CHECK(names_field(f.tasks.list_for_token(claims, bad), "limit"));

  REQUIRE(f.users.bump_token_version(alice->id));
  const auto stale = f.tasks.list_for_token(claims, TaskQuery{});
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == ErrorCode::Unauthenticated);
  CHECK(stale.error().message == "Could not validate credentials");

  claims.user_id = alice->id + 1;  // no such user
  claims.token_version = 0;
  CHECK(f.tasks.list_for_token(claims, TaskQuery{}).error().code == ErrorCode::Unauthenticated);
}

TEST_CASE("list_for_token_async answers once, like list_for_token, through the port's synchronous default",
          "[tasks][list]") {
  TaskFixture f;
  const auto alice = f.users.create(NewUser{"alice@example.com", std::nullopt, "hash", Timestamp{}});
  REQUIRE(alice);
  f.create_ok(alice->id, "a1");
  TokenClaims claims;
  claims.user_id = alice->id;
  claims.token_version = alice->token_version;
  const auto run = [&f](const TokenClaims& c, const TaskQuery& q) {
    int calls = 0;
    std::optional<Result<TaskPage>> got;
    f.tasks.list_for_token_async(c, q, [&](Result<TaskPage> page) {
      ++calls;
      got.emplace(std::move(page));
    });
    CHECK(calls == 1);
    REQUIRE(got);
    return std::move(*got);
  };
  const auto page = run(claims, TaskQuery{});
  REQUIRE(page.has_value());
  CHECK(page->total == 1);
  CHECK(page->items.at(0).title == "a1");

  TaskQuery bad;
  bad.offset = -1;
  CHECK(names_field(run(claims, bad), "offset"));

  REQUIRE(f.users.bump_token_version(alice->id));
  const auto stale = run(claims, TaskQuery{});
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == ErrorCode::Unauthenticated);
  CHECK(stale.error().message == "Could not validate credentials");
}

TEST_CASE("update, complete and remove of another user's task are NotFound and change nothing",
          "[tasks][scope]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  UpdateTaskCommand cmd;
  cmd.title = value<std::string>("hijacked");
  CHECK(code_of(f.tasks.update(kBob, t.id, cmd)) == "NotFound");
  CHECK(code_of(f.tasks.complete(kBob, t.id, true)) == "NotFound");
  CHECK(code_of(f.tasks.complete(kBob, t.id, std::nullopt)) == "NotFound");
  const auto removed = f.tasks.remove(kBob, t.id);
  REQUIRE_FALSE(removed.has_value());
  CHECK(removed.error().code == ErrorCode::NotFound);

  const auto still = f.tasks.get(kAlice, t.id);
  REQUIRE(still.has_value());
  CHECK(still->title == "Full");
  CHECK_FALSE(still->completed);
  CHECK(still->updated_at == t.updated_at);
}

// ---------------------------------------------------------------- update

TEST_CASE("update changes only the fields present", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  UpdateTaskCommand cmd;
  cmd.description = value<std::string>("new notes");
  const Task u = f.update_ok(kAlice, t.id, cmd);
  CHECK(u.description == std::string("new notes"));
  CHECK(u.title == t.title);
  CHECK(u.completed == t.completed);
  CHECK(u.priority == t.priority);
  CHECK(u.tags == t.tags);
  CHECK(u.due_date == t.due_date);
  CHECK(u.created_at == t.created_at);
}

TEST_CASE("update with every field present replaces them all", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  UpdateTaskCommand cmd;
  cmd.title = value<std::string>(" Renamed ");
  cmd.description = value<std::string>("d2");
  cmd.completed = value(true);
  cmd.priority = value<std::string>("low");
  cmd.tags = value<std::string>("x, y ,z");
  cmd.due_date = value<std::string>("2027-01-02T03:04:05+01:00");
  const Task u = f.update_ok(kAlice, t.id, cmd);
  CHECK(u.title == "Renamed");
  CHECK(u.description == std::string("d2"));
  CHECK(u.completed);
  CHECK(u.priority == Priority::Low);
  CHECK(u.tags == std::vector<std::string>{"x", "y", "z"});
  CHECK(u.due_date == parse_timestamp("2027-01-02T02:04:05Z"));
  CHECK(u.id == t.id);
  CHECK(u.user_id == kAlice);
}

TEST_CASE("update with null clears description, tags and due_date", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  UpdateTaskCommand cmd;
  cmd.description = null<std::string>();
  cmd.tags = null<std::string>();
  cmd.due_date = null<std::string>();
  const Task u = f.update_ok(kAlice, t.id, cmd);
  CHECK_FALSE(u.description.has_value());
  CHECK(u.tags.empty());
  CHECK_FALSE(u.due_date.has_value());
  CHECK(u.title == t.title);
  CHECK(u.priority == Priority::High);
}

TEST_CASE("update with empty tags clears them", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  UpdateTaskCommand cmd;
  cmd.tags = value<std::string>("");
  CHECK(f.update_ok(kAlice, t.id, cmd).tags.empty());
}

TEST_CASE("update with null title, priority or completed is refused and changes nothing", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  SECTION("title") {
    UpdateTaskCommand cmd;
    cmd.title = null<std::string>();
    CHECK(names_field(f.tasks.update(kAlice, t.id, cmd), "title"));
  }
  SECTION("priority") {
    UpdateTaskCommand cmd;
    cmd.priority = null<std::string>();
    CHECK(names_field(f.tasks.update(kAlice, t.id, cmd), "priority"));
  }
  SECTION("completed") {
    UpdateTaskCommand cmd;
    cmd.completed = null<bool>();
    CHECK(names_field(f.tasks.update(kAlice, t.id, cmd), "completed"));
  }
  SECTION("all three at once") {
    UpdateTaskCommand cmd;
    cmd.title = null<std::string>();
    cmd.priority = null<std::string>();
    cmd.completed = null<bool>();
    cmd.description = value<std::string>("would change");
    const auto r = f.tasks.update(kAlice, t.id, cmd);
    REQUIRE_FALSE(r.has_value());
    CHECK(field_names(r.error()) == std::vector<std::string>{"completed", "priority", "title"});
  }
  const auto same = f.tasks.get(kAlice, t.id);
  REQUIRE(same.has_value());
  CHECK(same->title == "Full");
  CHECK(same->description == std::string("notes"));
  CHECK(same->priority == Priority::High);
  CHECK(same->updated_at == t.updated_at);
}

TEST_CASE("update validates like create and changes nothing on error", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  UpdateTaskCommand cmd;
  cmd.title = value<std::string>(" ");
  cmd.tags = value<std::string>("a,,b");
  cmd.description = value(repeat("d", 1001));
  cmd.due_date = value<std::string>("2026-02-30");
  cmd.priority = value<std::string>("urgent");
  const auto r = f.tasks.update(kAlice, t.id, cmd);
  REQUIRE_FALSE(r.has_value());
  CHECK(field_names(r.error()) == std::vector<std::string>{"description", "due_date", "priority", "tags", "title"});
  CHECK(f.tasks.get(kAlice, t.id)->tags == std::vector<std::string>{"a", "b"});
}

TEST_CASE("update moves updated_at to now and keeps created_at", "[tasks][update]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "t");
  f.clock.advance(std::chrono::seconds(90));
  UpdateTaskCommand cmd;
  cmd.title = value<std::string>("t2");
  const Task u = f.update_ok(kAlice, t.id, cmd);
  CHECK(u.updated_at == t.updated_at + std::chrono::seconds(90));
  CHECK(u.created_at == t.created_at);
  CHECK(f.tasks.get(kAlice, t.id)->updated_at == u.updated_at);
}

TEST_CASE("update of a missing task is NotFound", "[tasks][update]") {
  TaskFixture f;
  UpdateTaskCommand cmd;
  cmd.title = value<std::string>("x");
  CHECK(code_of(f.tasks.update(kAlice, 12345, cmd)) == "NotFound");
}

// ---------------------------------------------------------------- complete

TEST_CASE("complete with a value sets completed to it", "[tasks][complete]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "t");
  const auto done = f.tasks.complete(kAlice, t.id, true);
  REQUIRE(done.has_value());
  CHECK(done->completed);
  const auto again = f.tasks.complete(kAlice, t.id, true);  // setting is idempotent
  REQUIRE(again.has_value());
  CHECK(again->completed);
  const auto undone = f.tasks.complete(kAlice, t.id, false);
  REQUIRE(undone.has_value());
  CHECK_FALSE(undone->completed);
}

TEST_CASE("complete without a value toggles completed", "[tasks][complete]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "t");
  const auto on = f.tasks.complete(kAlice, t.id, std::nullopt);
  REQUIRE(on.has_value());
  CHECK(on->completed);
  const auto off = f.tasks.complete(kAlice, t.id, std::nullopt);
  REQUIRE(off.has_value());
  CHECK_FALSE(off->completed);
  CHECK_FALSE(f.tasks.get(kAlice, t.id)->completed);
}

TEST_CASE("complete moves updated_at and leaves other fields", "[tasks][complete]") {
  TaskFixture f;
  const Task t = f.full_task(kAlice);
  f.clock.advance(std::chrono::minutes(5));
  const auto toggled = f.tasks.complete(kAlice, t.id, std::nullopt);
  REQUIRE(toggled.has_value());
  CHECK(toggled->updated_at == t.updated_at + std::chrono::minutes(5));
  CHECK(toggled->created_at == t.created_at);
  CHECK(toggled->title == t.title);
  CHECK(toggled->tags == t.tags);
  f.clock.advance(std::chrono::minutes(5));
  const auto set = f.tasks.complete(kAlice, t.id, false);
  REQUIRE(set.has_value());
  CHECK(set->updated_at == t.updated_at + std::chrono::minutes(10));
}

TEST_CASE("complete of a missing task is NotFound", "[tasks][complete]") {
  TaskFixture f;
  CHECK(code_of(f.tasks.complete(kAlice, 999, std::nullopt)) == "NotFound");
  CHECK(code_of(f.tasks.complete(kAlice, 999, true)) == "NotFound");
}

// ---------------------------------------------------------------- remove

TEST_CASE("remove deletes the task once", "[tasks][remove]") {
  TaskFixture f;
  const Task t = f.create_ok(kAlice, "t");
  const Task keep = f.create_ok(kAlice, "keep");
  REQUIRE(f.tasks.remove(kAlice, t.id).has_value());
  CHECK(code_of(f.tasks.get(kAlice, t.id)) == "NotFound");
  const auto twice = f.tasks.remove(kAlice, t.id);
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().code == ErrorCode::NotFound);
  CHECK(f.tasks.get(kAlice, keep.id).has_value());
  CHECK(f.tasks.list(kAlice, TaskQuery{})->total == 1);
}

// ------------------------------------------------------- ..._for_token

namespace {

TokenClaims claims_of(const User& user) {
  TokenClaims claims;
  claims.user_id = user.id;
  claims.email = user.email;
  claims.token_version = user.token_version;
  return claims;
}

User add_user(TaskFixture& f, const std::string& email) {
  auto user = f.users.create(NewUser{email, std::nullopt, "hash", Timestamp{}});
  if (!user) FAIL("user not created: " << user.error().message);
  return std::move(user).value();
}

}  // namespace

TEST_CASE("the _for_token use cases act like the plain ones for a current token", "[tasks][token]") {
  TaskFixture f;
  // A bumped version (1), so the token's own version must reach the check.
  const User fresh = add_user(f, "alice@example.com");
  const auto bumped = f.users.bump_token_version(fresh.id);
  REQUIRE(bumped.has_value());
  const TokenClaims alice = claims_of(*bumped);

  CreateTaskCommand create;
  create.title = value<std::string>("  Buy milk ");
  create.tags = value<std::string>(" a , b ");
  const auto created = f.tasks.create_for_token(alice, create);
  REQUIRE(created.has_value());
  CHECK(created->user_id == alice.user_id);
  CHECK(created->title == "Buy milk");
  CHECK(created->tags == std::vector<std::string>{"a", "b"});
  CHECK(created->priority == Priority::Medium);
  CHECK(created->created_at == f.clock.now());

  const auto read = f.tasks.get_for_token(alice, created->id);
  REQUIRE(read.has_value());
  CHECK(read->title == "Buy milk");

  f.clock.advance(std::chrono::minutes(1));
  UpdateTaskCommand update;
  update.priority = value<std::string>("high");
  update.tags = null<std::string>();
  const auto updated = f.tasks.update_for_token(alice, created->id, update);
  REQUIRE(updated.has_value());
  CHECK(updated->priority == Priority::High);
  CHECK(updated->tags.empty());
  CHECK(updated->title == "Buy milk");
  CHECK(updated->updated_at == f.clock.now());

  f.clock.advance(std::chrono::minutes(1));
  const auto toggled = f.tasks.complete_for_token(alice, created->id, std::nullopt);
  REQUIRE(toggled.has_value());
  CHECK(toggled->completed);
  CHECK(toggled->updated_at == f.clock.now());
  const auto set = f.tasks.complete_for_token(alice, created->id, true);
  REQUIRE(set.has_value());
  CHECK(set->completed);
  const auto cleared = f.tasks.complete_for_token(alice, created->id, false);
  REQUIRE(cleared.has_value());
  CHECK_FALSE(cleared->completed);

  REQUIRE(f.tasks.remove_for_token(alice, created->id).has_value());
  CHECK(code_of(f.tasks.get_for_token(alice, created->id)) == "NotFound");
  CHECK(code_of(f.tasks.remove_for_token(alice, created->id)) == "NotFound");
  CHECK(code_of(f.tasks.complete_for_token(alice, created->id, std::nullopt)) == "NotFound");
  CHECK(code_of(f.tasks.complete_for_token(alice, created->id, true)) == "NotFound");
  CHECK(code_of(f.tasks.update_for_token(alice, created->id, update)) == "NotFound");
  for (const TaskId impossible : {TaskId{0}, TaskId{-5}}) {
    CHECK(code_of(f.tasks.get_for_token(alice, impossible)) == "NotFound");
    CHECK(code_of(f.tasks.update_for_token(alice, impossible, update)) == "NotFound");
    CHECK(code_of(f.tasks.complete_for_token(alice, impossible, std::nullopt)) == "NotFound");
    CHECK(code_of(f.tasks.remove_for_token(alice, impossible)) == "NotFound");
  }
}

TEST_CASE("the _for_token use cases refuse a revoked token or a gone user with FastAPI's detail",
          "[tasks][token]") {
  TaskFixture f;
  const User alice = add_user(f, "alice@example.com");
  const User bob = add_user(f, "bob@example.com");
  const Task mine = f.create_ok(alice.id, "mine");
  const Task bobs = f.create_ok(bob.id, "bob's");
  TokenClaims stale = claims_of(alice);
  REQUIRE(f.users.bump_token_version(alice.id).has_value());
  TokenClaims nobody;
  nobody.user_id = bob.id + 100;

  CreateTaskCommand create;
  create.title = value<std::string>("sneaked in");
  UpdateTaskCommand update;
  update.title = value<std::string>("changed");
  for (const TokenClaims& claims : {stale, nobody}) {
    INFO("user " << claims.user_id);
    const auto refused = f.tasks.create_for_token(claims, create);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::Unauthenticated);
    CHECK(refused.error().message == "Could not validate credentials");
    // Refused whether the task is theirs, someone else's, missing or impossible.
    for (const TaskId id : {mine.id, bobs.id, TaskId{999}, TaskId{0}}) {
      INFO("task " << id);
      CHECK(code_of(f.tasks.get_for_token(claims, id)) == "Unauthenticated");
      CHECK(code_of(f.tasks.update_for_token(claims, id, update)) == "Unauthenticated");
      CHECK(code_of(f.tasks.complete_for_token(claims, id, true)) == "Unauthenticated");
      CHECK(code_of(f.tasks.complete_for_token(claims, id, std::nullopt)) == "Unauthenticated");
      const auto removed = f.tasks.remove_for_token(claims, id);
      REQUIRE_FALSE(removed.has_value());
      CHECK(removed.error().code == ErrorCode::Unauthenticated);
      CHECK(removed.error().message == "Could not validate credentials");
    }
  }
  CHECK(f.tasks.list(alice.id, TaskQuery{})->total == 1);
  const auto still = f.tasks.get(alice.id, mine.id);
  REQUIRE(still.has_value());
  CHECK(still->title == "mine");
  CHECK_FALSE(still->completed);
  CHECK(f.tasks.get(bob.id, bobs.id).has_value());
}

TEST_CASE("the _for_token use cases validate before the token is checked, and scope to its user",
          "[tasks][token]") {
  TaskFixture f;
  const User alice = add_user(f, "alice@example.com");
  const User bob = add_user(f, "bob@example.com");
  const Task bobs = f.create_ok(bob.id, "bob's");
  const TokenClaims current = claims_of(alice);
  TokenClaims stale = current;
  stale.token_version += 1;

  // InvalidArgument says nothing about the token (the HTTP adapter then
  // authenticates fully, so a revoked token with a bad body is still 401).
  CreateTaskCommand bad_create;
  bad_create.title = value<std::string>("  ");
  bad_create.priority = value<std::string>("urgent");
  UpdateTaskCommand bad_update;
  bad_update.completed = null<bool>();
  for (const TokenClaims& claims : {current, stale}) {
    const auto created = f.tasks.create_for_token(claims, bad_create);
    CHECK(names_field(created, "title"));
    CHECK(names_field(created, "priority"));
    CHECK(names_field(f.tasks.update_for_token(claims, bobs.id, bad_update), "completed"));
  }
  CHECK(f.tasks.list(alice.id, TaskQuery{})->total == 0);

  // Bob's task through Alice's good token: NotFound, unchanged.
  UpdateTaskCommand update;
  update.title = value<std::string>("hijacked");
  CHECK(code_of(f.tasks.get_for_token(current, bobs.id)) == "NotFound");
  CHECK(code_of(f.tasks.update_for_token(current, bobs.id, update)) == "NotFound");
  CHECK(code_of(f.tasks.complete_for_token(current, bobs.id, std::nullopt)) == "NotFound");
  CHECK(code_of(f.tasks.remove_for_token(current, bobs.id)) == "NotFound");
  const auto still = f.tasks.get(bob.id, bobs.id);
  REQUIRE(still.has_value());
  CHECK(still->title == "bob's");
  CHECK_FALSE(still->completed);
}
