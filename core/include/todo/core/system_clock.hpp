#pragma once
// The real wall clock.

#include "todo/core/ports/clock.hpp"

namespace todo::core {

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

}  // namespace todo::core
