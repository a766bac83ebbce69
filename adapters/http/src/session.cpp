// One connection, shaped like Beast's advanced server session: reads
// through a request_parser with limits and deadlines, hands the request to
// the Handler on its lane, and writes answers strictly in order (one
// request at a time per connection, so pipelining is safe); lingering
// close, 100-continue.

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "framing.hpp"
#include "session.hpp"
#include "todo/http/request_id.hpp"

namespace todo::http::detail {

// RFC 9110 IMF-fixdate. strftime's %a/%b are locale-dependent, but this
// process never calls setlocale, so they stay in the "C" locale.
std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 40> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text.data(), n);
}

namespace {

// Beast reads at most 64 KiB at a time and moves body bytes out of the read
// buffer as they arrive, so beyond the header limit the buffer only ever
// needs one read's worth. Without a cap, a chunk-extension or trailer line
// that never ends would be buffered until the read deadline (tens of MB per
// connection on loopback); with it the read fails with buffer_overflow.
constexpr std::size_t kReadAhead = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string to_std(beast::string_view text) { return std::string(text.data(), text.size()); }


// `detail` is one of our own constant phrases: nothing to escape. These
// answers are made before (or instead of) routing, when the path may be
// unknown or spelled in a form the router would decode first
// ("http://host/auth/login", "/%61uth/login"), so they are never cacheable,
// whatever the path: that keeps SPEC §3's no-store on every /auth/* answer.
Response error_response(int status, std::string_view detail) {
  Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.set_header("Cache-Control", "no-store");
  response.body = "{\"detail\":\"" + std::string(detail) + "\"}";
  return response;
}

// One account or address already holds its share of the hashing lane.
Response over_share_response() {
  Response response = error_response(429, "Too many requests at once. Try again later.");
  response.set_header("Retry-After", "1");
  return response;
}

Response busy_response() {
  Response response = error_response(503, "server busy");
  response.set_header("Retry-After", "1");
  return response;
}


std::string peer_of(const tcp::socket& socket) {
  beast::error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  net::ip::address address = endpoint.address();
  // A dual-stack listener on "::" sees IPv4 clients as ::ffff:a.b.c.d; the
  // throttle and TRUSTED_PROXIES want the plain IPv4 form.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

bool must_not_have_body(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

Session::Session(tcp::socket socket, Engine& server)
    : stream_(std::move(socket)),
      buffer_(server.options().header_limit + kReadAhead),
      server_(server),
      peer_(peer_of(stream_.socket())) {
  if (Metrics* metrics = server_.metrics()) metrics->connection_opened();
}

Session::~Session() {
  // A stream whose handlers were dropped unrun (the server's event loop
  // destroyed at exit) still lets its body go: it holds a subscription.
  if (streaming_ && !streaming_->ended) streaming_->body->close();
  if (Metrics* metrics = server_.metrics()) metrics->connection_closed();
  server_.forget(this);
}

void Session::start() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&Session::wait_for_request, shared_from_this(), true));
}

// Posted by the server when it begins to stop; runs on the session strand.
void Session::on_server_stop() {
  // Only a connection waiting for its next request is cut short; one that
  // is mid-request finishes it and then closes (see wait_for_request). A
  // streamed response ends after what it has queued.
  if (phase_ == Phase::Idle) stream_.socket().cancel();
  if (phase_ == Phase::Streaming) stream_finish();
}

void Session::wait_for_request(bool first) {
  if (server_.stopping()) {
    linger();
    return;
  }
  phase_ = Phase::Idle;
  if (buffer_.size() > 0) {  // a pipelined request is already here
    read_header();
    return;
  }
  // A fresh connection must speak promptly; a kept-alive one may idle longer.
  const auto& options = server_.options();
  stream_.expires_after(first ? options.request_timeout : options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) {  // idle timeout, peer closed, or server stopping: nothing to answer
    close();
    return;
  }
  buffer_.commit(bytes);
  read_header();
}

