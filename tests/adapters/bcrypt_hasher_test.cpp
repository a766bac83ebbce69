// BcryptHasher: passlib / Python bcrypt compatibility in both directions,
// the 72-byte rule, and malformed stored hashes.
//
// Fixtures (fixtures/crypto_fixtures.hpp) were made with Debian 12's
// python3-passlib 1.7.4 and python3-bcrypt 3.2.2 by
//   /usr/bin/python3 tests/adapters/fixtures/make_crypto_fixtures.py
//       > tests/adapters/fixtures/crypto_fixtures.hpp   (one command line)
// e.g. passlib.hash.bcrypt.using(rounds=4, ident="2y").hash(password) and
// bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4, prefix=b"2a")).
// The other direction: kOurBcryptHashes were made by BcryptHasher(4) and the
// same script checked them with passlib.hash.bcrypt.verify and
// bcrypt.checkpw (its verdict is recorded next to each hash).

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/crypto_fixtures.hpp"
#include "todo/crypto/bcrypt_hasher.hpp"

using todo::core::ErrorCode;
using todo::crypto::BcryptHasher;
namespace fx = todo::test::crypto_fixtures;

TEST_CASE("BcryptHasher refuses a cost outside 4..31", "[crypto][bcrypt]") {
  CHECK_THROWS_AS(BcryptHasher(3), std::invalid_argument);
  CHECK_THROWS_AS(BcryptHasher(32), std::invalid_argument);
  CHECK_THROWS_AS(BcryptHasher(0), std::invalid_argument);
  CHECK_THROWS_AS(BcryptHasher(-12), std::invalid_argument);
  CHECK_THROWS_WITH(BcryptHasher(2), Catch::Contains("between 4 and 31"));
  CHECK_NOTHROW(BcryptHasher(4));
  CHECK_NOTHROW(BcryptHasher(31));
  CHECK(BcryptHasher().cost() == 12);
}

TEST_CASE("BcryptHasher writes $2b$ hashes at its cost that verify", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  const auto hash = hasher.hash("correct horse battery staple");
  REQUIRE(hash.has_value());
  CHECK(hash->size() == 60);
  CHECK(hash->rfind("$2b$04$", 0) == 0);
  const auto ok = hasher.verify("correct horse battery staple", *hash);
  REQUIRE(ok.has_value());
  CHECK(*ok);
  const auto wrong = hasher.verify("correct horse battery stapler", *hash);
  REQUIRE(wrong.has_value());
  CHECK_FALSE(*wrong);
}

TEST_CASE("BcryptHasher's standing: $2b$ at its cost is current, lower costs cheaper, the rest outdated",
          "[crypto][bcrypt]") {
  using todo::core::HashStanding;
  BcryptHasher hasher(5);
  const auto own = hasher.hash("correct horse battery staple");
  REQUIRE(own.has_value());
  CHECK(hasher.standing(*own) == HashStanding::Current);
  const auto cheap = BcryptHasher(4).hash("correct horse battery staple");
  REQUIRE(cheap.has_value());
  CHECK(hasher.standing(*cheap) == HashStanding::Cheaper);
  CHECK(BcryptHasher(4).standing(*own) == HashStanding::Outdated);  // a higher cost
  std::string as_2a = *own;
  as_2a[2] = 'a';
  CHECK(hasher.standing(as_2a) == HashStanding::Outdated);
  std::string cheap_2y = *cheap;
  cheap_2y[2] = 'y';
  CHECK(hasher.standing(cheap_2y) == HashStanding::Cheaper);
  CHECK(hasher.standing("not a hash") == HashStanding::Outdated);
  for (const auto& f : fx::kBcryptHashes) CHECK((BcryptHasher(12).standing(f.hash) != HashStanding::Current || f.hash[2] == 'b'));
}

TEST_CASE("BcryptHasher hashes at cost 12 by default", "[crypto][bcrypt]") {
  BcryptHasher hasher;
  const auto hash = hasher.hash("correct horse battery staple");
  REQUIRE(hash.has_value());
  CHECK(hash->rfind("$2b$12$", 0) == 0);
}

TEST_CASE("BcryptHasher salts every hash", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  const auto a = hasher.hash("same password");
  const auto b = hasher.hash("same password");
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(*a != *b);
  CHECK(a->substr(7, 22) != b->substr(7, 22));
}

TEST_CASE("BcryptHasher verifies passlib and python-bcrypt hashes ($2a$, $2b$, $2y$)", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  for (const auto& f : fx::kBcryptHashes) {
    INFO(f.origin);
    const auto ok = hasher.verify(f.password, f.hash);
    REQUIRE(ok.has_value());
    CHECK(*ok);
    const auto longer = hasher.verify(std::string(f.password) + "x", f.hash);
    REQUIRE(longer.has_value());
    CHECK_FALSE(*longer);
    std::string changed(f.password);
    changed[0] = static_cast<char>(changed[0] ^ 0x20);
    const auto other = hasher.verify(changed, f.hash);
    REQUIRE(other.has_value());
    CHECK_FALSE(*other);
  }
}

