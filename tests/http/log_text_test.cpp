// JSON string escaping for the log (any bytes in, valid JSON and UTF-8 out)
// and request ids.

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "todo/core/json_text.hpp"
#include "todo/http/request_id.hpp"

namespace json = boost::json;

namespace {

std::string quoted(std::string_view text) {
  std::string out;
  todo::core::append_json_string(out, text);
  return out;
}

// The string a JSON parser reads back, or "<invalid>".
std::string parsed(std::string_view text) {
  std::error_code ec;
  const json::value value = json::parse(quoted(text), ec);
  if (ec || !value.is_string()) return "<invalid>";
  return std::string(value.as_string());
}

}  // namespace

TEST_CASE("JSON escaping: quotes, backslashes and control characters", "[http][log]") {
  CHECK(quoted("plain /api/tasks") == "\"plain /api/tasks\"");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(quoted(std::string_view("\x00\x01\x1f\x7f", 4)) == R"("\u0000\u0001\u001f\u007f")");
  CHECK(quoted("") == "\"\"");
  CHECK(parsed("line\nbreak \"quoted\" \\") == "line\nbreak \"quoted\" \\");
}

TEST_CASE("JSON escaping keeps valid UTF-8 and replaces every invalid byte with U+FFFD", "[http][log]") {
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK(parsed("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(parsed("\xFF") == replacement);
  CHECK(parsed("a\xC3") == "a" + replacement);                             // truncated
  CHECK(parsed("\xC0\xAF") == replacement + replacement);                  // overlong '/'
  CHECK(parsed("\xE0\x80\xAF") == replacement + replacement + replacement);  // overlong
  CHECK(parsed("\xED\xA0\x80") == replacement + replacement + replacement);  // a surrogate
  CHECK(parsed("\xF4\x90\x80\x80") == replacement + replacement + replacement + replacement);  // > U+10FFFF
  CHECK(parsed("\x80x") == replacement + "x");                              // lone continuation
  // Every single byte value and every pair: the output always parses.
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    INFO(a);
    CHECK(parsed(one) != "<invalid>");
    for (int b = 0; b < 256; b += 7) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      CHECK(parsed(two) != "<invalid>");
    }
  }
}

TEST_CASE("request ids: a sane client id is kept, anything else is replaced", "[http][log]") {
  using todo::http::is_valid_request_id;
  CHECK(is_valid_request_id("abc-123"));
  CHECK(is_valid_request_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK(is_valid_request_id("edge:trace.7_x"));
  CHECK(is_valid_request_id(std::string(128, 'a')));
  CHECK_FALSE(is_valid_request_id(std::string(129, 'a')));
  CHECK_FALSE(is_valid_request_id(""));
  CHECK_FALSE(is_valid_request_id("has space"));
  CHECK_FALSE(is_valid_request_id("quote\""));
  CHECK_FALSE(is_valid_request_id("new\nline"));
  CHECK_FALSE(is_valid_request_id("caf\xC3\xA9"));
  CHECK_FALSE(is_valid_request_id("a/b"));
}

TEST_CASE("generated request ids are 32 lowercase hex digits and do not repeat", "[http][log]") {
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = todo::http::new_request_id();
    REQUIRE(id.size() == 32);
    REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    REQUIRE(todo::http::is_valid_request_id(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 10'000);
  std::string reused = "client-id-that-was-longer-than-thirty-two-characters";
  todo::http::assign_new_request_id(reused);
  CHECK(reused.size() == 32);
  CHECK(reused.find_first_not_of("0123456789abcdef") == std::string::npos);
}
