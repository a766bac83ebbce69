// TaskRepository contract (everything but list), run on both adapters.

#include <thread>
#include <vector>

#include "contract_support.hpp"

using namespace todo;
using namespace todo::test;
using core::ErrorCode;
using core::Priority;

TEMPLATE_TEST_CASE("create returns the task with every field as given", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  core::NewTask input = new_task(owner.id, "Caf\xC3\xA9 \xE2\x98\x95 % _ \\ 'quoted'", at(5'000'001));
  input.description = "line one\nline two";
  input.completed = true;
  input.priority = Priority::Low;
  input.tags = {"work", "Home Office", "\xC3\xBC" "ber"};
  input.due_date = at(86'400'000'007);
  auto created = backend.tasks().create(input);
  REQUIRE(created);
  CHECK(created->id > 0);
  CHECK(created->user_id == owner.id);
  CHECK(created->title == input.title);
  CHECK(created->description == input.description);
  CHECK(created->completed);
  CHECK(created->priority == Priority::Low);
  CHECK(created->tags == input.tags);
  CHECK(created->due_date == input.due_date);
  CHECK(created->created_at == at(5'000'001));
  CHECK(created->updated_at == at(5'000'001));

  auto read = backend.tasks().get(owner.id, created->id);
  REQUIRE(read);
  CHECK(read->title == input.title);
  CHECK(read->tags == input.tags);
  CHECK(read->due_date == input.due_date);
  CHECK(read->created_at == created->created_at);
}

TEMPLATE_TEST_CASE("create without optional fields stores no description, tags or due date", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  const auto task = add_task(backend.tasks(), new_task(owner.id, "plain"));
  auto read = backend.tasks().get(owner.id, task.id);
  REQUIRE(read);
  CHECK_FALSE(read->description.has_value());
  CHECK(read->tags.empty());
  CHECK_FALSE(read->due_date.has_value());
  CHECK_FALSE(read->completed);
  CHECK(read->priority == Priority::Medium);
}

TEMPLATE_TEST_CASE("an empty description is kept apart from no description", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  auto input = new_task(owner.id, "t");
  input.description = "";
  const auto task = add_task(backend.tasks(), input);
  CHECK(backend.tasks().get(owner.id, task.id)->description == std::optional<std::string>(""));
}

TEMPLATE_TEST_CASE("another user's task is NotFound, exactly like a missing one", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  const auto task = add_task(backend.tasks(), new_task(ada.id, "ada's"));
  CHECK(code_of(backend.tasks().get(bob.id, task.id)) == ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().get(ada.id, task.id + 1000)) == ErrorCode::NotFound);
  core::TaskPatch patch;
  patch.title = "stolen";
  CHECK(code_of(backend.tasks().update(bob.id, task.id, patch, at(1))) == ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().toggle_completed(bob.id, task.id, at(1))) == ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().remove(bob.id, task.id)) == ErrorCode::NotFound);
  auto still = backend.tasks().get(ada.id, task.id);
  REQUIRE(still);
  CHECK(still->title == "ada's");
  CHECK_FALSE(still->completed);
  CHECK(still->updated_at == task.updated_at);
}

