#pragma once
// What an access token says about its bearer.

#include <cstdint>
#include <optional>
#include <string>

#include "todo/core/user.hpp"

namespace todo::core {

struct TokenClaims {
  UserId user_id;
  std::string email;
  std::int64_t token_version = 0;        // absent in the token = 0
  std::optional<std::int64_t> issued_at;  // Unix seconds; absent in old tokens
  std::int64_t expires_at = 0;           // Unix seconds; required
};

}  // namespace todo::core
