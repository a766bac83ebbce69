#include "todo/pg/pg_login_throttle.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "connection.hpp"
#include "with_connection.hpp"

namespace todo::pg {
namespace {

// Event kinds in throttle_events.kind (written into the SQL below): 1 a
// failed login by email, 2 the same by address, 3 a sign-up by address.

// The `limit`-th newest event of each key inside the window (NULL when there
// are fewer): the caller is blocked until it leaves the window. $4/$5 are
// limit - 1 (a huge offset when the limit is off).
constexpr Statement kLoginBlockers{"todo_throttle_login", R"sql(
SELECT
  (SELECT at FROM throttle_events WHERE kind = 1 AND key = $1 AND at > $3::timestamptz
   ORDER BY at DESC OFFSET $4::bigint LIMIT 1),
  (SELECT at FROM throttle_events WHERE kind = 2 AND key = $2 AND at > $3::timestamptz
   ORDER BY at DESC OFFSET $5::bigint LIMIT 1)
)sql"};

constexpr Statement kRecordFailure{"todo_throttle_failure", R"sql(
INSERT INTO throttle_events (kind, key, at) VALUES (1, $1, $3::timestamptz), (2, $2, $3::timestamptz)
)sql"};

constexpr Statement kResetEmail{"todo_throttle_reset", R"sql(
DELETE FROM throttle_events WHERE kind = 1 AND key = $1
)sql"};

// Checks and counts a sign-up in one statement: counted only when allowed.
constexpr Statement kSignup{"todo_throttle_signup", R"sql(
WITH blocker AS (
  SELECT at FROM throttle_events WHERE kind = 3 AND key = $1 AND at > $2::timestamptz
  ORDER BY at DESC OFFSET $3::bigint LIMIT 1
), counted AS (
  INSERT INTO throttle_events (kind, key, at)
  SELECT 3, $1, $4::timestamptz WHERE NOT EXISTS (SELECT 1 FROM blocker)
)
SELECT at FROM blocker
)sql"};

constexpr Statement kSweep{"todo_throttle_sweep", R"sql(
DELETE FROM throttle_events WHERE at <= $1::timestamptz
)sql"};

std::int64_t offset_for(int limit) {
  return limit > 0 ? limit - 1 : std::numeric_limits<std::int64_t>::max();
}

// Whole seconds (at least 1) until `oldest` + `window` has passed.
long long seconds_until(core::Timestamp oldest, std::chrono::seconds window, core::Timestamp now) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(oldest + window - now).count();
  return std::max<long long>(1, (left + 999'999) / 1'000'000);
}

std::int64_t micros(core::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

PgLoginThrottle::PgLoginThrottle(Pool& pool, const core::Clock& clock, core::ThrottleLimits limits)
    : pool_(pool), clock_(clock), limits_(limits) {}

core::Result<void> PgLoginThrottle::check_login(std::string_view email, std::string_view address) {
  if (limits_.login_max_failures <= 0 && limits_.address_max_failures <= 0) return {};
  const auto now = clock_.now();
  auto result = with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return c.exec(kLoginBlockers, Params{}
                                      .text(email)
                                      .text(address)
                                      .timestamp(now - limits_.failure_window)
                                      .int8(offset_for(limits_.login_max_failures))
                                      .int8(offset_for(limits_.address_max_failures)));
  });
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  long long wait = 0;
  for (int col = 0; col < 2 && rows.size() > 0; ++col) {
    if (rows.is_null(0, col)) continue;
    wait = std::max(wait, seconds_until(rows.timestamp(0, col), limits_.failure_window, now));
  }
  if (wait > 0) {
    login_refusals_.fetch_add(1, std::memory_order_relaxed);
    return core::Error::resource_exhausted(core::kTooManyAttempts, wait);
  }
  return {};
}

void PgLoginThrottle::record_login_failure(std::string_view email, std::string_view address) {
  if (limits_.login_max_failures <= 0 && limits_.address_max_failures <= 0) return;
  const auto now = clock_.now();
  auto result = with_connection(pool_, Retry::Never, [&](Connection& c) {
    return c.exec(kRecordFailure, Params{}.text(email).text(address).timestamp(now));
  });
  if (!result) record_errors_.fetch_add(1, std::memory_order_relaxed);
  sweep_if_due(now);
}

void PgLoginThrottle::record_login_success(std::string_view email, std::string_view /*address*/) {
  if (limits_.login_max_failures <= 0) return;
  auto result = with_connection(pool_, Retry::OnceIfLost,
                                [&](Connection& c) { return c.exec(kResetEmail, Params{}.text(email)); });
  if (!result) record_errors_.fetch_add(1, std::memory_order_relaxed);
}

core::Result<void> PgLoginThrottle::check_signup(std::string_view address) {
  if (limits_.signup_per_address <= 0) return {};
  const auto now = clock_.now();
  // Never re-run: a lost connection may have counted the sign-up already.
  auto result = with_connection(pool_, Retry::Never, [&](Connection& c) {
    return c.exec(kSignup, Params{}
                               .text(address)
                               .timestamp(now - limits_.signup_window)
                               .int8(offset_for(limits_.signup_per_address))
                               .timestamp(now));
  });
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  sweep_if_due(now);
  if (rows.size() > 0 && !rows.is_null(0, 0)) {
    signup_refusals_.fetch_add(1, std::memory_order_relaxed);
    return core::Error::resource_exhausted(core::kTooManyAttempts,
                                           seconds_until(rows.timestamp(0, 0), limits_.signup_window, now));
  }
  return {};
}

void PgLoginThrottle::sweep_if_due(core::Timestamp now) {
  const std::int64_t now_us = micros(now);
  std::int64_t last = last_sweep_us_.load(std::memory_order_relaxed);
  const std::int64_t interval_us = std::chrono::duration_cast<std::chrono::microseconds>(kSweepInterval).count();
  if (last != 0 && now_us - last < interval_us) return;
  // One caller per interval sweeps; the others go on.
  if (!last_sweep_us_.compare_exchange_strong(last, now_us, std::memory_order_relaxed)) return;
  const auto longest = std::max(limits_.failure_window, limits_.signup_window);
  auto result = with_connection(pool_, Retry::Never, [&](Connection& c) {
    return c.exec(kSweep, Params{}.timestamp(now - longest));
  });
  if (!result) record_errors_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace todo::pg
