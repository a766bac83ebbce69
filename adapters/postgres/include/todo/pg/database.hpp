#pragma once
// How the PostgreSQL repositories run their statements: the connection
// layer. By default a statement runs on a pooled connection on the calling
// thread. With pipelining enabled, the task statements go over dedicated
// connections in libpq's pipeline mode, whose results an Asio event loop
// reads when they arrive, so no thread waits for the database
// (docs/decisions/0007, 0008). Reads and writes have connections of their
// own: reads want few (more statements per network read), writes want
// several, and group their commits: one transaction carries the writes of
// several users, so they share one WAL flush and one round trip. The
// repositories see none of it:
// they hand over a statement and a completion.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "todo/pg/pool.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace todo::pg {

// The pipelined statements' figures, for metrics; each read on its own, lock-free.
struct PipelineStats {
  std::size_t connections = 0;   // DB_PIPELINE_CONNECTIONS + DB_PIPELINE_WRITE_CONNECTIONS
  std::size_t open = 0;          // pipelined connections open now
  std::size_t in_flight = 0;     // statements sent, result not yet handed over
  std::uint64_t statements = 0;  // statements sent on a pipelined connection
  std::uint64_t write_groups = 0;         // write transactions sent (group commit: several writes each)
  std::uint64_t write_group_retries = 0;  // groups that failed and were re-run one statement each
  std::uint64_t rerun = 0;       // reads lost with their connection, re-run through the pool
  std::uint64_t bypassed = 0;    // not taken (connection being opened, database unreachable) or taken and never
                                 // sent (its connection went away first): run through the pool
  std::size_t heavy_running = 0;  // costly reads (filtered lists) running now
  std::size_t heavy_waiting = 0;  // costly reads waiting for their user's turn
  std::uint64_t heavy_refused = 0;  // refused: their user already had too many waiting
  std::uint64_t list_batches = 0;   // statements that carried several unfiltered lists
  std::uint64_t batched_lists = 0;  // the lists they carried
};

// Writes per group-commit transaction, at most (DB_WRITE_GROUP_MAX).
inline constexpr std::size_t kDefaultWriteGroupMax = 32;

class Database {
 public:
  explicit Database(Pool& pool);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Pool& pool() noexcept;

  // From now on the registered statements go over pipelined connections
  // (opened on demand with the pool's settings, not counted in its size),
  // read by `context`'s threads: reads over `read_connections`, writes over
  // `write_connections`; 0 leaves that kind on the pool. Costly reads
  // (filtered lists) get `read_connections` + 1 more, taken in turn by user.
  // Writes are group-committed: while a write connection's transaction
  // commits, the writes that arrive meanwhile (up to `write_group_max`, one
  // per user) go out together as its next transaction, each answered once
  // that commits; 1 commits every write on its own (docs/decisions/0010).
  // Call before `context` runs, and disable_pipeline() after it stopped and
  // before it is destroyed.
  void enable_pipeline(boost::asio::io_context& context, std::size_t read_connections,
                       std::size_t write_connections, std::size_t write_group_max = kDefaultWriteGroupMax);
  // Closes the pipelined connections; completions still owed are dropped.
  void disable_pipeline() noexcept;
  // Zeros when pipelining is off. Call between enable and disable only from
  // the threads that may also call those (no locking against them).
  PipelineStats pipeline_stats() const noexcept;

  class Impl;  // the adapter's side (src/database_impl.hpp)
  Impl& impl() noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace todo::pg
