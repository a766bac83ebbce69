#pragma once
// Pipelined reads (private to the adapter): a few dedicated connections in
// libpq's pipeline mode, driven by the HTTP server's Asio event loop. The
// thread that submits a statement writes it to PostgreSQL and goes back to
// its other connections; whichever I/O thread sees the socket turn readable
// reads the results, in order, and hands each to its caller. Many requests
// share one connection and one backend's read loop, so neither side blocks
// or switches context per request. See docs/decisions/0007.

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
  // `lost` is true when the connection went away before the statement's
  // result arrived: whether it ran is unknown, so only a read may be retried
  // (result is then Unavailable).
  using Done = std::function<void(core::Result<ResultPtr> result, bool lost)>;

  // Opens nothing yet: each connection is opened (through the pool, with its
  // settings and reconnect backoff) on the first submit that needs it, and
  // `statements` are prepared on it then. Only those can be submitted.
  Pipeline(Pool& pool, boost::asio::io_context& context, std::size_t connections,
           const std::vector<Statement>& statements);
  // Closes the connections. Results still outstanding are dropped with their
  // callbacks uncalled. Call it once the event loop has stopped and no
  // submit() can be running (a submit opening a connection would otherwise
  // touch a freed Slot).
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Sends `statement`; `done` is then called exactly once, on an event-loop
  // thread (or before submit returns when the connection fails on the way).
  // Returns false, leaving `done` untouched and uncalled, when no pipelined
  // connection can take the statement now (being opened, database
  // unreachable, statement not prepared): the caller runs it another way.
  bool submit(const Statement& statement, const Params& params, Done& done);

  // Lock-free figures (PipelineStats' fields of the same names).
  std::size_t connections() const noexcept { return slots_.size(); }
  std::size_t open() const noexcept { return counters_->open.load(std::memory_order_relaxed); }
  std::size_t in_flight() const noexcept { return counters_->in_flight.load(std::memory_order_relaxed); }
  std::uint64_t statements() const noexcept { return counters_->statements.load(std::memory_order_relaxed); }

  class Slot;  // one pipelined connection (pipeline.cpp)
  struct Counters {
    std::atomic<std::size_t> open{0};
    std::atomic<std::size_t> in_flight{0};
    std::atomic<std::uint64_t> statements{0};
  };

 private:
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
  std::vector<std::shared_ptr<Slot>> slots_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace todo::pg
