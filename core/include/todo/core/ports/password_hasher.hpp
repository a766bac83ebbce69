#pragma once
// One-way password hashing (bcrypt in production). Slow on purpose: callers
// keep it off I/O threads.

#include <string>
#include <string_view>

#include "todo/core/result.hpp"

namespace todo::core {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;

  // `password` is already validated (8..72 bytes).
  virtual Result<std::string> hash(std::string_view password) = 0;
  // true on match, false on mismatch; an error (never a match) when the
  // stored hash is malformed.
  virtual Result<bool> verify(std::string_view password, std::string_view hash) = 0;
};

}  // namespace todo::core