TEMPLATE_TEST_CASE("update changes only the fields present and sets updated_at", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  auto input = new_task(owner.id, "before", at(10));
  input.description = "keep me";
  input.tags = {"a", "b"};
  input.due_date = at(1'000);
  const auto task = add_task(backend.tasks(), input);

  core::TaskPatch patch;
  patch.title = "after";
  patch.priority = Priority::High;
  auto updated = backend.tasks().update(owner.id, task.id, patch, at(20));
  REQUIRE(updated);
  CHECK(updated->title == "after");
  CHECK(updated->priority == Priority::High);
  CHECK(updated->description == std::optional<std::string>("keep me"));
  CHECK(updated->tags == std::vector<std::string>{"a", "b"});
  CHECK(updated->due_date == at(1'000));
  CHECK_FALSE(updated->completed);
  CHECK(updated->created_at == at(10));
  CHECK(updated->updated_at == at(20));

  core::TaskPatch more;
  more.completed = true;
  more.description = std::optional<std::string>("new text");
  more.tags = std::vector<std::string>{"x"};
  more.due_date = std::optional<core::Timestamp>(at(2'000));
  auto again = backend.tasks().update(owner.id, task.id, more, at(30));
  REQUIRE(again);
  CHECK(again->completed);
  CHECK(again->description == std::optional<std::string>("new text"));
  CHECK(again->tags == std::vector<std::string>{"x"});
  CHECK(again->due_date == at(2'000));
  CHECK(again->title == "after");
  CHECK(backend.tasks().get(owner.id, task.id)->updated_at == at(30));
}

TEMPLATE_TEST_CASE("update clears description, tags and due date", "[contract][tasks]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  auto input = new_task(owner.id, "full");
  input.description = "text";
  input.tags = {"a"};
  input.due_date = at(5);
  const auto task = add_task(backend.tasks(), input);

  core::TaskPatch clear;
  clear.description = std::optional<std::string>();
  clear.tags = std::vector<std::string>{};
  clear.due_date = std::optional<core::Timestamp>();
  auto cleared = backend.tasks().update(owner.id, task.id, clear, at(9));
  REQUIRE(cleared);
  CHECK_FALSE(cleared->description.has_value());
  CHECK(cleared->tags.empty());
  CHECK_FALSE(cleared->due_date.has_value());
  auto read = backend.tasks().get(owner.id, task.id);
  CHECK_FALSE(read->description.has_value());
  CHECK(read->tags.empty());
  CHECK_FALSE(read->due_date.has_value());
}

TEMPLATE_TEST_CASE("an empty patch only moves updated_at", "[contract][tasks]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  auto input = new_task(owner.id, "same", at(1));
  input.tags = {"t"};
  const auto task = add_task(backend.tasks(), input);
  auto touched = backend.tasks().update(owner.id, task.id, core::TaskPatch{}, at(2));
  REQUIRE(touched);
  CHECK(touched->title == "same");
  CHECK(touched->tags == std::vector<std::string>{"t"});
  CHECK(touched->created_at == at(1));
  CHECK(touched->updated_at == at(2));
}

TEMPLATE_TEST_CASE("toggle_completed flips the flag and sets updated_at", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  const auto task = add_task(backend.tasks(), new_task(owner.id, "t", at(1)));
  auto on = backend.tasks().toggle_completed(owner.id, task.id, at(2));
  REQUIRE(on);
  CHECK(on->completed);
  CHECK(on->updated_at == at(2));
  auto off = backend.tasks().toggle_completed(owner.id, task.id, at(3));
  REQUIRE(off);
  CHECK_FALSE(off->completed);
  CHECK(off->updated_at == at(3));
  CHECK(code_of(backend.tasks().toggle_completed(owner.id, task.id + 1000, at(4))) == ErrorCode::NotFound);
}

TEMPLATE_TEST_CASE("concurrent toggles are atomic: an even number of them leaves the flag unchanged",
                   "[contract][tasks]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  const auto task = add_task(backend.tasks(), new_task(owner.id, "t"));
  constexpr int kThreads = 4;
  constexpr int kToggles = 25;  // 100 in all
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kToggles; ++i) {
        if (!backend.tasks().toggle_completed(owner.id, task.id, at(i))) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK_FALSE(backend.tasks().get(owner.id, task.id)->completed);
}

TEMPLATE_TEST_CASE("remove deletes the task once; a second remove is NotFound", "[contract][tasks]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  const auto gone = add_task(backend.tasks(), new_task(owner.id, "gone"));
  const auto kept = add_task(backend.tasks(), new_task(owner.id, "kept"));
  REQUIRE(backend.tasks().remove(owner.id, gone.id));
  CHECK(code_of(backend.tasks().get(owner.id, gone.id)) == ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().remove(owner.id, gone.id)) == ErrorCode::NotFound);
  CHECK(backend.tasks().get(owner.id, kept.id));
  core::TaskQuery all;
  auto page = backend.tasks().list(owner.id, all);
  REQUIRE(page);
  CHECK(page->total == 1);
  CHECK(ids(*page) == std::vector<core::TaskId>{kept.id});
}
