#pragma once
// application/x-www-form-urlencoded and query-string decoding, the way
// Python's urllib.parse.parse_qsl(keep_blank_values=True) does it (what
// Starlette uses for query strings and forms).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todo::http {

// %XX becomes the byte; a malformed escape is kept literally. With
// `plus_as_space`, '+' becomes ' ' (forms and query strings, not paths).
std::string percent_decode(std::string_view text, bool plus_as_space);

// "a=1&b=&c" -> {{"a","1"},{"b",""},{"c",""}}; empty pieces are skipped.
std::vector<std::pair<std::string, std::string>> parse_urlencoded(std::string_view text);

}  // namespace todo::http
