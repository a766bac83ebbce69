#pragma once
// The data rules of SPEC §2, as pure functions. Field errors name the input
// field ("email", "title", ...) and say what is wrong (FieldIssue).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
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
// UTF-8 helpers (strict: no overlongs, no surrogates, nothing above U+10FFFF).
// The length of the valid sequence `s` starts with, or 0 when it starts with
// none (or is empty): the one UTF-8 decoder of the project.
std::size_t utf8_sequence_length(std::string_view s) noexcept;
bool is_valid_utf8(std::string_view s) noexcept;
// Number of code points; `s` must be valid UTF-8.
std::size_t count_code_points(std::string_view s) noexcept;
// Trims ASCII whitespace (space, \t, \n, \r, \f, \v) at both ends.
std::string_view trim(std::string_view s) noexcept;
// Trims what Python's str.strip() does (Unicode White_Space, and U+001C..
// U+001F) at both ends: for user text (titles, tags, emails). Invalid UTF-8
// at an end stops the trimming there.
std::string_view strip_white_space(std::string_view s) noexcept;
std::string ascii_lower(std::string_view s);
// Every byte below 0x80.
bool is_ascii(std::string_view s) noexcept;

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
// Each tag trimmed, non-empty and free of commas; joined with "," at most
// 500 characters. An empty list means no tags.
Result<std::vector<std::string>> normalize_tags(const std::vector<std::string>& tags);

}  // namespace todo::core
