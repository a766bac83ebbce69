#pragma once
// The data rules of SPEC §2, as pure functions. Field errors name the input
// field ("email", "title", "limit", ...) and carry a pydantic-style type.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "todo/core/result.hpp"
#include "todo/core/task.hpp"

namespace todo::core {

inline constexpr std::size_t kEmailMaxChars = 254;
inline constexpr std::size_t kPasswordMinBytes = 8;
inline constexpr std::size_t kPasswordMaxBytes = 72;
inline constexpr std::size_t kUsernameMaxChars = 50;
inline constexpr std::size_t kTitleMaxChars = 255;
inline constexpr std::size_t kDescriptionMaxChars = 1000;
inline constexpr std::size_t kTagsMaxChars = 500;
inline constexpr int kListLimitDefault = 100;
inline constexpr int kListLimitMax = 500;

// UTF-8 helpers (strict: no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;
// Number of code points; `s` must be valid UTF-8.
std::size_t count_code_points(std::string_view s) noexcept;
// Trims ASCII whitespace (space, \t, \n, \r, \f, \v) at both ends.
std::string_view trim(std::string_view s) noexcept;
std::string ascii_lower(std::string_view s);

// Valid UTF-8 without NUL; otherwise InvalidArgument on `field`.
Result<void> check_text(std::string_view field, std::string_view value);

// Trimmed, lower-cased; at most 254 chars, exactly one '@', non-empty local
// part, a dot inside the domain (not first or last), no whitespace.
Result<std::string> normalize_email(std::string_view email, std::string_view field = "email");
// 8..72 bytes of valid UTF-8, no NUL.
Result<void> validate_password(std::string_view password, std::string_view field = "password");
// 1..50 of [A-Za-z0-9_-]; returned as given (uniqueness is case-insensitive).
Result<std::string> validate_username(std::string_view username);
// Trimmed, 1..255 characters.
Result<std::string> normalize_title(std::string_view title);
// At most 1000 characters (kept as given, not trimmed).
Result<std::string> validate_description(std::string_view description);
// Comma list, at most 500 characters; each tag trimmed; an empty tag is an
// error unless the whole value is empty/blank (= no tags).
Result<std::vector<std::string>> parse_tags(std::string_view tags);
// RFC 3339, naive ISO date-time or plain date (see time.hpp).
Result<Timestamp> parse_due_date(std::string_view text);

// Builds a TaskQuery from raw query parameters (name, value) in arrival
// order. Unknown names are ignored; when a name repeats, the last wins.
// Accepts completed=true|false, status=pending|completed|all, priority,
// tag, search, sort_by, order, limit, offset. Errors name the parameter.
Result<TaskQuery> parse_task_query(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace todo::core
