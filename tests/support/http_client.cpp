#include "support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <stdexcept>

namespace todo::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::uint64_t kMaxResponseBody = 8U * 1024U * 1024U;
constexpr std::uint32_t kMaxResponseHeader = 64U * 1024U;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

HttpResponse convert(const http::response<http::string_body>& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = res.body();
  return out;
}

// Errors that mean "the peer went away", as opposed to a deadline.
bool is_peer_gone(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == http::error::partial_message;
}

// A Beast stream driven synchronously: each call starts one asynchronous
// operation and runs the io_context until it completes. The stream's expiry
// cancels the operation at its deadline, so no call can block forever
// (plain synchronous Beast calls have no timeout at all).
class Connection {
 public:
  beast::error_code connect(const std::string& host, std::uint16_t port,
                            std::chrono::milliseconds timeout) {
    beast::error_code parse_error;
    const auto address = net::ip::make_address(host, parse_error);
    if (parse_error) return parse_error;
    beast::error_code result;
    stream_.expires_after(timeout);
    stream_.async_connect(tcp::endpoint(address, port),
                          [&result](beast::error_code ec) { result = ec; });
    run();
    return result;
  }

  beast::error_code write(http::request<http::string_body>& request,
                          std::chrono::milliseconds timeout) {
    beast::error_code result;
    stream_.expires_after(timeout);
    http::async_write(stream_, request,
                      [&result](beast::error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  beast::error_code write_bytes(std::string_view bytes, std::chrono::milliseconds timeout) {
    beast::error_code result;
    stream_.expires_after(timeout);
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                     [&result](beast::error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  beast::error_code read(http::response_parser<http::string_body>& parser,
                         std::chrono::milliseconds timeout) {
    beast::error_code result;
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, parser,
                     [&result](beast::error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  beast::error_code read_some(std::chrono::milliseconds timeout) {
    beast::error_code result;
    std::array<char, 16384> scratch{};
    stream_.expires_after(timeout);
    stream_.async_read_some(net::buffer(scratch),
                            [&result](beast::error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
  }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::size_t HttpResponse::header_count(std::string_view name) const {
  std::size_t count = 0;
  for (const auto& entry : headers) {
    if (iequals(entry.first, name)) ++count;
  }
  return count;
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port = 0;
  std::chrono::milliseconds timeout{};
  std::unique_ptr<Connection> connection;
  int opened = 0;

  void open() {
    connection = std::make_unique<Connection>();
    if (auto ec = connection->connect(host, port, timeout)) {
      connection.reset();
      throw std::runtime_error("connect to " + host + ":" + std::to_string(port) +
                               " failed: " + ec.message());
    }
    ++opened;
  }

  void drop() {
    if (connection) connection->close();
    connection.reset();
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string host, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() { impl_->drop(); }

bool HttpClient::connected() const { return impl_->connection != nullptr; }

int HttpClient::connections_opened() const { return impl_->opened; }

void HttpClient::close() { impl_->drop(); }

namespace {
std::atomic<HttpClient::ResponseCheck> response_check{nullptr};
}  // namespace

void HttpClient::set_response_check(ResponseCheck check) noexcept { response_check.store(check); }

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view body, const HeaderList& headers) {
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  for (const auto& [name, value] : headers) req.insert(name, value);
  req.body() = std::string(body);
  const bool body_method = method == "POST" || method == "PUT" || method == "PATCH";
  if (!body.empty() || body_method) req.prepare_payload();
  req.keep_alive(true);

  // A kept-alive connection may have been closed by the server while idle;
  // then the request is sent once more on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    const bool reused = impl_->connection != nullptr;
    if (!reused) impl_->open();
    if (auto ec = impl_->connection->write(req, impl_->timeout)) {
      impl_->drop();
      if (reused && attempt == 0 && is_peer_gone(ec)) continue;
      throw std::runtime_error(std::string(method) + " " + std::string(target) +
                               ": write failed: " + ec.message());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    parser.header_limit(kMaxResponseHeader);
    if (method == "HEAD") parser.skip(true);
    if (auto ec = impl_->connection->read(parser, impl_->timeout)) {
      impl_->drop();
      if (reused && attempt == 0 && is_peer_gone(ec) && !parser.got_some()) continue;
      throw std::runtime_error(std::string(method) + " " + std::string(target) +
                               ": read failed: " + ec.message());
    }
    const auto& res = parser.get();
    HttpResponse out = convert(res);
    if (!res.keep_alive()) impl_->drop();
    if (const ResponseCheck check = response_check.load()) check(method, target, out);
    return out;
  }
}

struct RawConnection::Impl {
  Connection connection;
};

RawConnection::RawConnection(std::uint16_t port, std::string host)
    : impl_(std::make_unique<Impl>()) {
  if (auto ec = impl_->connection.connect(host, port, std::chrono::milliseconds{15000})) {
    throw std::runtime_error("connect to " + host + ":" + std::to_string(port) +
                             " failed: " + ec.message());
  }
}

RawConnection::~RawConnection() { impl_->connection.close(); }

bool RawConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  return !impl_->connection.write_bytes(bytes, timeout);
}

std::optional<HttpResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  parser.header_limit(kMaxResponseHeader);
  if (impl_->connection.read(parser, timeout)) return std::nullopt;
  return convert(parser.get());
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const auto ec = impl_->connection.read_some(left);
    if (!ec) continue;
    return is_peer_gone(ec);
  }
}

}  // namespace todo::test
