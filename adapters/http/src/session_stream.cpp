// Streamed answers of a Session (live sync, GET /api/tasks/events): the
// headers, then chunked text as the stream produces it, one write in
// flight and the rest queued; a heartbeat every stream_heartbeat; the
// stream's deadline; a small read that only notices the client leaving;
// the end (last chunk) on the stream's finish or the server's drain.

#include <algorithm>
#include <chrono>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "session.hpp"

namespace todo::http::detail {

// From the stream's sink, on the session strand.
void Session::stream_append(std::string text) {
  if (!streaming_ || streaming_->ended || streaming_->finishing) return;
  streaming_->pending += text;
  if (streaming_->pending.size() > server_.options().stream_backlog_limit) {
    // The client does not read: it resumes later with Last-Event-ID.
    stream_end();
    return;
  }
  stream_flush();
}

void Session::stream_finish() {
  if (!streaming_ || streaming_->ended) return;
  streaming_->finishing = true;
  stream_flush();
}

// A streamed answer: chunked, written as its text comes, until the
// stream or the server ends it or the client goes.
void Session::start_stream(Response answer) {
  phase_ = Phase::Streaming;
  streaming_ = std::make_unique<Streaming>(stream_.get_executor());
  Streaming& st = *streaming_;
  st.body = std::move(answer.stream);
  fill_head(st.head, answer);
  st.head.keep_alive(false);
  st.head.chunked(true);
  st.serializer.emplace(st.head);
  // The request is behind us: its buffers are not needed while streaming.
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
  stream_.expires_after(server_.options().write_timeout);
  bhttp::async_write_header(stream_, *st.serializer,
                            beast::bind_front_handler(&Session::on_stream_head, shared_from_this()));
}

void Session::on_stream_head(beast::error_code ec, std::size_t /*bytes*/) {
  record(200, 0);
  Streaming& st = *streaming_;
  st.serializer.reset();
  st.head = {};
  if (ec) {
    stream_end();
    return;
  }
  stream_.expires_never();
  watch_client();
  arm_heartbeat();
  if (st.body->deadline) {
    st.deadline.expires_at(*st.body->deadline);
    st.deadline.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (wait_ec || !self->streaming_ || self->streaming_->ended) return;
      self->stream_append(self->streaming_->body->expire());
      self->stream_finish();
    });
  }
  st.body->open(make_sink());
  if (server_.stopping()) stream_finish();
}

// The client only listens; reading tells when it goes away.
void Session::watch_client() {
  stream_.socket().async_read_some(net::buffer(streaming_->sink_hole),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec) {
                                       self->stream_end();
                                       return;
                                     }
                                     if (!self->streaming_->ended) self->watch_client();
                                   });
}

void Session::arm_heartbeat() {
  Streaming& st = *streaming_;
  // Due at the period from now, rounded up to a hundredth of it: the
  // streams' heartbeats fall due in small batches (about 100 ms apart for
  // 10 s) instead of one by one. Measured with 10,000 idle streams, one by
  // one they were 1,000 timer wake-ups a second, each passed between the
  // I/O threads (futex, context switch): about 12 % of a core with no
  // request; rounded to a tenth, 1.6 %, but the batches of ~1,000 writes
  // doubled the list's p99 beside them.
  const auto period = server_.options().stream_heartbeat;
  const auto quantum = std::max<std::chrono::steady_clock::duration>(period / 100, std::chrono::milliseconds(1));
  const auto due = (std::chrono::steady_clock::now() + period).time_since_epoch();
  st.heartbeat.expires_at(std::chrono::steady_clock::time_point((due + quantum - std::chrono::nanoseconds(1)) / quantum * quantum));
  st.heartbeat.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->streaming_->ended) return;
    // Every period, whatever else was sent: a few bytes buy a bound
    // that needs no bookkeeping.
    self->stream_append(self->streaming_->body->heartbeat);
    if (!self->streaming_->ended) self->arm_heartbeat();
  });
}

void Session::stream_flush() {
  Streaming& st = *streaming_;
  if (st.ended || st.writing || phase_ != Phase::Streaming || st.serializer) return;
  if (st.pending.empty()) {
    if (st.finishing) {
      st.writing = true;
      stream_.expires_after(server_.options().write_timeout);
      net::async_write(stream_, bhttp::make_chunk_last(),
                       [self = shared_from_this()](beast::error_code, std::size_t) { self->stream_end(); });
    }
    return;
  }
  st.sending.swap(st.pending);
  st.pending.clear();
  st.writing = true;
  stream_.expires_after(server_.options().write_timeout);
  net::async_write(stream_, bhttp::make_chunk(net::buffer(st.sending)),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     Streaming& state = *self->streaming_;
                     state.writing = false;
                     state.sending.clear();
                     if (ec) {
                       self->stream_end();
                       return;
                     }
                     self->stream_.expires_never();
                     self->stream_flush();
                   });
}

// The stream is over, whoever ended it: the body is told, the timers
// stop, the connection closes.
void Session::stream_end() {
  if (!streaming_ || streaming_->ended) return;
  Streaming& st = *streaming_;
  st.ended = true;
  st.body->close();
  st.heartbeat.cancel();
  st.deadline.cancel();
  close();
}
namespace {

// The stream's way back to its connection: holds it weakly, so a stream
// that outlives its client keeps nothing alive.
class SessionSink final : public StreamSink {
 public:
  explicit SessionSink(std::weak_ptr<Session> session) : session_(std::move(session)) {}
  bool send(std::string text) override {
    const std::shared_ptr<Session> session = session_.lock();
    if (!session) return false;
    net::post(session->executor(),
              [session, text = std::move(text)]() mutable { session->stream_append(std::move(text)); });
    return true;
  }
  void finish() override {
    if (const std::shared_ptr<Session> session = session_.lock()) {
      net::post(session->executor(), [session] { session->stream_finish(); });
    }
  }

 private:
  std::weak_ptr<Session> session_;
};

}  // namespace

std::shared_ptr<StreamSink> Session::make_sink() { return std::make_shared<SessionSink>(weak_from_this()); }

}  // namespace todo::http::detail
