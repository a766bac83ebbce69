// The memory repositories: uniqueness rules of the user repository and every
// filter, sort and window of the task list (the semantics the PostgreSQL
// adapter must share).

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/core_test_support.hpp"
#include "sync_tasks.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

using namespace todo::core;
using todo::memory::MemoryTaskRepository;
using todo::memory::MemoryUserRepository;
using todo::test::code_of;

namespace {

constexpr UserId kOwner(7);
constexpr UserId kOther(8);

Timestamp t0() { return from_unix_seconds(1'780'000'000); }
Timestamp minutes_after_t0(long long m) { return t0() + std::chrono::minutes(m); }

NewUser new_user(const std::string& email, std::optional<std::string> username = std::nullopt) {
  return NewUser{email, std::move(username), "fake$hash", t0()};
}

struct TaskSpec {
  std::string title;
  std::optional<std::string> description;
  bool completed = false;
  Priority priority = Priority::Medium;
  std::vector<std::string> tags;
  std::optional<Timestamp> due_date;
  long long created_minute = 0;
};

struct ListFixture {
  MemoryUserRepository users;
  MemoryTaskRepository port{users};
  todo::test::SyncTasks repo{users, port};

  // kOwner and kOther exist: every repository call checks its caller.
  ListFixture() {
    for (int i = 1; i <= 8; ++i) REQUIRE(users.create(new_user("user" + std::to_string(i) + "@example.com")));
  }

  Task add(const TaskSpec& s, UserId owner = kOwner) {
    todo::test::TaskDraft n{owner, s.title, s.description, s.completed, s.priority, s.tags, s.due_date,
              minutes_after_t0(s.created_minute)};
    auto r = repo.create(n);
    if (!r) FAIL("create failed: " << r.error().message);
    return std::move(r).value();
  }
  Task add_titled(const std::string& title, long long minute = 0) {
    TaskSpec s;
    s.title = title;
    s.created_minute = minute;
    return add(s);
  }

  TaskPage list(const TaskQuery& q, UserId owner = kOwner) {
    auto r = repo.list(owner, q);
    if (!r) FAIL("list failed: " << r.error().message);
    return std::move(r).value();
  }
  std::vector<std::string> titles(const TaskQuery& q) {
    std::vector<std::string> out;
    for (const Task& t : list(q).items) out.push_back(t.title);
    return out;
  }
};

TaskQuery sorted(SortBy by, SortOrder order) {
  TaskQuery q;
  q.sort_by = by;
  q.order = order;
  return q;
}

using Titles = std::vector<std::string>;

}  // namespace

// ================================================================ users

TEST_CASE("user repository assigns ids and finds users by id and email", "[memory][users]") {
  MemoryUserRepository users;
  const auto a = users.create(new_user("a@example.com", "alice"));
  const auto b = users.create(new_user("b@example.com"));
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->id.value() > 0);
  CHECK(b->id != a->id);
  CHECK(a->token_version == 0);
  CHECK(a->username == std::string("alice"));
  CHECK(a->created_at == t0());
  CHECK(users.find_by_id(b->id)->email == "b@example.com");
  CHECK(users.find_by_email("a@example.com")->id == a->id);
}

TEST_CASE("user repository reports unknown ids and emails as NotFound", "[memory][users]") {
  MemoryUserRepository users;
  CHECK(code_of(users.find_by_id(UserId(1))) == "NotFound");
  CHECK(code_of(users.find_by_email("nobody@example.com")) == "NotFound");
  CHECK(code_of(users.bump_token_version(UserId(1))) == "NotFound");
  CHECK(code_of(users.set_password(UserId(1), "fake$x")) == "NotFound");
}

TEST_CASE("user repository refuses a duplicate email case-insensitively", "[memory][users]") {
  MemoryUserRepository users;
  REQUIRE(users.create(new_user("a@example.com")).has_value());
  const auto dup = users.create(new_user("A@Example.COM"));
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().code == ErrorCode::AlreadyExists);
  CHECK(dup.error().message.find("email") != std::string::npos);
  CHECK(users.find_by_email("A@EXAMPLE.com").has_value());
}

