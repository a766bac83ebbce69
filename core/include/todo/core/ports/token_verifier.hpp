#pragma once
// Checks an access token's signature and lifetime and returns its claims.
// Every failure is Unauthenticated; the message never echoes the token.

#include <string_view>

#include "todo/core/ports/token_claims.hpp"
#include "todo/core/result.hpp"

namespace todo::core {

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  virtual Result<TokenClaims> verify(std::string_view token) const = 0;
};

}  // namespace todo::core
