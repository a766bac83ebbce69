#pragma once
// Transport-neutral HTTP request/response values: the server (Beast) fills a
// Request and writes a Response; the Handler maps one to the other without
// sockets, so it is unit-testable and keeps Beast out of most translation units.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todo::http {

struct Header {
  std::string name;   // as received; compare case-insensitively
  std::string value;
};

struct Request {
  std::string method;          // "GET", "POST", ... (upper-case as sent)
  std::string target;          // raw request-target: path plus optional "?query"
  std::vector<Header> headers;
  std::string body;
  std::string peer_address;    // socket peer, e.g. "127.0.0.1"

  // First header with that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Where a streamed response's text goes (the server's side of the
// connection). Thread-safe.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Sends `text` after everything sent before; false once the connection
  // is gone (nothing more will be sent).
  virtual bool send(std::string text) = 0;
  // Ends the response after what was sent, and then the connection.
  virtual void finish() = 0;
};

// A body that goes on after the headers (Server-Sent Events). The server
// writes the headers, then calls open(); the stream writes through the sink
// for as long as it likes. The server sends `heartbeat` text every
// ServerOptions::stream_heartbeat, ends the stream at
// `deadline` with expire()'s text, and on drain.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // The headers are out. Called once, maybe on any thread.
  virtual void open(std::shared_ptr<StreamSink> sink) = 0;
  // The connection ended (client gone, write failed or too slow, server
  // stopping, deadline): release the sink and stop. Idempotent.
  virtual void close() = 0;
  // The last text sent at `deadline`.
  virtual std::string expire() { return {}; }

  std::string heartbeat = ":\n\n";
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;  // Content-Type etc.; the server adds Content-Length/Date/Connection
  std::string body;
  // Set for a streamed answer (200 only): `body` is then unused.
  std::shared_ptr<ResponseStream> stream;

  // For the server's access log and metrics only; never sent.
  // The route template that answered ("/api/tasks/{task_id}"), or one of
  // the labels of metrics.hpp ("unmatched", "preflight"); empty when the
  // request never reached the router. Always points to static storage.
  std::string_view route;
  std::int64_t log_user_id = 0;  // the authenticated user; 0 when none
  std::string log_error;         // why a 500 happened (operator's eyes only)

  void set_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace todo::http
