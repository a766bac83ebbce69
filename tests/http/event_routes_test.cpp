// GET /api/tasks/events through the Handler, on the in-memory feed: the
// refusals (no feed, no or bad token, the per-user limit), and the streamed
// body's text as the server would send it (a recording sink stands in for
// the connection).

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api_fixture.hpp"
#include "todo/memory/memory_task_feed.hpp"

using todo::test::Api;
using todo::test::detail;
using todo::test::header_or_empty;
namespace http = todo::http;

namespace {

// What the server would have sent.
class RecordingSink final : public http::StreamSink {
 public:
  bool send(std::string text) override {
    const std::lock_guard lock(mutex_);
    text_ += text;
    return true;
  }
  void finish() override {
    const std::lock_guard lock(mutex_);
    finished_ = true;
  }
  std::string text() {
    const std::lock_guard lock(mutex_);
    return text_;
  }
  bool finished() {
    const std::lock_guard lock(mutex_);
    return finished_;
  }

 private:
  std::mutex mutex_;
  std::string text_;
  bool finished_ = false;
};

// One request through route + handle (the server's path), answered once.
http::Response open_events(const Api& api, const std::string& token, const std::string& last_event_id = "") {
  http::Request request;
  request.method = "GET";
  request.target = "/api/tasks/events";
  if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
  if (!last_event_id.empty()) request.headers.push_back({"Last-Event-ID", last_event_id});
  request.peer_address = "127.0.0.1";
  http::Response answer;
  int calls = 0;
  api.handler().handle(api.handler().route(std::move(request)), [&](http::Response r) {
    ++calls;
    answer = std::move(r);
  });
  REQUIRE(calls == 1);
  return answer;
}

struct LiveApi {
  LiveApi() : api(options(feed)) {}
  static http::HandlerOptions options(todo::memory::MemoryTaskFeed& feed) {
    http::HandlerOptions o;
    o.feed = &feed;
    return o;
  }
  todo::memory::ManualClock feed_clock;
  todo::memory::MemoryTaskFeed feed{feed_clock, 2};
  Api api;
};

}  // namespace

TEST_CASE("events: without a feed the route is 404", "[http][live]") {
  Api api;
  const auto signed_up = api.signup("ann@example.com");
  const auto r = open_events(api, signed_up.token);
  CHECK(r.status == 404);
  CHECK(detail(r) == "Not Found");
}

TEST_CASE("events: no token, a bad token and a revoked one are FastAPI's 401s", "[http][live][auth]") {
  LiveApi live;
  const auto ann = live.api.signup("ann@example.com");
  const auto none = live.api.call("GET", "/api/tasks/events");
  CHECK(none.status == 401);
  CHECK(detail(none) == "Not authenticated");
  CHECK(header_or_empty(none, "WWW-Authenticate") == "Bearer");
  const auto bad = open_events(live.api, ann.token + "x");
  CHECK(bad.status == 401);
  CHECK(detail(bad) == "Could not validate credentials");
  CHECK(live.api.authed("POST", "/auth/logout-all", ann.token).status == 204);
  const auto revoked = open_events(live.api, ann.token);
  CHECK(revoked.status == 401);
  CHECK(detail(revoked) == "Could not validate credentials");
  CHECK(live.feed.open_subscriptions(todo::core::UserId(ann.user_id)) == 0);
}

