#pragma once
// Timestamps: UTC, microsecond precision, printed as RFC 3339 with exactly six
// fraction digits and a `Z` suffix.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace todo::core {

using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// "2026-11-24T10:00:00.123456Z"
std::string format_timestamp(Timestamp t);
// format_timestamp's text appended to `out` (no string of its own: a task
// list writes three timestamps per task).
void append_timestamp(std::string& out, Timestamp t);

// Accepts RFC 3339 with `Z` or a numeric offset (converted to UTC), a naive
// ISO 8601 date-time ("2026-12-01T10:30", "...:15", "...:15.5"; read as UTC;
// ' ' also accepted for 'T') and a plain date ("2026-12-01", midnight UTC).
// Fractions beyond microseconds are truncated. Years 0001..9999 only.
std::optional<Timestamp> parse_timestamp(std::string_view text);

// Seconds since the Unix epoch (for JWT claims).
long long to_unix_seconds(Timestamp t);
Timestamp from_unix_seconds(long long seconds);

}  // namespace todo::core
