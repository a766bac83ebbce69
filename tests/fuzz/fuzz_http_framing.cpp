// libFuzzer target: a request's bytes through Beast's parser with the
// server's limits, then the server's RFC 9112 framing checks (framing.hpp).
// Finds crashes and sanitizer reports, and checks the promise that makes
// smuggling impossible: a request the checks accept is framed in exactly
// one way (one chunked coding, or a Content-Length, or no body), and an
// HTTP/1.1 request they accept has exactly one Host.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>

#include "framing.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(1024 * 1024);
  parser.header_limit(16 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  const auto* bytes = reinterpret_cast<const char*>(data);
  std::size_t used = 0;
  while (used < size && !parser.is_header_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(bytes + used, size - used), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) return 0;  // Beast refuses it: the server answers 400/413/431 and closes
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_header_done()) return 0;
  const auto& header = parser.get();
  const auto refusal = todo::http::framing_refusal(header);
  if (refusal) {
    if (refusal->status != 400 && refusal->status != 501) std::abort();
    return 0;
  }
  const auto te = header.equal_range(bhttp::field::transfer_encoding);
  const bool has_te = te.first != te.second;
  const bool has_length = header.find(bhttp::field::content_length) != header.end();
  // Accepted with TE: exactly one field, read as chunked, no Content-Length.
  if (has_te && (std::next(te.first) != te.second || !parser.chunked() || has_length)) std::abort();
  // Chunked only when TE said so.
  if (parser.chunked() && !has_te) std::abort();
  if (header.version() >= 11) {
    const auto host = header.equal_range(bhttp::field::host);
    if (host.first == host.second || std::next(host.first) != host.second) std::abort();
  }
  return 0;
}
