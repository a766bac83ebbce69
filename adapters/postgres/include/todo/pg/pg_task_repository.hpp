#pragma once
// TaskRepository on PostgreSQL, with the memory adapter's semantics for every
// filter and sort of core::TaskQuery. A list is one
// round trip returning the page and the total (docs/decisions/0003).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "todo/core/ports/task_repository.hpp"
#include "todo/pg/pool.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace todo::pg {

class Pipeline;

// The pipelined reads' figures, for metrics; each read on its own, lock-free.
struct PipelineStats {
  std::size_t connections = 0;      // DB_PIPELINE_CONNECTIONS (0: pipelining off)
  std::size_t open = 0;             // pipelined connections open now
  std::size_t in_flight = 0;        // statements sent, result not yet handed over
  std::uint64_t statements = 0;     // statements sent on a pipelined connection
  std::uint64_t rerun = 0;          // lost with their connection, re-run through the pool
  std::uint64_t bypassed = 0;       // not taken (connection being opened, database unreachable): run through the pool
};

class PgTaskRepository final : public core::TaskRepository {
 public:
  explicit PgTaskRepository(Pool& pool);
  ~PgTaskRepository() override;
  PgTaskRepository(const PgTaskRepository&) = delete;
  PgTaskRepository& operator=(const PgTaskRepository&) = delete;

  // From now on list_for_token_async() sends its statement over `connections`
  // pipelined connections of its own (opened on demand with the pool's
  // settings, not counted in its size), whose results `context`'s threads
  // read when they arrive, so no thread blocks on the database
  // (docs/decisions/0007). Call before `context` runs, and
  // disable_pipeline() after it stopped and before it is destroyed.
  void enable_pipeline(boost::asio::io_context& context, std::size_t connections);
  // Closes the pipelined connections; results still owed are dropped with
  // their callbacks uncalled.
  void disable_pipeline() noexcept;
  // Zeros when pipelining is off. Call between enable and disable only from
  // the threads that may also call those (no locking against them).
  PipelineStats pipeline_stats() const noexcept;

  core::Result<core::Task> create(const core::NewTask& task) override;
  core::Result<core::Task> create_for_token(std::int64_t token_version, const core::NewTask& task) override;
  core::Result<core::Task> get(core::UserId owner, core::TaskId id) override;
  core::Result<core::Task> get_for_token(core::UserId owner, std::int64_t token_version,
                                         core::TaskId id) override;
  core::Result<core::TaskPage> list(core::UserId owner, const core::TaskQuery& query) override;
  core::Result<core::TaskPage> list_for_token(core::UserId owner, std::int64_t token_version,
                                              const core::TaskQuery& query) override;
  // Pipelined when enabled; a read whose connection was lost on the way is
  // run again through the pool (list_for_token), as is one the pipeline
  // cannot take (being opened, database unreachable).
  void list_for_token_async(core::UserId owner, std::int64_t token_version, const core::TaskQuery& query,
                            std::function<void(core::Result<core::TaskPage>)> done) override;
  core::Result<core::Task> update(core::UserId owner, core::TaskId id, const core::TaskPatch& patch,
                                  core::Timestamp now) override;
  // Each `..._for_token` method is one statement; its writes, like the
  // others, are not retried when the connection is lost on the way (the
  // outcome is unknown: Unavailable).
  core::Result<core::Task> update_for_token(core::UserId owner, std::int64_t token_version, core::TaskId id,
                                            const core::TaskPatch& patch, core::Timestamp now) override;
  core::Result<core::Task> toggle_completed(core::UserId owner, core::TaskId id,
                                            core::Timestamp now) override;
  core::Result<core::Task> toggle_completed_for_token(core::UserId owner, std::int64_t token_version,
                                                      core::TaskId id, core::Timestamp now) override;
  core::Result<void> remove(core::UserId owner, core::TaskId id) override;
  core::Result<void> remove_for_token(core::UserId owner, std::int64_t token_version, core::TaskId id) override;

 private:
  Pool& pool_;
  std::unique_ptr<Pipeline> pipeline_;
  std::atomic<std::uint64_t> pipeline_rerun_{0};
  std::atomic<std::uint64_t> pipeline_bypassed_{0};
};

}  // namespace todo::pg
