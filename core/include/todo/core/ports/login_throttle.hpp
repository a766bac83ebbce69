#pragma once
// Brute-force protection for login and signup, keyed by normalised email and
// by client address. Over a limit, `check_*` returns ResourceExhausted with
// retry_after_s set; the answer never reveals whether an email exists.

#include <string_view>

#include "todo/core/result.hpp"

namespace todo::core {

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
