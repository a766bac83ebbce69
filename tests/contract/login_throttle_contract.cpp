// The LoginThrottle contract, run on the in-process throttle and on the
// PostgreSQL one (shared by every instance on a database, issue 20):
// failure windows per email and per address, sign-ups per address, resets,
// expiry and the "0 = no limit" switch. Then what only one of them has: the
// in-process memory bound; the shared counts across instances and the sweep.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"
#include "pg_admin.hpp"
#include "todo/core/ports/login_throttle.hpp"
#include "todo/memory/in_process_login_throttle.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/pg/pg_login_throttle.hpp"

using namespace todo::core;
using todo::memory::InProcessLoginThrottle;
using todo::memory::ManualClock;
using todo::pg::PgLoginThrottle;
using todo::test::PgBackend;
using todo::test::execute_sql;
using todo::test::query_int;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

constexpr const char* kEmail = "alice@example.com";
constexpr const char* kAddr = "203.0.113.7";
constexpr const char* kOtherAddr = "198.51.100.9";

std::string code_of(const Result<void>& r) { return r ? "ok" : to_string(r.error().code); }

struct MemoryThrottle {
  using Throttle = InProcessLoginThrottle;
  MemoryThrottle(const Clock& clock, ThrottleLimits limits) : throttle(clock, limits) {}
  Throttle throttle;
};

// On the contract database, its events emptied before every case.
struct PgThrottle {
  using Throttle = PgLoginThrottle;
  PgThrottle(const Clock& clock, ThrottleLimits limits) : throttle(emptied_pool(), clock, limits) {}
  static todo::pg::Pool& emptied_pool() {
    todo::pg::Pool& pool = PgBackend::pool();  // migrated on first use
    execute_sql(PgBackend::url(), "TRUNCATE throttle_events");
    return pool;
  }
  Throttle throttle;
};

template <class Backend>
struct ThrottleFixture {
  explicit ThrottleFixture(ThrottleLimits limits = {}) : backend(clock, limits) {}

  ManualClock clock;
  Backend backend;
  typename Backend::Throttle& throttle = backend.throttle;

  void fail(const std::string& email, const std::string& address, int times) {
    for (int i = 0; i < times; ++i) throttle.record_login_failure(email, address);
  }
  bool allowed(const std::string& email, const std::string& address) {
    return throttle.check_login(email, address).has_value();
  }
};

}  // namespace

TEMPLATE_TEST_CASE("throttle allows logins with up to 9 failures for an email and blocks at 10", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  CHECK(f.allowed(kEmail, kAddr));
  f.fail(kEmail, kAddr, 9);
  CHECK(f.allowed(kEmail, kAddr));
  f.fail(kEmail, kAddr, 1);
  const auto blocked = f.throttle.check_login(kEmail, kAddr);
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().code == ErrorCode::ResourceExhausted);
  CHECK(blocked.error().retry_after_s.has_value());
  // Each refusal is counted for /metrics; allowed checks are not.
  CHECK(f.throttle.login_refusals() == 1);
  CHECK_FALSE(f.throttle.check_login(kEmail, kAddr).has_value());
  CHECK(f.throttle.login_refusals() == 2);
  CHECK(f.throttle.signup_refusals() == 0);
}

TEMPLATE_TEST_CASE("throttle Retry-After is the time left in the 15-minute window", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  f.fail(kEmail, kAddr, 10);
  const auto at_once = f.throttle.check_login(kEmail, kAddr);
  REQUIRE_FALSE(at_once.has_value());
  CHECK(at_once.error().retry_after_s == 900);
  f.clock.advance(minutes(5));
  const auto later = f.throttle.check_login(kEmail, kAddr);
  REQUIRE_FALSE(later.has_value());
  CHECK(later.error().retry_after_s == 600);
  // A partial second left still asks the client to wait a whole one.
  f.clock.advance(minutes(10) - std::chrono::milliseconds(300));
  const auto last = f.throttle.check_login(kEmail, kAddr);
  REQUIRE_FALSE(last.has_value());
  CHECK(last.error().retry_after_s == 1);
}

