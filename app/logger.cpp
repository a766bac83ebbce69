#include "logger.hpp"

#include <array>
#include <chrono>
#include <charconv>
#include <ctime>
#include <string>

#include "todo/core/json_text.hpp"

namespace todo::app {
namespace {

// "2026-11-24T10:00:00.123Z": UTC, millisecond precision, sortable. The
// calendar part is formatted once per second per thread.
void append_timestamp(std::string& out) {
  thread_local std::time_t cached_second = -1;
  thread_local std::array<char, 24> cached{};
  thread_local std::size_t cached_size = 0;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  if (seconds != cached_second) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    cached_size = std::strftime(cached.data(), cached.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    cached_second = seconds;
  }
  out.append(cached.data(), cached_size);
  const auto millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  const std::array<char, 5> fraction{'.', static_cast<char>('0' + millis / 100),
                                     static_cast<char>('0' + millis / 10 % 10), static_cast<char>('0' + millis % 10),
                                     'Z'};
  out.append(fraction.data(), fraction.size());
}

void append_key(std::string& out, std::string_view key) {
  out += ',';
  core::append_json_string(out, key);
  out += ':';
}

void append_integer(std::string& out, std::int64_t value) {
  std::array<char, 24> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), result.ptr);
}

}  // namespace

LogLine::LogLine(LogLevel level, std::string_view message) : level_(level) {
  text_.reserve(256);
  text_ += "{\"ts\":\"";
  append_timestamp(text_);
  text_ += "\",\"level\":\"";
  text_ += to_string(level);
  text_ += "\",\"msg\":";
  core::append_json_string(text_, message);
}

LogLine& LogLine::field(std::string_view key, std::string_view value) {
  append_key(text_, key);
  core::append_json_string(text_, value);
  return *this;
}

LogLine& LogLine::number(std::string_view key, std::int64_t value) {
  append_key(text_, key);
  append_integer(text_, value);
  return *this;
}

LogLine& LogLine::thousandths(std::string_view key, std::int64_t value) {
  append_key(text_, key);
  if (value < 0) {
    text_ += '-';
    value = -value;
  }
  append_integer(text_, value / 1000);
  const auto rest = static_cast<int>(value % 1000);
  const std::array<char, 4> fraction{'.', static_cast<char>('0' + rest / 100), static_cast<char>('0' + rest / 10 % 10),
                                     static_cast<char>('0' + rest % 10)};
  text_.append(fraction.data(), fraction.size());
  return *this;
}

std::string LogLine::text() const {
  std::string line;
  line.reserve(text_.size() + 2);
  line += text_;
  line += "}\n";
  return line;
}

Logger::Logger(LogLevel minimum, std::FILE* out)
    : minimum_(minimum), out_(out), writer_([this] { run_writer(); }) {}

Logger::~Logger() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();
  flush();
}

void Logger::write(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  write(LogLine(level, message));
}

void Logger::write(const LogLine& line) {
  if (!enabled(line.level())) return;
  const std::string text = line.text();
  if (line.level() >= LogLevel::Warn) {
    // Everything before it first, then the line itself, at once.
    std::lock_guard write_lock(write_mutex_);
    std::string batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(pending_);
    }
    batch += text;
    write_out(batch);
    return;
  }
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    // The writer sleeps until a batch starts, then lets it fill for
    // kFlushInterval: one wake-up per batch, none while idle.
    wake = pending_.empty();
    pending_ += text;
    wake = wake || pending_.size() >= kFlushBytes;
  }
  if (wake) wake_.notify_one();
}

void Logger::flush() {
  std::lock_guard write_lock(write_mutex_);
  std::string batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  write_out(batch);
}

void Logger::run_writer() {
  std::string batch;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      wake_.wait_for(lock, kFlushInterval, [this] { return stop_ || pending_.size() >= kFlushBytes; });
      stopping = stop_;
    }
    {
      std::lock_guard write_lock(write_mutex_);
      {
        std::lock_guard lock(mutex_);
        batch.swap(pending_);
      }
      write_out(batch);
    }
    batch.clear();
    if (stopping) return;
  }
}

void Logger::write_out(std::string& batch) {
  if (batch.empty()) return;
  std::fwrite(batch.data(), 1, batch.size(), out_);
  std::fflush(out_);
  batch.clear();
}

}  // namespace todo::app
