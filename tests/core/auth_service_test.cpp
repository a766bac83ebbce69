// AuthService on the memory user repository, the fake hasher/tokens, a
// manual clock and the in-process throttle.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/core_test_support.hpp"
#include "support/fake_hasher.hpp"
#include "support/fake_tokens.hpp"
#include "todo/core/auth_service.hpp"
#include "todo/memory/in_process_login_throttle.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_feed.hpp"
#include "todo/memory/memory_user_repository.hpp"

using namespace todo::core;
using todo::memory::InProcessLoginThrottle;
using todo::memory::ManualClock;
using todo::memory::MemoryUserRepository;
using todo::memory::ThrottleLimits;
using todo::test::FakeHasher;
using todo::test::FakeTokens;
using todo::test::code_of;
using todo::test::field_names;
using todo::test::names_field;
using todo::test::repeat;

namespace {

// Wraps the memory repository so a test can make a user disappear, as if
// deleted by an operator while one of their tokens is still out there.
class ForgettingUserRepository final : public UserRepository {
 public:
  Result<User> create(const NewUser& user) override { return inner_.create(user); }
  Result<User> find_by_id(UserId id) override {
    if (forgotten_.count(id) != 0) return Error::not_found("user not found");
    return inner_.find_by_id(id);
  }
  Result<User> find_by_email(std::string_view email) override {
    auto user = inner_.find_by_email(email);
    if (user && forgotten_.count(user->id) != 0) return Error::not_found("user not found");
    return user;
  }
  Result<User> bump_token_version(UserId id) override { return inner_.bump_token_version(id); }
  Result<User> set_password(UserId id, std::string_view hash) override { return inner_.set_password(id, hash); }
  Result<bool> replace_password_hash(UserId id, std::string_view expected, std::string_view replacement) override {
    return inner_.replace_password_hash(id, expected, replacement);
  }
  Result<void> remove(UserId id) override { return inner_.remove(id); }
  void current(const Caller& caller, Completion<User> done) override {
    if (forgotten_.count(caller.user_id()) != 0) return done(Error::unauthenticated("user not found"));
    inner_.current(caller, std::move(done));
  }
  void end_sessions(const Caller& caller, Completion<User> done) override {
    if (forgotten_.count(caller.user_id()) != 0) return done(Error::unauthenticated("user not found"));
    inner_.end_sessions(caller, std::move(done));
  }

  void forget(UserId id) { forgotten_.insert(id); }

 private:
  MemoryUserRepository inner_;
  std::set<UserId> forgotten_;
};

constexpr const char* kPassword = "correct horse";
constexpr const char* kAddress = "203.0.113.7";

struct AuthFixture {
  explicit AuthFixture(ThrottleLimits limits = {}) : throttle(clock, limits) {}

  ManualClock clock;
  ForgettingUserRepository users;
  FakeHasher hasher;
  FakeTokens tokens{clock};
  InProcessLoginThrottle throttle;
  todo::memory::MemoryTaskFeed feed{clock};
  AuthService auth{users, hasher, tokens, tokens, clock, throttle, &feed};

  Result<AuthSession> signup(const std::string& email, const std::string& password = kPassword,
                             std::optional<std::string> username = std::nullopt,
                             const std::string& address = kAddress) {
    return auth.signup(SignupCommand{email, password, std::move(username), address});
  }
  AuthSession signup_ok(const std::string& email, const std::string& password = kPassword,
                        std::optional<std::string> username = std::nullopt) {
    auto r = signup(email, password, std::move(username));
    if (!r) FAIL("signup failed: " << r.error().message);
    return std::move(r).value();
  }
  Result<AuthSession> login(const std::string& email, const std::string& password,
                            const std::string& address = kAddress) {
    return auth.login(LoginCommand{email, password, address});
  }
};

}  // namespace

// ---------------------------------------------------------------- signup

