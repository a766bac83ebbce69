#pragma once
// Persistence of tasks: one asynchronous port (completion-based, see
// completion.hpp). Every call is made for a Caller and is part of one
// contract:
//  - the caller's user must still exist with the caller's token version,
//    checked together with the work (an adapter may do both in one round
//    trip); otherwise the answer is Unauthenticated and nothing changes;
//  - every call is scoped to the caller's own tasks: another user's task
//    behaves exactly like a missing one (NotFound);
//  - `done` is called exactly once, maybe before the call returns, maybe
//    afterwards on another thread; the repository keeps what it needs of its
//    arguments (they may be gone when it calls back);
//  - a write whose outcome the adapter cannot know (connection lost on the
//    way) is Unavailable and is never retried blindly;
//  - an adapter made with a task limit (SPEC §6 MAX_TASKS_PER_USER) refuses a
//    create that would take the caller past it: FailedPrecondition with
//    kTaskLimitReached, exact under concurrent creates of one user.
// The contract's test cases ship with the package (todo/testing/).

#include "todo/core/caller.hpp"
#include "todo/core/completion.hpp"
#include "todo/core/task.hpp"

namespace todo::core {

inline constexpr const char* kTaskLimitReached = "Task limit reached";

class TaskRepository {
 public:
  virtual ~TaskRepository() = default;

  // `task` is already validated; created_at = updated_at = now.
  virtual void create(const Caller& caller, const NewTask& task, Timestamp now, Completion<Task> done) = 0;
  virtual void get(const Caller& caller, TaskId id, Completion<Task> done) = 0;
  virtual void list(const Caller& caller, const TaskQuery& query, Completion<TaskPage> done) = 0;
  // Applies the fields present in `patch` (validated) and sets updated_at = now.
  virtual void update(const Caller& caller, TaskId id, const TaskPatch& patch, Timestamp now,
                      Completion<Task> done) = 0;
  // Flips `completed` atomically and sets updated_at = now.
  virtual void toggle_completed(const Caller& caller, TaskId id, Timestamp now, Completion<Task> done) = 0;
  virtual void remove(const Caller& caller, TaskId id, Completion<void> done) = 0;
};

}  // namespace todo::core
