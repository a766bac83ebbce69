// The Prometheus registry: exposition format, escaping, histogram bucket
// math, label bounds and exact counts under concurrent updates.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "todo/http/metrics.hpp"
#include "todo/http/router.hpp"

using todo::http::BuildInfo;
using todo::http::Metrics;
using std::chrono::microseconds;

namespace {

// "name{labels} value" lines -> value, keyed by "name{labels}".
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

std::string value_of(const std::string& text, const std::string& key) {
  const auto all = samples(text);
  const auto it = all.find(key);
  return it == all.end() ? std::string("<absent>") : it->second;
}

}  // namespace

TEST_CASE("every line of the exposition is a comment or a sample, each family declared once before its samples",
          "[http][metrics]") {
  Metrics metrics(BuildInfo{"1.2.3", "gcc 12"});
  metrics.observe_request("/healthz", "GET", 200, microseconds{100});
  metrics.add_gauge("todo_example", "An example.", {{"lane", "a"}}, [] { return 1.0; });
  metrics.add_gauge("todo_example", "An example.", {{"lane", "b"}}, [] { return 2.5; });
  const std::string text = metrics.render();
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');

  std::istringstream lines(text);
  std::string line;
  std::map<std::string, int> types;
  std::string current;
  while (std::getline(lines, line)) {
    INFO(line);
    REQUIRE_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name;
      std::string type;
      words >> name >> type;
      CHECK((type == "counter" || type == "gauge" || type == "histogram"));
      ++types[name];
      current = name;
      continue;
    }
    REQUIRE(line.front() != '#');
    // A sample belongs to the family declared last (histograms add suffixes).
    CHECK(line.rfind(current, 0) == 0);
    CHECK(line.find(' ') != std::string::npos);
  }
  for (const auto& [name, count] : types) {
    INFO(name);
    CHECK(count == 1);
  }
  CHECK(value_of(text, "todo_example{lane=\"a\"}") == "1");
  CHECK(value_of(text, "todo_example{lane=\"b\"}") == "2.5");
  CHECK(value_of(text, "todo_build_info{version=\"1.2.3\",compiler=\"gcc 12\"}") == "1");
  CHECK(value_of(text, "process_start_time_seconds") != "<absent>");
  CHECK(value_of(text, "todo_uptime_seconds") != "<absent>");
}

TEST_CASE("requests are counted by route template, method and status", "[http][metrics]") {
  Metrics metrics(BuildInfo{"v", "c"});
  for (int i = 0; i < 3; ++i) metrics.observe_request("/api/tasks/{task_id}", "GET", 200, microseconds{10});
  metrics.observe_request("/api/tasks/{task_id}", "GET", 404, microseconds{10});
  metrics.observe_request("/api/tasks/{task_id}", "DELETE", 200, microseconds{10});
  metrics.observe_request("/api/tasks/{task_id}", "BREW", 405, microseconds{10});
  metrics.observe_request("/some/path/a/client/made/up", "GET", 404, microseconds{10});
  metrics.observe_request("", "-", 400, microseconds{10});
  const std::string text = metrics.render();
  CHECK(value_of(text, R"(todo_http_requests_total{route="/api/tasks/{task_id}",method="GET",status="200"})") == "3");
  CHECK(value_of(text, R"(todo_http_requests_total{route="/api/tasks/{task_id}",method="GET",status="404"})") == "1");
  CHECK(value_of(text, R"(todo_http_requests_total{route="/api/tasks/{task_id}",method="DELETE",status="200"})") ==
        "1");
  // Methods and paths outside the fixed tables fold into one label each.
  CHECK(value_of(text, R"(todo_http_requests_total{route="/api/tasks/{task_id}",method="OTHER",status="405"})") ==
        "1");
  CHECK(value_of(text, R"(todo_http_requests_total{route="unmatched",method="GET",status="404"})") == "1");
  CHECK(value_of(text, R"(todo_http_requests_total{route="none",method="OTHER",status="400"})") == "1");
  CHECK(text.find("made/up") == std::string::npos);
  CHECK(metrics.requests("/api/tasks/{task_id}", "GET", 200) == 3);
  CHECK(metrics.requests("/api/tasks/{task_id}", "PUT", 200) == 0);
}

