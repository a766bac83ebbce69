#pragma once
// The synchronous facade over TaskService, for tests, tools and library
// users without an event loop: each call waits for its completion. Never
// call it from a thread the repository's completions need (an adapter's
// event-loop thread): it would wait for itself.

#include <future>
#include <optional>
#include <utility>

#include "todo/core/task_service.hpp"

namespace todo::core {

// Starts an asynchronous call with a completion and waits for its result.
template <class T, class Start>
Result<T> await_result(Start&& start) {
  std::promise<Result<T>> promise;
  std::future<Result<T>> future = promise.get_future();
  std::forward<Start>(start)([&promise](Result<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

class BlockingTaskService {
 public:
  explicit BlockingTaskService(TaskService& tasks) : tasks_(tasks) {}

  Result<Task> create(const Caller& caller, const NewTask& task) {
    return await_result<Task>([&](Completion<Task> done) { tasks_.create(caller, task, std::move(done)); });
  }
  Result<Task> get(const Caller& caller, TaskId id) {
    return await_result<Task>([&](Completion<Task> done) { tasks_.get(caller, id, std::move(done)); });
  }
  Result<TaskPage> list(const Caller& caller, const TaskQuery& query = {}) {
    return await_result<TaskPage>([&](Completion<TaskPage> done) { tasks_.list(caller, query, std::move(done)); });
  }
  Result<Task> update(const Caller& caller, TaskId id, const TaskPatch& patch) {
    return await_result<Task>([&](Completion<Task> done) { tasks_.update(caller, id, patch, std::move(done)); });
  }
  Result<Task> complete(const Caller& caller, TaskId id, std::optional<bool> completed = std::nullopt) {
    return await_result<Task>(
        [&](Completion<Task> done) { tasks_.complete(caller, id, completed, std::move(done)); });
  }
  Result<void> remove(const Caller& caller, TaskId id) {
    return await_result<void>([&](Completion<void> done) { tasks_.remove(caller, id, std::move(done)); });
  }

 private:
  TaskService& tasks_;
};

// The same for a repository on its own (contract tests, adapters' tests).
class BlockingTaskRepository {
 public:
  explicit BlockingTaskRepository(TaskRepository& tasks) : tasks_(tasks) {}

  Result<Task> create(const Caller& caller, const NewTask& task, Timestamp now) {
    return await_result<Task>([&](Completion<Task> done) { tasks_.create(caller, task, now, std::move(done)); });
  }
  Result<Task> get(const Caller& caller, TaskId id) {
    return await_result<Task>([&](Completion<Task> done) { tasks_.get(caller, id, std::move(done)); });
  }
  Result<TaskPage> list(const Caller& caller, const TaskQuery& query = {}) {
    return await_result<TaskPage>([&](Completion<TaskPage> done) { tasks_.list(caller, query, std::move(done)); });
  }
  Result<Task> update(const Caller& caller, TaskId id, const TaskPatch& patch, Timestamp now) {
    return await_result<Task>(
        [&](Completion<Task> done) { tasks_.update(caller, id, patch, now, std::move(done)); });
  }
  Result<Task> toggle_completed(const Caller& caller, TaskId id, Timestamp now) {
    return await_result<Task>(
        [&](Completion<Task> done) { tasks_.toggle_completed(caller, id, now, std::move(done)); });
  }
  Result<void> remove(const Caller& caller, TaskId id) {
    return await_result<void>([&](Completion<void> done) { tasks_.remove(caller, id, std::move(done)); });
  }

 private:
  TaskRepository& tasks_;
};

}  // namespace todo::core
