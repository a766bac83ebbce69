#pragma once
// How the PostgreSQL repositories run their statements: the connection
// layer. By default a statement runs on a pooled connection on the calling
// thread. With pipelining enabled, the task statements go over dedicated
// connections in libpq's pipeline mode, whose results an Asio event loop
// reads when they arrive, so no thread waits for the database
// (docs/decisions/0007, 0008). Reads and writes have connections of their
// own: reads want few (more statements per network read), writes want
// several (one backend commits one statement at a time, so only commits on
// different backends share a WAL flush). The repositories see none of it:
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
  std::uint64_t rerun = 0;       // reads lost with their connection, re-run through the pool
  std::uint64_t bypassed = 0;    // not taken (connection being opened, database unreachable): run through the pool
  std::size_t heavy_running = 0;  // costly reads (filtered lists) running now
  std::size_t heavy_waiting = 0;  // costly reads waiting for their user's turn
  std::uint64_t heavy_refused = 0;  // refused: their user already had too many waiting
};

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
  // (filtered lists) get `read_connections` + 1 more, taken in turn by user. Call before
  // `context` runs, and disable_pipeline() after it stopped and before it
  // is destroyed.
  void enable_pipeline(boost::asio::io_context& context, std::size_t read_connections,
                       std::size_t write_connections);
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
