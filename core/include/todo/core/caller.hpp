#pragma once
// Who is asking: what a verified access token proves. Produced by
// AuthService::verify (signature and lifetime checked, no database read);
// whether the user still exists with this token version is part of every
// TaskRepository call's contract (Unauthenticated otherwise), so the check
// and the work can share one round trip.

#include <compare>
#include <cstdint>

#include "todo/core/user.hpp"

namespace todo::core {

// A user's session generation: bumped by logout-all and password change.
// A strong type so it cannot be passed where an id is expected.
class TokenVersion {
 public:
  constexpr TokenVersion() noexcept = default;
  constexpr explicit TokenVersion(std::int64_t value) noexcept : value_(value) {}
  constexpr std::int64_t value() const noexcept { return value_; }
  constexpr auto operator<=>(const TokenVersion&) const noexcept = default;

 private:
  std::int64_t value_ = 0;
};

class Caller {
 public:
  constexpr Caller(UserId user_id, TokenVersion token_version) noexcept
      : user_id_(user_id), token_version_(token_version) {}
  constexpr UserId user_id() const noexcept { return user_id_; }
  constexpr TokenVersion token_version() const noexcept { return token_version_; }
  constexpr bool operator==(const Caller&) const noexcept = default;

 private:
  UserId user_id_;
  TokenVersion token_version_;
};

// The caller a user's current session proves (tests, library users that
// authenticate by other means).
inline Caller caller_of(const User& user) noexcept { return {user.id, TokenVersion(user.token_version)}; }

}  // namespace todo::core