TEST_CASE("signup returns a token for the new user and the user", "[auth][signup]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com", kPassword, "alice");
  CHECK(s.user.id.value() > 0);
  CHECK(s.user.email == "alice@example.com");
  CHECK(s.user.username == std::string("alice"));
  CHECK(s.user.created_at == f.clock.now());
  CHECK(s.user.token_version == 0);
  CHECK(s.expires_in == 604800);
  CHECK_FALSE(s.access_token.empty());

  const auto me = f.auth.authenticate(s.access_token);
  REQUIRE(me.has_value());
  CHECK(me->id == s.user.id);
}

TEST_CASE("signup token claims carry id, email, version, issued-at and a 7-day expiry", "[auth][signup]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  const auto claims = f.tokens.verify(s.access_token);
  REQUIRE(claims.has_value());
  const long long now = to_unix_seconds(f.clock.now());
  CHECK(claims->user_id == s.user.id);
  CHECK(claims->email == "alice@example.com");
  CHECK(claims->token_version == 0);
  CHECK(claims->issued_at == now);
  CHECK(claims->expires_at == now + 604800);
}

TEST_CASE("signup normalises the email and stores only a hash of the password", "[auth][signup]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("  Alice@Example.COM ");
  CHECK(s.user.email == "alice@example.com");
  CHECK(s.user.password_hash != kPassword);
  CHECK(f.hasher.hash_calls() >= 1);
  const auto stored = f.users.find_by_email("alice@example.com");
  REQUIRE(stored.has_value());
  CHECK(stored->password_hash.rfind("fake$", 0) == 0);
}

TEST_CASE("signup without a username leaves it null", "[auth][signup]") {
  AuthFixture f;
  CHECK_FALSE(f.signup_ok("bob@example.com").user.username.has_value());
}

TEST_CASE("signup refuses an email already taken, case-insensitively", "[auth][signup]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  const auto again = f.signup("ALICE@example.com ", "another password");
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::AlreadyExists);
  CHECK(again.error().message.find("email") != std::string::npos);
}

TEST_CASE("signup refuses a username already taken, case-insensitively", "[auth][signup]") {
  AuthFixture f;
  f.signup_ok("alice@example.com", kPassword, "Alice");
  const auto again = f.signup("other@example.com", kPassword, "aLICE");
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == ErrorCode::AlreadyExists);
  CHECK(again.error().message.find("username") != std::string::npos);
  // The email of the refused signup is still free.
  CHECK(f.signup("other@example.com", kPassword, "other").has_value());
}

TEST_CASE("signup reports every invalid field at once", "[auth][signup]") {
  AuthFixture f;
  const auto r = f.signup("not-an-email", "short", std::string("bad name"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::InvalidArgument);
  CHECK(field_names(r.error()) == std::vector<std::string>{"email", "password", "username"});
  CHECK(f.hasher.hash_calls() == 0);
}

TEST_CASE("signup takes a 72-byte password and refuses 73 bytes", "[auth][signup]") {
  AuthFixture f;
  CHECK(f.signup("a@example.com", repeat("p", 72)).has_value());
  CHECK(names_field(f.signup("b@example.com", repeat("p", 73)), "password"));
}

TEST_CASE("signup is throttled per client address", "[auth][signup][throttle]") {
  ThrottleLimits limits;
  limits.signup_per_address = 2;
  AuthFixture f(limits);
  CHECK(f.signup("a@example.com").has_value());
  CHECK(f.signup("b@example.com").has_value());
  const auto third = f.signup("c@example.com");
  REQUIRE_FALSE(third.has_value());
  CHECK(third.error().code == ErrorCode::ResourceExhausted);
  REQUIRE(third.error().retry_after_s.has_value());
  CHECK(*third.error().retry_after_s > 0);
  CHECK(f.users.find_by_email("c@example.com").error().code == ErrorCode::NotFound);
  // Another address is not affected.
  CHECK(f.signup("c@example.com", kPassword, std::nullopt, "198.51.100.1").has_value());
}

// ---------------------------------------------------------------- login

// Issue 18: ASCII-only case folding let look-alikes make separate accounts
// (fullwidth letters, the Kelvin sign U+212A for K). New addresses must be
// ASCII, as the replaced backend's validator required; accounts made
// before still log in.
TEST_CASE("signup refuses a non-ASCII email (look-alikes) with EmailNotAscii", "[auth][signup][email]") {
  AuthFixture f;
  f.signup_ok("kelvin@example.com");
  for (const char* email : {"\xE2\x84\xAA" "elvin@example.com", "\xEF\xBD\x8B" "elvin@example.com",
                            "kelvin@ex\xC3\xA4mple.com", "\xEF\xAC\x81@example.com"}) {
    const auto r = f.signup(email);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::InvalidArgument);
    REQUIRE(r.error().fields.size() == 1);
    CHECK(r.error().fields.front().field == "email");
    CHECK(r.error().fields.front().issue == FieldIssue::EmailNotAscii);
  }
  // The ASCII form of an international domain is fine.
  CHECK(f.signup("kelvin@xn--exmple-cua.com").has_value());
}

