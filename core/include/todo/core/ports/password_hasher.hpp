#pragma once
// One-way password hashing (bcrypt in production). Slow on purpose: callers
// keep it off I/O threads.

#include <string>
#include <string_view>

#include "todo/core/result.hpp"

namespace todo::core {

// How a stored hash compares with what hash() makes now.
enum class HashStanding {
  Current,   // same scheme and cost: nothing to do
  Cheaper,   // same scheme, lower cost: faster to verify than a current one
  Outdated,  // another scheme or variant, or a higher cost
};

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;

  // `password` is already validated (8..72 bytes).
  virtual Result<std::string> hash(std::string_view password) = 0;
  // true on match, false on mismatch; an error (never a match) when the
  // stored hash is malformed.
  virtual Result<bool> verify(std::string_view password, std::string_view hash) = 0;
  // A successful login stores a new hash unless this is Current (passlib's
  // needs_update). Hashers with one fixed setting need not override it.
  virtual HashStanding standing(std::string_view hash) const {
    (void)hash;
    return HashStanding::Current;
  }
};

}  // namespace todo::core
