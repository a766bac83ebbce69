#pragma once
// Task use cases for a Caller (see caller.hpp), asynchronous like their
// port: each validates its input (InvalidArgument naming every bad field,
// before any storage work, so it says nothing about the caller's token),
// then hands the call to the TaskRepository, whose completion it passes on.
// BlockingTaskService (blocking_task_service.hpp) is the synchronous facade.

#include <cstddef>
#include <optional>

#include "todo/core/caller.hpp"
#include "todo/core/completion.hpp"
#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/task_feed.hpp"
#include "todo/core/ports/task_repository.hpp"
#include "todo/core/task.hpp"

namespace todo::core {

inline constexpr int kListLimitDefault = 100;
inline constexpr int kListLimitMax = 500;
// A longer search is refused (SPEC §6): a pattern's cost grows with it.
inline constexpr std::size_t kSearchMaxChars = 255;

class TaskService {
 public:
  // `feed`, when given, is told of every change once it committed.
  TaskService(TaskRepository& tasks, const Clock& clock, TaskFeed* feed = nullptr);

  void create(const Caller& caller, const NewTask& task, Completion<Task> done);
  void get(const Caller& caller, TaskId id, Completion<Task> done);
  void list(const Caller& caller, const TaskQuery& query, Completion<TaskPage> done);
  void update(const Caller& caller, TaskId id, const TaskPatch& patch, Completion<Task> done);
  // Sets `completed` when given, otherwise toggles it.
  void complete(const Caller& caller, TaskId id, std::optional<bool> completed, Completion<Task> done);
  void remove(const Caller& caller, TaskId id, Completion<void> done);

  // The checks the calls above make first, for adapters that want to report
  // them before anything else: the normalised value, or InvalidArgument.
  static Result<NewTask> validate(const NewTask& task);
  static Result<TaskPatch> validate(const TaskPatch& patch);
  static Result<void> validate(const TaskQuery& query);

 private:
  // `done` wrapped so that a change that committed is published first.
  Completion<Task> publishing(const Caller& caller, TaskChangeKind kind, Completion<Task> done);

  TaskRepository& tasks_;
  const Clock& clock_;
  TaskFeed* feed_;
};

}  // namespace todo::core
