// The test fakes must behave like the real adapters where the core relies on
// it: a hasher that never matches a malformed hash, a verifier that refuses
// tampered, malformed and expired tokens.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "core/core_test_support.hpp"
#include "support/fake_hasher.hpp"
#include "support/fake_tokens.hpp"
#include "todo/memory/manual_clock.hpp"

using namespace todo::core;
using todo::memory::ManualClock;
using todo::test::code_of;
using todo::test::FakeHasher;
using todo::test::FakeTokens;

TEST_CASE("fake hasher verifies the right password only and counts calls", "[fakes]") {
  FakeHasher h;
  const auto hash = h.hash("password1");
  REQUIRE(hash.has_value());
  CHECK(*hash != "password1");
  CHECK(h.hash_calls() == 1);
  CHECK(h.verify("password1", *hash).value_or(false));
  CHECK_FALSE(h.verify("password2", *hash).value_or(true));
  CHECK_FALSE(h.verify("password", *hash).value_or(true));
  CHECK(h.verify_calls() == 3);
  CHECK(*h.hash("abc") != *h.hash("cba"));
}

TEST_CASE("fake hasher reports an error for a hash it did not make", "[fakes]") {
  FakeHasher h;
  CHECK(code_of(h.verify("password1", "$2b$12$notours")) == "Internal");
  CHECK(code_of(h.verify("", "")) == "Internal");
  CHECK(h.verify_calls() == 2);
}

TEST_CASE("fake tokens round-trip every claim, emails with dots included", "[fakes]") {
  ManualClock clock;
  FakeTokens tokens(clock);
  const long long now = to_unix_seconds(clock.now());
  const TokenClaims claims{UserId(42), "first.last@mail.example.com", 3, now, now + 60};
  const auto token = tokens.issue(claims);
  REQUIRE(token.has_value());
  CHECK(tokens.issued() == 1);
  const auto back = tokens.verify(*token);
  REQUIRE(back.has_value());
  CHECK(back->user_id == UserId(42));
  CHECK(back->email == "first.last@mail.example.com");
  CHECK(back->token_version == 3);
  CHECK(back->issued_at == now);
  CHECK(back->expires_at == now + 60);

  const auto no_iat = tokens.verify(FakeTokens::encode(TokenClaims{UserId(1), "a@b.co", 0, std::nullopt, now + 60}));
  REQUIRE(no_iat.has_value());
  CHECK_FALSE(no_iat->issued_at.has_value());
}

TEST_CASE("fake tokens refuse tampered and malformed tokens", "[fakes]") {
  ManualClock clock;
  FakeTokens tokens(clock);
  const long long now = to_unix_seconds(clock.now());
  const std::string good = FakeTokens::encode(TokenClaims{UserId(42), "a@b.co", 0, now, now + 60});
  std::string other_user = good;
  other_user.replace(4, 2, "43");
  for (const std::string& bad : {std::string(), std::string("tok."), std::string("garbage"), other_user,
                                 good + "0", good.substr(0, good.size() - 1), "x" + good}) {
    INFO(bad);
    CHECK(code_of(tokens.verify(bad)) == "Unauthenticated");
  }
}

TEST_CASE("fake tokens expire at exp by the injected clock", "[fakes]") {
  ManualClock clock;
  FakeTokens tokens(clock);
  const long long now = to_unix_seconds(clock.now());
  const std::string token = FakeTokens::encode(TokenClaims{UserId(1), "a@b.co", 0, now, now + 10});
  clock.advance(std::chrono::seconds(9));
  CHECK(tokens.verify(token).has_value());
  clock.advance(std::chrono::seconds(1));
  CHECK(code_of(tokens.verify(token)) == "Unauthenticated");
}
