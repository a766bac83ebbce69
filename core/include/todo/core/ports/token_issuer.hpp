#pragma once
// Mints signed access tokens.

#include <string>

#include "todo/core/ports/token_claims.hpp"
#include "todo/core/result.hpp"

namespace todo::core {

class TokenIssuer {
 public:
  virtual ~TokenIssuer() = default;
  virtual Result<std::string> issue(const TokenClaims& claims) = 0;
};

}  // namespace todo::core
