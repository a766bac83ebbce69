#include "todo/memory/memory_user_repository.hpp"

#include "todo/core/validation.hpp"

namespace todo::memory {

using core::Error;
using core::Result;
using core::User;

Result<User> MemoryUserRepository::create(const core::NewUser& user) {
  const std::lock_guard lock(mutex_);
  const std::string email_key = core::ascii_lower(user.email);
  if (by_email_.count(email_key) != 0) return Error::already_exists("email already registered");
  std::string username_key;
  if (user.username) {
    username_key = core::ascii_lower(*user.username);
    if (by_username_.count(username_key) != 0) return Error::already_exists("username already taken");
  }
  User created{core::UserId(next_id_++), user.email, user.username, user.password_hash, 0, user.created_at};
  by_email_.emplace(email_key, created.id);
  if (user.username) by_username_.emplace(username_key, created.id);
  users_.emplace(created.id, created);
  return created;
}

Result<User> MemoryUserRepository::find_by_id(core::UserId id) {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(id);
  if (it == users_.end()) return Error::not_found("user not found");
  return it->second;
}

Result<User> MemoryUserRepository::find_by_email(std::string_view email) {
  const std::lock_guard lock(mutex_);
  const auto it = by_email_.find(core::ascii_lower(email));
  if (it == by_email_.end()) return Error::not_found("user not found");
  return users_.at(it->second);
}

Result<User> MemoryUserRepository::bump_token_version(core::UserId id) {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(id);
  if (it == users_.end()) return Error::not_found("user not found");
  ++it->second.token_version;
  return it->second;
}

Result<User> MemoryUserRepository::set_password(core::UserId id, std::string_view password_hash) {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(id);
  if (it == users_.end()) return Error::not_found("user not found");
  it->second.password_hash = std::string(password_hash);
  ++it->second.token_version;
  return it->second;
}

Result<bool> MemoryUserRepository::replace_password_hash(core::UserId id, std::string_view expected,
                                                        std::string_view replacement) {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(id);
  if (it == users_.end() || it->second.password_hash != expected) return false;
  it->second.password_hash = std::string(replacement);
  return true;
}

Result<void> MemoryUserRepository::remove(core::UserId id) {
  const std::lock_guard lock(mutex_);
  const auto it = users_.find(id);
  if (it == users_.end()) return Error::not_found("user not found");
  by_email_.erase(core::ascii_lower(it->second.email));
  if (it->second.username) by_username_.erase(core::ascii_lower(*it->second.username));
  users_.erase(it);
  return {};
}

User* MemoryUserRepository::current_locked(const core::Caller& caller) {
  const auto it = users_.find(caller.user_id());
  if (it == users_.end() || core::TokenVersion(it->second.token_version) != caller.token_version()) return nullptr;
  return &it->second;
}

void MemoryUserRepository::current(const core::Caller& caller, core::Completion<User> done) {
  Result<User> found = [&]() -> Result<User> {
    const std::lock_guard lock(mutex_);
    User* user = current_locked(caller);
    if (user == nullptr) return Error::unauthenticated("session ended");
    return *user;
  }();
  done(std::move(found));
}

void MemoryUserRepository::end_sessions(const core::Caller& caller, core::Completion<User> done) {
  Result<User> bumped = [&]() -> Result<User> {
    const std::lock_guard lock(mutex_);
    User* user = current_locked(caller);
    if (user == nullptr) return Error::unauthenticated("session ended");
    ++user->token_version;
    return *user;
  }();
  done(std::move(bumped));
}

}  // namespace todo::memory
