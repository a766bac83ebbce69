#pragma once
// LoginThrottle kept in process memory (per instance): sliding 15-minute
// windows of failed logins per email and per address, and a sliding one-hour
// window of signups per address. A limit of 0 disables that check.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/login_throttle.hpp"

namespace todo::memory {

// The limits (core::ThrottleLimits), under their earlier name.
using ThrottleLimits = core::ThrottleLimits;

class InProcessLoginThrottle final : public core::LoginThrottle {
 public:
  InProcessLoginThrottle(const core::Clock& clock, ThrottleLimits limits);

  core::Result<void> check_login(std::string_view email, std::string_view address) override;
  void record_login_failure(std::string_view email, std::string_view address) override;
  void record_login_success(std::string_view email, std::string_view address) override;
  core::Result<void> check_signup(std::string_view address) override;

  // Requests refused with 429 so far, for metrics (lock-free reads).
  std::uint64_t login_refusals() const noexcept { return login_refusals_.load(std::memory_order_relaxed); }
  std::uint64_t signup_refusals() const noexcept { return signup_refusals_.load(std::memory_order_relaxed); }

 private:
  // The newest events of one key, oldest first; at most `limit` are kept,
  // which is all a sliding-window decision needs.
  using Events = std::deque<core::Timestamp>;
  using Table = std::unordered_map<std::string, Events>;

  // Seconds until fewer than `limit` events of `key` fall inside the window;
  // 0 when allowed now.
  long long blocked_for(Table& table, const std::string& key, int limit,
                        std::chrono::seconds window, core::Timestamp now);
  void add(Table& table, const std::string& key, int limit, std::chrono::seconds window, core::Timestamp now);
  void prune(Table& table, std::chrono::seconds window, core::Timestamp now);

  const core::Clock& clock_;
  ThrottleLimits limits_;
  std::mutex mutex_;
  Table email_failures_;
  Table address_failures_;
  Table signups_;
  std::atomic<std::uint64_t> login_refusals_{0};
  std::atomic<std::uint64_t> signup_refusals_{0};
};

}  // namespace todo::memory