TEST_CASE("an account whose email is not ASCII (made before the rule) still logs in", "[auth][login][email]") {
  AuthFixture f;
  const std::string legacy = "j\xC3\xBCrgen@example.com";
  REQUIRE(f.users.create(NewUser{legacy, std::nullopt, todo::test::FakeHasher::hash_as(todo::test::FakeHasher::kPrefix, kPassword)}));
  CHECK(f.login(legacy, kPassword).has_value());
  CHECK(f.login("J\xC3\xBCRGEN@Example.com", kPassword).has_value());
  CHECK_FALSE(f.login(legacy, "wrong password").has_value());
}

TEST_CASE("login with the right password returns a working token", "[auth][login]") {
  AuthFixture f;
  const AuthSession signed_up = f.signup_ok("alice@example.com");
  const auto s = f.login("alice@example.com", kPassword);
  REQUIRE(s.has_value());
  CHECK(s->user.id == signed_up.user.id);
  CHECK(s->expires_in == 604800);
  const auto me = f.auth.authenticate(s->access_token);
  REQUIRE(me.has_value());
  CHECK(me->email == "alice@example.com");
}

TEST_CASE("login normalises the email it is given", "[auth][login]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  CHECK(f.login("  ALICE@Example.com ", kPassword).has_value());
}

TEST_CASE("login gives the same error for an unknown email and a wrong password", "[auth][login]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  const auto wrong = f.login("alice@example.com", "wrong password");
  const auto unknown = f.login("nobody@example.com", kPassword);
  REQUIRE_FALSE(wrong.has_value());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(wrong.error().code == ErrorCode::Unauthenticated);
  CHECK(unknown.error().code == ErrorCode::Unauthenticated);
  CHECK(wrong.error().message == "Incorrect email or password");
  CHECK(unknown.error().message == wrong.error().message);
}

TEST_CASE("login verifies a hash for an unknown email as for a wrong password", "[auth][login]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  const int before_wrong = f.hasher.verify_calls();
  CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
  CHECK(f.hasher.verify_calls() == before_wrong + 1);
  const int before_unknown = f.hasher.verify_calls();
  CHECK_FALSE(f.login("nobody@example.com", "wrong password").has_value());
  CHECK(f.hasher.verify_calls() == before_unknown + 1);
}

// The equal-time property, deterministically: both failures cost exactly
// one verification against a hash made by the configured hasher (in
// production BcryptHasher at BCRYPT_COST, so the same cost), and the dummy
// is made once, not per request. The timings themselves are measured in
// tests/bench (crypto_bench: BM_login_*), not asserted here.
TEST_CASE("an unknown email is verified against a hash the configured hasher made, made once",
          "[auth][login]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
  const std::string real = f.hasher.last_verified_hash();
  const int hashes = f.hasher.hash_calls();
  for (int i = 0; i < 3; ++i) {
    const int verifies = f.hasher.verify_calls();
    CHECK_FALSE(f.login("nobody" + std::to_string(i) + "@example.com", "wrong password").has_value());
    CHECK(f.hasher.verify_calls() == verifies + 1);
    const std::string dummy = f.hasher.last_verified_hash();
    CHECK(dummy.substr(0, todo::test::FakeHasher::kPrefix.size()) == todo::test::FakeHasher::kPrefix);
    CHECK(dummy != real);
  }
  CHECK(f.hasher.hash_calls() <= hashes + 1);
}

