#pragma once
// A bounded pool of libpq connections, created lazily and replaced when they
// break. Callers that cannot get a connection before the acquire deadline,
// or while the database is down, get core Unavailable ("database
// unavailable") instead of blocking; the pool heals by itself when the
// database comes back. Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "todo/core/result.hpp"

namespace todo::pg {

class Connection;

// 2 x hardware threads (DB_POOL_SIZE's default).
std::size_t default_pool_size() noexcept;

struct PoolOptions {
  // libpq connection string or URI ("postgresql://u:p@host/db?sslmode=require").
  // Its own settings win over our defaults (keepalives, application name);
  // a connect_timeout in it replaces `connect_timeout` below.
  std::string conninfo;
  std::size_t size = default_pool_size();
  // How long a caller waits for a free connection.
  std::chrono::milliseconds acquire_timeout{2000};
  // Upper bound for opening one connection (TCP, TLS, authentication).
  std::chrono::seconds connect_timeout{5};
  // After a failed connection attempt, further attempts fail at once for this
  // long, so an outage costs callers one connect timeout, not one each.
  std::chrono::milliseconds reconnect_backoff{250};
  // PostgreSQL cancels a statement that runs longer (SQLSTATE 57014, which
  // callers get as Unavailable); the connection lives on. 0: no limit.
  // Set on every connection once it is open (a SET, so it works whatever
  // `options` the connection string carries).
  std::chrono::milliseconds statement_timeout{5000};
  // Behind a transaction-mode pooler (PgBouncer 1.18, which cannot keep
  // protocol-level prepared statements): every statement is sent unnamed
  // (parsed on each run) and no session setting is sent, since the pooler
  // hands each transaction to whichever server connection is free;
  // `statement_timeout` is then the pooler's or the database's to set
  // (PgBouncer: connect_query). Pipelined connections keep one transaction
  // in flight each (Database::enable_pipeline).
  bool transaction_pooler = false;
};

// A snapshot for metrics; each figure is read on its own, without the
// pool's lock, so they may be a moment apart.
struct PoolStats {
  std::size_t size = 0;     // the configured maximum
  std::size_t open = 0;     // idle + on loan + being opened
  std::size_t idle = 0;
  std::size_t in_use = 0;   // open - idle
  std::size_t waiting = 0;  // callers blocked for a free connection
  std::uint64_t acquire_timeouts = 0;  // gave up: every connection busy until the deadline
  std::uint64_t acquire_errors = 0;    // gave up: the database could not be reached
};

class Pool {
 public:
  // A connection on loan; goes back to the pool (or is dropped when broken)
  // on destruction.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& connection() noexcept { return *connection_; }

   private:
    friend class Pool;
    Lease(Pool& pool, std::unique_ptr<Connection> connection) noexcept;
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Throws std::invalid_argument when `options.conninfo` cannot be parsed or
  // size is 0. Opens no connection.
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Unavailable when no connection is free before the acquire deadline or a
  // new one cannot be opened.
  core::Result<Lease> acquire();
  // acquire() on a connection opened for this call (closing an idle one if
  // the pool is full): for retrying a read whose connection was lost, when
  // the idle ones may have been lost with it.
  core::Result<Lease> acquire_fresh();

  // A connection outside the pool's count, for a caller that keeps it (the
  // pipelined reads, pipeline.cpp), opened with the pool's settings. Fails at
  // once (Unavailable) during the pool's reconnect backoff, and a failure
  // starts that backoff for the pool too, as acquire() does. Its fallback
  // application_name is "todo-server-pipeline" (the pool's: "todo-server").
  core::Result<std::unique_ptr<Connection>> open_dedicated();

  // Round trip "SELECT 1" bounded by `timeout` (for /readyz). Never throws.
  bool ping(std::chrono::milliseconds timeout = std::chrono::milliseconds{1000});
  // Cheap: false after the last attempt to reach the database failed, true
  // after it succeeded. No I/O.
  bool reachable() const noexcept;

  const PoolOptions& options() const noexcept { return options_; }
  // Connections currently open (idle or on loan).
  std::size_t open_connections() const;
  // Lock-free; cheap enough for every scrape.
  PoolStats stats() const noexcept;

  // libpq's reason for the last failed connection attempt, for logs (it may
  // name hosts and users, never passwords). Empty when none failed.
  std::string last_failure() const;

  // Used by the repositories to record the outcome of their calls.
  void note_reachable(bool reachable) noexcept;

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  // `exhausted` tells a timeout waiting for a busy pool from a failure to
  // reach the database.
  core::Result<Lease> acquire_until(Deadline deadline, bool& exhausted, bool fresh = false);
  void give_back(std::unique_ptr<Connection> connection) noexcept;
  // Opens one connection with the pool's settings; no lock held.
  core::Result<std::unique_ptr<Connection>> connect(std::string& failure,
                                                    const char* application_name = "todo-server") const;
  // Under mutex_: records a failed attempt (backoff, reason, reachability).
  void note_connect_failure(std::string failure);

  PoolOptions options_;
  std::vector<std::string> keywords_;  // connection parameters, libpq-ready
  std::vector<std::string> values_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + on loan + being opened
  std::chrono::steady_clock::time_point connect_blocked_until_{};
  std::string last_failure_;
  std::atomic<bool> reachable_{true};
  // Mirrors of open_ and idle_.size(), written under mutex_, read by stats().
  std::atomic<std::size_t> open_count_{0};
  std::atomic<std::size_t> idle_count_{0};
  std::atomic<std::size_t> waiting_{0};
  std::atomic<std::uint64_t> acquire_timeouts_{0};
  std::atomic<std::uint64_t> acquire_errors_{0};
};

}  // namespace todo::pg
