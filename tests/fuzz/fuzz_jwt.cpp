// libFuzzer target: arbitrary bytes as a bearer token for the HS256 verifier.
// The clock and secrets are fixed, so a seed token signed with kSecret (see
// corpus/fuzz_jwt) reaches the claim checks and the fuzzer mutates from there.
// Invariants: inspect() and verify() agree, a rejected token is always the
// generic Unauthenticated error, an accepted one has a positive subject, and
// re-issuing accepted claims verifies again.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "todo/core/error.hpp"
#include "todo/crypto/jwt_hs256.hpp"
#include "todo/memory/manual_clock.hpp"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdefghijklmnop";
constexpr std::string_view kPreviousSecret = "fuzz-previous-secret-0123456789abcdefgh";

struct World {
  todo::memory::ManualClock clock;  // 1764000000 (2025-11-24T16:00:00Z)
  todo::crypto::JwtHs256 jwt{clock, kSecret, {std::string(kPreviousSecret)}};
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  World& w = world();

  const auto inspected = w.jwt.inspect(token);
  const auto verified = w.jwt.verify(token);
  if (std::holds_alternative<todo::crypto::TokenRejection>(inspected)) {
    if (verified) std::abort();
    if (verified.error().code != todo::core::ErrorCode::Unauthenticated) std::abort();
    if (verified.error().message != todo::crypto::JwtHs256::kRejectedMessage) std::abort();
    return 0;
  }
  if (!verified) std::abort();
  const todo::core::TokenClaims& claims = verified.value();
  if (claims.user_id.value() <= 0) std::abort();
  if (std::get<todo::core::TokenClaims>(inspected).user_id != claims.user_id) std::abort();

  const auto reissued = w.jwt.issue(claims);
  if (!reissued) std::abort();
  const auto again = w.jwt.verify(reissued.value());
  if (!again) std::abort();
  const todo::core::TokenClaims& round = again.value();
  if (round.user_id != claims.user_id || round.email != claims.email ||
      round.token_version != claims.token_version || round.expires_at != claims.expires_at) {
    std::abort();
  }
  return 0;
}