// SPEC §6: a successful login whose stored hash is not at the current
// setting stores a new one (passlib's needs_update). The first build never
// did, so an account hashed at cost 4 stayed at cost 4 forever.
TEST_CASE("a successful login rehashes a cheaper or outdated hash and keeps the sessions", "[auth][login][rehash]") {
  using todo::test::FakeHasher;
  for (const std::string_view prefix : {FakeHasher::kCheapPrefix, FakeHasher::kOldPrefix}) {
    AuthFixture f;
    const AuthSession alice = f.signup_ok("alice@example.com");
    REQUIRE(f.users.set_password(alice.user.id, FakeHasher::hash_as(prefix, kPassword)).has_value());
    const auto before = f.users.find_by_id(alice.user.id).value();
    const int hashes = f.hasher.hash_calls();
    const auto session = f.login("alice@example.com", kPassword);
    REQUIRE(session.has_value());
    CHECK(f.hasher.hash_calls() == hashes + 1);
    const auto after = f.users.find_by_id(alice.user.id).value();
    CHECK(after.password_hash == FakeHasher::hash_as(FakeHasher::kPrefix, kPassword));
    // Not a password change: the token version (every session) is kept.
    CHECK(after.token_version == before.token_version);
    CHECK(f.auth.authenticate(session->access_token).has_value());
    // Current now: the next login hashes nothing.
    REQUIRE(f.login("alice@example.com", kPassword).has_value());
    CHECK(f.hasher.hash_calls() == hashes + 1);
  }
}

TEST_CASE("a failed login never rehashes; a cheaper hash's failure is padded with the dummy's check",
          "[auth][login][rehash]") {
  using todo::test::FakeHasher;
  AuthFixture f;
  const AuthSession alice = f.signup_ok("alice@example.com");
  const std::string cheap = FakeHasher::hash_as(FakeHasher::kCheapPrefix, kPassword);
  REQUIRE(f.users.set_password(alice.user.id, cheap).has_value());
  const int hashes = f.hasher.hash_calls();
  const int verifies = f.hasher.verify_calls();
  CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
  // The cheap hash, then a hash the configured hasher made (the dummy): as
  // long as an unknown email's check, within the cheap one's time.
  CHECK(f.hasher.verify_calls() == verifies + 2);
  CHECK(f.hasher.last_verified_hash().substr(0, FakeHasher::kPrefix.size()) == FakeHasher::kPrefix);
  CHECK(f.hasher.hash_calls() <= hashes + 1);  // at most the dummy, made once
  CHECK(f.users.find_by_id(alice.user.id).value().password_hash == cheap);
}

TEST_CASE("a rehash never overwrites a password changed since the hash was read", "[auth][login][rehash]") {
  using todo::test::FakeHasher;
  MemoryUserRepository users;
  const auto created = users.create(NewUser{"a@example.com", std::nullopt, FakeHasher::hash_as(FakeHasher::kCheapPrefix, "pw")});
  REQUIRE(created.has_value());
  REQUIRE(users.set_password(created->id, "fake$changed").has_value());
  const auto replaced = users.replace_password_hash(created->id, created->password_hash, "fake$wp");
  REQUIRE(replaced.has_value());
  CHECK_FALSE(*replaced);
  CHECK(users.find_by_id(created->id).value().password_hash == "fake$changed");
  CHECK_FALSE(users.replace_password_hash(UserId(999), "x", "y").value());
}

TEST_CASE("login refuses a password over 72 bytes instead of truncating it", "[auth][login]") {
  AuthFixture f;
  f.signup_ok("alice@example.com", repeat("p", 72));
  CHECK(f.login("alice@example.com", repeat("p", 72)).has_value());
  // bcrypt would ignore the 73rd byte and match: that must never log in.
  const auto longer = f.login("alice@example.com", repeat("p", 72) + "x");
  REQUIRE_FALSE(longer.has_value());
  CHECK((longer.error().code == ErrorCode::InvalidArgument || longer.error().code == ErrorCode::Unauthenticated));
}

