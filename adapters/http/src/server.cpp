// The listener, drain and stop (Engine), and the public Server. With
// session.cpp, the only translation units that include Boost.Beast/Asio.
// See docs/decisions/0004-http-server.md.

#include "todo/http/server.hpp"

#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>

#include "engine.hpp"
#include "todo/http/request_id.hpp"

namespace todo::http::detail {
namespace {

constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Written straight to a socket accepted over MAX_CONNECTIONS: no session,
// no parsing, nothing held (the X-Request-Id header goes in between).
constexpr std::string_view kOverCapacityHead =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Cache-Control: no-store\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n";
constexpr std::string_view kOverCapacityTail =
    "Content-Length: 24\r\n"
    "\r\n"
    "{\"detail\":\"server busy\"}";
static_assert(kOverCapacityTail.size() - kOverCapacityTail.find("\r\n\r\n") - 4 == 24, "Content-Length above");

}  // namespace

Engine::Engine(ServerOptions options, const Handler& handler)
    : options_(std::move(options)),
      handler_(handler),
      ioc_(static_cast<int>(std::max<std::size_t>(1, options_.io_threads))),
      crypto_pool_("crypto", std::max<std::size_t>(1, options_.crypto_threads),
                   std::max<std::size_t>(1, options_.crypto_queue)),
      accept_strand_(net::make_strand(ioc_)),
      acceptor_(accept_strand_),
      accept_retry_(accept_strand_),
      signals_(accept_strand_) {
  const tcp::endpoint endpoint{net::ip::make_address(options_.bind_address), options_.port};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  // Caught from now on, not from run(): whoever saw the port (the
  // "listening on" line is printed before run()) may send SIGTERM at once,
  // and the default action would kill the process without its drain or its
  // last log lines. A signal caught before run() waits for its async_wait.
  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
  }
}

LaneStats Engine::lane_stats(Lane lane) const noexcept {
  if (lane != Lane::Crypto) return {};  // run on the I/O threads: no pool
  const WorkerPool& pool = crypto_pool_;
  return LaneStats{pool.threads(), pool.capacity(), pool.queued(), pool.busy(), pool.rejected(), pool.over_share()};
}

void Engine::forget(const Session* session) {
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }
  sessions_changed_.notify_all();
}

void Engine::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&Engine::on_accept, this));
}

void Engine::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopping()) return;
  if (ec) {
    // Usually EMFILE: back off briefly instead of spinning on the error.
    warn("accept failed: " + ec.message());
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping()) do_accept();
    });
    return;
  }
  admit(std::move(socket));
  do_accept();
}

void Engine::admit(tcp::socket socket) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(sessions_mutex_);
    if (sessions_.size() < options_.max_connections) {
      session = make_session(std::move(socket), *this);
      sessions_.emplace(session.get(), session);
    }
  }
  if (session) {
    start(session);
    return;
  }
  // Over the cap: answer without reading, never block the accept loop.
  if (options_.metrics != nullptr) options_.metrics->connection_refused();
  std::string answer;
  answer.reserve(kOverCapacityHead.size() + kOverCapacityTail.size() + 64);
  answer += kOverCapacityHead;
  answer += "X-Request-Id: ";
  answer += new_request_id();
  answer += "\r\n";
  answer += kOverCapacityTail;
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(answer.data(), answer.size()), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void Engine::run() {
  if (options_.handle_signals) {
    signals_.async_wait([this](beast::error_code ec, int /*signal*/) {
      if (!ec) stop();
    });
  }
  net::dispatch(accept_strand_, [this] { do_accept(); });
  // Keeps the I/O threads running while a request is on a worker pool: such
  // a session has no pending I/O, so without the guard the io_context could
  // run out of work during the drain and never write the answer.
  auto keep_running = net::make_work_guard(ioc_);

  std::vector<std::thread> threads;
  const std::size_t count = std::max<std::size_t>(1, options_.io_threads);
  threads.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([this] {
      // An exception escaping a handler abandons that connection (its
      // session is released and closes), not the whole process.
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          warn(std::string("connection dropped after an exception: ") + e.what());
        } catch (...) {
          warn("connection dropped after a non-standard exception");
        }
      }
    });
  }

  {
    std::unique_lock lock(stop_mutex_);
    stop_requested_cv_.wait(lock, [this] { return stop_requested_; });
  }
  drain();
  keep_running.reset();
  ioc_.stop();
  for (auto& thread : threads) thread.join();
  crypto_pool_.shutdown();
}

void Engine::drain() {
  stopping_.store(true, std::memory_order_release);
  net::post(accept_strand_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    signals_.cancel(ignored);
  });

  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& entry : sessions_) {
      if (auto session = entry.second.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) {
    notify_stop(session);
  }
  open.clear();  // may run a Session destructor, which takes sessions_mutex_

  std::unique_lock lock(sessions_mutex_);
  const bool drained = sessions_changed_.wait_for(lock, options_.drain_timeout,
                                                  [this] { return sessions_.empty(); });
  if (!drained) {
    const std::size_t left = sessions_.size();
    lock.unlock();
    warn(std::to_string(left) + " connection(s) still busy after the drain timeout; closing them");
  }
}

void Engine::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stop_requested_ = true;
  }
  stop_requested_cv_.notify_all();
}

}  // namespace todo::http::detail

namespace todo::http {

class Server::Impl : public detail::Engine {
 public:
  using Engine::Engine;
};

Server::Server(ServerOptions options, const Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

Server::~Server() = default;

std::uint16_t Server::port() const noexcept { return impl_->port(); }

LaneStats Server::lane_stats(Lane lane) const noexcept { return impl_->lane_stats(lane); }

boost::asio::io_context& Server::context() noexcept { return impl_->context(); }

void Server::run() { impl_->run(); }

void Server::stop() { impl_->stop(); }

}  // namespace todo::http