TEST_CASE("user repository refuses a duplicate username case-insensitively", "[memory][users]") {
  MemoryUserRepository users;
  REQUIRE(users.create(new_user("a@example.com", "Alice")).has_value());
  const auto dup = users.create(new_user("b@example.com", "aLiCe"));
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().code == ErrorCode::AlreadyExists);
  CHECK(dup.error().message.find("username") != std::string::npos);
  // The refused user left nothing behind: its email is still free.
  CHECK(code_of(users.find_by_email("b@example.com")) == "NotFound");
  CHECK(users.create(new_user("b@example.com", "bob")).has_value());
}

TEST_CASE("user repository allows many users without a username", "[memory][users]") {
  MemoryUserRepository users;
  CHECK(users.create(new_user("a@example.com")).has_value());
  CHECK(users.create(new_user("b@example.com")).has_value());
}

TEST_CASE("bump_token_version increments the version each time", "[memory][users]") {
  MemoryUserRepository users;
  const auto u = users.create(new_user("a@example.com"));
  REQUIRE(u.has_value());
  CHECK(users.bump_token_version(u->id)->token_version == 1);
  CHECK(users.bump_token_version(u->id)->token_version == 2);
  CHECK(users.find_by_id(u->id)->token_version == 2);
}

TEST_CASE("set_password replaces the hash and bumps the token version", "[memory][users]") {
  MemoryUserRepository users;
  const auto u = users.create(new_user("a@example.com"));
  REQUIRE(u.has_value());
  const auto changed = users.set_password(u->id, "fake$new");
  REQUIRE(changed.has_value());
  CHECK(changed->password_hash == "fake$new");
  CHECK(changed->token_version == 1);
  CHECK(users.find_by_email("a@example.com")->password_hash == "fake$new");
}

TEST_CASE("user repository gives one winner when two threads take the same email", "[memory][users]") {
  MemoryUserRepository users;
  constexpr int kThreads = 8;
  std::vector<int> ok(kThreads, 0);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&users, &ok, i] {
        ok[static_cast<std::size_t>(i)] = users.create(new_user(i % 2 == 0 ? "race@x.io" : "RACE@x.io")) ? 1 : 0;
      });
    }
  }
  int winners = 0;
  for (const int v : ok) winners += v;
  CHECK(winners == 1);
}

// ================================================================ task CRUD

TEST_CASE("task repository stores every field and stamps created_at and updated_at", "[memory][tasks]") {
  ListFixture f;
  TaskSpec s;
  s.title = "T";
  s.description = "D";
  s.completed = true;
  s.priority = Priority::Low;
  s.tags = {"x", "y"};
  s.due_date = minutes_after_t0(60);
  s.created_minute = 5;
  const Task t = f.add(s);
  CHECK(t.user_id == kOwner);
  CHECK(t.title == "T");
  CHECK(t.description == std::string("D"));
  CHECK(t.completed);
  CHECK(t.priority == Priority::Low);
  CHECK(t.tags == std::vector<std::string>{"x", "y"});
  CHECK(t.due_date == minutes_after_t0(60));
  CHECK(t.created_at == minutes_after_t0(5));
  CHECK(t.updated_at == minutes_after_t0(5));
  const auto got = f.repo.get(kOwner, t.id);
  REQUIRE(got.has_value());
  CHECK(got->title == "T");
}

