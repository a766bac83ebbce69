#pragma once
// The time source; a manual clock stands in for it in tests.

#include "todo/core/time.hpp"

namespace todo::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

}  // namespace todo::core
