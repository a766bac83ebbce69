#pragma once
// LoginThrottle kept in PostgreSQL, so every instance on one database
// counts the same failures (SPEC §6 "Several instances"): N instances allow
// exactly LOGIN_MAX_FAILURES per email and ADDRESS_MAX_FAILURES per address
// in the window, not N times that. The same sliding windows as the
// in-process throttle (todo::memory::InProcessLoginThrottle).
//
// Cost: a login runs one indexed read (both keys) before its password
// check; a failed one adds one INSERT (two rows), a successful one one
// indexed DELETE of its email's failures; a sign-up one statement (read and
// add). Statements run on the pool, on the calling thread: logins and
// sign-ups already run on the password-hashing workers.
//
// Concurrency: a check and its later record are two statements, so
// requests racing past one check can each record a failure (as with the
// in-process throttle, whose check and record are also apart); the bound
// is then exceeded by at most the number of logins of one key in flight.

#include <atomic>
#include <cstdint>

#include "todo/core/ports/clock.hpp"
#include "todo/core/ports/login_throttle.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

class PgLoginThrottle final : public core::LoginThrottle {
 public:
  PgLoginThrottle(Pool& pool, const core::Clock& clock, core::ThrottleLimits limits);

  // Unavailable when the database cannot answer (a login would fail anyway).
  core::Result<void> check_login(std::string_view email, std::string_view address) override;
  // Best effort: a failure to record is not the caller's problem (it
  // already has its answer); it is counted in record_errors().
  void record_login_failure(std::string_view email, std::string_view address) override;
  void record_login_success(std::string_view email, std::string_view address) override;
  core::Result<void> check_signup(std::string_view address) override;

  // Rows older than the longest window are deleted at most this often,
  // by whichever call comes first after the interval.
  static constexpr std::chrono::seconds kSweepInterval{60};

  std::uint64_t login_refusals() const noexcept { return login_refusals_.load(std::memory_order_relaxed); }
  std::uint64_t signup_refusals() const noexcept { return signup_refusals_.load(std::memory_order_relaxed); }
  std::uint64_t record_errors() const noexcept { return record_errors_.load(std::memory_order_relaxed); }

 private:
  void sweep_if_due(core::Timestamp now);

  Pool& pool_;
  const core::Clock& clock_;
  core::ThrottleLimits limits_;
  std::atomic<std::int64_t> last_sweep_us_{0};  // Clock time of the last sweep, µs since the epoch
  std::atomic<std::uint64_t> login_refusals_{0};
  std::atomic<std::uint64_t> signup_refusals_{0};
  std::atomic<std::uint64_t> record_errors_{0};
};

}  // namespace todo::pg
