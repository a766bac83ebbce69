#include "todo/pg/pg_user_repository.hpp"

#include <string>

#include "connection.hpp"
#include "database_impl.hpp"
#include "with_connection.hpp"

namespace todo::pg {
namespace {

// Each statement answers the columns user_from_row() reads, in its order:
// id, email, username, password_hash, token_version, created_at.
constexpr Statement kInsertUser{"todo_user_insert", R"sql(
INSERT INTO users (email, username, password_hash, created_at) VALUES ($1, $2, $3, $4::timestamptz)
RETURNING id, email, username, password_hash, token_version, created_at
)sql"};

constexpr Statement kUserById{"todo_user_by_id", R"sql(
SELECT id, email, username, password_hash, token_version, created_at FROM users WHERE id = $1
)sql"};

// The same expression as the users_email_key index, so this is one index
// lookup (the email arrives normalised; folding it again is harmless).
constexpr Statement kUserByEmail{"todo_user_by_email", R"sql(
SELECT id, email, username, password_hash, token_version, created_at FROM users
WHERE todo_ascii_lower(email) = todo_ascii_lower($1)
)sql"};

constexpr Statement kBumpTokenVersion{"todo_user_bump_token_version", R"sql(
UPDATE users SET token_version = token_version + 1 WHERE id = $1
RETURNING id, email, username, password_hash, token_version, created_at
)sql"};

constexpr Statement kSetPassword{"todo_user_set_password", R"sql(
UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1
RETURNING id, email, username, password_hash, token_version, created_at
)sql"};

// A rehash: the new hash only over the one that was verified; sessions stay.
constexpr Statement kReplaceHash{"todo_user_replace_hash", R"sql(
UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2 RETURNING id
)sql"};

// The caller's row if its session is current (no row otherwise).
constexpr Statement kCurrentUser{"todo_user_current", R"sql(
SELECT id, email, username, password_hash, token_version, created_at FROM users
WHERE id = $1 AND token_version = $2
)sql"};

// Ends every session, only if the caller's is still current (no row otherwise).
constexpr Statement kEndSessions{"todo_user_end_sessions", R"sql(
UPDATE users SET token_version = token_version + 1 WHERE id = $1 AND token_version = $2
RETURNING id, email, username, password_hash, token_version, created_at
)sql"};

constexpr Statement kDeleteUser{"todo_user_delete", R"sql(
DELETE FROM users WHERE id = $1 RETURNING id
)sql"};

core::User user_from_row(const Rows& rows, int row) {
  core::User user;
  user.id = core::UserId(rows.int8(row, 0));
  user.email = rows.text(row, 1);
  user.username = rows.optional_text(row, 2);
  user.password_hash = rows.text(row, 3);
  user.token_version = rows.int8(row, 4);
  user.created_at = rows.timestamp(row, 5);
  return user;
}

// One row -> the user; no row -> NotFound.
core::Result<core::User> single_user(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() == 0) return core::Error::not_found("user not found");
  return user_from_row(rows, 0);
}

}  // namespace

core::Result<void> PgUserRepository::remove(core::UserId id) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) -> core::Result<void> {
    auto deleted = c.exec(kDeleteUser, Params{}.int8(id.value()));
    if (!deleted) return std::move(deleted).error();
    if (Rows(deleted->get()).size() == 0) return core::Error::not_found("user not found");
    return {};
  });
}

core::Result<core::User> PgUserRepository::create(const core::NewUser& user) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) -> core::Result<core::User> {
    auto created = single_user(c.exec(kInsertUser, Params{}
                                                       .text(user.email)
                                                       .optional_text(user.username)
                                                       .text(user.password_hash)
                                                       .timestamp(user.created_at)));
    if (!created && created.error().code == core::ErrorCode::AlreadyExists) {
      // The violated index tells which field is taken.
      const bool username = created.error().message.find("users_username_key") != std::string::npos;
      return core::Error::already_exists(username ? "username already taken"
                                                  : "email already registered");
    }
    return created;
  });
}

core::Result<core::User> PgUserRepository::find_by_id(core::UserId id) {
  return with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return single_user(c.exec(kUserById, Params{}.int8(id.value())));
  });
}

core::Result<core::User> PgUserRepository::find_by_email(std::string_view email) {
  return with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return single_user(c.exec(kUserByEmail, Params{}.text(email)));
  });
}

core::Result<core::User> PgUserRepository::bump_token_version(core::UserId id) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) {
    return single_user(c.exec(kBumpTokenVersion, Params{}.int8(id.value())));
  });
}

core::Result<core::User> PgUserRepository::set_password(core::UserId id,
                                                         std::string_view password_hash) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) {
    return single_user(c.exec(kSetPassword, Params{}.int8(id.value()).text(password_hash)));
  });
}

core::Result<bool> PgUserRepository::replace_password_hash(core::UserId id, std::string_view expected,
                                                           std::string_view replacement) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) -> core::Result<bool> {
    auto result = c.exec(kReplaceHash, Params{}.int8(id.value()).text(expected).text(replacement));
    if (!result) return std::move(result).error();
    return Rows(result->get()).size() == 1;
  });
}

PgUserRepository::PgUserRepository(Database& database) : pool_(database.pool()), database_(&database) {
  database.impl().pipeline_statements({kCurrentUser, kEndSessions});
}

void PgUserRepository::current(const core::Caller& caller, core::Completion<core::User> done) {
  run_for(caller, kCurrentUser, false, std::move(done));
}

void PgUserRepository::end_sessions(const core::Caller& caller, core::Completion<core::User> done) {
  run_for(caller, kEndSessions, true, std::move(done));
}

void PgUserRepository::run_for(const core::Caller& caller, const Statement& statement, bool write,
                               core::Completion<core::User> done) {
  Params params;
  params.int8(caller.user_id().value()).int8(caller.token_version().value());
  const Retry retry = write ? Retry::Never : Retry::OnceIfLost;
  const auto answer = [done = std::move(done)](core::Result<ResultPtr> result) {
    core::Result<core::User> user = single_user(std::move(result));
    if (!user && user.error().code == core::ErrorCode::NotFound) {
      return done(core::Error::unauthenticated("session ended"));
    }
    done(std::move(user));
  };
  if (database_ != nullptr) {
    database_->impl().run(caller.user_id().value(), statement, params, retry, answer);
    return;
  }
  answer(with_connection(pool_, retry, [&](Connection& c) { return c.exec(statement, params); }));
}

}  // namespace todo::pg
