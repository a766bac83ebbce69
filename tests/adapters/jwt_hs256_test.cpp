// JwtHs256: issuing, verifying, key rotation, leeway, and compatibility with
// python-jose in both directions.
//
// python-jose -> us: fixtures/crypto_fixtures.hpp holds tokens made with
// Debian 12's python3-jose 3.3.0 by fixtures/make_crypto_fixtures.py, e.g.
//   jwt.encode({"sub": "42", "email": "ada@example.com", "exp": 4102444800},
//              "fixture-secret-0123456789abcdefghijklmnop", algorithm="HS256")
//
// us -> python-jose: kOurTokens were issued by JwtHs256 with a ManualClock at
// 1764000000 and kSecret (the test below re-issues them byte for byte), then
// checked by the same script:
//   >>> jwt.decode(token, "fixture-secret-0123456789abcdefghijklmnop", algorithms=["HS256"])
//   {'sub': '42', 'email': 'ada@example.com', 'iat': 1764000000, 'exp': 4102444800, 'ver': 3}
//   {'sub': '7', 'email': 'ünï@exämple.com', 'iat': 1764000000, 'exp': 4102444800, 'ver': 0}
// (exp is 2100-01-01, so python-jose's own wall-clock check passes.)

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/crypto_fixtures.hpp"
#include "jwt_forge.hpp"
#include "todo/crypto/base64url.hpp"
#include "todo/crypto/hmac_sha256.hpp"
#include "todo/crypto/jwt_hs256.hpp"
#include "todo/memory/manual_clock.hpp"

using todo::core::ErrorCode;
using todo::core::from_unix_seconds;
using todo::core::TokenClaims;
using todo::crypto::JwtHs256;
using todo::crypto::TokenRejection;
using todo::memory::ManualClock;
namespace fx = todo::test::crypto_fixtures;

namespace {

const std::string kSecret(fx::kSecret);
const std::string kPrevious(fx::kPreviousSecret);

std::string secret_of(std::size_t n) { return std::string(n, 's'); }

TokenClaims claims_for(std::int64_t id, std::string email, std::int64_t exp, std::int64_t version = 0) {
  TokenClaims c;
  c.user_id = todo::core::UserId(id);
  c.email = std::move(email);
  c.expires_at = exp;
  c.token_version = version;
  return c;
}

TokenRejection rejection_of(const JwtHs256& jwt, std::string_view token) {
  auto outcome = jwt.inspect(token);
  REQUIRE(std::holds_alternative<TokenRejection>(outcome));
  return std::get<TokenRejection>(outcome);
}

TokenClaims accepted(const JwtHs256& jwt, std::string_view token) {
  auto result = jwt.verify(token);
  INFO("token: " << token);
  REQUIRE(result.has_value());
  return *result;
}

}  // namespace

TEST_CASE("JwtHs256 refuses a secret shorter than 32 bytes", "[crypto][jwt]") {
  ManualClock clock;
  CHECK_THROWS_AS(JwtHs256(clock, secret_of(31)), std::invalid_argument);
  CHECK_THROWS_AS(JwtHs256(clock, ""), std::invalid_argument);
  CHECK_THROWS_WITH(JwtHs256(clock, secret_of(10)), Catch::Contains("at least 32 bytes"));
  CHECK_NOTHROW(JwtHs256(clock, secret_of(32)));
}

TEST_CASE("JwtHs256 refuses a previous secret shorter than 32 bytes", "[crypto][jwt]") {
  ManualClock clock;
  CHECK_THROWS_AS(JwtHs256(clock, kSecret, {kPrevious, secret_of(31)}), std::invalid_argument);
  CHECK_THROWS_AS(JwtHs256(clock, kSecret, {""}), std::invalid_argument);
  CHECK_NOTHROW(JwtHs256(clock, kSecret, {kPrevious, secret_of(32)}));
}

TEST_CASE("JwtHs256 refuses a leeway outside 0..60 seconds", "[crypto][jwt]") {
  ManualClock clock;
  CHECK_THROWS_AS(JwtHs256(clock, kSecret, {}, std::chrono::seconds(-1)), std::invalid_argument);
  CHECK_THROWS_AS(JwtHs256(clock, kSecret, {}, std::chrono::seconds(61)), std::invalid_argument);
  CHECK_NOTHROW(JwtHs256(clock, kSecret, {}, std::chrono::seconds(0)));
  CHECK_NOTHROW(JwtHs256(clock, kSecret, {}, std::chrono::seconds(60)));
}

TEST_CASE("JwtHs256 reproduces byte for byte the tokens python-jose accepted", "[crypto][jwt][python-jose]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  const auto ada = jwt.issue(claims_for(42, "ada@example.com", fx::kFarFuture, 3));
  REQUIRE(ada.has_value());
  CHECK(*ada == fx::kOurTokens[0]);
  auto unicode = claims_for(7, "\xc3\xbcn\xc3\xaf@ex\xc3\xa4mple.com", fx::kFarFuture, 0);
  unicode.issued_at = fx::kIssuedAt;
  const auto u = jwt.issue(unicode);
  REQUIRE(u.has_value());
  CHECK(*u == fx::kOurTokens[1]);
}

