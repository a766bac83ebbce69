#pragma once
// One connection (Session), shared by session.cpp (reading requests,
// answering them, closing) and session_stream.cpp (streamed answers: live
// sync). Like engine.hpp, private to the server: with it, the only headers
// that include Beast.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cors.hpp"
#include "engine.hpp"

namespace todo::http::detail {

namespace bhttp = boost::beast::http;
using SteadyClock = std::chrono::steady_clock;

inline constexpr std::size_t kReadChunk = 4096;

// RFC 9110 IMF-fixdate (session.cpp).
std::string http_date();

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Engine& server);

  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();

  // Posted by the server when it begins to stop; runs on the session strand.
  void on_server_stop();

  // From the stream's sink, on the session strand.
  void stream_append(std::string text);
  void stream_finish();

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class Phase { Idle, Reading, Handling, Writing, Streaming, Closing };

  // A streamed response's state, made only for one (so an ordinary
  // connection carries none of it).
  struct Streaming {
    Streaming(const net::any_io_executor& executor) : heartbeat(executor), deadline(executor) {}
    std::shared_ptr<ResponseStream> body;
    bhttp::response<bhttp::empty_body> head;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer;
    std::string pending;  // queued, not yet handed to the socket
    std::string sending;  // being written
    net::steady_timer heartbeat;
    net::steady_timer deadline;
    std::array<char, 64> sink_hole{};  // what the client sends meanwhile is read and dropped
    bool writing = false;
    bool finishing = false;
    bool ended = false;
  };

  void wait_for_request(bool first);

  void on_first_bytes(beast::error_code ec, std::size_t bytes);

  void read_header();

  void on_header(beast::error_code ec, std::size_t /*bytes*/);

  void read_body();

  void on_body(beast::error_code ec, std::size_t /*bytes*/);

  void on_read_error(beast::error_code ec);

  // An error the server answers itself; the connection cannot be reused
  // because the rest of the request was not (or could not be) parsed.
  void answer_and_close(int status, std::string_view detail);

  void note_request_line(beast::string_view method, beast::string_view target);

  // The client's X-Request-Id when it is sane, else a new one; also the
  // start of the request for the in-flight gauge (on_write ends it).
  void note_request_id(beast::string_view given);

  void dispatch_request();

  // The caller's claims on the hashing lane (SPEC §6: no account or address
  // holds more than its share).
  std::vector<WorkerPool::Share> crypto_shares(const Handler::Routed& routed) const;

  void write(Response answer);

  // The status line and the headers every answer carries.
  template <class Body>
  void fill_head(bhttp::response<Body>& head, const Response& answer) const {
    head.version(11);
    head.result(static_cast<unsigned>(answer.status));
    for (const auto& header : answer.headers) head.insert(header.name, header.value);
    head.set("X-Request-Id", request_id_);
    if (!answer.header("X-Content-Type-Options")) {
      head.set("X-Content-Type-Options", "nosniff");
    }
    // SPEC §3, §6: no-store on every /auth/* and /api/* answer, the
    // server's own 413/503 included.
    if (is_private_path(path_) && !answer.header("Cache-Control")) {
      head.set(bhttp::field::cache_control, "no-store");
    }
    head.set(bhttp::field::date, http_date());
    head.erase(bhttp::field::server);
  }

  // Metrics and the access log, once the answer (or a stream's headers) is out.
  void record(int status, std::size_t bytes);

  // A streamed answer: chunked, written as its text comes, until the
  // stream or the server ends it or the client goes.
  void start_stream(Response answer);

  void on_stream_head(beast::error_code ec, std::size_t /*bytes*/);

  std::shared_ptr<StreamSink> make_sink();

  // The client only listens; reading tells when it goes away.
  void watch_client();

  void arm_heartbeat();

  void stream_flush();

  // The stream is over, whoever ended it: the body is told, the timers
  // stop, the connection closes.
  void stream_end();

  void on_write(beast::error_code ec, std::size_t /*bytes*/);

  // nginx's lingering close: stop sending, then read and discard what the
  // client still sends (the rest of an oversized body, pipelined requests)
  // for a bounded time, so closing does not reset the connection before the
  // client has read our answer.
  void linger();

  void discard();

  void close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  // Made on the first lingering close only.
  std::unique_ptr<std::array<char, kReadChunk>> discard_;
  std::unique_ptr<Streaming> streaming_;
  Engine& server_;
  const std::string peer_;
  Phase phase_ = Phase::Idle;
  bool keep_alive_ = true;
  std::string method_;
  std::string path_;
  std::string request_id_;
  std::string_view route_ = kRouteNone;  // static storage (the route table)
  std::int64_t user_id_ = 0;
  std::string error_;
  SteadyClock::time_point started_{};
};

}  // namespace todo::http::detail
