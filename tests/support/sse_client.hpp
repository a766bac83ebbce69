#pragma once
// A Server-Sent Events client for black-box tests of GET /api/tasks/events:
// one TCP connection (plain POSIX sockets), the response head, the chunked
// body decoded as it comes, and the event stream parsed per the SSE rules
// (fields id/event/data, comment lines, blank line ends an event). Every
// wait has a deadline, so a silent server fails the test instead of
// hanging it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todo::test {

struct SseEvent {
  std::string id;     // "" when the event has no id field
  std::string event;  // "message" when it has no event field
  std::string data;   // data lines joined with '\n'
};

class SseClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Connects to 127.0.0.1:`port`, sends GET `target` with `headers`, and
  // reads the response head (throws std::runtime_error when none comes
  // within `timeout`).
  SseClient(std::uint16_t port, std::string_view target, const Headers& headers,
            std::chrono::milliseconds timeout = std::chrono::seconds{10});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }
  // First header with that name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  // The whole body of an answer that is not a stream (read to its end).
  const std::string& body() const { return body_; }

  // The next event (comments skipped); nullopt when the stream ended or
  // nothing came within `timeout`.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  // Comment lines (":..." heartbeats) seen so far.
  std::size_t comments() const { return comments_; }
  // Waits for a comment line; false on timeout or end.
  bool wait_comment(std::chrono::milliseconds timeout);
  // True once the server ended the response (last chunk) or closed.
  bool wait_end(std::chrono::milliseconds timeout);
  bool ended() const { return ended_; }
  // Whether the response ended with the last chunk (a clean end) rather
  // than a bare close.
  bool ended_cleanly() const { return clean_end_; }
  // The connection's file descriptor is closed at once.
  void close();

 private:
  // Reads more bytes into raw_ (false: nothing by the deadline, or closed).
  bool fill(std::chrono::steady_clock::time_point deadline);
  // Moves decoded body bytes from raw_ to text_; parses complete events.
  void decode();
  void parse_lines();

  int fd_ = -1;
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  std::string raw_;   // bytes after the head, still chunk-encoded
  std::string text_;  // decoded stream text not yet parsed
  std::vector<SseEvent> ready_;
  SseEvent building_;
  bool has_field_ = false;
  std::size_t comments_ = 0;
  bool chunked_ = false;
  bool ended_ = false;
  bool clean_end_ = false;
};

}  // namespace todo::test