TEMPLATE_TEST_CASE("throttle lifts an email block once its window has passed", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  f.fail(kEmail, kAddr, 10);
  f.clock.advance(minutes(15) - seconds(1));
  CHECK_FALSE(f.allowed(kEmail, kAddr));
  f.clock.advance(seconds(2));
  CHECK(f.allowed(kEmail, kAddr));
  // A fresh window starts counting from zero.
  f.fail(kEmail, kAddr, 9);
  CHECK(f.allowed(kEmail, kAddr));
}

TEMPLATE_TEST_CASE("throttle counts failures spread over the window together", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  for (int i = 0; i < 10; ++i) {
    f.fail(kEmail, kAddr, 1);
    f.clock.advance(minutes(1));
  }
  CHECK_FALSE(f.allowed(kEmail, kAddr));
}

TEMPLATE_TEST_CASE("throttle blocks a hot email from every address, and only that email", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  f.fail(kEmail, kAddr, 10);
  CHECK_FALSE(f.allowed(kEmail, kOtherAddr));
  CHECK(f.allowed("bob@example.com", kOtherAddr));
  CHECK(f.allowed("bob@example.com", kAddr));
}

TEMPLATE_TEST_CASE("throttle blocks an address after its failure limit, whatever the email", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.address_max_failures = 3;
  ThrottleFixture<TestType> f(limits);
  f.fail("a@example.com", kAddr, 1);
  f.fail("b@example.com", kAddr, 1);
  CHECK(f.allowed("fresh@example.com", kAddr));
  f.fail("c@example.com", kAddr, 1);
  const auto blocked = f.throttle.check_login("fresh@example.com", kAddr);
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().code == ErrorCode::ResourceExhausted);
  CHECK(blocked.error().retry_after_s == 900);
  CHECK(f.allowed("fresh@example.com", kOtherAddr));
  f.clock.advance(minutes(15) + seconds(1));
  CHECK(f.allowed("fresh@example.com", kAddr));
}

TEMPLATE_TEST_CASE("throttle address limit defaults to 100 failures", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  for (int i = 0; i < 99; ++i) f.fail("user" + std::to_string(i) + "@example.com", kAddr, 1);
  CHECK(f.allowed("fresh@example.com", kAddr));
  f.fail("user99@example.com", kAddr, 1);
  CHECK_FALSE(f.allowed("fresh@example.com", kAddr));
}

TEMPLATE_TEST_CASE("throttle: a success resets the email's failure count", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  f.fail(kEmail, kAddr, 9);
  f.throttle.record_login_success(kEmail, kAddr);
  f.fail(kEmail, kAddr, 9);
  CHECK(f.allowed(kEmail, kAddr));
  f.fail(kEmail, kAddr, 1);
  CHECK_FALSE(f.allowed(kEmail, kAddr));
}

TEMPLATE_TEST_CASE("throttle: a success does not reset the address's failure count", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.address_max_failures = 4;
  ThrottleFixture<TestType> f(limits);
  f.fail(kEmail, kAddr, 3);
  f.throttle.record_login_success(kEmail, kAddr);
  f.fail("bob@example.com", kAddr, 1);
  CHECK_FALSE(f.allowed("carol@example.com", kAddr));
}

TEMPLATE_TEST_CASE("throttle: a limit of 0 disables the login checks", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.login_max_failures = 0;
  limits.address_max_failures = 0;
  ThrottleFixture<TestType> f(limits);
  f.fail(kEmail, kAddr, 500);
  CHECK(f.allowed(kEmail, kAddr));
}

TEMPLATE_TEST_CASE("throttle: email limit 0 still enforces the address limit", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.login_max_failures = 0;
  limits.address_max_failures = 5;
  ThrottleFixture<TestType> f(limits);
  f.fail(kEmail, kAddr, 5);
  CHECK_FALSE(f.allowed(kEmail, kAddr));
  CHECK(f.allowed(kEmail, kOtherAddr));
}

