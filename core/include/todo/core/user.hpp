#pragma once
// A registered person. Emails are stored normalised (trimmed, lower-case).

#include <cstdint>
#include <optional>
#include <string>

#include "todo/core/ids.hpp"
#include "todo/core/time.hpp"

namespace todo::core {

struct User {
  UserId id;
  std::string email;
  std::optional<std::string> username;
  std::string password_hash;
  // Bumped by logout-all and password change; tokens carrying an older
  // version stop working.
  std::int64_t token_version = 0;
  Timestamp created_at{};
};

// What a repository needs to create a user; the repository assigns the id.
struct NewUser {
  std::string email;                    // already normalised
  std::optional<std::string> username;  // already validated
  std::string password_hash;
  Timestamp created_at{};
};

}  // namespace todo::core