TEST_CASE("login is refused with ResourceExhausted after 10 failures, before the password is checked",
          "[auth][login][throttle]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  for (int i = 0; i < 10; ++i) {
    const auto r = f.login("alice@example.com", "wrong password");
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().code == ErrorCode::Unauthenticated);
  }
  const int verifies = f.hasher.verify_calls();
  const auto blocked = f.login("alice@example.com", kPassword);
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().code == ErrorCode::ResourceExhausted);
  REQUIRE(blocked.error().retry_after_s.has_value());
  CHECK(*blocked.error().retry_after_s > 0);
  CHECK(*blocked.error().retry_after_s <= 15 * 60);
  CHECK(f.hasher.verify_calls() == verifies);
}

TEST_CASE("login throttling answers the same for an unknown email", "[auth][login][throttle]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
    CHECK_FALSE(f.login("ghost@example.com", "wrong password").has_value());
  }
  const auto known = f.login("alice@example.com", "wrong password");
  const auto unknown = f.login("ghost@example.com", "wrong password");
  REQUIRE_FALSE(known.has_value());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(known.error().code == ErrorCode::ResourceExhausted);
  CHECK(unknown.error().code == ErrorCode::ResourceExhausted);
  CHECK(known.error().message == unknown.error().message);
}

TEST_CASE("login failures count per normalised email", "[auth][login][throttle]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  for (int i = 0; i < 5; ++i) CHECK_FALSE(f.login("Alice@Example.com", "wrong password").has_value());
  for (int i = 0; i < 5; ++i) CHECK_FALSE(f.login(" alice@example.com", "wrong password").has_value());
  CHECK(code_of(f.login("alice@example.com", kPassword)) == "ResourceExhausted");
}

TEST_CASE("a successful login resets the email's failure count", "[auth][login][throttle]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  for (int i = 0; i < 9; ++i) CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
  REQUIRE(f.login("alice@example.com", kPassword).has_value());
  for (int i = 0; i < 9; ++i) CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
  CHECK(f.login("alice@example.com", kPassword).has_value());
}

TEST_CASE("login throttling lifts once the 15-minute window has passed", "[auth][login][throttle]") {
  AuthFixture f;
  f.signup_ok("alice@example.com");
  for (int i = 0; i < 10; ++i) CHECK_FALSE(f.login("alice@example.com", "wrong password").has_value());
  CHECK(code_of(f.login("alice@example.com", kPassword)) == "ResourceExhausted");
  f.clock.advance(std::chrono::minutes(15) + std::chrono::seconds(1));
  CHECK(f.login("alice@example.com", kPassword).has_value());
}

// ---------------------------------------------------------------- authenticate

TEST_CASE("authenticate refuses malformed and tampered tokens", "[auth][token]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  std::string tampered = s.access_token;
  tampered[4] = tampered[4] == '9' ? '8' : '9';  // the user id digit
  for (const std::string& bad : {std::string(), std::string("garbage"), tampered,
                                 s.access_token + "x", s.access_token.substr(1)}) {
    INFO(bad);
    const auto r = f.auth.authenticate(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::Unauthenticated);
  }
}

TEST_CASE("authenticate accepts a token until its expiry and refuses it after", "[auth][token]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  f.clock.advance(std::chrono::seconds(604800 - 1));
  CHECK(f.auth.authenticate(s.access_token).has_value());
  f.clock.advance(std::chrono::seconds(1));
  const auto expired = f.auth.authenticate(s.access_token);
  REQUIRE_FALSE(expired.has_value());
  CHECK(expired.error().code == ErrorCode::Unauthenticated);
}

TEST_CASE("authenticate refuses the token of a user who no longer exists", "[auth][token]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  f.users.forget(s.user.id);
  const auto r = f.auth.authenticate(s.access_token);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::Unauthenticated);

  // Nor a well-formed token for an id that never existed.
  const long long now = to_unix_seconds(f.clock.now());
  const std::string forged = FakeTokens::encode(TokenClaims{UserId(999), "x@example.com", 0, now, now + 60});
  CHECK(code_of(f.auth.authenticate(forged)) == "Unauthenticated");
}