TEST_CASE("histogram buckets are cumulative, a value on a bound counts in it, +Inf equals count",
          "[http][metrics]") {
  Metrics metrics(BuildInfo{"v", "c"});
  const std::string route = "/healthz";
  metrics.observe_request(route, "GET", 200, microseconds{0});        // le 0.0005
  metrics.observe_request(route, "GET", 200, microseconds{500});      // exactly 0.0005
  metrics.observe_request(route, "GET", 200, microseconds{501});      // le 0.001
  metrics.observe_request(route, "GET", 200, microseconds{30'000});   // le 0.05
  metrics.observe_request(route, "GET", 200, microseconds{10'000'000});  // exactly 10
  metrics.observe_request(route, "GET", 200, microseconds{60'000'000});  // only +Inf
  const std::string text = metrics.render();
  const auto bucket = [&](const std::string& le) {
    return value_of(text, "todo_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"" + le + "\"}");
  };
  CHECK(bucket("0.0005") == "2");
  CHECK(bucket("0.001") == "3");
  CHECK(bucket("0.0025") == "3");
  CHECK(bucket("0.025") == "3");
  CHECK(bucket("0.05") == "4");
  CHECK(bucket("5") == "4");
  CHECK(bucket("10") == "5");
  CHECK(bucket("+Inf") == "6");
  CHECK(value_of(text, "todo_http_request_duration_seconds_count{route=\"/healthz\"}") == "6");
  // 0 + 0.0005 + 0.000501 + 0.03 + 10 + 60 seconds, exactly.
  CHECK(value_of(text, "todo_http_request_duration_seconds_sum{route=\"/healthz\"}") == "70.031001");
  // Bounds as Prometheus expects them, one series per bucket.
  std::size_t series = 0;
  for (std::size_t at = text.find("_bucket{route=\"/healthz\""); at != std::string::npos;
       at = text.find("_bucket{route=\"/healthz\"", at + 1)) {
    ++series;
  }
  CHECK(series == Metrics::kBucketBoundsMicros.size() + 1);
  // Routes nobody asked for have no histogram series.
  CHECK(text.find("_bucket{route=\"/readyz\"") == std::string::npos);
}

TEST_CASE("label values and help text are escaped as the exposition format requires", "[http][metrics]") {
  CHECK(todo::http::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(todo::http::escape_help("line\\one\nline \"two\"") == "line\\\\one\\nline \"two\"");

  Metrics metrics(BuildInfo{"1.0 \"beta\"", "clang\\14\n"});
  metrics.add_counter("todo_odd_total", "Help with a \\ and\na newline.", {{"what", "x\"y"}}, [] { return 7.0; });
  const std::string text = metrics.render();
  CHECK(text.find(R"(todo_build_info{version="1.0 \"beta\"",compiler="clang\\14\n"} 1)") != std::string::npos);
  CHECK(text.find("# HELP todo_odd_total Help with a \\\\ and\\na newline.\n") != std::string::npos);
  CHECK(text.find("# TYPE todo_odd_total counter\n") != std::string::npos);
  CHECK(text.find(R"(todo_odd_total{what="x\"y"} 7)") != std::string::npos);
}

TEST_CASE("scrape-time values: special floats, a throwing reader, in-flight and connection gauges",
          "[http][metrics]") {
  Metrics metrics(BuildInfo{"v", "c"});
  metrics.add_gauge("todo_inf", "h", {}, [] { return 1.0 / 0.0 > 0 ? std::numeric_limits<double>::infinity() : 0; });
  metrics.add_gauge("todo_fraction", "h", {}, [] { return 0.1; });
  metrics.add_gauge("todo_big", "h", {}, [] { return 12345678901.0; });
  metrics.add_gauge("todo_broken", "h", {}, []() -> double { throw std::runtime_error("no"); });
  metrics.request_started();
  metrics.request_started();
  metrics.request_finished();
  metrics.connection_opened();
  metrics.connection_refused();
  const std::string text = metrics.render();
  CHECK(value_of(text, "todo_inf") == "+Inf");
  CHECK(value_of(text, "todo_fraction") == "0.1");
  CHECK(value_of(text, "todo_big") == "12345678901");
  CHECK(value_of(text, "todo_broken") == "NaN");
  CHECK(value_of(text, "todo_http_requests_in_flight") == "1");
  CHECK(value_of(text, "todo_http_connections_open") == "1");
  CHECK(value_of(text, "todo_http_connections_refused_total") == "1");
}

TEST_CASE("malformed, reserved or retyped metric names are refused at set-up", "[http][metrics]") {
  Metrics metrics(BuildInfo{"v", "c"});
  const auto one = [] { return 1.0; };
  CHECK_THROWS_AS(metrics.add_gauge("", "h", {}, one), std::invalid_argument);
  CHECK_THROWS_AS(metrics.add_gauge("9lives", "h", {}, one), std::invalid_argument);
  CHECK_THROWS_AS(metrics.add_gauge("has space", "h", {}, one), std::invalid_argument);
  CHECK_THROWS_AS(metrics.add_gauge("todo_ok", "h", {{"bad-label", "v"}}, one), std::invalid_argument);
  CHECK_THROWS_AS(metrics.add_gauge("todo_ok", "h", {{"__reserved", "v"}}, one), std::invalid_argument);
  CHECK_THROWS_AS(metrics.add_counter("todo_http_requests_total", "h", {}, one), std::invalid_argument);
  CHECK_THROWS_AS(metrics.add_gauge("todo_no_reader", "h", {}, nullptr), std::invalid_argument);
  metrics.add_gauge("todo_ok", "h", {{"lane", "a"}}, one);
  CHECK_THROWS_AS(metrics.add_counter("todo_ok", "h", {{"lane", "b"}}, one), std::invalid_argument);
}

TEST_CASE("concurrent observations are all counted", "[http][metrics]") {
  Metrics metrics(BuildInfo{"v", "c"});
  constexpr int kThreads = 4;
  constexpr int kEach = 20'000;
  const std::vector<const char*> statuses_routes{"/api/tasks", "/api/tasks/{task_id}", "/auth/login"};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every thread touches every (route, status) pair, so cells are
        // claimed concurrently too.
        const char* route = statuses_routes[static_cast<std::size_t>(i) % statuses_routes.size()];
        metrics.observe_request(route, "GET", 200 + (i + t) % 5, microseconds{i % 3000});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::uint64_t total = 0;
  for (const char* route : statuses_routes) {
    for (int status = 200; status < 205; ++status) total += metrics.requests(route, "GET", status);
  }
  CHECK(total == static_cast<std::uint64_t>(kThreads) * kEach);
  const std::string text = metrics.render();
  std::uint64_t counted = 0;
  for (const char* route : statuses_routes) {
    counted += std::stoull(
        value_of(text, std::string("todo_http_request_duration_seconds_count{route=\"") + route + "\"}"));
  }
  CHECK(counted == static_cast<std::uint64_t>(kThreads) * kEach);
}

TEST_CASE("every route template has its own label", "[http][metrics]") {
  Metrics metrics(BuildInfo{"v", "c"});
  for (const todo::http::Route& route : todo::http::routes()) {
    metrics.observe_request(route.path, route.method, 200, microseconds{1});
  }
  for (const todo::http::Route& route : todo::http::routes()) {
    INFO(route.method << " " << route.path);
    CHECK(metrics.requests(route.path, route.method, 200) == 1);
  }
}
