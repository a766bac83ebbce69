// TaskRepository contract (everything but list), run on both adapters.

#include <atomic>
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
  TaskDraft input = new_task(owner.id, "Caf\xC3\xA9 \xE2\x98\x95 % _ \\ 'quoted'", at(5'000'001));
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
  PatchSpec patch;
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

  PatchSpec patch;
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

  PatchSpec more;
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

  PatchSpec clear;
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
  auto touched = backend.tasks().update(owner.id, task.id, PatchSpec{}, at(2));
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

// ------------------------------------------------ calls for a caller

namespace {

// The owner's tasks counted two ways: the unfiltered list's total
// (PostgreSQL reads it from users.task_count, kept by a trigger) and list()'s
// (which counts the rows). They must agree after every write.
template <class Backend>
std::int64_t checked_count(Backend& backend, const core::User& user) {
  auto counted = backend.tasks().list(user.id, core::TaskQuery{});
  REQUIRE(counted);
  auto kept = backend.tasks().list(as_caller(user.id, user.token_version), core::TaskQuery{});
  REQUIRE(kept);
  CHECK(kept->total == counted->total);
  return counted->total;
}

}  // namespace

TEMPLATE_TEST_CASE("every call acts for its caller while the token version is current",
                   "[contract][tasks][token]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  TaskDraft input = new_task(ada.id, "Caf\xC3\xA9 'quoted'", at(7));
  input.description = "text";
  input.priority = Priority::High;
  input.tags = {"a", "B c"};
  input.due_date = at(86'400'000'001);
  auto created = backend.tasks().create(as_caller(ada.id, ada.token_version), input);
  REQUIRE(created);
  CHECK(created->id > 0);
  CHECK(created->user_id == ada.id);
  CHECK(created->title == input.title);
  CHECK(created->description == input.description);
  CHECK_FALSE(created->completed);
  CHECK(created->priority == Priority::High);
  CHECK(created->tags == input.tags);
  CHECK(created->due_date == input.due_date);
  CHECK(created->created_at == at(7));
  CHECK(created->updated_at == at(7));
  CHECK(checked_count(backend, ada) == 1);

  auto read = backend.tasks().get(as_caller(ada.id, ada.token_version), created->id);
  REQUIRE(read);
  CHECK(read->title == input.title);
  CHECK(read->tags == input.tags);
  CHECK(read->created_at == at(7));

  PatchSpec patch;
  patch.title = "after";
  patch.description = std::optional<std::string>();
  patch.tags = std::vector<std::string>{};
  auto updated = backend.tasks().update(as_caller(ada.id, ada.token_version), created->id, patch, at(8));
  REQUIRE(updated);
  CHECK(updated->title == "after");
  CHECK_FALSE(updated->description.has_value());
  CHECK(updated->tags.empty());
  CHECK(updated->priority == Priority::High);
  CHECK(updated->due_date == input.due_date);
  CHECK(updated->updated_at == at(8));

  auto on = backend.tasks().toggle_completed(as_caller(ada.id, ada.token_version), created->id, at(9));
  REQUIRE(on);
  CHECK(on->completed);
  CHECK(on->updated_at == at(9));
  PatchSpec off;
  off.completed = false;
  auto set = backend.tasks().update(as_caller(ada.id, ada.token_version), created->id, off, at(10));
  REQUIRE(set);
  CHECK_FALSE(set->completed);
  CHECK(backend.tasks().get(ada.id, created->id)->updated_at == at(10));

  const auto kept = add_task(backend.tasks(), new_task(ada.id, "kept"));
  CHECK(checked_count(backend, ada) == 2);
  REQUIRE(backend.tasks().remove(as_caller(ada.id, ada.token_version), created->id));
  CHECK(code_of(backend.tasks().get(ada.id, created->id)) == ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().remove(as_caller(ada.id, ada.token_version), created->id)) == ErrorCode::NotFound);
  CHECK(backend.tasks().get(ada.id, kept.id));
  CHECK(checked_count(backend, ada) == 1);

  // A missing task, or an id that cannot exist, is NotFound for a good token.
  for (const core::TaskId missing : {created->id, kept.id + 1000, core::TaskId{0}, core::TaskId{-1}}) {
    INFO(missing);
    CHECK(code_of(backend.tasks().get(as_caller(ada.id, ada.token_version), missing)) == ErrorCode::NotFound);
    CHECK(code_of(backend.tasks().update(as_caller(ada.id, ada.token_version), missing, patch, at(11))) ==
          ErrorCode::NotFound);
    CHECK(code_of(backend.tasks().toggle_completed(as_caller(ada.id, ada.token_version), missing, at(11))) ==
          ErrorCode::NotFound);
    CHECK(code_of(backend.tasks().remove(as_caller(ada.id, ada.token_version), missing)) == ErrorCode::NotFound);
  }
  CHECK(checked_count(backend, ada) == 1);
}

