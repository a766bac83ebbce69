#pragma once
// UserRepository on PostgreSQL. Uniqueness is enforced by the database
// (unique indexes on the ASCII-lowered email and username), so concurrent
// sign-ups of one email yield one user and AlreadyExists for the others.

#include "todo/core/ports/user_repository.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

class PgUserRepository final : public core::UserRepository {
 public:
  explicit PgUserRepository(Pool& pool) : pool_(pool) {}

  core::Result<core::User> create(const core::NewUser& user) override;
  core::Result<core::User> find_by_id(core::UserId id) override;
  core::Result<core::User> find_by_email(std::string_view email) override;
  core::Result<core::User> bump_token_version(core::UserId id) override;
  core::Result<core::User> set_password(core::UserId id, std::string_view password_hash) override;

 private:
  Pool& pool_;
};

}  // namespace todo::pg
