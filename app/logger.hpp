#pragma once
// Logging to stderr as one JSON object per line:
//   {"ts":"2026-11-24T10:00:00.123Z","level":"info","msg":"...", <fields>}
// with a minimum level. One write per line under a mutex, so lines from
// different threads never interleave. Every string is escaped (and made
// valid UTF-8), so each line parses as JSON whatever a client sent.

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "config.hpp"

namespace todo::app {

// One log line under construction: the time, level and message first,
// then fields in the order added.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view message);

  LogLine& field(std::string_view key, std::string_view value);  // a JSON string
  LogLine& number(std::string_view key, std::int64_t value);
  // value / 1000 with exactly three decimals ("duration_ms": 0.412 from 412 us).
  LogLine& thousandths(std::string_view key, std::int64_t value);

  LogLevel level() const noexcept { return level_; }
  // The finished line, newline included.
  std::string text() const;

 private:
  LogLevel level_;
  std::string text_;  // without the closing brace
};

class Logger {
 public:
  explicit Logger(LogLevel minimum, std::FILE* out = stderr) : minimum_(minimum), out_(out) {}

  bool enabled(LogLevel level) const noexcept { return level >= minimum_; }
  // {"ts":...,"level":...,"msg":message} when `level` is enabled.
  void write(LogLevel level, std::string_view message);
  void write(const LogLine& line);

 private:
  LogLevel minimum_;
  std::FILE* out_;
  std::mutex mutex_;
};

}  // namespace todo::app
