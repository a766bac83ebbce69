#pragma once
// Transport-neutral HTTP request/response values: the server (Beast) fills a
// Request and writes a Response; the Handler maps one to the other without
// sockets, so it is unit-testable and keeps Beast out of most translation units.

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

  void set_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace todo::http
