#pragma once
// A readable, unsigned token issuer/verifier for unit tests:
//   tok.<sub>.<email>.<ver>.<iat>.<exp>.<checksum>
// (<iat> empty when absent; <checksum> is FNV-1a over everything before it,
// in hex). The email may contain dots, so fields are read from both ends.
// It checks integrity and expiry like the JWT adapter does, without crypto.

#include <atomic>
#include <string>
#include <string_view>

#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/token_issuer.hpp"
#include "todo/core/ports/token_verifier.hpp"

namespace todo::test {

class FakeTokens final : public core::TokenIssuer, public core::TokenVerifier {
 public:
  explicit FakeTokens(const core::Clock& clock) : clock_(clock) {}

  core::Result<std::string> issue(const core::TokenClaims& claims) override;
  // Unauthenticated when malformed, tampered with (checksum) or expired
  // (now >= exp, no leeway: tests move a ManualClock precisely).
  core::Result<core::TokenClaims> verify(std::string_view token) const override;

  // The encoding issue() uses, so tests can forge tokens with any claims
  // (another user id, a stale token version, an expiry in the past).
  static std::string encode(const core::TokenClaims& claims);

  int issued() const noexcept { return issued_.load(); }

 private:
  const core::Clock& clock_;
  std::atomic<int> issued_{0};
};

}  // namespace todo::test
