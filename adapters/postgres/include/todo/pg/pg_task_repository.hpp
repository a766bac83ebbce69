#pragma once
// TaskRepository on PostgreSQL, with the memory adapter's semantics for every
// filter and sort of core::TaskQuery. A list is one
// round trip returning the page and the total (docs/decisions/0003).

#include "todo/core/ports/task_repository.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

class PgTaskRepository final : public core::TaskRepository {
 public:
  explicit PgTaskRepository(Pool& pool) : pool_(pool) {}

  core::Result<core::Task> create(const core::NewTask& task) override;
  core::Result<core::Task> get(core::UserId owner, core::TaskId id) override;
  core::Result<core::TaskPage> list(core::UserId owner, const core::TaskQuery& query) override;
  core::Result<core::TaskPage> list_for_token(core::UserId owner, std::int64_t token_version,
                                              const core::TaskQuery& query) override;
  core::Result<core::Task> update(core::UserId owner, core::TaskId id, const core::TaskPatch& patch,
                                  core::Timestamp now) override;
  core::Result<core::Task> toggle_completed(core::UserId owner, core::TaskId id,
                                            core::Timestamp now) override;
  core::Result<void> remove(core::UserId owner, core::TaskId id) override;

 private:
  Pool& pool_;
};

}  // namespace todo::pg
