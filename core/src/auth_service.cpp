#include "todo/core/auth_service.hpp"

#include "todo/core/validation.hpp"

namespace todo::core {
namespace {

constexpr const char* kBadLogin = "Incorrect email or password";
constexpr const char* kBadToken = kInvalidCredentials;
// Verified against when the email is unknown, so both failures cost one
// bcrypt verification at the configured cost.
constexpr const char* kDummyPassword = "timing-equaliser-not-a-real-password";

void append_fields(std::vector<FieldError>& out, const Error& e) {
  out.insert(out.end(), e.fields.begin(), e.fields.end());
}

}  // namespace

AuthService::AuthService(UserRepository& users, PasswordHasher& hasher, TokenIssuer& issuer,
                         const TokenVerifier& verifier, const Clock& clock, LoginThrottle& throttle,
                         TaskFeed* feed)
    : users_(users),
      hasher_(hasher),
      issuer_(issuer),
      verifier_(verifier),
      clock_(clock),
      throttle_(throttle),
      feed_(feed) {}

const std::string& AuthService::dummy_hash() {
  std::call_once(dummy_once_, [this] {
    if (auto h = hasher_.hash(kDummyPassword)) dummy_hash_ = std::move(h).value();
  });
  return dummy_hash_;
}

Result<AuthSession> AuthService::signup(const SignupCommand& cmd) {
  if (auto allowed = throttle_.check_signup(cmd.client_address); !allowed) return std::move(allowed).error();

  std::vector<FieldError> errors;
  auto email = normalize_email(cmd.email);
  if (!email) {
    append_fields(errors, email.error());
  } else if (!is_ascii(*email)) {
    // New accounts only: look-alikes (fullwidth letters, the Kelvin sign,
    // ligatures) cannot make a second account for the "same" address, and
    // addresses made before this rule still log in (docs/security.md).
    errors.push_back(FieldError{"email", FieldIssue::EmailNotAscii, 0, 0});
  }
  if (auto pw = validate_password(cmd.password); !pw) append_fields(errors, pw.error());
  std::optional<std::string> username;
  if (cmd.username) {
    if (auto u = validate_username(*cmd.username)) {
      username = std::move(u).value();
    } else {
      append_fields(errors, u.error());
    }
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));

  // Cheap pre-check so a taken email does not cost a bcrypt hash; the
  // repository's unique index still decides races.
  if (auto existing = users_.find_by_email(*email)) {
    return Error::already_exists("email already registered");
  } else if (existing.error().code != ErrorCode::NotFound) {
    return std::move(existing).error();
  }

  auto hash = hasher_.hash(cmd.password);
  if (!hash) return std::move(hash).error();
  auto user = users_.create(NewUser{*email, std::move(username), std::move(hash).value(), clock_.now()});
  if (!user) return std::move(user).error();
  return open_session(std::move(user).value());
}

Result<AuthSession> AuthService::login(const LoginCommand& cmd) {
  auto email = normalize_email(cmd.email);
  if (!email) {
    // Malformed text is a client bug (422); a well-formed non-email can be no
    // account's email, so it is just a failed login.
    const FieldIssue why = email.error().fields.front().issue;
    if (why == FieldIssue::InvalidUtf8 || why == FieldIssue::ContainsNul) return std::move(email).error();
  }
  if (auto pw = check_text("password", cmd.password); !pw) return std::move(pw).error();
  if (cmd.password.size() > kPasswordMaxBytes) {
    // Never compare a truncated password: bcrypt would ignore bytes past 72.
    return Error::invalid(FieldError{"password", FieldIssue::TooLong, kPasswordMaxBytes, 0});
  }
  const std::string key = email ? *email : ascii_lower(strip_white_space(cmd.email));
  if (auto allowed = throttle_.check_login(key, cmd.client_address); !allowed) return std::move(allowed).error();

  std::optional<User> user;
  if (email) {
    auto found = users_.find_by_email(*email);
    if (found) {
      user = std::move(found).value();
    } else if (found.error().code != ErrorCode::NotFound) {
      return std::move(found).error();
    }
  }

  bool match = false;
  HashStanding standing = HashStanding::Current;
  if (user) {
    standing = hasher_.standing(user->password_hash);
    auto verified = hasher_.verify(cmd.password, user->password_hash);
    match = verified && *verified;  // a malformed stored hash never matches
  } else {
    (void)hasher_.verify(cmd.password, dummy_hash());
  }
  if (!match) {
    // A hash cheaper than today's answers a wrong password faster than the
    // dummy answers an unknown email: pad it with the dummy's check so the
    // two take about as long (docs/security.md, "timing").
    if (user && standing == HashStanding::Cheaper) (void)hasher_.verify(cmd.password, dummy_hash());
    throttle_.record_login_failure(key, cmd.client_address);
    return Error::unauthenticated(kBadLogin);
  }
  throttle_.record_login_success(key, cmd.client_address);
  if (standing != HashStanding::Current) rehash(*user, cmd.password);
  return open_session(std::move(*user));
}