TEMPLATE_TEST_CASE("throttle allows signups up to the per-address limit in an hour", "[throttle][signup]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.signup_per_address = 3;
  ThrottleFixture<TestType> f(limits);
  for (int i = 0; i < 3; ++i) CHECK(f.throttle.check_signup(kAddr).has_value());
  const auto blocked = f.throttle.check_signup(kAddr);
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().code == ErrorCode::ResourceExhausted);
  CHECK(blocked.error().retry_after_s == 3600);
  CHECK(f.throttle.signup_refusals() == 1);
  CHECK(f.throttle.login_refusals() == 0);
  CHECK(f.throttle.check_signup(kOtherAddr).has_value());
  f.clock.advance(minutes(59));
  CHECK(code_of(f.throttle.check_signup(kAddr)) == "ResourceExhausted");
  f.clock.advance(minutes(1) + seconds(1));
  CHECK(f.throttle.check_signup(kAddr).has_value());
}

TEMPLATE_TEST_CASE("throttle signup limit defaults to 100 per address", "[throttle][signup]", MemoryThrottle, PgThrottle) {
  ThrottleFixture<TestType> f;
  for (int i = 0; i < 100; ++i) REQUIRE(f.throttle.check_signup(kAddr).has_value());
  CHECK(code_of(f.throttle.check_signup(kAddr)) == "ResourceExhausted");
}

TEMPLATE_TEST_CASE("throttle: a signup limit of 0 means no limit", "[throttle][signup]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.signup_per_address = 0;
  ThrottleFixture<TestType> f(limits);
  for (int i = 0; i < 500; ++i) REQUIRE(f.throttle.check_signup(kAddr).has_value());
}

TEMPLATE_TEST_CASE("throttle signups and login failures are counted apart", "[throttle][signup]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.signup_per_address = 2;
  limits.address_max_failures = 2;
  ThrottleFixture<TestType> f(limits);
  REQUIRE(f.throttle.check_signup(kAddr).has_value());
  REQUIRE(f.throttle.check_signup(kAddr).has_value());
  CHECK(f.allowed(kEmail, kAddr));
  f.clock.advance(minutes(61));
  f.fail(kEmail, kAddr, 2);
  CHECK(f.throttle.check_signup(kAddr).has_value());
}

TEMPLATE_TEST_CASE("throttle counts failures from concurrent callers exactly", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.login_max_failures = 100;
  limits.address_max_failures = 0;
  ThrottleFixture<TestType> f(limits);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 3; ++i) threads.emplace_back([&f] { f.fail(kEmail, kAddr, 33); });
  }
  CHECK(f.allowed(kEmail, kAddr));  // 99
  f.fail(kEmail, kAddr, 1);
  CHECK_FALSE(f.allowed(kEmail, kAddr));
}

TEST_CASE("throttle bounds its memory by dropping the oldest windows first", "[throttle][login]") {
  ThrottleLimits limits;
  limits.login_max_failures = 1;
  limits.address_max_failures = 0;
  limits.max_tracked_keys = 2;
  ThrottleFixture<MemoryThrottle> f(limits);
  f.fail("e1@example.com", kAddr, 1);
  f.clock.advance(seconds(1));
  f.fail("e2@example.com", kAddr, 1);
  f.clock.advance(seconds(1));
  f.fail("e3@example.com", kAddr, 1);
  CHECK(f.allowed("e1@example.com", kAddr));
  CHECK_FALSE(f.allowed("e2@example.com", kAddr));
  CHECK_FALSE(f.allowed("e3@example.com", kAddr));
}

TEMPLATE_TEST_CASE("throttle windows slide: failures just before and after a 15-minute boundary add up", "[throttle][login]", MemoryThrottle, PgThrottle) {
  ThrottleLimits limits;
  limits.login_max_failures = 3;
  ThrottleFixture<TestType> f(limits);
  f.fail(kEmail, kAddr, 1);                   // t = 0
  f.clock.advance(minutes(14) + seconds(59));  // t = 14:59
  f.fail(kEmail, kAddr, 2);                   // three inside the window
  CHECK_FALSE(f.allowed(kEmail, kAddr));
  f.clock.advance(seconds(2));                // t = 15:01: the t = 0 failure has left
  CHECK(f.allowed(kEmail, kAddr));
  f.fail(kEmail, kAddr, 1);                   // 14:59, 14:59, 15:01: three again
  const auto blocked = f.throttle.check_login(kEmail, kAddr);
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().code == ErrorCode::ResourceExhausted);
  // Until the older 14:59 failures leave the window, at 29:59.
  CHECK(blocked.error().retry_after_s == 14 * 60 + 58);
}