TEST_CASE("task repository scopes get, update, toggle and remove by owner", "[memory][tasks]") {
  ListFixture f;
  const Task t = f.add_titled("mine");
  todo::test::PatchSpec patch;
  patch.title = "stolen";
  CHECK(code_of(f.repo.get(kOther, t.id)) == "NotFound");
  CHECK(code_of(f.repo.update(kOther, t.id, patch, t0())) == "NotFound");
  CHECK(code_of(f.repo.toggle_completed(kOther, t.id, t0())) == "NotFound");
  const auto removed = f.repo.remove(kOther, t.id);
  REQUIRE_FALSE(removed.has_value());
  CHECK(removed.error().code == ErrorCode::NotFound);
  CHECK(f.repo.get(kOwner, t.id)->title == "mine");
}

TEST_CASE("task repository update applies only the patch's fields and sets updated_at", "[memory][tasks]") {
  ListFixture f;
  TaskSpec s;
  s.title = "T";
  s.description = "D";
  s.tags = {"a"};
  s.due_date = minutes_after_t0(60);
  const Task t = f.add(s);

  todo::test::PatchSpec clear;
  clear.description = std::optional<std::string>{};
  clear.due_date = std::optional<Timestamp>{};
  clear.tags = std::vector<std::string>{};
  const auto u = f.repo.update(kOwner, t.id, clear, minutes_after_t0(3));
  REQUIRE(u.has_value());
  CHECK(u->title == "T");
  CHECK_FALSE(u->description.has_value());
  CHECK_FALSE(u->due_date.has_value());
  CHECK(u->tags.empty());
  CHECK(u->updated_at == minutes_after_t0(3));
  CHECK(u->created_at == t.created_at);

  todo::test::PatchSpec some;
  some.priority = Priority::High;
  some.completed = true;
  const auto v = f.repo.update(kOwner, t.id, some, minutes_after_t0(4));
  REQUIRE(v.has_value());
  CHECK(v->priority == Priority::High);
  CHECK(v->completed);
  CHECK(v->title == "T");
}

TEST_CASE("task repository toggle flips completed and sets updated_at", "[memory][tasks]") {
  ListFixture f;
  const Task t = f.add_titled("t");
  const auto on = f.repo.toggle_completed(kOwner, t.id, minutes_after_t0(1));
  REQUIRE(on.has_value());
  CHECK(on->completed);
  CHECK(on->updated_at == minutes_after_t0(1));
  CHECK_FALSE(f.repo.toggle_completed(kOwner, t.id, minutes_after_t0(2))->completed);
}

TEST_CASE("task repository toggles atomically under concurrent callers", "[memory][tasks]") {
  ListFixture f;
  const Task t = f.add_titled("t");
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&f, &t] {
        for (int j = 0; j < 25; ++j) (void)f.repo.toggle_completed(kOwner, t.id, t0());
      });
    }
  }
  // 100 flips in all: back where it started.
  CHECK_FALSE(f.repo.get(kOwner, t.id)->completed);
}

TEST_CASE("remove_all_of removes one owner's tasks only", "[memory][tasks]") {
  ListFixture f;
  f.add_titled("a");
  f.add_titled("b");
  TaskSpec s;
  s.title = "other";
  const Task other = f.add(s, kOther);
  f.port.remove_all_of(kOwner);
  CHECK(f.list(TaskQuery{}).total == 0);
  CHECK(f.repo.get(kOther, other.id).has_value());
}

// ================================================================ list: filters

TEST_CASE("list filters on completed", "[memory][list][filter]") {
  ListFixture f;
  TaskSpec s;
  s.title = "open";
  f.add(s);
  s.title = "done";
  s.completed = true;
  f.add(s);
  TaskQuery q;
  q.completed = true;
  CHECK(f.titles(q) == Titles{"done"});
  q.completed = false;
  CHECK(f.titles(q) == Titles{"open"});
}

