#pragma once
// Task use cases, always scoped to the authenticated user. Commands carry raw
// client values; validation happens here and reports every bad field at once.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/task_repository.hpp"
#include "todo/core/ports/token_claims.hpp"
#include "todo/core/result.hpp"
#include "todo/core/task.hpp"

namespace todo::core {

// absent (outer nullopt) / null (inner nullopt) / value
template <class T>
using Nullable = std::optional<std::optional<T>>;

struct CreateTaskCommand {
  Nullable<std::string> title;       // required: absent -> "missing", null -> 422
  Nullable<std::string> description;
  Nullable<bool> completed;          // null -> false
  Nullable<std::string> priority;    // null -> medium
  Nullable<std::string> tags;        // comma list
  Nullable<std::string> due_date;    // RFC 3339 / naive / date
};

// PUT and PATCH: null for title, priority or completed is InvalidArgument.
struct UpdateTaskCommand {
  Nullable<std::string> title;
  Nullable<std::string> description;
  Nullable<bool> completed;
  Nullable<std::string> priority;
  Nullable<std::string> tags;
  Nullable<std::string> due_date;
};

class TaskService {
 public:
  TaskService(TaskRepository& tasks, const Clock& clock);

  Result<Task> create(UserId owner, const CreateTaskCommand& cmd);
  Result<Task> get(UserId owner, TaskId id);
  Result<TaskPage> list(UserId owner, const TaskQuery& query);
  // The owner's list for a request whose token AuthService::verify()
  // accepted: also checks that the user still exists with the token's
  // version, in the same read (Unauthenticated otherwise).
  Result<TaskPage> list_for_token(const TokenClaims& claims, const TaskQuery& query);
  // The same, finishing through `done` (exactly once, maybe later and on
  // another thread: see TaskRepository::list_for_token_async).
  void list_for_token_async(const TokenClaims& claims, const TaskQuery& query,
                            std::function<void(Result<TaskPage>)> done);
  Result<Task> update(UserId owner, TaskId id, const UpdateTaskCommand& cmd);
  // Sets `completed` when given, otherwise toggles it.
  Result<Task> complete(UserId owner, TaskId id, std::optional<bool> completed);
  Result<void> remove(UserId owner, TaskId id);

  // create, get, update, complete and remove for a request whose token
  // AuthService::verify() accepted, like list_for_token: the write or read
  // also checks that the user still exists with the token's version, in the
  // same database round trip (Unauthenticated, nothing changed, otherwise).
  // Validation errors (InvalidArgument) come before any database work, so
  // they say nothing about the token. An id that cannot exist is NotFound
  // only after the token's check.
  Result<Task> create_for_token(const TokenClaims& claims, const CreateTaskCommand& cmd);
  Result<Task> get_for_token(const TokenClaims& claims, TaskId id);
  Result<Task> update_for_token(const TokenClaims& claims, TaskId id, const UpdateTaskCommand& cmd);
  Result<Task> complete_for_token(const TokenClaims& claims, TaskId id, std::optional<bool> completed);
  Result<void> remove_for_token(const TokenClaims& claims, TaskId id);

 private:
  // The validated task or patch, or InvalidArgument naming every bad field.
  Result<NewTask> new_task(UserId owner, const CreateTaskCommand& cmd) const;
  static Result<TaskPatch> task_patch(const UpdateTaskCommand& cmd);

  TaskRepository& tasks_;
  const Clock& clock_;
};

}  // namespace todo::core
