#pragma once
// Thread-safe in-memory UserRepository with the PostgreSQL adapter's
// semantics (case-insensitive unique email and username).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "todo/core/ports/user_repository.hpp"

namespace todo::memory {

class MemoryUserRepository final : public core::UserRepository {
 public:
  core::Result<core::User> create(const core::NewUser& user) override;
  core::Result<core::User> find_by_id(core::UserId id) override;
  core::Result<core::User> find_by_email(std::string_view email) override;
  core::Result<core::User> bump_token_version(core::UserId id) override;
  core::Result<core::User> set_password(core::UserId id, std::string_view password_hash) override;
  core::Result<bool> replace_password_hash(core::UserId id, std::string_view expected,
                                           std::string_view replacement) override;
  void current(const core::Caller& caller, core::Completion<core::User> done) override;
  void end_sessions(const core::Caller& caller, core::Completion<core::User> done) override;

  // Its tasks are the task repository's (MemoryTaskRepository::remove_all_of).
  core::Result<void> remove(core::UserId id) override;

 private:
  // Under mutex_: the caller's user if its session is current, else null.
  core::User* current_locked(const core::Caller& caller);

  std::mutex mutex_;
  std::map<core::UserId, core::User> users_;
  std::map<std::string, core::UserId> by_email_;     // lower-case email
  std::map<std::string, core::UserId> by_username_;  // lower-case username
  std::int64_t next_id_ = 1;
};

}  // namespace todo::memory
