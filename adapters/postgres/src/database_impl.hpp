#pragma once
// The repositories' side of Database (private to the adapter).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "connection.hpp"
#include "todo/pg/database.hpp"
#include "with_connection.hpp"

namespace todo::pg {

class Pipeline;
class FairGate;

// Heavy reads one user may have waiting; more are refused (429).
inline constexpr std::size_t kHeavyQueuePerUser = 32;
// Heavy reads in flight per heavy connection (each of a different user).
inline constexpr std::size_t kHeavyDepth = 4;

class Database::Impl {
 public:
  using Reply = std::function<void(core::Result<ResultPtr>)>;

  explicit Impl(Pool& pool);
  ~Impl();

  Pool& pool() noexcept { return pool_; }

  // Statements run() may pipeline; the others always go through the pool.
  // Call before enable_pipeline().
  void pipeline_statements(const std::vector<Statement>& statements);

  // Runs `statement` for `user` (the user whose rows it reads or writes)
  // and calls `reply` exactly once: before returning (on the pool) or later
  // on an event-loop thread (pipelined). A read (Retry::OnceIfLost) lost
  // with its connection is run once more through the pool; a write so lost
  // is Unavailable, never retried. A write whose transaction never went out
  // runs through the pool. Writes are group-committed (pipeline.hpp) with at
  // most one statement per user in a transaction.
  void run(std::int64_t user, const Statement& statement, const Params& params, Retry retry, const Reply& reply);
  // A read whose cost grows with the user's data (a filtered list: it
  // counts every match): run on connections of its own, so light reads never
  // queue behind it, and through the FairGate, so one user runs one such
  // statement at a time and users take turns. ResourceExhausted when the
  // user already has kHeavyQueuePerUser of them waiting. Without pipelining
  // it is an ordinary read.
  void run_heavy(std::int64_t user, const Statement& statement, const Params& params, const Reply& reply);

  // Heavy reads get one connection more than the light ones.
  void enable_pipeline(boost::asio::io_context& context, std::size_t read_connections,
                       std::size_t write_connections, std::size_t write_group_max);
  void disable_pipeline() noexcept;
  PipelineStats pipeline_stats() const noexcept;
  // Whether reads are pipelined now (list batching needs it: on the pool a
  // batch would hold up the thread that sent it).
  bool reads_pipelined() const noexcept { return reads_ != nullptr; }
  // One statement carried `lists` unfiltered lists (list batching).
  void count_list_batch(std::size_t lists) noexcept {
    list_batches_.fetch_add(1, std::memory_order_relaxed);
    batched_lists_.fetch_add(lists, std::memory_order_relaxed);
  }

 private:
  core::Result<ResultPtr> run_pooled(const Statement& statement, const Params& params, Retry retry);

  Pool& pool_;
  std::vector<Statement> pipelined_;
  std::unique_ptr<Pipeline> reads_;   // Retry::OnceIfLost statements
  std::unique_ptr<Pipeline> writes_;  // Retry::Never statements
  std::unique_ptr<Pipeline> heavy_;   // run_heavy() statements
  std::unique_ptr<FairGate> gate_;    // admits run_heavy() statements
  std::atomic<std::uint64_t> rerun_{0};
  std::atomic<std::uint64_t> bypassed_{0};
  std::atomic<std::uint64_t> list_batches_{0};
  std::atomic<std::uint64_t> batched_lists_{0};
};

}  // namespace todo::pg