void Session::read_header() {
  phase_ = Phase::Reading;
  const auto& options = server_.options();
  parser_.emplace();
  parser_->body_limit(options.body_limit);
  parser_->header_limit(static_cast<std::uint32_t>(options.header_limit));
  // One deadline covers headers and body: a slow client is cut off.
  stream_.expires_after(options.request_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    on_read_error(ec);
    return;
  }
  if (const std::optional<Refusal> refused = framing_refusal(parser_->get())) {
    answer_and_close(refused->status, refused->detail);
    return;
  }
  const auto expect = parser_->get()[bhttp::field::expect];
  if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
    // curl and others wait for this before sending a large body.
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                       if (write_ec) {
                         self->close();
                         return;
                       }
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void Session::read_body() {
  if (parser_->is_done()) {
    on_body({}, 0);
    return;
  }
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    on_read_error(ec);
    return;
  }
  dispatch_request();
}

void Session::on_read_error(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    answer_and_close(413, "Request body too large");
  } else if (ec == bhttp::error::header_limit) {
    answer_and_close(431, "Request header fields too large");
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
             ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    answer_and_close(400, "Malformed HTTP request");
  } else {
    // Timeout (slow client), peer gone mid-request, or a clean close
    // between requests: there is nobody to answer.
    close();
  }
}

// An error the server answers itself; the connection cannot be reused
// because the rest of the request was not (or could not be) parsed.
void Session::answer_and_close(int status, std::string_view detail) {
  started_ = SteadyClock::now();
  // Beast fills the request line before it checks the declared length,
  // so an early 413 still knows its method and path; a 431 or a garbled
  // request line does not.
  method_ = "-";
  path_ = "-";
  if (parser_ && !parser_->get().method_string().empty()) {
    note_request_line(parser_->get().method_string(), parser_->get().target());
  }
  // The fields Beast parsed before the error are kept: a 413 has them all,
  // a 431 those before the oversized one, a garbled request line none
  // (a new id then).
  note_request_id(parser_ ? parser_->get()["X-Request-Id"] : beast::string_view());
  keep_alive_ = false;
  write(error_response(status, detail));
}

void Session::note_request_line(beast::string_view method, beast::string_view target) {
  method_ = to_std(method);
  const auto query = target.find('?');
  path_ = to_std(query == beast::string_view::npos ? target : target.substr(0, query));
}

// The client's X-Request-Id when it is sane, else a new one; also the
// start of the request for the in-flight gauge (on_write ends it).
void Session::note_request_id(beast::string_view given) {
  const std::string_view id(given.data(), given.size());
  if (is_valid_request_id(id)) {
    request_id_.assign(id);
  } else {
    assign_new_request_id(request_id_);
  }
  if (Metrics* metrics = server_.metrics()) metrics->request_started();
}

