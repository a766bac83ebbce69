#include "todo/core/validation.hpp"

#include <string>

namespace todo::core {
namespace {

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

Error issue(std::string_view field, FieldIssue what, std::int64_t limit = 0) {
  return Error::invalid(FieldError{std::string(field), what, limit, 0});
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s) noexcept {
  if (s.empty()) return 0;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto in = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  // RFC 3629's table (Unicode 3.9 D92): no overlongs, no surrogates, nothing
  // above U+10FFFF.
  const unsigned b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (b0 == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b0 == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (b0 == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (b0 >= 0xF1 && b0 <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (b0 == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII runs without the table.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::size_t count_code_points(std::string_view s) noexcept {
  std::size_t count = 0;
  for (const char ch : s) {
    if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) ++count;
  }
  return count;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

namespace {

// Python's str.isspace() set (what the replaced backend's str.strip() trims):
// Unicode White_Space plus U+001C..U+001F, which Python counts too.
bool is_white_space(char32_t c) noexcept {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// The code point of the valid sequence of `n` bytes at the start of `s`.
char32_t decode(std::string_view s, std::size_t n) noexcept {
  const auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[i])); };
  switch (n) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1FU) << 6U) | (b(1) & 0x3FU);
    case 3: return ((b(0) & 0x0FU) << 12U) | ((b(1) & 0x3FU) << 6U) | (b(2) & 0x3FU);
    default: return ((b(0) & 0x07U) << 18U) | ((b(1) & 0x3FU) << 12U) | ((b(2) & 0x3FU) << 6U) | (b(3) & 0x3FU);
  }
}

}  // namespace

std::string_view strip_white_space(std::string_view s) noexcept {
  for (;;) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0 || !is_white_space(decode(s, n))) break;
    s.remove_prefix(n);
  }
  while (!s.empty()) {
    std::size_t start = s.size() - 1;
    while (start > 0 && s.size() - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0U) == 0x80U) --start;
    const std::string_view last = s.substr(start);
    const std::size_t n = utf8_sequence_length(last);
    if (n != last.size() || !is_white_space(decode(last, n))) break;
    s.remove_suffix(n);
  }
  return s;
}

bool is_ascii(std::string_view s) noexcept {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<void> check_text(std::string_view field, std::string_view value) {
  if (!is_valid_utf8(value)) return issue(field, FieldIssue::InvalidUtf8);
  if (value.find('\0') != std::string_view::npos) return issue(field, FieldIssue::ContainsNul);
  return {};
}

Result<std::string> normalize_email(std::string_view email, std::string_view field) {
  if (auto ok = check_text(field, email); !ok) return std::move(ok).error();
  const std::string value = ascii_lower(strip_white_space(email));
  const auto bad = [&](FieldIssue what) { return issue(field, what, what == FieldIssue::TooLong ? kEmailMaxChars : 0); };
  if (value.empty()) return bad(FieldIssue::EmailNoAt);
  if (count_code_points(value) > kEmailMaxChars) return bad(FieldIssue::TooLong);
  const auto at = value.find('@');
  if (at == std::string::npos) return bad(FieldIssue::EmailNoAt);
  if (value.find('@', at + 1) != std::string::npos) return bad(FieldIssue::EmailManyAt);
  for (const char c : value) {
    if (is_ascii_space(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return bad(FieldIssue::EmailBadCharacters);
    }
  }
  const std::string_view local(value.data(), at);
  const std::string_view domain = std::string_view(value).substr(at + 1);
  if (local.empty()) return bad(FieldIssue::EmailEmptyLocal);
  if (domain.empty()) return bad(FieldIssue::EmailEmptyDomain);
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return bad(FieldIssue::EmailBadDomain);
  }
  return value;
}

Result<void> validate_password(std::string_view password, std::string_view field) {
  if (auto ok = check_text(field, password); !ok) return ok;
  if (password.size() < kPasswordMinBytes) return issue(field, FieldIssue::TooShort, kPasswordMinBytes);
  if (password.size() > kPasswordMaxBytes) return issue(field, FieldIssue::TooLong, kPasswordMaxBytes);
  return {};
}

Result<std::string> validate_username(std::string_view username) {
  if (auto ok = check_text("username", username); !ok) return std::move(ok).error();
  if (username.empty()) return issue("username", FieldIssue::TooShort, 1);
  if (username.size() > kUsernameMaxChars) {
    // Every allowed character is one byte, so bytes are characters here; a
    // longer multi-byte value is refused by the charset check below anyway.
    if (count_code_points(username) > kUsernameMaxChars) {
      return issue("username", FieldIssue::TooLong, kUsernameMaxChars);
    }
  }
  for (const char c : username) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return issue("username", FieldIssue::PatternMismatch);
    }
  }
  return std::string(username);
}

Result<std::string> normalize_title(std::string_view title) {
  if (auto ok = check_text("title", title); !ok) return std::move(ok).error();
  const std::string_view t = strip_white_space(title);
  if (t.empty()) return issue("title", FieldIssue::TooShort, 1);
  if (count_code_points(t) > kTitleMaxChars) return issue("title", FieldIssue::TooLong, kTitleMaxChars);
  return std::string(t);
}

Result<std::string> validate_description(std::string_view description) {
  if (auto ok = check_text("description", description); !ok) return std::move(ok).error();
  if (count_code_points(description) > kDescriptionMaxChars) {
    return issue("description", FieldIssue::TooLong, kDescriptionMaxChars);
  }
  return std::string(description);
}

Result<std::vector<std::string>> normalize_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  out.reserve(tags.size());
  std::size_t joined = 0;
  for (const std::string& tag : tags) {
    if (auto ok = check_text("tags", tag); !ok) return std::move(ok).error();
    const std::string_view t = strip_white_space(tag);
    if (t.empty()) return issue("tags", FieldIssue::EmptyTag);
    if (t.find(',') != std::string_view::npos) return issue("tags", FieldIssue::PatternMismatch);
    joined += count_code_points(t) + (out.empty() ? 0 : 1);
    out.emplace_back(t);
  }
  if (joined > kTagsMaxChars) return issue("tags", FieldIssue::TooLong, kTagsMaxChars);
  return out;
}

}  // namespace todo::core
