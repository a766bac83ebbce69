#pragma once
// bcrypt password hashes through libxcrypt: writes `$2b$`, reads `$2a$`,
// `$2b$` and `$2y$` (passlib, Python's bcrypt, PHP, OpenBSD all agree on them).

#include <string>
#include <string_view>

#include "todo/core/ports/password_hasher.hpp"
#include "todo/core/result.hpp"

namespace todo::crypto {

class BcryptHasher final : public core::PasswordHasher {
 public:
  static constexpr int kDefaultCost = 12;
  static constexpr int kMinCost = 4;
  static constexpr int kMaxCost = 31;

  // Throws std::invalid_argument when `cost` is outside kMinCost..kMaxCost.
  explicit BcryptHasher(int cost = kDefaultCost);

  // `password` must be 1..72 bytes without NUL (the core validates it);
  // anything else is a programming error: it asserts, and in release builds
  // returns InvalidArgument rather than hashing a truncated password.
  core::Result<std::string> hash(std::string_view password) override;
  // A password bcrypt cannot represent (over 72 bytes, or with a NUL) never
  // matches. A malformed stored hash is Internal, never a match.
  core::Result<bool> verify(std::string_view password, std::string_view hash) override;
  // Current: `$2b$` at this hasher's cost. Cheaper: any bcrypt variant at a
  // lower cost. Outdated: `$2a$`/`$2y$` at this cost or higher, a higher
  // cost, or not bcrypt at all.
  core::HashStanding standing(std::string_view hash) const override;

  int cost() const noexcept { return cost_; }

 private:
  int cost_;
};

}  // namespace todo::crypto
