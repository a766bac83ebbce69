#include "database_impl.hpp"

#include <utility>

#include "fair_gate.hpp"
#include "pipeline.hpp"

namespace todo::pg {

Database::Database(Pool& pool) : impl_(std::make_unique<Impl>(pool)) {}
Database::~Database() = default;
Pool& Database::pool() noexcept { return impl_->pool(); }
void Database::enable_pipeline(boost::asio::io_context& context, std::size_t read_connections,
                               std::size_t write_connections, std::size_t write_group_max) {
  impl_->enable_pipeline(context, read_connections, write_connections, write_group_max);
}
void Database::disable_pipeline() noexcept { impl_->disable_pipeline(); }
PipelineStats Database::pipeline_stats() const noexcept { return impl_->pipeline_stats(); }

Database::Impl::Impl(Pool& pool) : pool_(pool) {}
Database::Impl::~Impl() = default;

void Database::Impl::pipeline_statements(const std::vector<Statement>& statements) {
  pipelined_.insert(pipelined_.end(), statements.begin(), statements.end());
}

void Database::Impl::enable_pipeline(boost::asio::io_context& context, std::size_t read_connections,
                                     std::size_t write_connections, std::size_t write_group_max) {
  // Behind a transaction pooler every connection keeps one transaction in
  // flight; reads then go out grouped as writes do (one Sync for all that
  // queued meanwhile), with one connection more than they would need alone.
  const bool serial = pool_.options().transaction_pooler;
  if (serial && read_connections > 0) ++read_connections;
  const std::size_t read_group = serial ? kDefaultWriteGroupMax : 1;
  if (read_connections > 0) {
    reads_ = std::make_unique<Pipeline>(pool_, context, read_connections, pipelined_, read_group, serial, false);
  }
  if (write_connections > 0) {
    writes_ = std::make_unique<Pipeline>(pool_, context, write_connections, pipelined_, write_group_max, serial);
  }
  if (read_connections > 0) {
    // One more than the light reads: one user's costly list (at most one at
    // a time) never leaves another user's waiting for a connection.
    const std::size_t heavy_connections = read_connections + 1;
    heavy_ = std::make_unique<Pipeline>(pool_, context, heavy_connections, pipelined_, read_group, serial, false);
    // One statement per user at a time: a user's second costly list waits
    // for the first, never in front of another's. kHeavyDepth per
    // connection: pipelined, so a connection is not idle while an answer
    // travels back and the next statement comes (issue 19: one at a time
    // held searches to a third of their throughput).
    gate_ = std::make_unique<FairGate>(heavy_connections * kHeavyDepth, 1, kHeavyQueuePerUser);
  }
}

void Database::Impl::disable_pipeline() noexcept {
  reads_.reset();
  writes_.reset();
  heavy_.reset();
  gate_.reset();  // drops the costly reads still waiting, callbacks uncalled
}

PipelineStats Database::Impl::pipeline_stats() const noexcept {
  PipelineStats stats;
  for (const Pipeline* pipeline : {reads_.get(), writes_.get(), heavy_.get()}) {
    if (pipeline == nullptr) continue;
    stats.connections += pipeline->connections();
    stats.open += pipeline->open();
    stats.in_flight += pipeline->in_flight();
    stats.statements += pipeline->statements();
  }
  if (writes_) {
    stats.write_groups = writes_->groups();
    stats.write_group_retries = writes_->group_retries();
  }
  stats.list_batches = list_batches_.load(std::memory_order_relaxed);
  stats.batched_lists = batched_lists_.load(std::memory_order_relaxed);
  stats.rerun = rerun_.load(std::memory_order_relaxed);
  stats.bypassed = bypassed_.load(std::memory_order_relaxed);
  if (gate_) {
    stats.heavy_running = gate_->running();
    stats.heavy_waiting = gate_->waiting();
    stats.heavy_refused = gate_->refused();
  }
  return stats;
}

core::Result<ResultPtr> Database::Impl::run_pooled(const Statement& statement, const Params& params, Retry retry) {
  return with_connection(pool_, retry, [&](Connection& c) { return c.exec(statement, params); });
}

void Database::Impl::run(std::int64_t user, const Statement& statement, const Params& params, Retry retry,
                         const Reply& reply) {
  Pipeline* const pipeline = retry == Retry::OnceIfLost ? reads_.get() : writes_.get();
  if (pipeline != nullptr) {
    // `statement` has static storage; the parameters are kept for a re-run.
    Pipeline::Done finish = [this, &statement, params, retry, reply](core::Result<ResultPtr> result,
                                                                     Pipeline::Fate fate) {
      // A statement that never went out may run on the pool, even a write;
      // a read lost on the way runs once more.
      if (fate == Pipeline::Fate::Unsent) {
        bypassed_.fetch_add(1, std::memory_order_relaxed);
        reply(run_pooled(statement, params, retry));
        return;
      }
      if (fate == Pipeline::Fate::Lost && retry == Retry::OnceIfLost) {
        rerun_.fetch_add(1, std::memory_order_relaxed);
        reply(run_pooled(statement, params, retry));
        return;
      }
      reply(std::move(result));
    };
    // Not taken means not sent (submit's contract), so even a write may
    // go through the pool instead.
    if (pipeline->submit(statement, params, finish, user)) return;
    bypassed_.fetch_add(1, std::memory_order_relaxed);
  }
  reply(run_pooled(statement, params, retry));
}

void Database::Impl::run_heavy(std::int64_t user, const Statement& statement, const Params& params,
                               const Reply& reply) {
  Pipeline* const heavy = heavy_.get();
  FairGate* const gate = gate_.get();
  if (heavy == nullptr || gate == nullptr) return run(user, statement, params, Retry::OnceIfLost, reply);
  auto start = [this, heavy, gate, user, &statement, params, reply] {
    Pipeline::Done finish = [this, gate, user, &statement, params, reply](core::Result<ResultPtr> result,
                                                                          Pipeline::Fate fate) {
      // The next user's statement goes out while this answer is written.
      gate->leave(user);
      if (fate != Pipeline::Fate::Answered) {
        rerun_.fetch_add(1, std::memory_order_relaxed);
        reply(run_pooled(statement, params, Retry::OnceIfLost));
        return;
      }
      reply(std::move(result));
    };
    if (heavy->submit(statement, params, finish)) return;
    bypassed_.fetch_add(1, std::memory_order_relaxed);
    core::Result<ResultPtr> result = run_pooled(statement, params, Retry::OnceIfLost);
    gate->leave(user);
    reply(std::move(result));
  };
  if (!gate->enter(user, std::move(start))) {
    reply(core::Error::resource_exhausted("Too many requests at once. Try again later.", 1));
  }
}

}  // namespace todo::pg