TEST_CASE("list filters on priority", "[memory][list][filter]") {
  ListFixture f;
  for (const Priority p : {Priority::High, Priority::Medium, Priority::Low}) {
    TaskSpec s;
    s.title = to_string(p);
    s.priority = p;
    f.add(s);
  }
  TaskQuery q;
  q.priority = Priority::High;
  CHECK(f.titles(q) == Titles{"high"});
  q.priority = Priority::Medium;
  CHECK(f.titles(q) == Titles{"medium"});
  q.priority = Priority::Low;
  CHECK(f.titles(q) == Titles{"low"});
}

TEST_CASE("list tag filter matches a whole tag, ASCII case-insensitively", "[memory][list][filter]") {
  ListFixture f;
  TaskSpec s;
  s.title = "work+home";
  s.tags = {"Work", "home"};
  f.add(s);
  s.title = "workshop";
  s.tags = {"workshop"};
  f.add(s);
  s.title = "none";
  s.tags = {};
  f.add(s);
  TaskQuery q;
  q.tag = "work";
  CHECK(f.titles(q) == Titles{"work+home"});
  q.tag = "HOME";
  CHECK(f.titles(q) == Titles{"work+home"});
  q.tag = "wor";
  CHECK(f.titles(q).empty());
  q.tag = "work,home";
  CHECK(f.titles(q).empty());
  q.tag = "workshop";
  CHECK(f.titles(q) == Titles{"workshop"});
}

TEST_CASE("list search matches title or description, case-insensitively", "[memory][list][filter]") {
  ListFixture f;
  TaskSpec s;
  s.title = "Buy MILK";
  f.add(s);
  s.title = "Errands";
  s.description = "get milk and bread";
  f.add(s);
  s.title = "Call mum";
  s.description = "about the party";
  f.add(s);
  TaskQuery q;
  q.search = "milk";
  CHECK(f.titles(q) == Titles{"Buy MILK", "Errands"});
  q.search = "PARTY";
  CHECK(f.titles(q) == Titles{"Call mum"});
  q.search = "y m";
  CHECK(f.titles(q) == Titles{"Buy MILK"});
  q.search = "nothing like this";
  CHECK(f.titles(q).empty());
}

TEST_CASE("list search treats % and _ and backslash as literal characters", "[memory][list][filter]") {
  ListFixture f;
  for (const char* title : {"50% off", "5000 off", "a_b", "axb", "C:\\temp", "C:temp"}) f.add_titled(title);
  TaskQuery q;
  q.search = "%";
  CHECK(f.titles(q) == Titles{"50% off"});
  q.search = "0% o";
  CHECK(f.titles(q) == Titles{"50% off"});
  q.search = "_";
  CHECK(f.titles(q) == Titles{"a_b"});
  q.search = "a_b";
  CHECK(f.titles(q) == Titles{"a_b"});
  q.search = "\\";
  CHECK(f.titles(q) == Titles{"C:\\temp"});
}

TEST_CASE("list combines filters", "[memory][list][filter]") {
  ListFixture f;
  TaskSpec s;
  s.title = "match";
  s.completed = true;
  s.priority = Priority::High;
  s.tags = {"work"};
  f.add(s);
  s.title = "wrong priority";
  s.priority = Priority::Low;
  f.add(s);
  s.title = "not completed match";
  s.priority = Priority::High;
  s.completed = false;
  f.add(s);
  TaskQuery q;
  q.completed = true;
  q.priority = Priority::High;
  q.tag = "work";
  q.search = "match";
  CHECK(f.titles(q) == Titles{"match"});
}

TEST_CASE("list never shows another owner's tasks, even when they match", "[memory][list][filter]") {
  ListFixture f;
  f.add_titled("mine");
  TaskSpec s;
  s.title = "theirs";
  f.add(s, kOther);
  const TaskPage page = f.list(TaskQuery{});
  CHECK(page.total == 1);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].title == "mine");
}

// ================================================================ list: sorting

