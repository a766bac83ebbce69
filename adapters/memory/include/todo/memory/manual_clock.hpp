#pragma once
// A clock that only moves when told to; for tests and demos.

#include <atomic>
#include <chrono>

#include "todo/core/ports/clock.hpp"

namespace todo::memory {

class ManualClock final : public core::Clock {
 public:
  explicit ManualClock(core::Timestamp start = core::from_unix_seconds(1'764'000'000)) : now_(start.time_since_epoch().count()) {}
  core::Timestamp now() const override { return core::Timestamp(std::chrono::microseconds(now_.load())); }
  void set(core::Timestamp t) { now_.store(t.time_since_epoch().count()); }
  void advance(std::chrono::microseconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<long long> now_;
};

}  // namespace todo::memory
