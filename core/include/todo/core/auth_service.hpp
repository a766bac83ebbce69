#pragma once
// Sign-up, login, token authentication and revocation (logout-all, password
// change). Holds no state of its own beyond its ports.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "todo/core/caller.hpp"
#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/login_throttle.hpp"
#include "todo/core/ports/password_hasher.hpp"
#include "todo/core/ports/task_feed.hpp"
#include "todo/core/ports/token_issuer.hpp"
#include "todo/core/ports/token_verifier.hpp"
#include "todo/core/ports/user_repository.hpp"
#include "todo/core/result.hpp"
#include "todo/core/user.hpp"

namespace todo::core {

inline constexpr std::int64_t kTokenLifetimeSeconds = 604800;  // 7 days
// FastAPI's detail for every rejected bearer token.
inline constexpr const char* kInvalidCredentials = "Could not validate credentials";

struct SignupCommand {
  std::string email;
  std::string password;
  std::optional<std::string> username;
  std::string client_address;
};

struct LoginCommand {
  std::string email;
  std::string password;
  std::string client_address;
};

struct VerifiedToken {
  Caller caller;
  Timestamp expires_at;
};

struct AuthSession {
  std::string access_token;
  std::int64_t expires_in = kTokenLifetimeSeconds;
  User user;
};

class AuthService {
 public:
  // `feed`, when given, is told of every session ended (live sync streams
  // end with them).
  AuthService(UserRepository& users, PasswordHasher& hasher, TokenIssuer& issuer,
              const TokenVerifier& verifier, const Clock& clock, LoginThrottle& throttle,
              TaskFeed* feed = nullptr);

  // InvalidArgument, AlreadyExists ("email already registered" /
  // "username already taken"), ResourceExhausted.
  Result<AuthSession> signup(const SignupCommand& cmd);
  // Unauthenticated "Incorrect email or password" for unknown email and wrong
  // password alike (a hash is verified in both cases); ResourceExhausted when
  // throttled (checked first, so 429 wins over 401).
  Result<AuthSession> login(const LoginCommand& cmd);
  // The current user for a bearer token: signature, expiry, user still
  // exists, token version matches. Unauthenticated otherwise.
  Result<User> authenticate(std::string_view token);
  // Signature and lifetime only, no database: the Caller the token proves.
  // The user may since have been deleted or logged out everywhere; every
  // TaskRepository call checks that together with its work.
  Result<Caller> verify(std::string_view token) const;
  // verify() with the token's expiry (a live stream ends at it).
  Result<VerifiedToken> verify_token(std::string_view token) const;
  Result<void> logout_all(UserId user);
  // The caller's user, if its session is current (asynchronous: see
  // UserRepository::current). Unauthenticated otherwise.
  void current_user(const Caller& caller, Completion<User> done);
  // logout_all for a Caller, checked and done in one step (asynchronous).
  void logout_all(const Caller& caller, Completion<void> done);
  // Unauthenticated when current_password is wrong; InvalidArgument for a bad
  // new password. Revokes every earlier token, the caller's included. A
  // wrong current password is a failed login for the user's email and
  // `client_address`, under the same throttle (ResourceExhausted, checked
  // before the password, so it wins even over the right one): a stolen
  // token cannot guess the password faster than the login form can.
  Result<void> change_password(UserId user, std::string_view current_password, std::string_view new_password,
                               std::string_view client_address);
  // DELETE /auth/me: with the account's password, deletes the user and
  // everything of theirs. A wrong password is Unauthenticated and counts as
  // a failed login for the account's email and the address (throttled like
  // one; ResourceExhausted wins even with the right password).
  Result<void> delete_account(UserId user, std::string_view password, std::string_view client_address);

 private:
  Result<AuthSession> open_session(User user);
  // The account's own password, typed again (password change, account
  // deletion): throttled and counted as a login for the account's email and
  // `client_address`; Unauthenticated "Incorrect password" when wrong.
  Result<void> verify_own_password(UserId user, std::string_view password, std::string_view client_address);
  // After a successful login with a hash that is not Current: store a new one.
  void rehash(User& user, std::string_view password);
  void sessions_ended(UserId user, std::optional<TokenVersion> current);
  const std::string& dummy_hash();

  UserRepository& users_;
  PasswordHasher& hasher_;
  TokenIssuer& issuer_;
  const TokenVerifier& verifier_;
  const Clock& clock_;
  LoginThrottle& throttle_;
  TaskFeed* feed_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace todo::core