TEST_CASE("list sorts by created_at by default, ascending", "[memory][list][sort]") {
  ListFixture f;
  f.add_titled("second", 2);
  f.add_titled("first", 1);
  f.add_titled("third", 3);
  CHECK(f.titles(TaskQuery{}) == Titles{"first", "second", "third"});
  CHECK(f.titles(sorted(SortBy::CreatedAt, SortOrder::Desc)) == Titles{"third", "second", "first"});
}

TEST_CASE("list sorts by updated_at both ways", "[memory][list][sort]") {
  ListFixture f;
  const Task a = f.add_titled("a", 1);
  const Task b = f.add_titled("b", 2);
  f.add_titled("c", 3);
  todo::test::PatchSpec touch;
  touch.title = "a";
  REQUIRE(f.repo.update(kOwner, a.id, touch, minutes_after_t0(10)).has_value());
  touch.title = "b";
  REQUIRE(f.repo.update(kOwner, b.id, touch, minutes_after_t0(5)).has_value());
  CHECK(f.titles(sorted(SortBy::UpdatedAt, SortOrder::Asc)) == Titles{"c", "b", "a"});
  CHECK(f.titles(sorted(SortBy::UpdatedAt, SortOrder::Desc)) == Titles{"a", "b", "c"});
}

TEST_CASE("list sorts by due_date with undated tasks last in both orders", "[memory][list][sort]") {
  ListFixture f;
  TaskSpec s;
  s.title = "none1";
  f.add(s);
  s.title = "late";
  s.due_date = minutes_after_t0(300);
  f.add(s);
  s.title = "none2";
  s.due_date.reset();
  f.add(s);
  s.title = "early";
  s.due_date = minutes_after_t0(100);
  f.add(s);
  CHECK(f.titles(sorted(SortBy::DueDate, SortOrder::Asc)) == Titles{"early", "late", "none1", "none2"});
  CHECK(f.titles(sorted(SortBy::DueDate, SortOrder::Desc)) == Titles{"late", "early", "none1", "none2"});
}

TEST_CASE("list sorts by priority: asc is high first, desc is low first", "[memory][list][sort]") {
  ListFixture f;
  for (const Priority p : {Priority::Medium, Priority::Low, Priority::High}) {
    TaskSpec s;
    s.title = to_string(p);
    s.priority = p;
    f.add(s);
  }
  CHECK(f.titles(sorted(SortBy::Priority, SortOrder::Asc)) == Titles{"high", "medium", "low"});
  CHECK(f.titles(sorted(SortBy::Priority, SortOrder::Desc)) == Titles{"low", "medium", "high"});
}

TEST_CASE("list sorts titles ASCII case-insensitively", "[memory][list][sort]") {
  ListFixture f;
  for (const char* t : {"banana", "Apple", "cherry", "apricot", "Banana split"}) f.add_titled(t);
  CHECK(f.titles(sorted(SortBy::Title, SortOrder::Asc)) ==
        Titles{"Apple", "apricot", "banana", "Banana split", "cherry"});
  CHECK(f.titles(sorted(SortBy::Title, SortOrder::Desc)) ==
        Titles{"cherry", "Banana split", "banana", "apricot", "Apple"});
}

TEST_CASE("list sorts non-ASCII titles by code point, after ASCII letters", "[memory][list][sort]") {
  ListFixture f;
  // U+00C9 'É' < U+00E9 'é' < U+4E00 '一' < U+1F600 emoji; all above 'z'.
  for (const char* t : {"\xF0\x9F\x98\x80 party", "\xC3\xA9t\xC3\xA9", "zebra", "\xE4\xB8\x80", "\xC3\x89t\xC3\xA9",
                        "Zoo"}) {
    f.add_titled(t);
  }
  CHECK(f.titles(sorted(SortBy::Title, SortOrder::Asc)) ==
        Titles{"zebra", "Zoo", "\xC3\x89t\xC3\xA9", "\xC3\xA9t\xC3\xA9", "\xE4\xB8\x80", "\xF0\x9F\x98\x80 party"});
}

