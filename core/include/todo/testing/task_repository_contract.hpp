#pragma once
// The TaskRepository contract as runnable checks, installed with the
// package so an outside adapter can be held to the same rules as the
// project's own (the memory and PostgreSQL adapters run these too, in
// tests/contract). No test framework needed: run_task_repository_contract()
// returns what failed, as readable lines; an empty list is a pass.
//
//   todo::testing::run_task_repository_contract([] { return std::make_unique<MySubject>(); });
//
// Each case gets a fresh subject. Drive a repository from a thread its
// completions do not need: the checks wait for every answer.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "todo/core/blocking_task_service.hpp"
#include "todo/core/caller.hpp"
#include "todo/core/ports/task_repository.hpp"

namespace todo::testing {

// What the checks need besides the repository: users whose sessions they
// can start, revoke and end.
class ContractSubject {
 public:
  virtual ~ContractSubject() = default;
  virtual core::TaskRepository& tasks() = 0;
  // A new user; the caller its current session proves.
  virtual core::Caller add_user(const std::string& email) = 0;
  // Logs the user out everywhere (its token version goes up).
  virtual void revoke(const core::Caller& caller) = 0;
  // Deletes the user and its tasks.
  virtual void remove_user(const core::Caller& caller) = 0;
};

using SubjectFactory = std::function<std::unique_ptr<ContractSubject>()>;

namespace contract_detail {

inline core::Timestamp at(long long seconds) { return core::from_unix_seconds(1'800'000'000 + seconds); }

inline core::NewTask task(std::string title) {
  core::NewTask t;
  t.title = std::move(title);
  return t;
}

class Checker {
 public:
  explicit Checker(std::string name, std::vector<std::string>& failures) : name_(std::move(name)), failures_(failures) {}
  void expect(bool ok, const std::string& what) {
    if (!ok) failures_.push_back(name_ + ": " + what);
  }
  template <class T>
  void expect_code(const core::Result<T>& r, core::ErrorCode code, const std::string& what) {
    const bool ok = !r.has_value() && r.error().code == code;
    std::ostringstream line;
    line << what << " (expected " << core::to_string(code) << ", got "
         << (r.has_value() ? "a value" : core::to_string(r.error().code)) << ")";
    expect(ok, line.str());
  }

 private:
  std::string name_;
  std::vector<std::string>& failures_;
};

// Counts completions (from any thread), to check "exactly once".
template <class T>
class Counted {
 public:
  core::Completion<T> slot() {
    return [this](core::Result<T>) {
      const std::lock_guard lock(mutex_);
      ++calls_;
      changed_.notify_all();
    };
  }
  // The count once at least one completion arrived (or 30 s passed).
  int wait() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(30), [this] { return calls_ > 0; });
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int calls_ = 0;
};

inline void round_trip(ContractSubject& s, Checker& c) {
  core::BlockingTaskRepository tasks(s.tasks());
  const core::Caller ada = s.add_user("ada@example.com");
  core::NewTask full = task("Full");
  full.description = "notes";
  full.completed = true;
  full.priority = core::Priority::High;
  full.tags = {"home", "work"};
  full.due_date = at(3600);
  const auto created = tasks.create(ada, full, at(1));
  c.expect(created.has_value(), "create answers the task");
  if (!created) return;
  c.expect(created->id.value() > 0, "ids are positive");
  c.expect(created->user_id == ada.user_id(), "the task belongs to its caller");
  c.expect(created->created_at == at(1) && created->updated_at == at(1), "created_at = updated_at = now");
  const auto read = tasks.get(ada, created->id);
  c.expect(read.has_value(), "get finds the task created");
  if (!read) return;
  c.expect(read->title == "Full" && read->description == std::optional<std::string>("notes") && read->completed &&
               read->priority == core::Priority::High && read->tags == std::vector<std::string>{"home", "work"} &&
               read->due_date == at(3600),
           "get gives back every field as created");
  const auto second = tasks.create(ada, task("Second"), at(2));
  c.expect(second.has_value() && second->id != created->id, "ids are distinct");
}

inline void scope(ContractSubject& s, Checker& c) {
  core::BlockingTaskRepository tasks(s.tasks());
  const core::Caller ada = s.add_user("ada@example.com");
  const core::Caller bob = s.add_user("bob@example.com");
  const auto mine = tasks.create(ada, task("mine"), at(1));
  if (!mine) return c.expect(false, "create answers the task");
  core::TaskPatch patch;
  patch.title = "stolen";
  c.expect_code(tasks.get(bob, mine->id), core::ErrorCode::NotFound, "another user's task is NotFound on get");
  c.expect_code(tasks.update(bob, mine->id, patch, at(2)), core::ErrorCode::NotFound,
                "another user's task is NotFound on update");
  c.expect_code(tasks.toggle_completed(bob, mine->id, at(2)), core::ErrorCode::NotFound,
                "another user's task is NotFound on toggle");
  c.expect_code(tasks.remove(bob, mine->id), core::ErrorCode::NotFound, "another user's task is NotFound on remove");
  c.expect_code(tasks.get(ada, core::TaskId(mine->id.value() + 1000)), core::ErrorCode::NotFound, "a missing task is NotFound");
  const auto bobs = tasks.list(bob, {});
  c.expect(bobs.has_value() && bobs->total == 0 && bobs->items.empty(), "another user's list is empty");
  const auto kept = tasks.get(ada, mine->id);
  c.expect(kept.has_value() && kept->title == "mine" && !kept->completed, "nothing changed for the owner");
}

inline void sessions(ContractSubject& s, Checker& c) {
  core::BlockingTaskRepository tasks(s.tasks());
  const core::Caller ada = s.add_user("ada@example.com");
  const auto mine = tasks.create(ada, task("mine"), at(1));
  if (!mine) return c.expect(false, "create answers the task");
  s.revoke(ada);
  core::TaskPatch patch;
  patch.title = "changed";
  c.expect_code(tasks.create(ada, task("late"), at(2)), core::ErrorCode::Unauthenticated, "revoked: create");
  c.expect_code(tasks.get(ada, mine->id), core::ErrorCode::Unauthenticated, "revoked: get");
  c.expect_code(tasks.list(ada, {}), core::ErrorCode::Unauthenticated, "revoked: list");
  c.expect_code(tasks.update(ada, mine->id, patch, at(2)), core::ErrorCode::Unauthenticated, "revoked: update");
  c.expect_code(tasks.toggle_completed(ada, mine->id, at(2)), core::ErrorCode::Unauthenticated, "revoked: toggle");
  c.expect_code(tasks.remove(ada, mine->id), core::ErrorCode::Unauthenticated, "revoked: remove");
  const core::Caller renewed(ada.user_id(), core::TokenVersion(ada.token_version().value() + 1));
  const auto page = tasks.list(renewed, {});
  c.expect(page.has_value() && page->total == 1, "the new session sees exactly the one task: nothing was written");
  if (page && page->total == 1) {
    c.expect(page->items.front().title == "mine" && !page->items.front().completed, "the task is unchanged");
  }
  s.remove_user(renewed);
  c.expect_code(tasks.get(renewed, mine->id), core::ErrorCode::Unauthenticated, "a deleted user: get");
  c.expect_code(tasks.create(renewed, task("orphan"), at(3)), core::ErrorCode::Unauthenticated,
                "a deleted user: create");
}

inline void updates(ContractSubject& s, Checker& c) {
  core::BlockingTaskRepository tasks(s.tasks());
  const core::Caller ada = s.add_user("ada@example.com");
  core::NewTask full = task("Full");
  full.description = "notes";
  full.tags = {"a"};
  full.due_date = at(3600);
  const auto t = tasks.create(ada, full, at(1));
  if (!t) return c.expect(false, "create answers the task");
  core::TaskPatch keep;
  keep.priority = core::Priority::Low;
  const auto kept = tasks.update(ada, t->id, keep, at(5));
  c.expect(kept.has_value() && kept->title == "Full" && kept->description == std::optional<std::string>("notes") &&
               kept->tags == std::vector<std::string>{"a"} && kept->due_date == at(3600) &&
               kept->priority == core::Priority::Low,
           "absent fields are kept");
  c.expect(kept.has_value() && kept->updated_at == at(5) && kept->created_at == at(1),
           "update moves updated_at only");
  core::TaskPatch clear;
  clear.description = core::FieldUpdate<std::string>::clear();
  clear.tags = core::FieldUpdate<std::vector<std::string>>::clear();
  clear.due_date = core::FieldUpdate<core::Timestamp>::clear();
  const auto cleared = tasks.update(ada, t->id, clear, at(6));
  c.expect(cleared.has_value() && !cleared->description && cleared->tags.empty() && !cleared->due_date,
           "clear() clears description, tags and due date");
  const auto on = tasks.toggle_completed(ada, t->id, at(7));
  const auto off = tasks.toggle_completed(ada, t->id, at(8));
  c.expect(on.has_value() && on->completed && off.has_value() && !off->completed, "toggle flips completed");
  c.expect(tasks.remove(ada, t->id).has_value(), "remove deletes");
  c.expect_code(tasks.remove(ada, t->id), core::ErrorCode::NotFound, "a second remove is NotFound");
  c.expect_code(tasks.get(ada, t->id), core::ErrorCode::NotFound, "a removed task is gone");
}

inline void lists(ContractSubject& s, Checker& c) {
  core::BlockingTaskRepository tasks(s.tasks());
  const core::Caller ada = s.add_user("ada@example.com");
  const char* titles[] = {"banana", "Apple", "cherry", "apple pie", "Date"};
  const core::Priority priorities[] = {core::Priority::Low, core::Priority::High, core::Priority::Medium,
                                       core::Priority::High, core::Priority::Low};
  for (int i = 0; i < 5; ++i) {
    core::NewTask t = task(titles[i]);
    t.priority = priorities[i];
    t.completed = i % 2 == 0;
    t.tags = i < 2 ? std::vector<std::string>{"Home"} : std::vector<std::string>{"work", "x"};
    if (!tasks.create(ada, t, at(i))) return c.expect(false, "create answers the task");
  }
  const auto titles_of = [](const core::Result<core::TaskPage>& page) {
    std::vector<std::string> out;
    if (page) {
      for (const auto& t : page->items) out.push_back(t.title);
    }
    return out;
  };
  core::TaskQuery q;
  c.expect(titles_of(tasks.list(ada, q)) == std::vector<std::string>{"banana", "Apple", "cherry", "apple pie", "Date"},
           "the default order is created_at ascending");
  q.limit = 2;
  q.offset = 1;
  const auto window = tasks.list(ada, q);
  c.expect(window.has_value() && window->total == 5 && titles_of(window) == std::vector<std::string>{"Apple", "cherry"},
           "limit and offset cut the page; total counts every match");
  q = {};
  q.offset = 10;
  const auto past = tasks.list(ada, q);
  c.expect(past.has_value() && past->total == 5 && past->items.empty(), "a page past the end is empty with its total");
  q = {};
  q.sort_by = core::SortBy::Title;
  c.expect(titles_of(tasks.list(ada, q)) == std::vector<std::string>{"Apple", "apple pie", "banana", "cherry", "Date"},
           "titles sort ASCII case-insensitively");
  q.order = core::SortOrder::Desc;
  c.expect(titles_of(tasks.list(ada, q)) == std::vector<std::string>{"Date", "cherry", "banana", "apple pie", "Apple"},
           "and descending");
  q = {};
  q.sort_by = core::SortBy::Priority;
  c.expect(titles_of(tasks.list(ada, q)) == std::vector<std::string>{"Apple", "apple pie", "cherry", "banana", "Date"},
           "priority ascending is high first; ties by id");
  q = {};
  q.completed = true;
  const auto done = tasks.list(ada, q);
  c.expect(done.has_value() && done->total == 3, "completed filters");
  q = {};
  q.search = "APPLE";
  c.expect(titles_of(tasks.list(ada, q)) == std::vector<std::string>{"Apple", "apple pie"},
           "search is a case-insensitive substring");
  q = {};
  q.tag = "home";
  const auto home = tasks.list(ada, q);
  c.expect(home.has_value() && home->total == 2, "tag matches one entry, case-insensitively");
  q = {};
  q.priority = core::Priority::Low;
  const auto low = tasks.list(ada, q);
  c.expect(low.has_value() && low->total == 2, "priority filters");
}

inline void completions(ContractSubject& s, Checker& c) {
  core::TaskRepository& repo = s.tasks();
  const core::Caller ada = s.add_user("ada@example.com");
  Counted<core::Task> created;
  repo.create(ada, task("t"), at(1), created.slot());
  c.expect(created.wait() == 1, "create completes exactly once");
  Counted<void> removed;
  repo.remove(ada, core::TaskId(999'999), removed.slot());
  c.expect(removed.wait() == 1, "a failing call completes exactly once too");
}

}  // namespace contract_detail

// Runs every case on a fresh subject; returns "case: what failed" lines.
inline std::vector<std::string> run_task_repository_contract(const SubjectFactory& fresh) {
  using namespace contract_detail;
  const std::pair<const char*, void (*)(ContractSubject&, Checker&)> cases[] = {
      {"round trip", round_trip}, {"scope", scope},   {"sessions", sessions},
      {"updates", updates},       {"lists", lists},   {"completions", completions},
  };
  std::vector<std::string> failures;
  for (const auto& [name, run] : cases) {
    std::unique_ptr<ContractSubject> subject = fresh();
    Checker checker(name, failures);
    run(*subject, checker);
  }
  return failures;
}

}  // namespace todo::testing
