#pragma once
// Persistence of tasks. Every call is scoped by the owner's id: another
// user's task behaves exactly like a missing one (NotFound).
//
// The `..._for_token` methods serve a caller whose token carries
// `token_version`: they do what the method of the same name does, together
// with the check that the owner still exists with that token version, so
// that an adapter can answer both in one database round trip. When the check
// fails they return Unauthenticated (whether or not the task exists) and
// change nothing.

#include <cstdint>
#include <functional>

#include "todo/core/result.hpp"
#include "todo/core/task.hpp"

namespace todo::core {

class TaskRepository {
 public:
  virtual ~TaskRepository() = default;

  virtual Result<Task> create(const NewTask& task) = 0;
  // create() for the token of `task.user_id`.
  virtual Result<Task> create_for_token(std::int64_t token_version, const NewTask& task) = 0;
  virtual Result<Task> get(UserId owner, TaskId id) = 0;
  virtual Result<Task> get_for_token(UserId owner, std::int64_t token_version, TaskId id) = 0;
  virtual Result<TaskPage> list(UserId owner, const TaskQuery& query) = 0;
  // list() for a caller whose token carries `token_version`, read together
  // with the check that `owner` still exists with that token version
  // (Unauthenticated, nothing listed, otherwise), so that an adapter can
  // answer the check and the page in one database round trip.
  virtual Result<TaskPage> list_for_token(UserId owner, std::int64_t token_version,
                                          const TaskQuery& query) = 0;
  // list_for_token() that may finish later: calls `done` exactly once, either
  // before returning or afterwards from another thread (an adapter that waits
  // for its database without blocking the caller). This default calls
  // list_for_token() and then `done`.
  virtual void list_for_token_async(UserId owner, std::int64_t token_version, const TaskQuery& query,
                                    std::function<void(Result<TaskPage>)> done) {
    auto finish = std::move(done);
    finish(list_for_token(owner, token_version, query));
  }
  // Applies the fields present in `patch` and sets updated_at = now.
  virtual Result<Task> update(UserId owner, TaskId id, const TaskPatch& patch, Timestamp now) = 0;
  virtual Result<Task> update_for_token(UserId owner, std::int64_t token_version, TaskId id,
                                        const TaskPatch& patch, Timestamp now) = 0;
  // Flips `completed` atomically and sets updated_at = now.
  virtual Result<Task> toggle_completed(UserId owner, TaskId id, Timestamp now) = 0;
  virtual Result<Task> toggle_completed_for_token(UserId owner, std::int64_t token_version, TaskId id,
                                                  Timestamp now) = 0;
  virtual Result<void> remove(UserId owner, TaskId id) = 0;
  virtual Result<void> remove_for_token(UserId owner, std::int64_t token_version, TaskId id) = 0;
};

}  // namespace todo::core
