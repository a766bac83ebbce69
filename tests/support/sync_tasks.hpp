#pragma once
// The task repository as the tests drive it: synchronous (through
// core::BlockingTaskRepository), with helpers that build a Caller from a
// user's current session. A test that passes a UserId acts for that user's
// current token version (an unknown user: version 0, so Unauthenticated);
// one that passes a Caller acts for exactly that caller.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "todo/core/blocking_task_service.hpp"
#include "todo/core/ports/task_repository.hpp"
#include "todo/core/ports/user_repository.hpp"

namespace todo::test {

// A new task with its owner and creation time, as the tests describe one.
struct TaskDraft {
  core::UserId user_id;
  std::string title;
  std::optional<std::string> description;
  bool completed = false;
  core::Priority priority = core::Priority::Medium;
  std::vector<std::string> tags;
  std::optional<core::Timestamp> due_date;
  core::Timestamp now{};

  core::NewTask task() const { return core::NewTask{title, description, completed, priority, tags, due_date}; }
};

// A patch in the tests' shorthand: outer nullopt = keep, inner nullopt =
// clear (an empty tag list clears the tags too).
struct PatchSpec {
  std::optional<std::string> title;
  std::optional<std::optional<std::string>> description;
  std::optional<bool> completed;
  std::optional<core::Priority> priority;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::optional<core::Timestamp>> due_date;

  core::TaskPatch patch() const {
    core::TaskPatch p;
    p.title = title;
    if (description) {
      p.description = *description ? core::FieldUpdate<std::string>::set(**description)
                                   : core::FieldUpdate<std::string>::clear();
    }
    p.completed = completed;
    p.priority = priority;
    if (tags) p.tags = core::FieldUpdate<std::vector<std::string>>::set(*tags);
    if (due_date) {
      p.due_date = *due_date ? core::FieldUpdate<core::Timestamp>::set(**due_date)
                             : core::FieldUpdate<core::Timestamp>::clear();
    }
    return p;
  }
};

class SyncTasks {
 public:
  SyncTasks(core::UserRepository& users, core::TaskRepository& tasks) : users_(users), tasks_(tasks) {}

  core::TaskRepository& port() { return tasks_; }

  // The caller `owner`'s current session proves.
  core::Caller caller(core::UserId owner) {
    const core::Result<core::User> user = users_.find_by_id(owner);
    return core::Caller(owner, core::TokenVersion(user ? user->token_version : 0));
  }

  core::Result<core::Task> create(const TaskDraft& d) { return create(caller(d.user_id), d); }
  core::Result<core::Task> create(const core::Caller& c, const TaskDraft& d) {
    return sync().create(c, d.task(), d.now);
  }
  core::Result<core::Task> get(core::UserId owner, core::TaskId id) { return get(caller(owner), id); }
  core::Result<core::Task> get(const core::Caller& c, core::TaskId id) { return sync().get(c, id); }
  core::Result<core::TaskPage> list(core::UserId owner, const core::TaskQuery& q) { return list(caller(owner), q); }
  core::Result<core::TaskPage> list(const core::Caller& c, const core::TaskQuery& q) { return sync().list(c, q); }
  core::Result<core::Task> update(core::UserId owner, core::TaskId id, const PatchSpec& p, core::Timestamp now) {
    return update(caller(owner), id, p, now);
  }
  core::Result<core::Task> update(const core::Caller& c, core::TaskId id, const PatchSpec& p, core::Timestamp now) {
    return sync().update(c, id, p.patch(), now);
  }
  core::Result<core::Task> toggle_completed(core::UserId owner, core::TaskId id, core::Timestamp now) {
    return toggle_completed(caller(owner), id, now);
  }
  core::Result<core::Task> toggle_completed(const core::Caller& c, core::TaskId id, core::Timestamp now) {
    return sync().toggle_completed(c, id, now);
  }
  core::Result<void> remove(core::UserId owner, core::TaskId id) { return remove(caller(owner), id); }
  core::Result<void> remove(const core::Caller& c, core::TaskId id) { return sync().remove(c, id); }

 private:
  core::BlockingTaskRepository sync() { return core::BlockingTaskRepository(tasks_); }

  core::UserRepository& users_;
  core::TaskRepository& tasks_;
};

// Caller(user, version) in the tests' shorthand.
inline core::Caller as_caller(core::UserId user, std::int64_t version) {
  return core::Caller(user, core::TokenVersion(version));
}

}  // namespace todo::test
