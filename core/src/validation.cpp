#include "todo/core/validation.hpp"

#include <string>

namespace todo::core {
namespace {

bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string chars_message(const char* bound, std::size_t n) {
  return std::string("String should have ") + bound + " " + std::to_string(n) +
         (n == 1 ? " character" : " characters");
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07U;
    } else {
      return false;  // continuation byte, overlong lead (C0/C1) or > U+10FFFF lead
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0U) != 0x80U) return false;
      cp = (cp << 6U) | (cc & 0x3FU);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    i += len;
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

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<void> check_text(std::string_view field, std::string_view value) {
  if (!is_valid_utf8(value)) {
    return Error::invalid(std::string(field), "Input should be a valid UTF-8 string", "string_unicode");
  }
  if (value.find('\0') != std::string_view::npos) {
    return Error::invalid(std::string(field), "String must not contain NUL characters", "string_pattern_mismatch");
  }
  return {};
}

Result<std::string> normalize_email(std::string_view email, std::string_view field) {
  if (auto ok = check_text(field, email); !ok) return std::move(ok).error();
  const std::string value = ascii_lower(trim(email));
  const std::string f(field);
  const auto bad = [&](const std::string& why) {
    return Error::invalid(f, "value is not a valid email address: " + why, "value_error");
  };
  if (value.empty()) return bad("An email address must have an @-sign.");
  if (count_code_points(value) > kEmailMaxChars) {
    return bad("The email address is too long (at most 254 characters).");
  }
  const auto at = value.find('@');
  if (at == std::string::npos) return bad("An email address must have an @-sign.");
  if (value.find('@', at + 1) != std::string::npos) return bad("An email address must have exactly one @-sign.");
  for (const char c : value) {
    if (is_ascii_space(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return bad("The email address contains invalid characters.");
    }
  }
  const std::string_view local(value.data(), at);
  const std::string_view domain = std::string_view(value).substr(at + 1);
  if (local.empty()) return bad("There must be something before the @-sign.");
  if (domain.empty()) return bad("There must be something after the @-sign.");
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return bad("The part after the @-sign is not valid. It should have a period.");
  }
  return value;
}

Result<void> validate_password(std::string_view password, std::string_view field) {
  if (auto ok = check_text(field, password); !ok) return ok;
  const std::string f(field);
  if (password.size() < kPasswordMinBytes) {
    return Error::invalid(f, "Password must be at least 8 bytes long", "string_too_short");
  }
  if (password.size() > kPasswordMaxBytes) {
    return Error::invalid(f, "Password must be at most 72 bytes long (bcrypt reads no more)", "string_too_long");
  }
  return {};
}

Result<std::string> validate_username(std::string_view username) {
  if (auto ok = check_text("username", username); !ok) return std::move(ok).error();
  if (username.empty()) return Error::invalid("username", chars_message("at least", 1), "string_too_short");
  if (username.size() > kUsernameMaxChars) {
    // Every allowed character is one byte, so bytes are characters here; a
    // longer multi-byte value is refused by the charset check below anyway.
    if (count_code_points(username) > kUsernameMaxChars) {
      return Error::invalid("username", chars_message("at most", kUsernameMaxChars), "string_too_long");
    }
  }
  for (const char c : username) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return Error::invalid("username", "String should match pattern '^[A-Za-z0-9_-]+$'", "string_pattern_mismatch");
    }
  }
  return std::string(username);
}

Result<std::string> normalize_title(std::string_view title) {
  if (auto ok = check_text("title", title); !ok) return std::move(ok).error();
  const std::string_view t = trim(title);
  if (t.empty()) return Error::invalid("title", chars_message("at least", 1), "string_too_short");
  if (count_code_points(t) > kTitleMaxChars) {
    return Error::invalid("title", chars_message("at most", kTitleMaxChars), "string_too_long");
  }
  return std::string(t);
}

Result<std::string> validate_description(std::string_view description) {
  if (auto ok = check_text("description", description); !ok) return std::move(ok).error();
  if (count_code_points(description) > kDescriptionMaxChars) {
    return Error::invalid("description", chars_message("at most", kDescriptionMaxChars), "string_too_long");
  }
  return std::string(description);
}

Result<std::vector<std::string>> parse_tags(std::string_view tags) {
  if (auto ok = check_text("tags", tags); !ok) return std::move(ok).error();
  if (count_code_points(tags) > kTagsMaxChars) {
    return Error::invalid("tags", chars_message("at most", kTagsMaxChars), "string_too_long");
  }
  std::vector<std::string> out;
  if (trim(tags).empty()) return out;
  std::size_t start = 0;
  while (true) {
    const auto comma = tags.find(',', start);
    const std::string_view piece =
        trim(tags.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (piece.empty()) return Error::invalid("tags", "Tags must not be empty (check for doubled commas)", "value_error");
    out.emplace_back(piece);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<Timestamp> parse_due_date(std::string_view text) {
  if (auto ok = check_text("due_date", text); !ok) return std::move(ok).error();
  if (auto t = parse_timestamp(trim(text))) return *t;
  return Error::invalid("due_date",
                        "Input should be a valid datetime or date (RFC 3339, YYYY-MM-DDTHH:MM[:SS[.ffffff]] or "
                        "YYYY-MM-DD)",
                        "datetime_from_date_parsing");
}

}  // namespace todo::core
