#pragma once
// Access tokens as HS256 JWTs (RFC 7519/7515), hand-rolled on OpenSSL's HMAC
// so that every check is ours: exact `alg`, strict base64url, constant-time
// signature comparison, required `exp`, key rotation. See
// docs/decisions/0002-jwt-and-bcrypt.md.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/token_claims.hpp"
#include "todo/core/ports/token_issuer.hpp"
#include "todo/core/ports/token_verifier.hpp"
#include "todo/core/result.hpp"
#include "todo/crypto/hmac_sha256.hpp"

namespace todo::crypto {

// Why a token was refused. For tests and diagnostics only: callers of
// verify() see one generic Unauthenticated error, whatever the reason.
enum class TokenRejection {
  TooLong,       // over kMaxTokenBytes
  Malformed,     // not three non-empty canonical base64url segments
  BadSignature,  // no configured secret produced this signature
  BadHeader,     // not a JSON object, alg != "HS256", typ != "JWT", crit
  BadClaims,     // payload not a JSON object, sub/exp/... missing or ill-typed
  Expired,       // now >= exp + leeway
  NotYetValid,   // now + leeway < nbf
};

const char* to_string(TokenRejection r) noexcept;

class JwtHs256 final : public core::TokenIssuer, public core::TokenVerifier {
 public:
  static constexpr std::size_t kMinSecretBytes = 32;
  static constexpr std::size_t kMaxTokenBytes = 8192;
  static constexpr std::chrono::seconds kDefaultLeeway{30};
  static constexpr std::chrono::seconds kMaxLeeway{60};
  static constexpr const char* kRejectedMessage = "Could not validate credentials";

  // Signs with `secret`; verifies with it and with each previous secret (key
  // rotation). Throws std::invalid_argument when a secret is shorter than
  // kMinSecretBytes or `leeway` is outside 0..kMaxLeeway.
  JwtHs256(const core::Clock& clock, std::string_view secret,
           const std::vector<std::string>& previous_secrets = {},
           std::chrono::seconds leeway = kDefaultLeeway);

  // Header {"alg":"HS256","typ":"JWT"}; claims sub, email, iat, exp, ver.
  // iat defaults to the clock's now. Internal for a non-positive user id.
  core::Result<std::string> issue(const core::TokenClaims& claims) override;
  // Unauthenticated "Could not validate credentials" on any failure.
  core::Result<core::TokenClaims> verify(std::string_view token) const override;
  // verify() that says which check failed.
  std::variant<core::TokenClaims, TokenRejection> inspect(std::string_view token) const;

 private:
  const core::Clock& clock_;
  std::vector<HmacSha256> keys_;  // keys_[0] signs; all verify
  long long leeway_s_;
};

}  // namespace todo::crypto