TEST_CASE("authenticate refuses a token whose version differs from the user's", "[auth][token]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  const long long now = to_unix_seconds(f.clock.now());
  const std::string newer = FakeTokens::encode(TokenClaims{s.user.id, s.user.email, 1, now, now + 60});
  CHECK(code_of(f.auth.authenticate(newer)) == "Unauthenticated");
  const std::string same = FakeTokens::encode(TokenClaims{s.user.id, s.user.email, 0, now, now + 60});
  CHECK(f.auth.authenticate(same).has_value());
}

TEST_CASE("authenticate accepts a token without issued-at (minted by the replaced backend)", "[auth][token]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  const long long now = to_unix_seconds(f.clock.now());
  const std::string legacy = FakeTokens::encode(TokenClaims{s.user.id, s.user.email, 0, std::nullopt, now + 60});
  const auto me = f.auth.authenticate(legacy);
  REQUIRE(me.has_value());
  CHECK(me->id == s.user.id);
}

// ---------------------------------------------------------------- revocation

TEST_CASE("logout_all revokes every earlier token and new logins work", "[auth][revocation]") {
  AuthFixture f;
  const AuthSession first = f.signup_ok("alice@example.com");
  const auto second = f.login("alice@example.com", kPassword);
  REQUIRE(second.has_value());

  REQUIRE(f.auth.logout_all(first.user.id).has_value());
  CHECK(code_of(f.auth.authenticate(first.access_token)) == "Unauthenticated");
  CHECK(code_of(f.auth.authenticate(second->access_token)) == "Unauthenticated");

  const auto fresh = f.login("alice@example.com", kPassword);
  REQUIRE(fresh.has_value());
  CHECK(fresh->user.token_version == 1);
  CHECK(f.auth.authenticate(fresh->access_token).has_value());
}

TEST_CASE("logout_all of one user leaves other users' tokens working", "[auth][revocation]") {
  AuthFixture f;
  const AuthSession alice = f.signup_ok("alice@example.com");
  const AuthSession bob = f.signup_ok("bob@example.com");
  REQUIRE(f.auth.logout_all(alice.user.id).has_value());
  CHECK(f.auth.authenticate(bob.access_token).has_value());
}

TEST_CASE("change_password revokes every earlier token and swaps the password", "[auth][revocation]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  REQUIRE(f.auth.change_password(s.user.id, kPassword, "new password!", kAddress).has_value());

  CHECK(code_of(f.auth.authenticate(s.access_token)) == "Unauthenticated");
  CHECK(code_of(f.login("alice@example.com", kPassword)) == "Unauthenticated");
  const auto fresh = f.login("alice@example.com", "new password!");
  REQUIRE(fresh.has_value());
  CHECK(f.auth.authenticate(fresh->access_token).has_value());
}

TEST_CASE("change_password with a wrong current password is Unauthenticated and changes nothing",
          "[auth][revocation]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  const auto r = f.auth.change_password(s.user.id, "not my password", "new password!", kAddress);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::Unauthenticated);
  CHECK(f.auth.authenticate(s.access_token).has_value());
  CHECK(f.login("alice@example.com", kPassword).has_value());
  CHECK(code_of(f.login("alice@example.com", "new password!")) == "Unauthenticated");
}

// SPEC §6. The first build let a stolen token make 60 wrong guesses and
// change the password with the 61st.
TEST_CASE("wrong current passwords count as failed logins; once throttled even the right one is refused",
          "[auth][throttle][password]") {
  ThrottleLimits limits;
  limits.login_max_failures = 3;
  AuthFixture f(limits);
  const AuthSession s = f.signup_ok("alice@example.com");
  for (int i = 0; i < 3; ++i) {
    const auto wrong = f.auth.change_password(s.user.id, "guess number " + std::to_string(i), "new password!", kAddress);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == ErrorCode::Unauthenticated);
  }
  const int verifies = f.hasher.verify_calls();
  const auto refused = f.auth.change_password(s.user.id, kPassword, "new password!", kAddress);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  CHECK(refused.error().retry_after_s.has_value());
  CHECK(f.hasher.verify_calls() == verifies);  // refused before any hashing
  // The same count as the login form's: the email is throttled there too,
  // and the password is unchanged.
  const auto login = f.login("alice@example.com", kPassword, "198.51.100.1");
  REQUIRE_FALSE(login.has_value());
  CHECK(login.error().code == ErrorCode::ResourceExhausted);
  f.clock.advance(std::chrono::minutes{16});
  CHECK(f.login("alice@example.com", kPassword).has_value());
}

