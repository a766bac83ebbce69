// SPEC §2 data rules, each at and just past its bound.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/core_test_support.hpp"
#include "todo/core/validation.hpp"

using namespace todo::core;
using todo::test::invalid_utf8_samples;
using todo::test::names_field;
using todo::test::repeat;
using todo::test::with_nul;

namespace {

// "é" is 2 bytes, "€" 3 bytes, "😀" 4 bytes: one character each.
const std::string kE2 = "\xC3\xA9";
const std::string kEuro3 = "\xE2\x82\xAC";
const std::string kEmoji4 = "\xF0\x9F\x98\x80";

// An email of exactly `n` (>= 230) characters that breaks no other rule a
// validator might also know (64-character local part, DNS labels <= 63).
std::string email_of_length(std::size_t n) {
  const std::string head = repeat("a", 64) + "@" + repeat("b", 50) + "." + repeat("c", 50) + "." +
                           repeat("d", 50) + ".";
  const std::string tail = ".com";
  return head + repeat("e", n - head.size() - tail.size()) + tail;
}

}  // namespace

// ---------------------------------------------------------------- UTF-8 helpers

TEST_CASE("is_valid_utf8 accepts ASCII and well-formed multibyte text", "[validation][utf8]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8(kE2 + kEuro3 + kEmoji4));
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  CHECK(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just past the surrogates
}

TEST_CASE("is_valid_utf8 rejects overlongs, surrogates, truncation and out-of-range bytes", "[validation][utf8]") {
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK_FALSE(is_valid_utf8("ok " + bad.bytes + " ok"));
    CHECK_FALSE(is_valid_utf8(bad.bytes));
  }
}

TEST_CASE("count_code_points counts characters, not bytes", "[validation][utf8]") {
  CHECK(count_code_points("") == 0);
  CHECK(count_code_points("abc") == 3);
  CHECK(count_code_points(kE2) == 1);
  CHECK(count_code_points(kEuro3) == 1);
  CHECK(count_code_points(kEmoji4) == 1);
  CHECK(count_code_points("a" + kE2 + kEuro3 + kEmoji4 + "z") == 5);
}

TEST_CASE("trim removes ASCII whitespace at both ends only", "[validation]") {
  CHECK(trim("  a b \t\n\r\f\v") == "a b");
  CHECK(trim("") == "");
  CHECK(trim(" \t ") == "");
  CHECK(trim("x") == "x");
  // U+00A0 (no-break space) is not ASCII whitespace.
  CHECK(trim("\xC2\xA0x") == "\xC2\xA0x");
}

TEST_CASE("strip_white_space trims what Python's str.strip() trims", "[validation]") {
  // NBSP, U+3000 ideographic space, U+2028, U+0085, U+1680, U+200A, U+202F,
  // U+205F, and the ASCII set plus U+001C..U+001F.
  CHECK(strip_white_space("\xC2\xA0x\xE3\x80\x80") == "x");
  CHECK(strip_white_space("\xE2\x80\xA8\xC2\x85 a b\xE1\x9A\x80\xE2\x80\x8A\xE2\x80\xAF\xE2\x81\x9F") == "a b");
  CHECK(strip_white_space("\x1C\x1F\t\n\v\f\r y \x1D") == "y");
  CHECK(strip_white_space("\xC2\xA0\xE3\x80\x80").empty());
  CHECK(strip_white_space("").empty());
  // Inside is kept; look-alikes that are not White_Space stay (U+200B zero
  // width space is not White_Space, nor is U+FEFF).
  CHECK(strip_white_space("a\xC2\xA0" "b") == "a\xC2\xA0" "b");
  CHECK(strip_white_space("\xE2\x80\x8Bz\xEF\xBB\xBF") == "\xE2\x80\x8Bz\xEF\xBB\xBF");
  // Multi-byte characters next to the ends are not cut.
  CHECK(strip_white_space(" \xC3\xA9\xF0\x9F\x98\x80 ") == "\xC3\xA9\xF0\x9F\x98\x80");
  // Invalid UTF-8 at an end stops the trimming, it is not read past.
  CHECK(strip_white_space("\x80 ") == "\x80");
  CHECK(strip_white_space(" \xE3\x80") == "\xE3\x80");
}

TEST_CASE("ascii_lower lower-cases ASCII letters and leaves other bytes alone", "[validation]") {
  CHECK(ascii_lower("AbC-XyZ_09") == "abc-xyz_09");
  CHECK(ascii_lower("\xC3\x89") == "\xC3\x89");  // "É" stays as is
}

