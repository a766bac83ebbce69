#pragma once
// UserRepository on PostgreSQL. Uniqueness is enforced by the database
// (unique indexes on the ASCII-lowered email and username), so concurrent
// sign-ups of one email yield one user and AlreadyExists for the others.

#include "todo/core/ports/user_repository.hpp"
#include "todo/pg/database.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

struct Statement;

class PgUserRepository final : public core::UserRepository {
 public:
  // Every statement on the pool, on the calling thread.
  explicit PgUserRepository(Pool& pool) : pool_(pool) {}
  // current() and end_sessions() through `database` (pipelined once it is
  // enabled: construct this before Database::enable_pipeline()); the rest
  // on its pool.
  explicit PgUserRepository(Database& database);

  core::Result<core::User> create(const core::NewUser& user) override;
  core::Result<core::User> find_by_id(core::UserId id) override;
  core::Result<core::User> find_by_email(std::string_view email) override;
  core::Result<core::User> bump_token_version(core::UserId id) override;
  core::Result<core::User> set_password(core::UserId id, std::string_view password_hash) override;
  core::Result<bool> replace_password_hash(core::UserId id, std::string_view expected,
                                           std::string_view replacement) override;
  // Its tasks go with it (ON DELETE CASCADE), in the same statement.
  core::Result<void> remove(core::UserId id) override;
  void current(const core::Caller& caller, core::Completion<core::User> done) override;
  void end_sessions(const core::Caller& caller, core::Completion<core::User> done) override;

 private:
  // Runs a caller-checked statement: through the database, or on the pool.
  void run_for(const core::Caller& caller, const Statement& statement, bool write,
               core::Completion<core::User> done);

  Pool& pool_;
  Database* database_ = nullptr;
};

}  // namespace todo::pg