TEST_CASE("delete_account with the password removes the user: tokens refused, email free again",
          "[auth][delete]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  REQUIRE(f.auth.delete_account(s.user.id, kPassword, kAddress).has_value());
  CHECK(code_of(f.auth.authenticate(s.access_token)) == "Unauthenticated");
  CHECK(code_of(f.login("alice@example.com", kPassword)) == "Unauthenticated");
  const AuthSession again = f.signup_ok("alice@example.com");
  CHECK(again.user.id != s.user.id);
  // Deleting twice (a second request with the old token's user id) is Unauthenticated.
  CHECK(code_of(f.auth.delete_account(s.user.id, kPassword, kAddress)) == "Unauthenticated");
}

TEST_CASE("delete_account with a wrong password deletes nothing and counts as a failed login; "
          "once throttled even the right one is refused",
          "[auth][delete][throttle]") {
  ThrottleLimits limits;
  limits.login_max_failures = 2;
  AuthFixture f(limits);
  const AuthSession s = f.signup_ok("alice@example.com");
  for (int i = 0; i < 2; ++i) {
    const auto wrong = f.auth.delete_account(s.user.id, "guess " + std::to_string(i), kAddress);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == ErrorCode::Unauthenticated);
    CHECK(wrong.error().message == "Incorrect password");
  }
  CHECK(f.auth.authenticate(s.access_token).has_value());
  const int verifies = f.hasher.verify_calls();
  const auto refused = f.auth.delete_account(s.user.id, kPassword, kAddress);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  CHECK(f.hasher.verify_calls() == verifies);
  CHECK(f.auth.authenticate(s.access_token).has_value());  // still there
  CHECK(code_of(f.login("alice@example.com", kPassword, "198.51.100.1")) == "ResourceExhausted");
}

TEST_CASE("delete_account refuses invalid UTF-8 and NUL in the password as InvalidArgument naming 'password'",
          "[auth][delete]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  for (const std::string& bad : {std::string("a\0b", 3), std::string("\xff\xfe")}) {
    const auto r = f.auth.delete_account(s.user.id, bad, kAddress);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::InvalidArgument);
    REQUIRE_FALSE(r.error().fields.empty());
    CHECK(r.error().fields.front().field == "password");
  }
  CHECK(f.auth.authenticate(s.access_token).has_value());
}

TEST_CASE("failed password changes count toward the address too", "[auth][throttle][password]") {
  ThrottleLimits limits;
  limits.address_max_failures = 2;
  AuthFixture f(limits);
  const AuthSession a = f.signup_ok("a@example.com");
  const AuthSession b = f.signup_ok("b@example.com");
  CHECK_FALSE(f.auth.change_password(a.user.id, "wrong wrong", "new password!", "192.0.2.9").has_value());
  CHECK_FALSE(f.auth.change_password(b.user.id, "wrong wrong", "new password!", "192.0.2.9").has_value());
  const auto from_there = f.login("a@example.com", kPassword, "192.0.2.9");
  REQUIRE_FALSE(from_there.has_value());
  CHECK(from_there.error().code == ErrorCode::ResourceExhausted);
  CHECK(f.login("a@example.com", kPassword, "192.0.2.10").has_value());
}

TEST_CASE("change_password refuses an invalid new password naming 'new_password'", "[auth][revocation]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  CHECK(names_field(f.auth.change_password(s.user.id, kPassword, "short", kAddress), "new_password"));
  CHECK(names_field(f.auth.change_password(s.user.id, kPassword, repeat("p", 73), kAddress), "new_password"));
  CHECK(f.auth.authenticate(s.access_token).has_value());
  CHECK(f.login("alice@example.com", kPassword).has_value());
}