TEST_CASE("check_text refuses invalid UTF-8 and NUL, naming the field", "[validation][utf8]") {
  CHECK(check_text("title", "fine " + kEmoji4).has_value());
  const auto nul = check_text("title", with_nul());
  REQUIRE_FALSE(nul.has_value());
  CHECK(nul.error().code == ErrorCode::InvalidArgument);
  CHECK(names_field(nul, "title"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(check_text("description", "x" + bad.bytes), "description"));
  }
}

// ---------------------------------------------------------------- email

TEST_CASE("email is trimmed and lower-cased", "[validation][email]") {
  const auto r = normalize_email("  Alice.Smith@Example.COM \t");
  REQUIRE(r.has_value());
  CHECK(*r == "alice.smith@example.com");
}

TEST_CASE("email of 254 characters passes, 255 fails", "[validation][email]") {
  const auto ok = normalize_email(email_of_length(254));
  REQUIRE(ok.has_value());
  CHECK(ok->size() == 254);
  CHECK(names_field(normalize_email(email_of_length(255)), "email"));
}

TEST_CASE("email length is checked after trimming", "[validation][email]") {
  CHECK(normalize_email("   " + email_of_length(254) + "   ").has_value());
}

TEST_CASE("email needs exactly one @ with a non-empty local part", "[validation][email]") {
  CHECK(names_field(normalize_email("alice.example.com"), "email"));
  CHECK(names_field(normalize_email("a@b@example.com"), "email"));
  CHECK(names_field(normalize_email("@example.com"), "email"));
  CHECK(names_field(normalize_email(""), "email"));
  CHECK(names_field(normalize_email("   "), "email"));
}

TEST_CASE("email needs a dot inside the domain, not first or last", "[validation][email]") {
  CHECK(normalize_email("a@b.co").has_value());
  CHECK(normalize_email("a@mail.example.org").has_value());
  CHECK(names_field(normalize_email("a@localhost"), "email"));
  CHECK(names_field(normalize_email("a@.example"), "email"));
  CHECK(names_field(normalize_email("a@example."), "email"));
  CHECK(names_field(normalize_email("a@"), "email"));
}

TEST_CASE("email with inner whitespace is refused", "[validation][email]") {
  CHECK(names_field(normalize_email("al ice@example.com"), "email"));
  CHECK(names_field(normalize_email("alice@exa\tmple.com"), "email"));
}

TEST_CASE("email errors name the caller's field", "[validation][email]") {
  CHECK(names_field(normalize_email("nope", "username"), "username"));
}

TEST_CASE("email refuses invalid UTF-8 and NUL", "[validation][email][utf8]") {
  CHECK(names_field(normalize_email(std::string("ali\0ce@example.com", 18)), "email"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(normalize_email("ali" + bad.bytes + "@example.com"), "email"));
  }
}

// ---------------------------------------------------------------- password

TEST_CASE("password of 7 bytes fails, 8 passes", "[validation][password]") {
  CHECK(names_field(validate_password("1234567"), "password"));
  CHECK(validate_password("12345678").has_value());
}

TEST_CASE("password of 72 bytes passes, 73 fails (never truncated)", "[validation][password]") {
  CHECK(validate_password(repeat("p", 72)).has_value());
  CHECK(names_field(validate_password(repeat("p", 73)), "password"));
}

TEST_CASE("password length counts UTF-8 bytes, not characters", "[validation][password]") {
  // 4 characters but 8 bytes: long enough.
  CHECK(validate_password(repeat(kE2, 4)).has_value());
  // 3 characters, 9 bytes: long enough.
  CHECK(validate_password(repeat(kEuro3, 3)).has_value());
  // 7 bytes in 3 characters: too short.
  CHECK(names_field(validate_password(repeat(kEuro3, 2) + "a"), "password"));
  // 18 emoji = 72 bytes: fits; one more byte does not, though only 19 characters.
  CHECK(validate_password(repeat(kEmoji4, 18)).has_value());
  CHECK(names_field(validate_password(repeat(kEmoji4, 18) + "a"), "password"));
  // 37 characters of "é" = 74 bytes.
  CHECK(names_field(validate_password(repeat(kE2, 37)), "password"));
}

TEST_CASE("password refuses invalid UTF-8 and NUL", "[validation][password][utf8]") {
  CHECK(names_field(validate_password(std::string("pass\0word", 9)), "password"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(validate_password("password" + bad.bytes), "password"));
  }
}

TEST_CASE("password errors name the caller's field", "[validation][password]") {
  CHECK(names_field(validate_password("short", "new_password"), "new_password"));
}

// ---------------------------------------------------------------- username

TEST_CASE("username of 0 characters fails, 1 passes", "[validation][username]") {
  CHECK(names_field(validate_username(""), "username"));
  const auto one = validate_username("a");
  REQUIRE(one.has_value());
  CHECK(*one == "a");
}

