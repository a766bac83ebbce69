#pragma once
// Persistence of users. Email uniqueness is case-insensitive, and so is
// username uniqueness (when a username is present). The calls that serve a
// request's Caller are asynchronous like the task port (completion.hpp):
// `done` exactly once, maybe later on another thread; the caller's session
// must be current (its user exists with its token version), checked in the
// same step as the work, or the answer is Unauthenticated.

#include <cstdint>
#include <string_view>

#include "todo/core/caller.hpp"
#include "todo/core/completion.hpp"
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
  // Replaces the hash only while it is still `expected`, keeping every
  // session (a rehash at a new cost, not a password change). false when the
  // hash had changed meanwhile or the user is gone: nothing is written.
  virtual Result<bool> replace_password_hash(UserId id, std::string_view expected, std::string_view replacement) = 0;

  // Deletes the user with everything of theirs (DELETE /auth/me): its
  // tokens stop working at once, since no user answers them. NotFound when
  // absent. PostgreSQL deletes the user's tasks in the same statement (ON
  // DELETE CASCADE); MemoryUserRepository cannot reach the task repository,
  // so there MemoryTaskRepository::remove_all_of does (unreachable meanwhile:
  // user ids are never reused).
  virtual Result<void> remove(UserId id) = 0;
  // The caller's user (GET /auth/me).
  virtual void current(const Caller& caller, Completion<User> done) = 0;
  // Ends every session of the caller's user: token_version + 1, only if the
  // caller's session is still current (POST /auth/logout-all).
  virtual void end_sessions(const Caller& caller, Completion<User> done) = 0;
};

}  // namespace todo::core