TEMPLATE_TEST_CASE("another owner's task is NotFound for another caller and stays unchanged",
                   "[contract][tasks][token]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  const auto task = add_task(backend.tasks(), new_task(ada.id, "ada's", at(1)));
  PatchSpec patch;
  patch.title = "stolen";
  CHECK(code_of(backend.tasks().get(as_caller(bob.id, bob.token_version), task.id)) == ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().update(as_caller(bob.id, bob.token_version), task.id, patch, at(2))) ==
        ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().toggle_completed(as_caller(bob.id, bob.token_version), task.id, at(2))) ==
        ErrorCode::NotFound);
  CHECK(code_of(backend.tasks().remove(as_caller(bob.id, bob.token_version), task.id)) == ErrorCode::NotFound);
  auto still = backend.tasks().get(ada.id, task.id);
  REQUIRE(still);
  CHECK(still->title == "ada's");
  CHECK_FALSE(still->completed);
  CHECK(still->updated_at == at(1));
  CHECK(checked_count(backend, ada) == 1);
  CHECK(checked_count(backend, bob) == 0);
}

TEMPLATE_TEST_CASE("a revoked token version is Unauthenticated on every call and changes nothing",
                   "[contract][tasks][token]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  const auto task = add_task(backend.tasks(), new_task(ada.id, "ada's", at(1)));
  const auto bobs = add_task(backend.tasks(), new_task(bob.id, "bob's", at(1)));
  auto bumped = backend.users().bump_token_version(ada.id);
  REQUIRE(bumped);
  PatchSpec patch;
  patch.title = "changed";
  patch.completed = true;

  // The token's version before the bump, and one never issued; on her own
  // task, a missing one and someone else's: the token is refused first.
  for (const std::int64_t version : {ada.token_version, bumped->token_version + 1}) {
    for (const core::TaskId id : {task.id, bobs.id, bobs.id + 1000}) {
      INFO("version " << version << ", task " << id);
      CHECK(code_of(backend.tasks().get(as_caller(ada.id, version), id)) == ErrorCode::Unauthenticated);
      CHECK(code_of(backend.tasks().update(as_caller(ada.id, version), id, patch, at(2))) ==
            ErrorCode::Unauthenticated);
      CHECK(code_of(backend.tasks().toggle_completed(as_caller(ada.id, version), id, at(2))) ==
            ErrorCode::Unauthenticated);
      CHECK(code_of(backend.tasks().remove(as_caller(ada.id, version), id)) == ErrorCode::Unauthenticated);
    }
    CHECK(code_of(backend.tasks().create(as_caller(ada.id, version), new_task(ada.id, "sneaked in", at(3)))) ==
          ErrorCode::Unauthenticated);
  }
  auto still = backend.tasks().get(ada.id, task.id);
  REQUIRE(still);
  CHECK(still->title == "ada's");
  CHECK_FALSE(still->completed);
  CHECK(still->updated_at == at(1));
  CHECK(backend.tasks().get(bob.id, bobs.id)->title == "bob's");
  CHECK(checked_count(backend, *bumped) == 1);
  CHECK(checked_count(backend, bob) == 1);

  // The current version works again.
  auto renewed = backend.tasks().toggle_completed(as_caller(ada.id, bumped->token_version), task.id, at(4));
  REQUIRE(renewed);
  CHECK(renewed->completed);
  REQUIRE(backend.tasks().create(as_caller(ada.id, bumped->token_version), new_task(ada.id, "second", at(5))));
  CHECK(checked_count(backend, *bumped) == 2);
}

