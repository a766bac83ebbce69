#pragma once
// Transport-neutral HTTP request/response values: the server (Beast) fills a
// Request and writes a Response; the Handler maps one to the other without
// sockets, so it is unit-testable and keeps Beast out of most translation units.

#include <cstdint>
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

struct Response {
  int status = 200;
  std::vector<Header> headers;  // Content-Type etc.; the server adds Content-Length/Date/Connection
  std::string body;

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
