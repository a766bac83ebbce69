#pragma once
// Thread-safe in-memory TaskRepository with the PostgreSQL adapter's
// semantics for every filter and sort of TaskQuery. Reads the users through
// their repository for the token checks of the `..._for_token` methods.

#include <map>
#include <mutex>

#include "todo/core/ports/task_repository.hpp"
#include "todo/core/ports/user_repository.hpp"

namespace todo::memory {

class MemoryTaskRepository final : public core::TaskRepository {
 public:
  explicit MemoryTaskRepository(core::UserRepository& users) : users_(users) {}

  core::Result<core::Task> create(const core::NewTask& task) override;
  core::Result<core::Task> create_for_token(std::int64_t token_version, const core::NewTask& task) override;
  core::Result<core::Task> get(core::UserId owner, core::TaskId id) override;
  core::Result<core::Task> get_for_token(core::UserId owner, std::int64_t token_version,
                                         core::TaskId id) override;
  core::Result<core::TaskPage> list(core::UserId owner, const core::TaskQuery& query) override;
  core::Result<core::TaskPage> list_for_token(core::UserId owner, std::int64_t token_version,
                                              const core::TaskQuery& query) override;
  core::Result<core::Task> update(core::UserId owner, core::TaskId id, const core::TaskPatch& patch,
                                  core::Timestamp now) override;
  core::Result<core::Task> update_for_token(core::UserId owner, std::int64_t token_version, core::TaskId id,
                                            const core::TaskPatch& patch, core::Timestamp now) override;
  core::Result<core::Task> toggle_completed(core::UserId owner, core::TaskId id,
                                            core::Timestamp now) override;
  core::Result<core::Task> toggle_completed_for_token(core::UserId owner, std::int64_t token_version,
                                                      core::TaskId id, core::Timestamp now) override;
  core::Result<void> remove(core::UserId owner, core::TaskId id) override;
  core::Result<void> remove_for_token(core::UserId owner, std::int64_t token_version, core::TaskId id) override;

  // Removes every task of `owner` (the cascade of a deleted user).
  void remove_all_of(core::UserId owner);

 private:
  // Unauthenticated unless `owner` exists with `token_version`.
  core::Result<void> check_token(core::UserId owner, std::int64_t token_version);

  core::UserRepository& users_;
  std::mutex mutex_;
  std::map<core::TaskId, core::Task> tasks_;
  core::TaskId next_id_ = 1;
};

}  // namespace todo::memory
