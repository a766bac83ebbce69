#include "todo/memory/in_process_login_throttle.hpp"

#include <algorithm>

namespace todo::memory {

using core::Error;
using core::Result;

InProcessLoginThrottle::InProcessLoginThrottle(const core::Clock& clock, ThrottleLimits limits)
    : clock_(clock), limits_(limits) {}

long long InProcessLoginThrottle::blocked_for(Table& table, const std::string& key, int limit,
                                              std::chrono::seconds window, core::Timestamp now) {
  if (limit <= 0) return 0;
  const auto it = table.find(key);
  if (it == table.end()) return 0;
  Events& events = it->second;
  while (!events.empty() && events.front() + window <= now) events.pop_front();
  if (events.empty()) {
    table.erase(it);
    return 0;
  }
  if (events.size() < static_cast<std::size_t>(limit)) return 0;
  // Allowed again once the oldest of the `limit` newest events leaves the window.
  const core::Timestamp ends = events.front() + window;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(ends - now).count();
  return std::max<long long>(1, (left + 999'999) / 1'000'000);
}

void InProcessLoginThrottle::add(Table& table, const std::string& key, int limit, std::chrono::seconds window,
                                 core::Timestamp now) {
  Events& events = table[key];
  while (!events.empty() && events.front() + window <= now) events.pop_front();
  events.push_back(now);
  while (events.size() > static_cast<std::size_t>(limit)) events.pop_front();
  if (table.size() > limits_.max_tracked_keys) prune(table, window, now);
}

void InProcessLoginThrottle::prune(Table& table, std::chrono::seconds window, core::Timestamp now) {
  std::erase_if(table, [&](const auto& entry) { return entry.second.empty() || entry.second.back() + window <= now; });
  while (table.size() > limits_.max_tracked_keys) {
    const auto oldest = std::min_element(table.begin(), table.end(), [](const auto& a, const auto& b) {
      return a.second.back() < b.second.back();
    });
    table.erase(oldest);
  }
}

Result<void> InProcessLoginThrottle::check_login(std::string_view email, std::string_view address) {
  const auto now = clock_.now();
  const std::lock_guard lock(mutex_);
  const long long by_email =
      blocked_for(email_failures_, std::string(email), limits_.login_max_failures, limits_.failure_window, now);
  const long long by_address = blocked_for(address_failures_, std::string(address), limits_.address_max_failures,
                                           limits_.failure_window, now);
  const long long wait = std::max(by_email, by_address);
  if (wait > 0) {
    login_refusals_.fetch_add(1, std::memory_order_relaxed);
    return Error::resource_exhausted(core::kTooManyAttempts, wait);
  }
  return {};
}

void InProcessLoginThrottle::record_login_failure(std::string_view email, std::string_view address) {
  const auto now = clock_.now();
  const std::lock_guard lock(mutex_);
  if (limits_.login_max_failures > 0) {
    add(email_failures_, std::string(email), limits_.login_max_failures, limits_.failure_window, now);
  }
  if (limits_.address_max_failures > 0) {
    add(address_failures_, std::string(address), limits_.address_max_failures, limits_.failure_window, now);
  }
}

void InProcessLoginThrottle::record_login_success(std::string_view email, std::string_view /*address*/) {
  const std::lock_guard lock(mutex_);
  email_failures_.erase(std::string(email));
}

Result<void> InProcessLoginThrottle::check_signup(std::string_view address) {
  if (limits_.signup_per_address <= 0) return {};
  const auto now = clock_.now();
  const std::lock_guard lock(mutex_);
  const std::string key(address);
  const long long wait = blocked_for(signups_, key, limits_.signup_per_address, limits_.signup_window, now);
  if (wait > 0) {
    signup_refusals_.fetch_add(1, std::memory_order_relaxed);
    return Error::resource_exhausted(core::kTooManyAttempts, wait);
  }
  add(signups_, key, limits_.signup_per_address, limits_.signup_window, now);
  return {};
}

}  // namespace todo::memory
