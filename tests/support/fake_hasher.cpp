#include "support/fake_hasher.hpp"

#include <string>

namespace todo::test {

core::Result<std::string> FakeHasher::hash(std::string_view password) {
  hash_calls_.fetch_add(1);
  std::string out(kPrefix);
  out.append(password.rbegin(), password.rend());
  return out;
}

std::string FakeHasher::hash_as(std::string_view prefix, std::string_view password) {
  std::string out(prefix);
  out.append(password.rbegin(), password.rend());
  return out;
}

core::Result<bool> FakeHasher::verify(std::string_view password, std::string_view hash) {
  verify_calls_.fetch_add(1);
  {
    const std::lock_guard lock(last_mutex_);
    last_verified_.assign(hash);
  }
  for (const std::string_view prefix : {kPrefix, kCheapPrefix, kOldPrefix}) {
    if (hash.substr(0, prefix.size()) == prefix) {
      return std::string(password.rbegin(), password.rend()) == hash.substr(prefix.size());
    }
  }
  return core::Error::internal("malformed password hash");
}

core::HashStanding FakeHasher::standing(std::string_view hash) const {
  if (hash.substr(0, kCheapPrefix.size()) == kCheapPrefix) return core::HashStanding::Cheaper;
  if (hash.substr(0, kOldPrefix.size()) == kOldPrefix) return core::HashStanding::Outdated;
  return core::HashStanding::Current;
}

std::string FakeHasher::last_verified_hash() const {
  const std::lock_guard lock(last_mutex_);
  return last_verified_;
}

}  // namespace todo::test
