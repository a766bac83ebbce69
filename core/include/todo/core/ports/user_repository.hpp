#pragma once
// Persistence of users. Email uniqueness is case-insensitive, and so is
// username uniqueness (when a username is present).

#include <cstdint>
#include <string_view>

#include "todo/core/result.hpp"
#include "todo/core/user.hpp"

namespace todo::core {

class UserRepository {
 public:
  virtual ~UserRepository() = default;

  // AlreadyExists (message names "email" or "username") when taken.
  virtual Result<User> create(const NewUser& user) = 0;
  // NotFound when absent.
  virtual Result<User> find_by_id(UserId id) = 0;
  // `email` is already normalised. NotFound when absent.
  virtual Result<User> find_by_email(std::string_view email) = 0;
  // Atomically increments token_version; returns the updated user.
  virtual Result<User> bump_token_version(UserId id) = 0;
  // Atomically replaces the hash and increments token_version.
  virtual Result<User> set_password(UserId id, std::string_view password_hash) = 0;
};

}  // namespace todo::core