TEST_CASE("shared throttle: failures counted by one instance refuse the login on another", "[throttle][shared]") {
  ManualClock clock;
  ThrottleLimits limits;
  limits.login_max_failures = 3;
  limits.address_max_failures = 5;
  PgLoginThrottle first(PgThrottle::emptied_pool(), clock, limits);
  PgLoginThrottle second(PgBackend::pool(), clock, limits);
  first.record_login_failure(kEmail, kAddr);
  second.record_login_failure(kEmail, kAddr);
  CHECK(first.check_login(kEmail, kAddr).has_value());
  first.record_login_failure(kEmail, kAddr);
  // Three failures in all, two on one instance and one on the other.
  const auto blocked = second.check_login(kEmail, kOtherAddr);
  REQUIRE_FALSE(blocked.has_value());
  CHECK(blocked.error().code == ErrorCode::ResourceExhausted);
  CHECK(blocked.error().retry_after_s == 900);
  // The address limit adds up across instances too (3 + 2 = 5).
  second.record_login_failure("bob@example.com", kAddr);
  first.record_login_failure("carol@example.com", kAddr);
  CHECK(code_of(second.check_login("dave@example.com", kAddr)) == "ResourceExhausted");
  // A success on one instance resets the email everywhere.
  first.record_login_success(kEmail, kOtherAddr);
  CHECK(second.check_login(kEmail, kOtherAddr).has_value());
  // Sign-ups share one count per address.
  limits.signup_per_address = 2;
  PgLoginThrottle third(PgBackend::pool(), clock, limits);
  PgLoginThrottle fourth(PgBackend::pool(), clock, limits);
  CHECK(third.check_signup(kOtherAddr).has_value());
  CHECK(fourth.check_signup(kOtherAddr).has_value());
  CHECK(code_of(third.check_signup(kOtherAddr)) == "ResourceExhausted");
  CHECK(fourth.signup_refusals() == 0);
  CHECK(third.signup_refusals() == 1);
  CHECK(first.record_errors() == 0);
}

TEST_CASE("shared throttle sweeps rows older than its longest window, at most once a minute", "[throttle][shared]") {
  ManualClock clock;
  PgLoginThrottle throttle(PgThrottle::emptied_pool(), clock, ThrottleLimits{});
  const std::string count = "SELECT count(*) FROM throttle_events";
  throttle.record_login_failure(kEmail, kAddr);  // first call: sweeps (nothing old yet)
  REQUIRE(throttle.check_signup(kAddr).has_value());
  CHECK(query_int(PgBackend::url(), count) == 3);
  // Past the failure window but inside the sign-up hour: nothing is old enough.
  clock.advance(minutes(30));
  throttle.record_login_failure(kEmail, kAddr);
  CHECK(query_int(PgBackend::url(), count) == 5);
  clock.advance(minutes(31));  // the first three are 61 minutes old
  throttle.record_login_failure("bob@example.com", kAddr);
  CHECK(query_int(PgBackend::url(), count) == 4);
  // Within a minute of that sweep, no other.
  clock.advance(seconds(30));
  throttle.record_login_failure("carol@example.com", kAddr);
  CHECK(query_int(PgBackend::url(), count) == 6);
  clock.advance(minutes(30));  // the two at 30 minutes are now over an hour old
  throttle.record_login_failure("dave@example.com", kAddr);
  CHECK(query_int(PgBackend::url(), count) == 6);
}

TEST_CASE("shared throttle: an unreachable database fails the check as Unavailable", "[throttle][shared]") {
  ManualClock clock;
  todo::pg::PoolOptions options;
  options.conninfo = "postgresql:///nowhere?host=/nonexistent&connect_timeout=1";
  options.size = 1;
  todo::pg::Pool pool(std::move(options));
  PgLoginThrottle throttle(pool, clock, ThrottleLimits{});
  CHECK(code_of(throttle.check_login(kEmail, kAddr)) == "Unavailable");
  CHECK(code_of(throttle.check_signup(kAddr)) == "Unavailable");
  throttle.record_login_failure(kEmail, kAddr);  // best effort: counted, not thrown
  CHECK(throttle.record_errors() >= 1);
}