Result<User> AuthService::authenticate(std::string_view token) {
  auto claims = verifier_.verify(token);
  if (!claims) return Error::unauthenticated(kBadToken);
  auto user = users_.find_by_id(claims->user_id);
  if (!user) {
    if (user.error().code == ErrorCode::NotFound) return Error::unauthenticated(kBadToken);
    return std::move(user).error();
  }
  if (user->token_version != claims->token_version) return Error::unauthenticated(kBadToken);
  return user;
}

Result<Caller> AuthService::verify(std::string_view token) const {
  auto claims = verifier_.verify(token);
  if (!claims) return Error::unauthenticated(kBadToken);
  return Caller(claims->user_id, TokenVersion(claims->token_version));
}

void AuthService::current_user(const Caller& caller, Completion<User> done) {
  users_.current(caller, [done = std::move(done)](Result<User> user) {
    if (!user && user.error().code == ErrorCode::Unauthenticated) return done(Error::unauthenticated(kBadToken));
    done(std::move(user));
  });
}

void AuthService::logout_all(const Caller& caller, Completion<void> done) {
  users_.end_sessions(caller, [this, done = std::move(done)](Result<User> bumped) {
    if (!bumped && bumped.error().code == ErrorCode::Unauthenticated) return done(Error::unauthenticated(kBadToken));
    if (bumped) sessions_ended(bumped->id, TokenVersion(bumped->token_version));
    done(std::move(bumped).transform([](const User&) {}));
  });
}

Result<void> AuthService::logout_all(UserId user) {
  auto bumped = users_.bump_token_version(user);
  if (!bumped) {
    if (bumped.error().code == ErrorCode::NotFound) return Error::unauthenticated(kBadToken);
    return std::move(bumped).error();
  }
  sessions_ended(user, TokenVersion(bumped->token_version));
  return {};
}

Result<void> AuthService::verify_own_password(UserId user_id, std::string_view password,
                                              std::string_view client_address) {
  auto user = users_.find_by_id(user_id);
  if (!user) {
    if (user.error().code == ErrorCode::NotFound) return Error::unauthenticated(kBadToken);
    return std::move(user).error();
  }
  if (auto allowed = throttle_.check_login(user->email, client_address); !allowed) return std::move(allowed).error();
  const bool verified = password.size() <= kPasswordMaxBytes && [&] {
    auto matched = hasher_.verify(password, user->password_hash);
    return matched && *matched;
  }();
  if (!verified) {
    throttle_.record_login_failure(user->email, client_address);
    return Error::unauthenticated("Incorrect password");
  }
  throttle_.record_login_success(user->email, client_address);
  return {};
}

Result<void> AuthService::change_password(UserId user_id, std::string_view current_password,
                                          std::string_view new_password, std::string_view client_address) {
  std::vector<FieldError> errors;
  if (auto cur = check_text("current_password", current_password); !cur) append_fields(errors, cur.error());
  if (auto pw = validate_password(new_password, "new_password"); !pw) append_fields(errors, pw.error());
  if (!errors.empty()) return Error::invalid(std::move(errors));

  if (auto verified = verify_own_password(user_id, current_password, client_address); !verified) {
    return std::move(verified).error();
  }

  auto hash = hasher_.hash(new_password);
  if (!hash) return std::move(hash).error();
  auto updated = users_.set_password(user_id, *hash);
  if (!updated) return std::move(updated).error();
  sessions_ended(user_id, TokenVersion(updated->token_version));
  return {};
}

Result<void> AuthService::delete_account(UserId user_id, std::string_view password, std::string_view client_address) {
  if (auto checked = check_text("password", password); !checked) return std::move(checked).error();
  if (auto verified = verify_own_password(user_id, password, client_address); !verified) {
    return std::move(verified).error();
  }
  auto removed = users_.remove(user_id);
  if (!removed) {
    if (removed.error().code == ErrorCode::NotFound) return Error::unauthenticated(kBadToken);
    return std::move(removed).error();
  }
  sessions_ended(user_id, std::nullopt);
  return {};
}

void AuthService::sessions_ended(UserId user, std::optional<TokenVersion> current) {
  if (feed_ != nullptr) feed_->revoke(user, current);
}

Result<VerifiedToken> AuthService::verify_token(std::string_view token) const {
  auto claims = verifier_.verify(token);
  if (!claims) return Error::unauthenticated(kBadToken);
  return VerifiedToken{Caller(claims->user_id, TokenVersion(claims->token_version)),
                       from_unix_seconds(claims->expires_at)};
}

void AuthService::rehash(User& user, std::string_view password) {
  // Best effort: the login has succeeded whatever happens here, and the next
  // one tries again. Only the hash this login verified is replaced, so a
  // password changed meanwhile is never overwritten with the old one.
  auto fresh = hasher_.hash(password);
  if (!fresh) return;
  auto replaced = users_.replace_password_hash(user.id, user.password_hash, *fresh);
  if (replaced && *replaced) user.password_hash = std::move(fresh).value();
}

Result<AuthSession> AuthService::open_session(User user) {
  const long long now = to_unix_seconds(clock_.now());
  TokenClaims claims{user.id, user.email, user.token_version, now, now + kTokenLifetimeSeconds};
  auto token = issuer_.issue(claims);
  if (!token) return std::move(token).error();
  return AuthSession{std::move(token).value(), kTokenLifetimeSeconds, std::move(user)};
}

}  // namespace todo::core
