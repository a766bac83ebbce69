#pragma once
// A fast, deterministic PasswordHasher for unit tests: bcrypt at cost 12
// would make the core suite take minutes. Not a hash in any security sense.

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

#include "todo/core/ports/password_hasher.hpp"

namespace todo::test {

class FakeHasher final : public core::PasswordHasher {
 public:
  static constexpr std::string_view kPrefix = "fake$";
  // Hashes "made at another setting": standing() says Cheaper / Outdated,
  // verify() reads them like kPrefix ones.
  static constexpr std::string_view kCheapPrefix = "cheap$";
  static constexpr std::string_view kOldPrefix = "old$";
  static std::string hash_as(std::string_view prefix, std::string_view password);

  // "fake$" + the password reversed, so a test can tell a hash from its
  // plain text and two passwords never share a hash.
  core::Result<std::string> hash(std::string_view password) override;
  // Error (Internal) when `hash` does not start with "fake$", like bcrypt
  // refusing a malformed hash.
  core::Result<bool> verify(std::string_view password, std::string_view hash) override;
  core::HashStanding standing(std::string_view hash) const override;

  // Counters let tests check that login verifies a hash even for an
  // unknown email (equal timing) and never when throttled.
  int hash_calls() const noexcept { return hash_calls_.load(); }
  int verify_calls() const noexcept { return verify_calls_.load(); }
  // The hash the last verify() compared against.
  std::string last_verified_hash() const;

 private:
  std::atomic<int> hash_calls_{0};
  std::atomic<int> verify_calls_{0};
  mutable std::mutex last_mutex_;
  std::string last_verified_;
};

}  // namespace todo::test
