#pragma once
// Pipelined reads (private to the adapter): a few dedicated connections in
// libpq's pipeline mode, driven by the HTTP server's Asio event loop. The
// thread that submits a statement writes it to PostgreSQL and goes back to
// its other connections; whichever I/O thread sees the socket turn readable
// reads the results, in order, and hands each to its caller. Many requests
// share one connection and one backend's read loop, so neither side blocks
// or switches context per request. See docs/decisions/0007.
//
// Group commit (writes, docs/decisions/0010): with a group size above one, a
// connection has one transaction in flight at a time. Statements submitted
// meanwhile wait, and go out together when it commits: one implicit
// transaction (several statements, one Sync), one WAL flush, one network
// write and read for all of them. A group holds at most one statement per
// key (the user whose rows it writes), sorted by key, so two groups on
// different connections (or instances) take their row locks in the same
// order and cannot deadlock. When any statement of a group fails, the whole
// group rolled back; each of its statements then runs again in a
// transaction of its own, so one bad row fails only its own request. A
// statement is answered only after its transaction committed.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "connection.hpp"
#include "todo/core/result.hpp"
#include "todo/pg/pool.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace todo::pg {

class Pipeline {
 public:
  // How a statement ended (the result is Unavailable unless Answered).
  enum class Fate {
    Answered,  // its result (or error) came back
    Lost,      // the connection went away after it was sent: whether it ran
               // is unknown, so only a read may be run again
    Unsent,    // the connection went away before its transaction's Sync was
               // sent: it did not run, so it may run another way
  };
  using Done = std::function<void(core::Result<ResultPtr> result, Fate fate)>;

  // Opens nothing yet: each connection is opened (through the pool, with its
  // settings and reconnect backoff) on the first submit that needs it, and
  // `statements` are prepared on it then. Only those can be submitted.
  // `group_max` > 1 turns on group commit with groups of up to that many
  // statements; 1 sends every statement as its own transaction at once.
  // `serial`: one transaction in flight per connection whatever the group
  // size (a transaction pooler must see each Sync answered before the next
  // goes out; PgBouncer 1.18 hands the server connection on after the
  // first ReadyForQuery). `keyed`: a group holds at most one statement per
  // key (writes: their row locks; reads need no such rule).
  Pipeline(Pool& pool, boost::asio::io_context& context, std::size_t connections,
           const std::vector<Statement>& statements, std::size_t group_max = 1, bool serial = false,
           bool keyed = true);
  // Closes the connections. Results still outstanding are dropped with their
  // callbacks uncalled. Call it once the event loop has stopped and no
  // submit() can be running (a submit opening a connection would otherwise
  // touch a freed Slot).
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Sends `statement` (with group commit: queues it for the connection's
  // next group); `done` is then called exactly once, on an event-loop thread
  // (or before submit returns when the connection fails on the way).
  // Returns false, leaving `done` untouched and uncalled, when no pipelined
  // connection can take the statement now (being opened, database
  // unreachable, statement not prepared): the caller runs it another way.
  // `key` is the user whose rows the statement writes (group commit only).
  bool submit(const Statement& statement, const Params& params, Done& done, std::int64_t key = 0);

  // Lock-free figures (PipelineStats' fields of the same names).
  std::size_t connections() const noexcept { return slots_.size(); }
  std::size_t open() const noexcept { return counters_->open.load(std::memory_order_relaxed); }
  std::size_t in_flight() const noexcept { return counters_->in_flight.load(std::memory_order_relaxed); }
  std::uint64_t statements() const noexcept { return counters_->statements.load(std::memory_order_relaxed); }
  std::uint64_t groups() const noexcept { return counters_->groups.load(std::memory_order_relaxed); }
  std::uint64_t group_retries() const noexcept { return counters_->group_retries.load(std::memory_order_relaxed); }

  class Slot;  // one pipelined connection (pipeline.cpp)
  struct Counters {
    std::atomic<std::size_t> open{0};
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::uint64_t> statements{0};
    std::atomic<std::uint64_t> groups{0};         // group-commit transactions sent
    std::atomic<std::uint64_t> group_retries{0};  // groups that failed and ran one by one
  };

 private:
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
  std::vector<std::shared_ptr<Slot>> slots_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace todo::pg
