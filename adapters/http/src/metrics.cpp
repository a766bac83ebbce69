#include "todo/http/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>
#include <tuple>

#include "todo/http/router.hpp"

namespace todo::http {
namespace {

constexpr std::array<std::string_view, 8> kMethods{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};
constexpr std::size_t kOtherMethod = kMethods.size() - 1;

// Families render() writes itself; add_gauge/add_counter may not take them.
constexpr std::array<std::string_view, 8> kBuiltIn{
    "todo_build_info",          "process_start_time_seconds",          "todo_uptime_seconds",
    "todo_http_requests_total", "todo_http_request_duration_seconds",  "todo_http_requests_in_flight",
    "todo_http_connections_open", "todo_http_connections_refused_total"};

std::size_t method_index(std::string_view method) noexcept {
  for (std::size_t i = 0; i < kOtherMethod; ++i) {
    if (kMethods[i] == method) return i;
  }
  return kOtherMethod;
}

bool is_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool is_label_name(std::string_view name) noexcept {
  return is_metric_name(name) && name.find(':') == std::string_view::npos && !name.starts_with("__");
}

void append_integer(std::string& out, std::uint64_t value) {
  std::array<char, 24> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), result.ptr);
}

void append_signed(std::string& out, std::int64_t value) {
  std::array<char, 24> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), result.ptr);
}

// Shortest text that reads back as the same double; Prometheus spells the
// special values NaN, +Inf and -Inf.
void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 32> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), result.ptr);
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// Seconds, exactly as many as the microseconds say (no float rounding of
// the bucket bounds: 0.0005 prints as 0.0005).
void append_micros_as_seconds(std::string& out, std::uint64_t micros) {
  append_integer(out, micros / 1'000'000);
  std::uint64_t fraction = micros % 1'000'000;
  if (fraction == 0) return;
  std::array<char, 7> digits{'.', '0', '0', '0', '0', '0', '0'};
  for (std::size_t i = 6; i >= 1; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  std::size_t end = digits.size();
  while (digits[end - 1] == '0') --end;
  out.append(digits.data(), end);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Metrics::Metrics(BuildInfo build)
    : build_(std::move(build)),
      start_time_seconds_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()),
      started_(std::chrono::steady_clock::now()) {
  for (const Route& route : http::routes()) {
    if (std::find(routes_.begin(), routes_.end(), route.path) == routes_.end()) routes_.push_back(route.path);
  }
  routes_.push_back(kRouteUnmatched);
  routes_.push_back(kRoutePreflight);
  routes_.push_back(kRouteNone);
  histograms_ = std::make_unique<Histogram[]>(routes_.size());
}

std::size_t Metrics::route_index(std::string_view route) const noexcept {
  if (route.empty()) return routes_.size() - 1;  // kRouteNone
  // The Handler hands out pointers into the route table: identity first.
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].data() == route.data() && routes_[i].size() == route.size()) return i;
  }
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i] == route) return i;
  }
  return routes_.size() - 3;  // kRouteUnmatched
}

std::uint32_t Metrics::cell_key(std::size_t route, std::size_t method, int status) noexcept {
  // status: 10 bits, method: 3 bits, route + 1 above (so a key is never 0).
  const auto code = static_cast<std::uint32_t>(status >= 0 && status < 1024 ? status : 0);
  return static_cast<std::uint32_t>(((route + 1) << 13) | (method << 10)) | code;
}

