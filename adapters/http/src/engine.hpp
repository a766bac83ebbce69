#pragma once
// The server's private parts shared by its Beast translation units:
// server.cpp (the listener, drain and stop: Engine), session.cpp and
// session_stream.cpp (one connection: Session, declared in session.hpp).
// Split so no file holds everything; they are the only places in the
// project that include Beast.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include "todo/http/server.hpp"
#include "todo/http/worker_pool.hpp"

namespace todo::http::detail {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Engine;
class Session;  // one connection (session.cpp)

// A new session for an accepted socket, registered nowhere yet.
std::shared_ptr<Session> make_session(tcp::socket socket, Engine& engine);
// Starts reading its first request.
void start(const std::shared_ptr<Session>& session);
// Tells it, on its own strand, that the server is stopping.
void notify_stop(const std::shared_ptr<Session>& session);

// All server state (server.cpp). It lives in this detail namespace rather
// than in Server::Impl (private) so that Session can refer to it.
class Engine {
 public:
  Engine(ServerOptions options, const Handler& handler);

  void run();
  void stop();
  std::uint16_t port() const noexcept { return port_; }

  const ServerOptions& options() const noexcept { return options_; }
  const Handler& handler() const noexcept { return handler_; }
  Metrics* metrics() const noexcept { return options_.metrics; }
  LaneStats lane_stats(Lane lane) const noexcept;
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  WorkerPool& crypto_pool() { return crypto_pool_; }
  net::io_context& context() noexcept { return ioc_; }
  void forget(const Session* session);
  void warn(std::string_view message) const {
    if (options_.on_warning) options_.on_warning(message);
  }

 private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void admit(tcp::socket socket);
  void drain();

  // Declared first so they outlive the io_context: destroying it destroys
  // pending handlers, and with them sessions that unregister here.
  std::mutex sessions_mutex_;
  std::condition_variable sessions_changed_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;

  std::mutex stop_mutex_;
  std::condition_variable stop_requested_cv_;
  bool stop_requested_ = false;
  std::atomic<bool> stopping_{false};

  ServerOptions options_;
  const Handler& handler_;

  net::io_context ioc_;
  // After the io_context so that jobs they drop (holding sessions, and so
  // sockets) die while the io_context still exists.
  WorkerPool crypto_pool_;
  // All on one strand: the accept chain, the retry timer, the signal wait
  // and the close on stop never run concurrently.
  net::strand<net::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  net::signal_set signals_;
  std::uint16_t port_ = 0;
};

}  // namespace todo::http::detail