TEST_CASE("list breaks ties by id ascending in both orders", "[memory][list][sort]") {
  ListFixture f;
  std::vector<std::string> expected;
  for (const char* t : {"same-1", "same-2", "same-3"}) {
    TaskSpec s;
    s.title = t;
    s.priority = Priority::High;
    s.due_date = minutes_after_t0(1);
    f.add(s);
    expected.emplace_back(t);
  }
  for (const SortBy by : {SortBy::CreatedAt, SortBy::UpdatedAt, SortBy::DueDate, SortBy::Priority}) {
    for (const SortOrder order : {SortOrder::Asc, SortOrder::Desc}) {
      INFO("sort_by " << static_cast<int>(by) << " order " << static_cast<int>(order));
      CHECK(f.titles(sorted(by, order)) == expected);
    }
  }
}

TEST_CASE("list breaks title ties (differing only in ASCII case) by id ascending", "[memory][list][sort]") {
  ListFixture f;
  f.add_titled("task");
  f.add_titled("TASK");
  f.add_titled("Task");
  CHECK(f.titles(sorted(SortBy::Title, SortOrder::Asc)) == Titles{"task", "TASK", "Task"});
  CHECK(f.titles(sorted(SortBy::Title, SortOrder::Desc)) == Titles{"task", "TASK", "Task"});
}

TEST_CASE("list breaks ties among undated tasks by id ascending in both orders", "[memory][list][sort]") {
  ListFixture f;
  f.add_titled("n1", 3);
  f.add_titled("n2", 2);
  f.add_titled("n3", 1);
  CHECK(f.titles(sorted(SortBy::DueDate, SortOrder::Asc)) == Titles{"n1", "n2", "n3"});
  CHECK(f.titles(sorted(SortBy::DueDate, SortOrder::Desc)) == Titles{"n1", "n2", "n3"});
}

// ================================================================ list: window

TEST_CASE("list applies limit and offset after sorting and reports the total", "[memory][list][window]") {
  ListFixture f;
  for (int i = 0; i < 7; ++i) f.add_titled("t" + std::to_string(i), i);
  TaskQuery q;
  q.limit = 3;
  TaskPage page = f.list(q);
  CHECK(page.total == 7);
  CHECK(f.titles(q) == Titles{"t0", "t1", "t2"});
  q.offset = 3;
  CHECK(f.titles(q) == Titles{"t3", "t4", "t5"});
  q.offset = 6;
  CHECK(f.titles(q) == Titles{"t6"});
  CHECK(f.list(q).total == 7);
  q.offset = 7;
  page = f.list(q);
  CHECK(page.items.empty());
  CHECK(page.total == 7);
  q.offset = 1'000'000;
  CHECK(f.list(q).items.empty());
  q.order = SortOrder::Desc;
  q.offset = 0;
  q.limit = 2;
  CHECK(f.titles(q) == Titles{"t6", "t5"});
}

TEST_CASE("list total counts only the tasks matching the filters", "[memory][list][window]") {
  ListFixture f;
  for (int i = 0; i < 6; ++i) {
    TaskSpec s;
    s.title = "t" + std::to_string(i);
    s.completed = i % 2 == 0;
    f.add(s);
  }
  TaskQuery q;
  q.completed = true;
  q.limit = 1;
  const TaskPage page = f.list(q);
  CHECK(page.total == 3);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].title == "t0");
}

TEST_CASE("list with limit 1 and 500 returns at most that many", "[memory][list][window]") {
  ListFixture f;
  for (int i = 0; i < 510; ++i) f.add_titled("t", i);
  TaskQuery q;
  q.limit = 1;
  CHECK(f.list(q).items.size() == 1);
  q.limit = 500;
  const TaskPage page = f.list(q);
  CHECK(page.items.size() == 500);
  CHECK(page.total == 510);
  CHECK(f.list(TaskQuery{}).items.size() == 100);
}
