#pragma once
// TaskRepository on PostgreSQL, with the memory adapter's semantics for every
// filter and sort of core::TaskQuery. Every call is one statement that also
// checks the caller's token version (docs/decisions/0006), run through the
// Database (pooled, or pipelined without blocking: docs/decisions/0007).
// With pipelined reads, unfiltered lists that arrive while one of their sort
// is in flight go out together as one statement (docs/decisions/0013).

#include <cstdint>
#include <memory>

#include "todo/core/ports/task_repository.hpp"
#include "todo/pg/database.hpp"

namespace todo::pg {

class PgTaskRepository final : public core::TaskRepository {
 public:
  // Registers the task statements for pipelining.
  // Construct it before Database::enable_pipeline(). `max_tasks_per_user`
  // 0: no limit.
  explicit PgTaskRepository(Database& database, std::int64_t max_tasks_per_user = 0);
  ~PgTaskRepository() override;
  PgTaskRepository(const PgTaskRepository&) = delete;
  PgTaskRepository& operator=(const PgTaskRepository&) = delete;

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

 private:
  class ListBatcher;  // unfiltered lists of one sort share a statement (pg_task_repository.cpp)

  Database& database_;
  std::int64_t max_tasks_;
  std::shared_ptr<ListBatcher> batcher_;
};

}  // namespace todo::pg
