#pragma once
// The HTTP/1.1 server (Boost.Beast inside server.cpp only): accepts
// connections, enforces the limits and timeouts of SPEC §3, and runs each
// request through the Handler on the lane it asks for. See
// docs/decisions/0004-http-server.md for the threading model.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "todo/http/handler.hpp"
#include "todo/http/metrics.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace todo::http {

// What the access log gets for every response the server writes. Views are
// valid during the on_access call only.
struct AccessRecord {
  std::string_view method;  // "-" when the request line could not be read
  std::string_view path;    // raw, without the query string: queries may carry search text
  std::string_view route;   // template or kRoute* label, as in the metrics
  int status = 0;
  std::chrono::microseconds duration{0};  // request fully read -> response written
  std::size_t bytes = 0;                  // body bytes sent
  std::string_view peer;
  std::int64_t user_id = 0;  // Response::log_user_id: 0 when nobody was authenticated
  std::string_view request_id;
  std::string_view error;  // Response::log_error: why a 500 happened; usually empty
};

// A worker pool's figures, for metrics.
struct LaneStats {
  std::size_t threads = 0;
  std::size_t capacity = 0;  // queue bound
  std::size_t queued = 0;
  std::size_t busy = 0;
  std::uint64_t rejected = 0;  // answered 503 because the queue was full
  std::uint64_t over_share = 0;  // answered 429: the caller already held its share
};

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  // They read, handle and write requests, and run a request's database
  // work themselves (blocking on PostgreSQL), so this bounds the number of
  // concurrent database calls. Password hashing goes to the crypto pool.
  std::size_t io_threads = 1;
  std::size_t max_connections = 4096;

  std::size_t crypto_threads = 1;
  std::size_t crypto_queue = 64;
  // The most hashing-lane jobs (waiting or running) one account may hold,
  // and one client address (0: half the queue). Beyond it: 429.
  std::size_t crypto_share_per_account = 2;
  std::size_t crypto_share_per_address = 0;

  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  // Time a client has to send one request's headers and body once its first
  // byte arrived (and to send that first byte on a fresh connection).
  std::chrono::milliseconds request_timeout{10'000};
  // How long an idle keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // Time a client has to take a response off our hands.
  std::chrono::milliseconds write_timeout{10'000};
  // After an error response that ends the connection (413, 431, 400), how
  // long to keep reading and discarding before closing, so the client sees
  // the answer rather than a reset (nginx's lingering close).
  std::chrono::milliseconds linger_timeout{3'000};
  // A streamed response (GET /api/tasks/events) sends its heartbeat this
  // often (SPEC §6: a comment at least every 15 s).
  std::chrono::milliseconds stream_heartbeat{10'000};
  // Text a streamed response's client has not taken yet beyond which the
  // stream is ended (the client resumes with Last-Event-ID).
  std::size_t stream_backlog_limit = 1024 * 1024;
  // On stop: how long in-flight requests may take to finish.
  std::chrono::milliseconds drain_timeout{10'000};

  // SIGINT/SIGTERM call stop(). Off in tests that run several servers.
  bool handle_signals = true;

  // Both may be called from any I/O thread, concurrently.
  std::function<void(const AccessRecord&)> on_access;
  std::function<void(std::string_view)> on_warning;
  // Fed with every response and connection when set; must outlive the Server.
  Metrics* metrics = nullptr;
};

class Server {
 public:
  // Binds and listens right away (so port() is known before run()); throws
  // std::system_error when the address cannot be bound.
  Server(ServerOptions options, const Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the real one when options.port was 0).
  std::uint16_t port() const noexcept;

  // Lock-free; for metrics. Only Lane::Crypto has a pool: the other lanes
  // run on the I/O threads (all zero).
  LaneStats lane_stats(Lane lane) const noexcept;

  // The event loop the I/O threads run, for adapters that wait on it
  // without blocking a thread (the pipelined database reads). It lives as
  // long as the Server.
  boost::asio::io_context& context() noexcept;

  // Serves until stop() (or a signal), then stops accepting, lets in-flight
  // requests finish within drain_timeout, shuts the worker pools down and
  // returns. Call once.
  void run();

  // Thread-safe; returns at once: run() does the draining.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace todo::http
