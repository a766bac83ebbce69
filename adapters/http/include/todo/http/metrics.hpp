#pragma once
// The service's Prometheus metrics: requests by route template, method and
// status, a latency histogram by route, requests in flight and open
// connections, all updated lock-free on the request path (atomics in
// tables fixed at construction); plus values other adapters own (pool
// sizes, queue depths, throttle refusals), read at scrape time. render()
// writes the text exposition format 0.0.4. No Beast here: unit-tested
// without sockets; the server feeds it, the Handler serves it at /metrics
// through HandlerOptions::metrics.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todo::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Route labels besides the templates of routes(); together they bound the
// label's cardinality whatever paths clients send.
inline constexpr std::string_view kRouteUnmatched = "unmatched";  // no route for the path (404, 405)
inline constexpr std::string_view kRoutePreflight = "preflight";  // CORS preflight, answered before routing
inline constexpr std::string_view kRouteNone = "none";            // answered by the server itself (400, 413, 431, 503 busy)

struct BuildInfo {
  std::string version;
  std::string compiler;
};

class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  using Reader = std::function<double()>;

  // Upper bounds of the latency buckets in microseconds (0.5 ms .. 10 s);
  // an observation equal to a bound counts in that bucket (Prometheus "le").
  static constexpr std::array<std::int64_t, 14> kBucketBoundsMicros{
      500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000,
      1'000'000, 2'500'000, 5'000'000, 10'000'000};

  explicit Metrics(BuildInfo build);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // --- the request path: lock-free, no allocation, any thread ---------------
  // `route` is a template of routes() or one of the kRoute* labels (empty
  // means kRouteNone; anything else counts as kRouteUnmatched). Methods
  // outside GET/HEAD/POST/PUT/PATCH/DELETE/OPTIONS are labelled "OTHER".
  void observe_request(std::string_view route, std::string_view method, int status,
                       std::chrono::microseconds duration) noexcept;
  void request_started() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void request_finished() noexcept { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_opened() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() noexcept { connections_.fetch_sub(1, std::memory_order_relaxed); }
  // A connection turned away at MAX_CONNECTIONS before any request was read.
  void connection_refused() noexcept { refused_.fetch_add(1, std::memory_order_relaxed); }

  // --- set-up: before serving (not synchronised with render()) --------------
  // A value owned elsewhere, read on every scrape. Several calls with one
  // name add samples (with different labels) to one family. Throws
  // std::invalid_argument for a malformed or reserved name, a malformed
  // label name, or a name registered before with the other type.
  void add_gauge(std::string name, std::string help, const Labels& labels, Reader read);
  void add_counter(std::string name, std::string help, const Labels& labels, Reader read);

  // The exposition text (kMetricsContentType). Thread-safe with the
  // request path; reads every atomic once.
  std::string render() const;

  // For tests: the requests counted under exactly these labels.
  std::uint64_t requests(std::string_view route, std::string_view method, int status) const noexcept;

 private:
  static constexpr std::size_t kBuckets = kBucketBoundsMicros.size() + 1;  // + "+Inf"
  static constexpr std::size_t kCells = 2048;  // (route, method, status) combinations; power of two

  struct Cell {
    std::atomic<std::uint32_t> key{0};  // 0 = free
    std::atomic<std::uint64_t> count{0};
  };
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBuckets> buckets{};  // not cumulative
    std::atomic<std::uint64_t> sum_micros{0};
  };
  enum class Type { Gauge, Counter };
  struct Sample {
    std::string labels;  // rendered: {name="value",...} or empty
    Reader read;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<Sample> samples;
  };

  std::size_t route_index(std::string_view route) const noexcept;
  static std::uint32_t cell_key(std::size_t route, std::size_t method, int status) noexcept;
  void add(Type type, std::string name, std::string help, const Labels& labels, Reader read);

  BuildInfo build_;
  double start_time_seconds_;
  std::chrono::steady_clock::time_point started_;
  std::vector<std::string_view> routes_;  // label values; index = route id
  std::unique_ptr<Histogram[]> histograms_;  // one per route id
  std::array<Cell, kCells> cells_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::vector<Family> families_;
};

// Prometheus escaping (exposition format 0.0.4): a label value escapes
// backslash, double quote and newline; HELP text backslash and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view text);

}  // namespace todo::http