void Session::dispatch_request() {
  phase_ = Phase::Handling;
  started_ = SteadyClock::now();
  bhttp::request<bhttp::string_body> message = parser_->release();
  parser_.reset();
  keep_alive_ = message.keep_alive();
  note_request_line(message.method_string(), message.target());
  note_request_id(message["X-Request-Id"]);

  Request request;
  request.method = to_std(message.method_string());
  request.target = to_std(message.target());
  for (const auto& field : message) {
    request.headers.push_back(Header{to_std(field.name_string()), to_std(field.value())});
  }
  request.body = std::move(message.body());
  request.peer_address = peer_;

  Handler::Routed routed = server_.handler().route(std::move(request));
  if (routed.lane() != Lane::Crypto) {
    // Everything but password hashing starts right here, on this I/O
    // thread: a hand-off to another thread and back costs more than the
    // work (docs/decisions/0006). A task route finishes later, from
    // whichever I/O thread reads its pipelined result (docs/decisions/0007).
    server_.handler().handle(std::move(routed), [self = shared_from_this()](Response response) {
      net::dispatch(self->executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    });
    return;
  }
  // The routed request moves into the queued job (std::function needs a
  // copyable callable, hence the shared_ptr).
  auto job = std::make_shared<Handler::Routed>(std::move(routed));
  const WorkerPool::Admission admission = server_.crypto_pool().submit(
      [self = shared_from_this(), job] {
        self->server_.handler().handle(std::move(*job), [self](Response response) {
          net::post(self->executor(), [self, response = std::move(response)]() mutable {
            self->write(std::move(response));
          });
        });
      },
      crypto_shares(*job));
  if (admission == WorkerPool::Admission::OverShare) {
    write(over_share_response());
  } else if (admission != WorkerPool::Admission::Accepted) {
    write(busy_response());
  }
}

// The caller's claims on the hashing lane (SPEC §6: no account or address
// holds more than its share).
std::vector<WorkerPool::Share> Session::crypto_shares(const Handler::Routed& routed) const {
  const ServerOptions& options = server_.options();
  std::vector<WorkerPool::Share> shares;
  const std::size_t per_address = options.crypto_share_per_address != 0
                                      ? options.crypto_share_per_address
                                      : std::max<std::size_t>(1, server_.crypto_pool().capacity() / 2);
  shares.push_back(WorkerPool::Share{"address " + routed.share_address(), per_address});
  if (routed.share_account()) {
    shares.push_back(WorkerPool::Share{"account " + *routed.share_account(),
                                       std::max<std::size_t>(1, options.crypto_share_per_account)});
  }
  return shares;
}

void Session::write(Response answer) {
  phase_ = Phase::Writing;
  if (answer.status < 100 || answer.status > 599) {
    answer = error_response(500, "Internal Server Error");
    answer.log_error = "the handler answered with an invalid status";
  }
  route_ = answer.route.empty() ? kRouteNone : answer.route;
  user_id_ = answer.log_user_id;
  error_ = std::move(answer.log_error);
  if (answer.stream) {
    if (answer.status == 200 && method_ != "HEAD") {
      start_stream(std::move(answer));
      return;
    }
    answer.stream->close();
    answer.stream.reset();
  }
  response_ = {};
  fill_head(response_, answer);
  if (must_not_have_body(answer.status)) answer.body.clear();
  response_.body() = std::move(answer.body);
  response_.keep_alive(keep_alive_ && !server_.stopping());
  response_.prepare_payload();
  // RFC 9110 §8.6: no Content-Length on 1xx/204, and a 304 must not
  // announce the length of a body it does not carry.
  if (must_not_have_body(answer.status)) response_.erase(bhttp::field::content_length);
  // A HEAD answer carries the Content-Length a GET would, and no body.
  if (method_ == "HEAD") response_.body().clear();

  stream_.expires_after(server_.options().write_timeout);
  bhttp::async_write(stream_, response_,
                     beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

// Metrics and the access log, once the answer (or a stream's headers) is out.
void Session::record(int status, std::size_t bytes) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started_);
  if (Metrics* metrics = server_.metrics()) {
    metrics->observe_request(route_, method_, status, elapsed);
    metrics->request_finished();
  }
  if (const auto& log = server_.options().on_access) {
    log(AccessRecord{method_, path_, route_, status, elapsed, bytes, peer_, user_id_, request_id_, error_});
  }
}

void Session::on_write(beast::error_code ec, std::size_t /*bytes*/) {
  record(static_cast<int>(response_.result_int()), response_.body().size());
  if (ec) {
    close();
    return;
  }
  if (!response_.keep_alive()) {
    linger();
    return;
  }
  wait_for_request(false);
}

// nginx's lingering close: stop sending, then read and discard what the
// client still sends (the rest of an oversized body, pipelined requests)
// for a bounded time, so closing does not reset the connection before the
// client has read our answer.
void Session::linger() {
  phase_ = Phase::Closing;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(server_.options().linger_timeout);
  discard();
}

void Session::discard() {
  if (!discard_) discard_ = std::make_unique<std::array<char, kReadChunk>>();
  stream_.async_read_some(net::buffer(*discard_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->discard();
                          });
}

void Session::close() {
  phase_ = Phase::Closing;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

std::shared_ptr<Session> make_session(tcp::socket socket, Engine& engine) {
  return std::make_shared<Session>(std::move(socket), engine);
}

void start(const std::shared_ptr<Session>& session) { session->start(); }

void notify_stop(const std::shared_ptr<Session>& session) {
  net::post(session->executor(), [session] { session->on_server_stop(); });
}

}  // namespace todo::http::detail
