#include "support/fake_hasher.hpp"

#include <string>

namespace todo::test {

core::Result<std::string> FakeHasher::hash(std::string_view password) {
  hash_calls_.fetch_add(1);
  std::string out(kPrefix);
  out.append(password.rbegin(), password.rend());
  return out;
}

core::Result<bool> FakeHasher::verify(std::string_view password, std::string_view hash) {
  verify_calls_.fetch_add(1);
  {
    const std::lock_guard lock(last_mutex_);
    last_verified_.assign(hash);
  }
  if (hash.substr(0, kPrefix.size()) != kPrefix) {
    return core::Error::internal("malformed password hash");
  }
  const std::string_view reversed = hash.substr(kPrefix.size());
  return std::string(password.rbegin(), password.rend()) == reversed;
}

std::string FakeHasher::last_verified_hash() const {
  const std::lock_guard lock(last_mutex_);
  return last_verified_;
}

}  // namespace todo::test