TEST_CASE("username of 50 characters passes, 51 fails", "[validation][username]") {
  CHECK(validate_username(repeat("u", 50)).has_value());
  CHECK(names_field(validate_username(repeat("u", 51)), "username"));
}

TEST_CASE("username allows letters, digits, '_' and '-' and keeps its case", "[validation][username]") {
  const auto r = validate_username("Alice_Smith-42");
  REQUIRE(r.has_value());
  CHECK(*r == "Alice_Smith-42");
}

TEST_CASE("username refuses any other character", "[validation][username]") {
  for (const char* bad : {"a b", "a.b", "a@b", "a+b", " ab", "ab ", "a/b", "\xC3\xA9t\xC3\xA9"}) {
    INFO(bad);
    CHECK(names_field(validate_username(bad), "username"));
  }
  CHECK(names_field(validate_username(std::string("a\0b", 3)), "username"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(validate_username("ab" + bad.bytes), "username"));
  }
}

// ---------------------------------------------------------------- title

TEST_CASE("title is trimmed", "[validation][title]") {
  const auto r = normalize_title("  Buy milk \t");
  REQUIRE(r.has_value());
  CHECK(*r == "Buy milk");
}

TEST_CASE("title empty or blank after trimming fails", "[validation][title]") {
  CHECK(names_field(normalize_title(""), "title"));
  CHECK(names_field(normalize_title(" \t\n "), "title"));
  // Made only of NBSP or U+3000: blank, as the replaced backend's strip() saw it.
  CHECK(names_field(normalize_title("\xC2\xA0\xC2\xA0"), "title"));
  CHECK(names_field(normalize_title("\xE3\x80\x80"), "title"));
  CHECK(normalize_title("\xE3\x80\x80x\xC2\xA0").value() == "x");
  CHECK(normalize_title(" x ").has_value());
}

TEST_CASE("title of 255 characters passes, 256 fails", "[validation][title]") {
  CHECK(normalize_title(repeat("t", 255)).has_value());
  CHECK(names_field(normalize_title(repeat("t", 256)), "title"));
}

TEST_CASE("title length counts characters: 255 emoji pass, 256 fail", "[validation][title]") {
  const auto ok = normalize_title(repeat(kEmoji4, 255));
  REQUIRE(ok.has_value());
  CHECK(ok->size() == 255 * 4);
  CHECK(names_field(normalize_title(repeat(kEmoji4, 256)), "title"));
}

TEST_CASE("title length is measured after trimming", "[validation][title]") {
  CHECK(normalize_title("   " + repeat("t", 255) + "   ").has_value());
}

TEST_CASE("title refuses invalid UTF-8 and NUL", "[validation][title][utf8]") {
  CHECK(names_field(normalize_title(with_nul()), "title"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(normalize_title("Title " + bad.bytes), "title"));
  }
}

// ---------------------------------------------------------------- description

TEST_CASE("description of 1000 characters passes, 1001 fails", "[validation][description]") {
  CHECK(validate_description(repeat("d", 1000)).has_value());
  CHECK(names_field(validate_description(repeat("d", 1001)), "description"));
}

TEST_CASE("description length counts characters, not bytes", "[validation][description]") {
  CHECK(validate_description(repeat(kEuro3, 1000)).has_value());
  CHECK(names_field(validate_description(repeat(kEuro3, 1001)), "description"));
}

TEST_CASE("description is kept as given, not trimmed", "[validation][description]") {
  const auto r = validate_description("  spaced  ");
  REQUIRE(r.has_value());
  CHECK(*r == "  spaced  ");
  const auto empty = validate_description("");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}

TEST_CASE("description refuses invalid UTF-8 and NUL", "[validation][description][utf8]") {
  CHECK(names_field(validate_description(with_nul()), "description"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(validate_description("Notes " + bad.bytes), "description"));
  }
}

// ---------------------------------------------------------------- tags
// The HTTP adapter reads the wire's comma list (blank = none) into a list
// and refuses a raw value over 500 characters; normalize_tags checks each
// tag and the joined length. parse_tags spells that pair here.