// ---------------------------------------------------------------- encoding

TEST_CASE("signup, login and change_password refuse invalid UTF-8 and NUL as InvalidArgument",
          "[auth][utf8]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  const std::string nul("pass\0word", 9);
  const std::string surrogate = "password\xED\xA0\x80";
  for (const std::string& bad : {nul, surrogate}) {
    CHECK(names_field(f.signup("bob@example.com", bad), "password"));
    CHECK(names_field(f.signup("bob" + bad + "@example.com"), "email"));
    CHECK(names_field(f.signup("bob@example.com", kPassword, "bob" + bad), "username"));
    CHECK(names_field(f.login("alice@example.com", bad), "password"));
    CHECK(names_field(f.login("alice" + bad + "@example.com", kPassword), "email"));
    CHECK(names_field(f.auth.change_password(s.user.id, bad, "new password!", kAddress), "current_password"));
    CHECK(names_field(f.auth.change_password(s.user.id, kPassword, bad, kAddress), "new_password"));
  }
  CHECK(f.login("alice@example.com", kPassword).has_value());
}

// ---------------------------------------------------------------- live sync

namespace {

// Counts what a live-sync subscription was told (the memory feed calls
// back on the calling thread).
struct Told final : FeedListener {
  int started = 0;
  int revoked = 0;
  void on_started(std::int64_t) override { ++started; }
  void on_event(const TaskEvent&) override {}
  void on_reset(std::int64_t) override {}
  void on_revoked() override { ++revoked; }
  void on_refused(const Error&) override { ++revoked; }
};

std::shared_ptr<Told> follow(AuthFixture& f, const AuthSession& s, std::unique_ptr<Subscription>& kept) {
  auto told = std::make_shared<Told>();
  auto caller = f.auth.verify(s.access_token);
  REQUIRE(caller);
  auto subscribed = f.feed.subscribe(*caller, std::nullopt, told);
  REQUIRE(subscribed);
  kept = std::move(*subscribed);
  REQUIRE(told->started == 1);
  return told;
}

}  // namespace

TEST_CASE("ending sessions ends their live streams: logout-all, password change, account deletion",
          "[auth][revocation][feed]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  std::unique_ptr<Subscription> kept;
  const auto told = follow(f, s, kept);
  SECTION("logout-all (by id)") { REQUIRE(f.auth.logout_all(s.user.id)); }
  SECTION("logout-all (for a caller)") {
    auto caller = f.auth.verify(s.access_token);
    REQUIRE(caller);
    bool done = false;
    f.auth.logout_all(*caller, [&done](Result<void> r) { done = r.has_value(); });
    REQUIRE(done);
  }
  SECTION("password change") { REQUIRE(f.auth.change_password(s.user.id, kPassword, "new password!", kAddress)); }
  SECTION("account deletion") { REQUIRE(f.auth.delete_account(s.user.id, kPassword, kAddress)); }
  REQUIRE(told->revoked == 1);
}

TEST_CASE("a refused password change or deletion leaves the live streams open", "[auth][revocation][feed]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  std::unique_ptr<Subscription> kept;
  const auto told = follow(f, s, kept);
  REQUIRE_FALSE(f.auth.change_password(s.user.id, "wrong password", "new password!", kAddress));
  REQUIRE_FALSE(f.auth.delete_account(s.user.id, "wrong password", kAddress));
  REQUIRE(told->revoked == 0);
}

TEST_CASE("verify_token gives the caller and the token's expiry", "[auth][feed]") {
  AuthFixture f;
  const AuthSession s = f.signup_ok("alice@example.com");
  const auto verified = f.auth.verify_token(s.access_token);
  REQUIRE(verified);
  REQUIRE(verified->caller.user_id() == s.user.id);
  REQUIRE(verified->expires_at == f.clock.now() + std::chrono::seconds(kTokenLifetimeSeconds));
  REQUIRE_FALSE(f.auth.verify_token("not a token"));
}
