#include "logger.hpp"

#include <cstdio>
#include <string>

namespace todo::app {

void Logger::write(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = to_string(level);
  line += ' ';
  line += message;
  line += '\n';
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace todo::app
