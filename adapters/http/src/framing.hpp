#pragma once
// RFC 9112 framing checks the server makes once a request's header is read
// (private to the adapter; header-only, so the fuzz target can run them
// beside Beast's parser). SPEC §6.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <iterator>
#include <optional>
#include <string_view>

namespace todo::http {

struct Refusal {
  int status;
  std::string_view detail;
};

// RFC 9112 framing that Beast lets through and a proxy in front of us might
// read differently (request smuggling), so the request is refused and the
// connection closed before any body is read (SPEC §6). Beast itself refuses
// Transfer-Encoding with Content-Length in either order and a repeated
// chunked; what is left is checked here.
inline std::optional<Refusal> framing_refusal(const boost::beast::http::request_header<>& header) {
  namespace bhttp = boost::beast::http;
  namespace beast = boost::beast;
  const auto te = header.equal_range(bhttp::field::transfer_encoding);
  if (te.first != te.second) {
    // HTTP/1.0 has no chunked coding: a 1.0 message with TE is malformed
    // (RFC 9112 §6.1: it must be treated as faulty and the connection closed).
    if (header.version() < 11) return Refusal{400, "Transfer-Encoding is not allowed in HTTP/1.0"};
    // Only exactly one `chunked`: no other coding, no list, no second field.
    const bool only_chunked =
        std::next(te.first) == te.second && beast::iequals(te.first->value(), "chunked");
    if (!only_chunked) return Refusal{501, "Transfer-Encoding not implemented (only chunked)"};
  }
  if (header.version() >= 11) {
    const auto host = header.equal_range(bhttp::field::host);
    if (host.first == host.second || std::next(host.first) != host.second) {
      return Refusal{400, "An HTTP/1.1 request needs exactly one Host header"};
    }
  }
  return std::nullopt;
}

}  // namespace todo::http