TEST_CASE("JwtHs256 issues the header {\"alg\":\"HS256\",\"typ\":\"JWT\"} and our claims", "[crypto][jwt]") {
  ManualClock clock(from_unix_seconds(1'800'000'000));
  JwtHs256 jwt(clock, kSecret);
  const auto token = jwt.issue(claims_for(12345, "bob@example.com", 1'800'604'800, 9));
  REQUIRE(token.has_value());
  const auto dot1 = token->find('.');
  const auto dot2 = token->find('.', dot1 + 1);
  CHECK(todo::crypto::base64url_decode(token->substr(0, dot1)) == std::string(R"({"alg":"HS256","typ":"JWT"})"));
  CHECK(todo::crypto::base64url_decode(token->substr(dot1 + 1, dot2 - dot1 - 1)) ==
        std::string(R"({"sub":"12345","email":"bob@example.com","iat":1800000000,"exp":1800604800,"ver":9})"));
  CHECK(token->substr(dot2 + 1) == todo::test::sign_segments(token->substr(0, dot2), kSecret));
}

TEST_CASE("JwtHs256 round-trips its claims", "[crypto][jwt]") {
  ManualClock clock(from_unix_seconds(1'800'000'000));
  JwtHs256 jwt(clock, kSecret);
  auto in = claims_for(9'007'199'254'740'993, "quote\"back\\slash\x01@example.com", 1'800'604'800, 77);
  in.issued_at = 1'799'999'000;
  const auto token = jwt.issue(in);
  REQUIRE(token.has_value());
  const auto out = accepted(jwt, *token);
  CHECK(out.user_id == in.user_id);
  CHECK(out.email == in.email);
  CHECK(out.token_version == 77);
  CHECK(out.issued_at == std::optional<std::int64_t>(1'799'999'000));
  CHECK(out.expires_at == 1'800'604'800);
}

TEST_CASE("JwtHs256 stamps iat from its clock when the claims carry none", "[crypto][jwt]") {
  ManualClock clock(from_unix_seconds(1'800'000'123) + std::chrono::microseconds(999'999));
  JwtHs256 jwt(clock, kSecret);
  const auto token = jwt.issue(claims_for(1, "a@example.com", 1'800'604'800));
  REQUIRE(token.has_value());
  CHECK(accepted(jwt, *token).issued_at == std::optional<std::int64_t>(1'800'000'123));
}

TEST_CASE("JwtHs256 will not issue a token for a non-positive user id", "[crypto][jwt]") {
  ManualClock clock;
  JwtHs256 jwt(clock, kSecret);
  const auto zero = jwt.issue(claims_for(0, "a@example.com", 1'800'604'800));
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == ErrorCode::Internal);
  CHECK_FALSE(jwt.issue(claims_for(-1, "a@example.com", 1'800'604'800)).has_value());
}

TEST_CASE("JwtHs256 accepts python-jose tokens like the replaced backend's, without iat or ver",
          "[crypto][jwt][python-jose]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  const auto c = accepted(jwt, fx::kJoseLegacy);
  CHECK(c.user_id.value() == 42);
  CHECK(c.email == "ada@example.com");
  CHECK(c.token_version == 0);
  CHECK_FALSE(c.issued_at.has_value());
  CHECK(c.expires_at == fx::kFarFuture);
}

TEST_CASE("JwtHs256 accepts python-jose tokens with every claim", "[crypto][jwt][python-jose]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  const auto c = accepted(jwt, fx::kJoseFull);
  CHECK(c.user_id.value() == 42);
  CHECK(c.token_version == 5);
  CHECK(c.issued_at == std::optional<std::int64_t>(fx::kIssuedAt));
}

TEST_CASE("JwtHs256 ignores unknown claims and header fields such as kid", "[crypto][jwt][python-jose]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  const auto c = accepted(jwt, fx::kJoseExtraClaims);
  CHECK(c.user_id.value() == 9);
  CHECK(c.email.empty());
}

TEST_CASE("JwtHs256 reads a NumericDate with a fraction", "[crypto][jwt][python-jose]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  CHECK(accepted(jwt, fx::kJoseFloatExp).expires_at == fx::kFarFuture);
}

TEST_CASE("JwtHs256 refuses python-jose tokens that are expired, HS512 or foreign", "[crypto][jwt][python-jose]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  CHECK(rejection_of(jwt, fx::kJoseExpired) == TokenRejection::Expired);
  CHECK(rejection_of(jwt, fx::kJoseHs512) == TokenRejection::Malformed);  // 64-byte signature
  CHECK(rejection_of(jwt, fx::kJoseOtherSecret) == TokenRejection::BadSignature);
  CHECK(rejection_of(jwt, fx::kJosePrevious) == TokenRejection::BadSignature);
}

TEST_CASE("JwtHs256 verifies with previous secrets but signs with the current one", "[crypto][jwt]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 rotated(clock, kSecret, {secret_of(40), kPrevious});
  CHECK(accepted(rotated, fx::kJosePrevious).user_id.value() == 43);
  CHECK(accepted(rotated, fx::kJoseFull).user_id.value() == 42);

  const auto fresh = rotated.issue(claims_for(5, "e@example.com", fx::kFarFuture));
  REQUIRE(fresh.has_value());
  JwtHs256 current_only(clock, kSecret);
  JwtHs256 previous_only(clock, kPrevious);
  CHECK(accepted(current_only, *fresh).user_id.value() == 5);
  CHECK(rejection_of(previous_only, *fresh) == TokenRejection::BadSignature);
}

TEST_CASE("JwtHs256 reports every refusal as the same Unauthenticated error", "[crypto][jwt]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret);
  for (const std::string_view token : {fx::kJoseExpired, fx::kJoseOtherSecret, fx::kJoseHs512,
                                       std::string_view("garbage"), std::string_view("")}) {
    const auto result = jwt.verify(token);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::Unauthenticated);
    CHECK(result.error().message == "Could not validate credentials");
    CHECK(result.error().fields.empty());
  }
}

TEST_CASE("JwtHs256 expiry: valid until exp, stretched by the leeway", "[crypto][jwt]") {
  const std::int64_t exp = 1'800'000'000;
  ManualClock clock(from_unix_seconds(exp - 1));
  JwtHs256 strict(clock, kSecret, {}, std::chrono::seconds(0));
  JwtHs256 lenient(clock, kSecret, {}, std::chrono::seconds(30));
  const auto token = strict.issue(claims_for(1, "a@example.com", exp));
  REQUIRE(token.has_value());

  CHECK(strict.verify(*token).has_value());
  clock.set(from_unix_seconds(exp - 1) + std::chrono::microseconds(999'999));
  CHECK(strict.verify(*token).has_value());
  clock.set(from_unix_seconds(exp));
  CHECK(rejection_of(strict, *token) == TokenRejection::Expired);
  CHECK(lenient.verify(*token).has_value());
  clock.set(from_unix_seconds(exp + 29));
  CHECK(lenient.verify(*token).has_value());
  clock.set(from_unix_seconds(exp + 30));
  CHECK(rejection_of(lenient, *token) == TokenRejection::Expired);
}

TEST_CASE("JwtHs256 honours nbf within the leeway", "[crypto][jwt]") {
  const std::int64_t now = 1'800'000'000;
  ManualClock clock(from_unix_seconds(now));
  JwtHs256 jwt(clock, kSecret, {}, std::chrono::seconds(30));
  const auto at = [&](std::int64_t nbf) {
    return todo::test::forge_token(R"({"alg":"HS256","typ":"JWT"})",
                                   R"({"sub":"1","exp":1900000000,"nbf":)" + std::to_string(nbf) + "}", kSecret);
  };
  CHECK(jwt.verify(at(now - 100)).has_value());
  CHECK(jwt.verify(at(now + 30)).has_value());
  CHECK(rejection_of(jwt, at(now + 31)) == TokenRejection::NotYetValid);
}

TEST_CASE("JwtHs256 checks the RFC 7515 appendix A.1 HS256 example's signature", "[crypto][jwt]") {
  // RFC 7515 A.1: the JWK's "k", the compact serialisation and its signature.
  const auto key = todo::crypto::base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  REQUIRE(key.has_value());
  const std::string signing_input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const std::string signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  CHECK(todo::test::sign_segments(signing_input, *key) == signature);

  // Our verifier accepts its signature and its header (with CR LF and spaces
  // inside the JSON), then refuses it only because it carries no `sub`.
  ManualClock clock(from_unix_seconds(1'300'819'000));
  JwtHs256 jwt(clock, *key);
  CHECK(rejection_of(jwt, signing_input + "." + signature) == TokenRejection::BadClaims);
  CHECK(rejection_of(jwt, signing_input + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXg") ==
        TokenRejection::BadSignature);
}

TEST_CASE("JwtHs256 verifies from many threads at once", "[crypto][jwt]") {
  ManualClock clock(from_unix_seconds(fx::kIssuedAt));
  JwtHs256 jwt(clock, kSecret, {kPrevious});
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const auto a = jwt.verify(fx::kJoseFull);
        const auto b = jwt.verify(fx::kJosePrevious);
        const auto c = jwt.verify(fx::kJoseOtherSecret);
        if (!a || a->user_id.value() != 42 || !b || b->user_id.value() != 43 || c) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int f : failures) CHECK(f == 0);
}