void Metrics::observe_request(std::string_view route, std::string_view method, int status,
                              std::chrono::microseconds duration) noexcept {
  const std::size_t r = route_index(route);
  const std::uint32_t key = cell_key(r, method_index(method), status);
  // Open addressing; a cell's key is written once (0 -> key) and never
  // cleared, so a reader that sees the key sees the right cell. The label
  // sets are bounded (routes x 8 methods x the statuses this server
  // writes: a few hundred), far below kCells, so a free cell is always found.
  std::size_t slot = (key * 2654435761U) & (kCells - 1);
  for (std::size_t probe = 0; probe < kCells; ++probe) {
    Cell& cell = cells_[slot];
    std::uint32_t seen = cell.key.load(std::memory_order_acquire);
    if (seen == 0 && cell.key.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) seen = key;
    if (seen == key) {
      cell.count.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    slot = (slot + 1) & (kCells - 1);
  }

  const std::int64_t micros = std::max<std::int64_t>(0, duration.count());
  const auto bound = std::lower_bound(kBucketBoundsMicros.begin(), kBucketBoundsMicros.end(), micros);
  Histogram& histogram = histograms_[r];
  histogram.buckets[static_cast<std::size_t>(bound - kBucketBoundsMicros.begin())].fetch_add(
      1, std::memory_order_relaxed);
  histogram.sum_micros.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
}

std::uint64_t Metrics::requests(std::string_view route, std::string_view method, int status) const noexcept {
  const std::uint32_t key = cell_key(route_index(route), method_index(method), status);
  for (const Cell& cell : cells_) {
    if (cell.key.load(std::memory_order_acquire) == key) return cell.count.load(std::memory_order_relaxed);
  }
  return 0;
}

void Metrics::add_gauge(std::string name, std::string help, const Labels& labels, Reader read) {
  add(Type::Gauge, std::move(name), std::move(help), labels, std::move(read));
}

void Metrics::add_counter(std::string name, std::string help, const Labels& labels, Reader read) {
  add(Type::Counter, std::move(name), std::move(help), labels, std::move(read));
}

void Metrics::add(Type type, std::string name, std::string help, const Labels& labels, Reader read) {
  if (!is_metric_name(name)) throw std::invalid_argument("invalid metric name: " + name);
  if (std::find(kBuiltIn.begin(), kBuiltIn.end(), name) != kBuiltIn.end()) {
    throw std::invalid_argument("reserved metric name: " + name);
  }
  if (!read) throw std::invalid_argument("metric without a reader: " + name);
  std::string rendered;
  for (const auto& [label, value] : labels) {
    if (!is_label_name(label)) throw std::invalid_argument("invalid label name: " + label);
    rendered += rendered.empty() ? "{" : ",";
    rendered += label;
    rendered += "=\"";
    rendered += escape_label_value(value);
    rendered += '"';
  }
  if (!rendered.empty()) rendered += '}';

  auto family = std::find_if(families_.begin(), families_.end(), [&](const Family& f) { return f.name == name; });
  if (family == families_.end()) {
    families_.push_back(Family{std::move(name), std::move(help), type, {}});
    family = families_.end() - 1;
  } else if (family->type != type) {
    throw std::invalid_argument("metric registered with another type: " + name);
  }
  family->samples.push_back(Sample{std::move(rendered), std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(16 * 1024);

  append_header(out, "todo_build_info", "Version and compiler of this todo-server build.", "gauge");
  out += "todo_build_info{version=\"" + escape_label_value(build_.version) + "\",compiler=\"" +
         escape_label_value(build_.compiler) + "\"} 1\n";
  append_header(out, "process_start_time_seconds", "Start time of the server since the Unix epoch in seconds.",
                "gauge");
  out += "process_start_time_seconds ";
  append_double(out, start_time_seconds_);
  out += '\n';
  append_header(out, "todo_uptime_seconds", "Seconds since the server started.", "gauge");
  out += "todo_uptime_seconds ";
  append_double(out, std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  out += '\n';

  // Counters, sorted by labels so that scrapes diff cleanly.
  std::vector<std::tuple<std::size_t, std::size_t, int, std::uint64_t>> counted;
  for (const Cell& cell : cells_) {
    const std::uint32_t key = cell.key.load(std::memory_order_acquire);
    if (key == 0) continue;
    counted.emplace_back((key >> 13) - 1, (key >> 10) & 7U, static_cast<int>(key & 1023U),
                         cell.count.load(std::memory_order_relaxed));
  }
  std::sort(counted.begin(), counted.end());
  append_header(out, "todo_http_requests_total",
                "HTTP responses written, by route template, method and status.", "counter");
  for (const auto& [route, method, status, count] : counted) {
    out += "todo_http_requests_total{route=\"";
    out += escape_label_value(routes_[route]);
    out += "\",method=\"";
    out += kMethods[method];
    out += "\",status=\"";
    append_integer(out, static_cast<std::uint64_t>(status));
    out += "\"} ";
    append_integer(out, count);
    out += '\n';
  }

  append_header(out, "todo_http_request_duration_seconds",
                "Time from a request fully read to its response written, by route template.", "histogram");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const Histogram& histogram = histograms_[r];
    std::array<std::uint64_t, kBuckets> counts{};
    std::uint64_t total = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      counts[b] = histogram.buckets[b].load(std::memory_order_relaxed);
      total += counts[b];
    }
    if (total == 0) continue;  // a route nobody asked for
    const std::string label = escape_label_value(routes_[r]);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      cumulative += counts[b];
      out += "todo_http_request_duration_seconds_bucket{route=\"";
      out += label;
      out += "\",le=\"";
      if (b < kBucketBoundsMicros.size()) {
        append_micros_as_seconds(out, static_cast<std::uint64_t>(kBucketBoundsMicros[b]));
      } else {
        out += "+Inf";
      }
      out += "\"} ";
      append_integer(out, cumulative);
      out += '\n';
    }
    out += "todo_http_request_duration_seconds_sum{route=\"" + label + "\"} ";
    append_micros_as_seconds(out, histogram.sum_micros.load(std::memory_order_relaxed));
    out += "\ntodo_http_request_duration_seconds_count{route=\"" + label + "\"} ";
    append_integer(out, total);
    out += '\n';
  }

  append_header(out, "todo_http_requests_in_flight", "Requests read and not yet answered.", "gauge");
  out += "todo_http_requests_in_flight ";
  append_signed(out, in_flight_.load(std::memory_order_relaxed));
  out += '\n';
  append_header(out, "todo_http_connections_open", "Client connections open.", "gauge");
  out += "todo_http_connections_open ";
  append_signed(out, connections_.load(std::memory_order_relaxed));
  out += '\n';
  append_header(out, "todo_http_connections_refused_total",
                "Connections answered 503 and closed at MAX_CONNECTIONS.", "counter");
  out += "todo_http_connections_refused_total ";
  append_integer(out, refused_.load(std::memory_order_relaxed));
  out += '\n';

  for (const Family& family : families_) {
    append_header(out, family.name, family.help, family.type == Type::Counter ? "counter" : "gauge");
    for (const Sample& sample : family.samples) {
      out += family.name;
      out += sample.labels;
      out += ' ';
      double value = std::nan("");
      try {
        value = sample.read();
      } catch (...) {
        // A broken reader shows as NaN rather than failing the scrape.
      }
      append_double(out, value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace todo::http
