// GET /api/tasks/events: the caller's task changes as Server-Sent Events
// (SPEC §6 live sync). The token is checked like every task route's (401s
// first), the user is read once (a revoked token is refused before the
// stream opens), then the stream follows the TaskFeed until the client
// goes, the session ends (`revoked`), the token expires (`revoked`) or the
// server drains.
//
// Wire format, one event per block:
//   id: 7\nevent: created\ndata: {task}\n\n      (updated likewise)
//   id: 8\nevent: deleted\ndata: {"id": 42}\n\n
//   id: 8\nevent: reset\ndata: {}\n\n           (reload; events follow from 8)
//   event: revoked\ndata: {"detail": "..."}\n\n  (then the stream ends)
//   :\n\n                                        (heartbeat)
#include <chrono>
#include <mutex>
#include <string>
#include <utility>

#include "error_mapping.hpp"
#include "json_io.hpp"
#include "routes.hpp"

namespace todo::http {
namespace {

// How long a client waits before reconnecting after the stream drops.
constexpr std::string_view kRetry = "retry: 2000\n\n";
constexpr std::string_view kRevoked = "event: revoked\ndata: {\"detail\":\"Session ended\"}\n\n";
constexpr std::string_view kExpired = "event: revoked\ndata: {\"detail\":\"Token expired\"}\n\n";

std::string event_text(const core::TaskEvent& event) {
  std::string text = "id: " + std::to_string(event.id) + "\nevent: " + core::to_string(event.change.kind) + "\ndata: ";
  if (event.change.task) {
    append_task_json(text, *event.change.task);
  } else {
    text += "{\"id\":" + std::to_string(event.change.task_id.value()) + "}";
  }
  text += "\n\n";
  return text;
}

// One open stream: the feed's listener and the server's streamed body. The
// answer goes out when the feed has started the subscription (so every
// change committed after the client got its 200 is told); text the feed
// produces before the headers are out waits in `early_`.
class EventStream final : public ResponseStream,
                          public core::FeedListener,
                          public std::enable_shared_from_this<EventStream> {
 public:
  explicit EventStream(Reply reply) : reply_(std::move(reply)) {}

  void keep(std::unique_ptr<core::Subscription> subscription) {
    std::unique_lock lock(mutex_);
    if (closed_) {
      lock.unlock();
      subscription.reset();  // outside the lock: it may wait for the feed
      return;
    }
    subscription_ = std::move(subscription);
  }

  void open(std::shared_ptr<StreamSink> sink) override {
    const std::lock_guard lock(mutex_);
    if (closed_) return;
    sink_ = std::move(sink);
    std::string first(kRetry);
    first += early_;
    early_.clear();
    sink_->send(std::move(first));
    if (ended_) sink_->finish();
  }

  void close() override {
    std::unique_ptr<core::Subscription> ending;
    {
      const std::lock_guard lock(mutex_);
      closed_ = true;
      sink_.reset();
      ending = std::move(subscription_);
    }
    // Outside the lock: a feed may hold its own lock while it calls us.
    ending.reset();
  }

  std::string expire() override { return std::string(kExpired); }

  void on_started(std::int64_t /*latest*/) override {
    Reply reply;
    {
      const std::lock_guard lock(mutex_);
      reply.swap(reply_);
    }
    if (!reply) return;
    Response response;
    response.status = 200;
    response.set_header("Content-Type", "text/event-stream; charset=utf-8");
    response.set_header("Cache-Control", "no-store");
    // nginx and others would otherwise hold the events back in a buffer.
    response.set_header("X-Accel-Buffering", "no");
    response.stream = shared_from_this();
    reply(std::move(response));
  }
  void on_event(const core::TaskEvent& event) override { emit(event_text(event), false); }
  void on_reset(std::int64_t latest) override {
    emit("id: " + std::to_string(latest) + "\nevent: reset\ndata: {}\n\n", false);
  }
  void on_revoked() override {
    Reply reply;
    {
      const std::lock_guard lock(mutex_);
      reply.swap(reply_);
    }
    // Revoked before it started: the token is refused like any other.
    if (reply) {
      reply(error_response(core::Error::unauthenticated(std::string(kInvalidCredentials))));
      return;
    }
    emit(std::string(kRevoked), true);
  }

  void on_refused(const core::Error& error) override { refuse(error); }

  // The feed refused the subscription: the answer is the refusal.
  void refuse(const core::Error& error) {
    Reply reply;
    {
      const std::lock_guard lock(mutex_);
      reply.swap(reply_);
    }
    if (reply) reply(error_response(error));
  }

 private:
  void emit(std::string text, bool last) {
    const std::lock_guard lock(mutex_);
    if (closed_ || ended_) return;
    ended_ = last;
    if (!sink_) {
      early_ += text;
      return;
    }
    sink_->send(std::move(text));
    if (last) sink_->finish();
  }

  std::mutex mutex_;
  Reply reply_;  // until the subscription started
  std::shared_ptr<StreamSink> sink_;
  std::unique_ptr<core::Subscription> subscription_;
  std::string early_;
  bool closed_ = false;
  bool ended_ = false;
};

// The steady-clock moment the token expires.
std::chrono::steady_clock::time_point steady_deadline(core::Timestamp expires_at) {
  const auto left = expires_at - std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  return std::chrono::steady_clock::now() + left;
}

void open_stream(const std::shared_ptr<Exchange>& x, const core::VerifiedToken& token, Reply reply) {
  auto stream = std::make_shared<EventStream>(std::move(reply));
  stream->deadline = steady_deadline(token.expires_at);
  const std::optional<std::string_view> resume = x->request.header("Last-Event-ID");
  core::Result<std::unique_ptr<core::Subscription>> subscribed =
      x->options.feed->subscribe(token.caller, resume, stream);
  if (!subscribed) {
    stream->refuse(subscribed.error());
    return;
  }
  stream->keep(std::move(*subscribed));
}

}  // namespace

void answer_events_route(const std::shared_ptr<Exchange>& x, Reply reply) {
  const core::Result<std::string_view> bearer = bearer_token(x->request);
  if (!bearer) return reply(error_response(bearer.error()));
  const core::Result<core::VerifiedToken> token = x->auth.verify_token(*bearer);
  if (!token) return reply(error_response(core::Error::unauthenticated(std::string(kInvalidCredentials))));
  if (x->options.feed == nullptr) return reply(detail_response(404, "Not Found"));
  x->auth.current_user(token->caller, [x, verified = *token, reply = std::move(reply)](core::Result<core::User> user) mutable {
    if (!user) return reply(error_response(user.error()));
    x->user_id = verified.caller.user_id();
    open_stream(x, verified, std::move(reply));
  });
}

}  // namespace todo::http