TEST_CASE("events: the stream's text, from retry to revoked", "[http][live]") {
  LiveApi live;
  const auto ann = live.api.signup("ann@example.com");
  const auto r = open_events(live.api, ann.token);
  REQUIRE(r.status == 200);
  REQUIRE(r.stream != nullptr);
  CHECK(header_or_empty(r, "Content-Type") == "text/event-stream; charset=utf-8");
  CHECK(header_or_empty(r, "Cache-Control") == "no-store");
  CHECK(header_or_empty(r, "X-Accel-Buffering") == "no");
  CHECK(r.stream->heartbeat.front() == ':');
  REQUIRE(r.stream->deadline.has_value());

  auto sink = std::make_shared<RecordingSink>();
  // A change made before the headers are out waits for them.
  const std::int64_t id = live.api.create_task(ann.token, R"({"title":"first"})");
  r.stream->open(sink);
  CHECK(sink->text().rfind("retry: 2000\n\nid: 1\nevent: created\ndata: {\"id\":" + std::to_string(id) + ",", 0) == 0);

  CHECK(live.api.json("PATCH", "/api/tasks/" + std::to_string(id) + "/complete", "", ann.token).status == 200);
  CHECK(live.api.authed("DELETE", "/api/tasks/" + std::to_string(id), ann.token).status == 200);
  const std::string text = sink->text();
  CHECK(text.find("id: 2\nevent: updated\ndata: {") != std::string::npos);
  CHECK(text.find("\"completed\":true") != std::string::npos);
  CHECK(text.find("id: 3\nevent: deleted\ndata: {\"id\":" + std::to_string(id) + "}\n\n") != std::string::npos);
  CHECK_FALSE(sink->finished());

  CHECK(live.api.authed("POST", "/auth/logout-all", ann.token).status == 204);
  CHECK(sink->text().substr(text.size()) == "event: revoked\ndata: {\"detail\":\"Session ended\"}\n\n");
  CHECK(sink->finished());
  r.stream->close();
}

TEST_CASE("events: Last-Event-ID resumes or resets", "[http][live]") {
  LiveApi live;
  const auto ann = live.api.signup("ann@example.com");
  live.api.create_task(ann.token, R"({"title":"one"})");
  live.api.create_task(ann.token, R"({"title":"two"})");
  SECTION("resumes after 1") {
    const auto r = open_events(live.api, ann.token, "1");
    auto sink = std::make_shared<RecordingSink>();
    r.stream->open(sink);
    CHECK(sink->text().find("id: 1\n") == std::string::npos);
    CHECK(sink->text().find("id: 2\nevent: created\ndata: {") != std::string::npos);
    r.stream->close();
  }
  SECTION("an id ahead of the latest resets, naming the latest") {
    const auto r = open_events(live.api, ann.token, "7");
    auto sink = std::make_shared<RecordingSink>();
    r.stream->open(sink);
    CHECK(sink->text() == "retry: 2000\n\nid: 2\nevent: reset\ndata: {}\n\n");
    r.stream->close();
  }
}

TEST_CASE("events: expiry sends revoked with its own detail", "[http][live]") {
  LiveApi live;
  const auto ann = live.api.signup("ann@example.com");
  const auto r = open_events(live.api, ann.token);
  REQUIRE(r.stream);
  CHECK(r.stream->expire() == "event: revoked\ndata: {\"detail\":\"Token expired\"}\n\n");
  // The token's expiry (the fixture's clock + 7 days), counted on the
  // steady clock from the real time now.
  const auto expires = live.api.clock().now() + std::chrono::hours(24 * 7);
  const auto expected = expires - std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const auto left = *r.stream->deadline - std::chrono::steady_clock::now();
  CHECK(std::chrono::abs(left - expected) < std::chrono::minutes(1));
  r.stream->close();
}

TEST_CASE("events: one stream more than the per-user limit is 429; closing one frees its place", "[http][live]") {
  LiveApi live;  // the feed allows 2
  const auto ann = live.api.signup("ann@example.com");
  auto first = open_events(live.api, ann.token);
  auto second = open_events(live.api, ann.token);
  REQUIRE(first.status == 200);
  REQUIRE(second.status == 200);
  const auto third = open_events(live.api, ann.token);
  CHECK(third.status == 429);
  CHECK(detail(third) == "Too many open event streams");
  CHECK(header_or_empty(third, "Retry-After") == "1");
  first.stream->close();
  auto again = open_events(live.api, ann.token);
  CHECK(again.status == 200);
  second.stream->close();
  again.stream->close();
}
