#pragma once
// Brute-force protection for login and signup, keyed by normalised email and
// by client address. Over a limit, `check_*` returns ResourceExhausted with
// retry_after_s set; the answer never reveals whether an email exists.

#include <chrono>
#include <cstddef>
#include <string_view>

#include "todo/core/result.hpp"

namespace todo::core {

// The limits every LoginThrottle applies (sliding windows). A limit of 0
// disables that check.
struct ThrottleLimits {
  int login_max_failures = 10;     // per email per window
  int address_max_failures = 100;  // per address per window
  int signup_per_address = 100;    // per address per hour
  std::chrono::seconds failure_window{15 * 60};
  std::chrono::seconds signup_window{60 * 60};
  std::size_t max_tracked_keys = 100'000;  // in-process memory bound; oldest windows dropped first
};

inline constexpr const char* kTooManyAttempts = "Too many attempts. Try again later.";

class LoginThrottle {
 public:
  virtual ~LoginThrottle() = default;

  virtual Result<void> check_login(std::string_view email, std::string_view address) = 0;
  virtual void record_login_failure(std::string_view email, std::string_view address) = 0;
  // A success resets the email's failure count.
  virtual void record_login_success(std::string_view email, std::string_view address) = 0;
  // Counts one signup attempt from `address`; ResourceExhausted when over.
  virtual Result<void> check_signup(std::string_view address) = 0;
};

}  // namespace todo::core
