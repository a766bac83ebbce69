#include "todo/core/system_clock.hpp"

#include <chrono>

namespace todo::core {

Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

}  // namespace todo::core
