#include "logger.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace todo::app {
namespace {

// "2026-11-24T10:00:00.123Z": UTC, millisecond precision, sortable.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out(text.data(), n);
  std::array<char, 8> fraction{};
  const int m = std::snprintf(fraction.data(), fraction.size(), ".%03dZ", static_cast<int>(millis));
  if (m > 0) out.append(fraction.data(), static_cast<std::size_t>(m));
  return out;
}

}  // namespace

void Logger::write(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = timestamp();
  line += ' ';
  line += to_string(level);
  line += ' ';
  line += message;
  line += '\n';
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace todo::app
