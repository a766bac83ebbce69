#pragma once
// Thread-safe in-memory TaskRepository with the PostgreSQL adapter's
// semantics for every filter and sort of TaskQuery. Checks the caller's
// token version through the user repository; completes every call before
// returning.

#include <map>
#include <mutex>

#include "todo/core/ports/task_repository.hpp"
#include "todo/core/ports/user_repository.hpp"

namespace todo::memory {

class MemoryTaskRepository final : public core::TaskRepository {
 public:
  // `max_tasks_per_user` 0: no limit.
  explicit MemoryTaskRepository(core::UserRepository& users, std::int64_t max_tasks_per_user = 0)
      : users_(users), max_tasks_(max_tasks_per_user) {}

  void create(const core::Caller& caller, const core::NewTask& task, core::Timestamp now,
              core::Completion<core::Task> done) override;
  void get(const core::Caller& caller, core::TaskId id, core::Completion<core::Task> done) override;
  void list(const core::Caller& caller, const core::TaskQuery& query,
            core::Completion<core::TaskPage> done) override;
  void update(const core::Caller& caller, core::TaskId id, const core::TaskPatch& patch, core::Timestamp now,
              core::Completion<core::Task> done) override;
  void toggle_completed(const core::Caller& caller, core::TaskId id, core::Timestamp now,
                        core::Completion<core::Task> done) override;
  void remove(const core::Caller& caller, core::TaskId id, core::Completion<void> done) override;

  // Removes every task of `owner` (the cascade of a deleted user).
  void remove_all_of(core::UserId owner);

 private:
  // Unauthenticated unless the caller's user exists with its token version.
  core::Result<void> check(const core::Caller& caller);
  core::Result<core::Task> create_now(const core::Caller& caller, const core::NewTask& task, core::Timestamp now);
  core::Result<core::TaskPage> list_now(const core::Caller& caller, const core::TaskQuery& query);
  core::Result<core::Task> update_now(const core::Caller& caller, core::TaskId id, const core::TaskPatch& patch,
                                      core::Timestamp now);
  core::Result<core::Task> toggle_now(const core::Caller& caller, core::TaskId id, core::Timestamp now);
  core::Result<core::Task> get_now(const core::Caller& caller, core::TaskId id);
  core::Result<void> remove_now(const core::Caller& caller, core::TaskId id);

  core::UserRepository& users_;
  std::mutex mutex_;
  std::map<core::TaskId, core::Task> tasks_;
  std::map<core::UserId, std::int64_t> counts_;  // tasks per user
  const std::int64_t max_tasks_;
  std::int64_t next_id_ = 1;
};

}  // namespace todo::memory
