#pragma once
// Logging to stderr as one JSON object per line:
//   {"ts":"2026-11-24T10:00:00.123Z","level":"info","msg":"...", <fields>}
// with a minimum level. Lines are whole (never interleaved) and every
// string is escaped (and made valid UTF-8), so each line parses as JSON
// whatever a client sent.
//
// debug and info lines (the access log: one per request) are batched: they
// go to a buffer that a writer thread flushes at least every
// kFlushInterval, or at once when it holds kFlushBytes. One write(2) per
// batch instead of one per request, and no thread waits on another's
// write. warn and error lines are written at once, after whatever is
// buffered, so they are never lost to a crash that follows them; a crash
// can lose at most the last kFlushInterval of info lines.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>
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
  static constexpr std::chrono::milliseconds kFlushInterval{50};
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  explicit Logger(LogLevel minimum, std::FILE* out = stderr);
  // Flushes what is buffered.
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogLevel level) const noexcept { return level >= minimum_; }
  // {"ts":...,"level":...,"msg":message} when `level` is enabled.
  void write(LogLevel level, std::string_view message);
  void write(const LogLine& line);
  // Writes out everything buffered so far.
  void flush();

 private:
  void run_writer();
  // Writes `batch` out and empties it; called with write_mutex_ held.
  void write_out(std::string& batch);

  LogLevel minimum_;
  std::FILE* out_;
  std::mutex mutex_;        // guards pending_ and stop_
  std::mutex write_mutex_;  // orders the writes to out_
  std::condition_variable wake_;
  std::string pending_;
  bool stop_ = false;
  std::thread writer_;  // last: starts after everything it uses exists
};

}  // namespace todo::app