TEMPLATE_TEST_CASE("a deleted or unknown user is Unauthenticated on every call",
                   "[contract][tasks][token]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  const auto task = add_task(backend.tasks(), new_task(ada.id, "ada's", at(1)));
  const auto bobs = add_task(backend.tasks(), new_task(bob.id, "bob's", at(1)));
  backend.delete_user(ada.id);
  PatchSpec patch;
  patch.title = "changed";
  for (const core::UserId owner : {ada.id, ada.id + bob.id + 1000}) {
    for (const core::TaskId id : {task.id, bobs.id}) {
      INFO("owner " << owner << ", task " << id);
      CHECK(code_of(backend.tasks().get(as_caller(owner, 0), id)) == ErrorCode::Unauthenticated);
      CHECK(code_of(backend.tasks().update(as_caller(owner, 0), id, patch, at(2))) == ErrorCode::Unauthenticated);
      CHECK(code_of(backend.tasks().toggle_completed(as_caller(owner, 0), id, at(2))) ==
            ErrorCode::Unauthenticated);
      CHECK(code_of(backend.tasks().remove(as_caller(owner, 0), id)) == ErrorCode::Unauthenticated);
    }
    // Nothing is inserted, so no foreign key is violated either.
    CHECK(code_of(backend.tasks().create(as_caller(owner, 0), new_task(owner, "orphan"))) == ErrorCode::Unauthenticated);
    CHECK(code_of(backend.tasks().list(as_caller(owner, 0), core::TaskQuery{})) == ErrorCode::Unauthenticated);
  }
  auto untouched = backend.tasks().get(bob.id, bobs.id);
  REQUIRE(untouched);
  CHECK(untouched->title == "bob's");
  CHECK(checked_count(backend, bob) == 1);
}

TEMPLATE_TEST_CASE("concurrent toggles for a token are atomic, and so are creates and removes for the count",
                   "[contract][tasks][token]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto owner = add_user(backend.users(), "ada@example.com");
  const auto task = add_task(backend.tasks(), new_task(owner.id, "t"));
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        if (!backend.tasks().toggle_completed(as_caller(owner.id, owner.token_version), task.id, at(i))) ++failures;
        auto extra = backend.tasks().create(as_caller(owner.id, owner.token_version), new_task(owner.id, "extra " + std::to_string(t) + "/" + std::to_string(i)));
        if (!extra) {
          ++failures;
        } else if (i % 2 == 0 && !backend.tasks().remove(as_caller(owner.id, owner.token_version), extra->id)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK_FALSE(backend.tasks().get(owner.id, task.id)->completed);
  // 1 + 4 threads x 12 kept (odd rounds of 25).
  CHECK(checked_count(backend, owner) == 1 + kThreads * (kRounds / 2));
}

// SPEC §6 MAX_TASKS_PER_USER. The first build had no cap: one account made
// 9,446 maximum-size tasks in 15 s.
TEMPLATE_TEST_CASE("a repository with a task limit refuses the create past it, per user, exactly",
                   "[contract][tasks][limit]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  const auto repo = backend.limited(3);
  SyncTasks tasks(backend.users(), *repo);
  std::vector<core::TaskId> made;
  for (int i = 0; i < 3; ++i) {
    auto created = tasks.create(new_task(ada.id, "t" + std::to_string(i), at(i)));
    REQUIRE(created);
    made.push_back(created->id);
  }
  const auto refused = tasks.create(new_task(ada.id, "one too many", at(9)));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::FailedPrecondition);
  CHECK(refused.error().message == "Task limit reached");
  // Another user has a limit of their own.
  CHECK(tasks.create(new_task(bob.id, "bob's", at(9))));
  // A revoked token is still Unauthenticated, not "limit reached".
  const auto revoked = tasks.create(as_caller(ada.id, 99), new_task(ada.id, "x", at(9)));
  REQUIRE_FALSE(revoked);
  CHECK(revoked.error().code == ErrorCode::Unauthenticated);
  // A delete makes room again.
  REQUIRE(tasks.remove(ada.id, made.front()));
  CHECK(tasks.create(new_task(ada.id, "room again", at(10))));
  CHECK_FALSE(tasks.create(new_task(ada.id, "full again", at(11))));
}

TEMPLATE_TEST_CASE("the task limit holds under concurrent creates of one user", "[contract][tasks][limit]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto repo = backend.limited(5);
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SyncTasks tasks(backend.users(), *repo);
      for (int i = 0; i < 5; ++i) {
        const auto r = tasks.create(new_task(ada.id, "c" + std::to_string(t) + "-" + std::to_string(i), at(i)));
        if (r) {
          ++created;
        } else if (r.error().code == ErrorCode::FailedPrecondition) {
          ++refused;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(created == 5);
  CHECK(refused == 15);
  const auto page = SyncTasks(backend.users(), *repo).list(ada.id, core::TaskQuery{});
  REQUIRE(page);
  CHECK(page->total == 5);
}
