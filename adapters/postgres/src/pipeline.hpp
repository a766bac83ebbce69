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
           std::vector<Statement> statements);
  // Closes the connections. Results still outstanding are dropped with their
  // callbacks uncalled: call it once the event loop has stopped.
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Sends `statement`; `done` is then called exactly once, on an event-loop
  // thread (or before submit returns when the connection fails on the way).
  // Returns false, leaving `done` untouched and uncalled, when no pipelined
  // connection can take the statement now (being opened, database
  // unreachable, statement not prepared): the caller runs it another way.
  bool submit(const Statement& statement, const Params& params, Done& done);

  class Slot;  // one pipelined connection (pipeline.cpp)

 private:
  std::vector<std::shared_ptr<Slot>> slots_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace todo::pg