namespace {
Result<std::vector<std::string>> parse_tags(std::string_view raw) {
  if (auto ok = check_text("tags", raw); !ok) return std::move(ok).error();
  if (count_code_points(raw) > kTagsMaxChars) return Error::invalid(FieldError{"tags", FieldIssue::TooLong, 500, 0});
  std::vector<std::string> pieces;
  if (trim(raw).empty()) return pieces;
  for (;;) {
    const std::size_t comma = raw.find(',');
    pieces.emplace_back(raw.substr(0, comma));
    if (comma == std::string_view::npos) break;
    raw.remove_prefix(comma + 1);
  }
  return normalize_tags(pieces);
}

Result<Timestamp> parse_due_date(std::string_view text) {
  if (auto ok = check_text("due_date", text); !ok) return std::move(ok).error();
  if (auto t = parse_timestamp(trim(text))) return *t;
  return Error::invalid(FieldError{"due_date", FieldIssue::PatternMismatch, 0, 0});
}
}  // namespace


TEST_CASE("tags: empty string means no tags", "[validation][tags]") {
  const auto r = parse_tags("");
  REQUIRE(r.has_value());
  CHECK(r->empty());
}

TEST_CASE("tags: blank string means no tags", "[validation][tags]") {
  const auto r = parse_tags("   ");
  REQUIRE(r.has_value());
  CHECK(r->empty());
}

TEST_CASE("tags: each tag is trimmed", "[validation][tags]") {
  const auto r = parse_tags(" a , b ");
  REQUIRE(r.has_value());
  CHECK(*r == std::vector<std::string>{"a", "b"});
  const auto one = parse_tags("work");
  REQUIRE(one.has_value());
  CHECK(*one == std::vector<std::string>{"work"});
}

TEST_CASE("tags: an empty tag is refused", "[validation][tags]") {
  CHECK(names_field(parse_tags("a,,b"), "tags"));
  CHECK(names_field(parse_tags("a, ,b"), "tags"));
  CHECK(names_field(parse_tags("a,"), "tags"));
  CHECK(names_field(parse_tags(",a"), "tags"));
  CHECK(names_field(parse_tags(","), "tags"));
}

TEST_CASE("tags of 500 characters pass, 501 fail", "[validation][tags]") {
  CHECK(parse_tags(repeat("t", 500)).has_value());
  CHECK(names_field(parse_tags(repeat("t", 501)), "tags"));
  // As a list: 100 tags "abcd" joined by ',' = 499 characters, plus one more.
  std::string list = repeat("abcd,", 99) + "abcd";
  REQUIRE(list.size() == 499);
  CHECK(parse_tags(list + "e").has_value());
  CHECK(names_field(parse_tags(list + "ef"), "tags"));
}

TEST_CASE("tags length counts characters, not bytes", "[validation][tags]") {
  CHECK(parse_tags(repeat(kE2, 500)).has_value());
  CHECK(names_field(parse_tags(repeat(kE2, 501)), "tags"));
}

TEST_CASE("tags refuse invalid UTF-8 and NUL", "[validation][tags][utf8]") {
  CHECK(names_field(parse_tags(with_nul()), "tags"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(parse_tags("a,b" + bad.bytes), "tags"));
  }
}

TEST_CASE("join_tags re-joins with ',' and gives '' for no tags", "[validation][tags]") {
  CHECK(join_tags({}).empty());
  CHECK(join_tags({"a"}) == "a");
  CHECK(join_tags({"a", "b c", "d"}) == "a,b c,d");
}

// ---------------------------------------------------------------- due date, priority

TEST_CASE("due_date accepts RFC 3339, naive date-time and plain date", "[validation][due_date]") {
  CHECK(parse_due_date("2026-12-01T10:30:00Z").has_value());
  CHECK(parse_due_date("2026-12-01T10:30").has_value());
  CHECK(parse_due_date("2026-12-01").has_value());
}

TEST_CASE("due_date refuses garbage, invalid UTF-8 and NUL, naming the field", "[validation][due_date]") {
  CHECK(names_field(parse_due_date("tomorrow"), "due_date"));
  CHECK(names_field(parse_due_date(""), "due_date"));
  CHECK(names_field(parse_due_date(std::string("2026-12-01\0", 11)), "due_date"));
  for (const auto& bad : invalid_utf8_samples()) {
    INFO(bad.why);
    CHECK(names_field(parse_due_date("2026-12-01" + bad.bytes), "due_date"));
  }
}

TEST_CASE("priority parses high, medium, low exactly and prints them back", "[validation][priority]") {
  CHECK(parse_priority("high") == Priority::High);
  CHECK(parse_priority("medium") == Priority::Medium);
  CHECK(parse_priority("low") == Priority::Low);
  CHECK_FALSE(parse_priority("urgent").has_value());
  CHECK_FALSE(parse_priority("").has_value());
  CHECK_FALSE(parse_priority("HIGH").has_value());
  CHECK(std::string(to_string(Priority::High)) == "high");
  CHECK(std::string(to_string(Priority::Medium)) == "medium");
  CHECK(std::string(to_string(Priority::Low)) == "low");
}
