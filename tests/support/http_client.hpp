#pragma once
// A small synchronous HTTP/1.1 client for black-box tests of todo-server:
// keep-alive requests on one connection, and a raw connection that sends
// arbitrary bytes (oversized bodies, huge headers, malformed requests) and
// reads whatever comes back. Every operation has a deadline, so a silent
// server fails the test instead of hanging it. Beast stays in the .cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todo::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // in received order, names as sent by the server
  std::string body;

  // First header with that name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  // Number of headers with that name (case-insensitive).
  std::size_t header_count(std::string_view name) const;
};

class HttpClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{15000};

  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1",
                      std::chrono::milliseconds timeout = kDefaultTimeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on the kept-alive connection (opened on demand) and
  // reads the response. Content-Length is sent whenever there is a body, and
  // for POST/PUT/PATCH even when it is empty. A connection the server closed
  // while idle is reopened once. Throws std::runtime_error on I/O failure.
  HttpResponse request(std::string_view method, std::string_view target,
                       std::string_view body = {}, const HeaderList& headers = {});

  // Called with every response request() receives (before it returns it);
  // may throw to fail the request. The e2e suite checks each response
  // against openapi.json here (support/openapi_check.hpp). Set it before
  // any client runs; it is shared by all clients.
  using ResponseCheck = void (*)(std::string_view method, std::string_view target, const HttpResponse& response);
  static void set_response_check(ResponseCheck check) noexcept;

  // True while a connection is open (it closes after `Connection: close`).
  bool connected() const;
  // How many TCP connections this client has opened so far.
  int connections_opened() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One TCP connection driven byte by byte.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port, std::string host = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all bytes; false when the peer closed or reset the connection
  // (or the deadline passed) before everything was written.
  bool send(std::string_view bytes,
            std::chrono::milliseconds timeout = std::chrono::milliseconds{15000});
  // Reads one HTTP response (bodies up to 8 MiB); nullopt when the peer
  // closed or reset the connection first, or nothing came before the deadline.
  std::optional<HttpResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::milliseconds{15000});
  // Reads and discards until the peer closes (true) or the deadline passes.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace todo::test