TEST_CASE("BcryptHasher's own hashes are the ones passlib and python-bcrypt accepted", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  for (const auto& f : fx::kOurBcryptHashes) {
    CHECK(f.hash.rfind("$2b$04$", 0) == 0);
    const auto ok = hasher.verify(f.password, f.hash);
    REQUIRE(ok.has_value());
    CHECK(*ok);
    const auto wrong = hasher.verify(std::string(f.password) + "x", f.hash);
    REQUIRE(wrong.has_value());
    CHECK_FALSE(*wrong);
  }
}

TEST_CASE("BcryptHasher never matches a password longer than 72 bytes", "[crypto][bcrypt]") {
  // passlib hashed these 72 bytes; bcrypt itself ignores anything after them,
  // so without the length rule the 73-byte password would match.
  const auto& f = fx::kBcryptHashes[4];
  REQUIRE(f.password.size() == 72);
  BcryptHasher hasher(4);
  const auto exact = hasher.verify(f.password, f.hash);
  REQUIRE(exact.has_value());
  CHECK(*exact);
  const auto longer = hasher.verify(std::string(f.password) + "y", f.hash);
  REQUIRE(longer.has_value());
  CHECK_FALSE(*longer);
}

TEST_CASE("BcryptHasher never matches a password with a NUL byte", "[crypto][bcrypt]") {
  // crypt_r reads a C string: "password\0anything" would hash as "password".
  BcryptHasher hasher(4);
  const auto hash = hasher.hash("correct horse battery staple");
  REQUIRE(hash.has_value());
  const auto with_nul = hasher.verify(std::string("correct horse battery staple\0tail", 33), *hash);
  REQUIRE(with_nul.has_value());
  CHECK_FALSE(*with_nul);
}

#ifdef NDEBUG
// In debug builds hash() asserts instead: the core must never pass these.
TEST_CASE("BcryptHasher refuses to hash what bcrypt would truncate", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  const auto too_long = hasher.hash(std::string(73, 'a'));
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().code == ErrorCode::InvalidArgument);
  const auto with_nul = hasher.hash(std::string("password\0tail", 13));
  REQUIRE_FALSE(with_nul.has_value());
  CHECK(with_nul.error().code == ErrorCode::InvalidArgument);
}
#endif

TEST_CASE("BcryptHasher treats a malformed stored hash as an error, never a match", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  const std::string good = "$2b$04$679yWYYiAIuBQDonlSlCne80tGLUTZLRhkJX1isjUf61ZNigytg4.";
  const std::string password = "correct horse battery staple";
  REQUIRE(hasher.verify(password, good).value());

  const std::vector<std::string> malformed = {
      "",
      "not a hash",
      "*0",
      "$2b$04$",
      good.substr(0, 59),                          // truncated
      good + ".",                                  // one character too many
      "$2x$" + good.substr(4),                     // crypt_blowfish's buggy variant
      "$2c$" + good.substr(4),                     // unknown minor version
      "$2$04$" + good.substr(7),                   // original, unsupported
      "$2b$03" + good.substr(6),                   // cost below 4
      "$2b$32" + good.substr(6),                   // cost above 31
      "$2b$4a" + good.substr(6),                   // cost not decimal
      "$2b$04!" + good.substr(7),                  // separator
      good.substr(0, 20) + "+" + good.substr(21),  // not bcrypt's base64
      good.substr(0, 20) + "=" + good.substr(21),
      good.substr(0, 40) + std::string(1, '\0') + good.substr(41),
      "$1$abcdefgh$ijklmnopqrstuvwxyz0123",        // md5crypt
      "$6$rounds=5000$saltsalt$" + std::string(36, 'a'),
      // Right shape, but the last salt / digest character sets bits that
      // carry no data ('e' -> 'f', '.' -> '/'): not a hash crypt could produce.
      "$2b$04$679yWYYiAIuBQDonlSlCnf80tGLUTZLRhkJX1isjUf61ZNigytg4.",
      "$2b$04$679yWYYiAIuBQDonlSlCne80tGLUTZLRhkJX1isjUf61ZNigytg4/",
  };
  for (const auto& hash : malformed) {
    INFO("hash: " << hash);
    const auto result = hasher.verify(password, hash);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::Internal);
    CHECK(result.error().message == "stored password hash is malformed");
  }
}

TEST_CASE("BcryptHasher is re-entrant across threads", "[crypto][bcrypt]") {
  BcryptHasher hasher(4);
  const auto hash_a = hasher.hash("password-aaaa");
  const auto hash_b = hasher.hash("password-bbbb");
  REQUIRE(hash_a.has_value());
  REQUIRE(hash_b.has_value());
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      const bool use_a = t % 2 == 0;
      for (int i = 0; i < 20; ++i) {
        const auto mine = hasher.verify(use_a ? "password-aaaa" : "password-bbbb", use_a ? *hash_a : *hash_b);
        const auto theirs = hasher.verify(use_a ? "password-aaaa" : "password-bbbb", use_a ? *hash_b : *hash_a);
        if (!mine || !*mine || !theirs || *theirs) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int f : failures) CHECK(f == 0);
}
