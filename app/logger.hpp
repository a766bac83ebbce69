#pragma once
// Line-oriented logging to stderr with a minimum level. One write per line
// under a mutex, so lines from different threads never interleave.

#include <mutex>
#include <string_view>

#include "config.hpp"

namespace todo::app {

class Logger {
 public:
  explicit Logger(LogLevel minimum) : minimum_(minimum) {}

  bool enabled(LogLevel level) const noexcept { return level >= minimum_; }
  // Writes "<UTC time> <level> <message>\n" when `level` is enabled.
  void write(LogLevel level, std::string_view message);

 private:
  LogLevel minimum_;
  std::mutex mutex_;
};

}  // namespace todo::app
