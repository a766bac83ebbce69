#include "url_encoding.hpp"

#include <optional>

namespace todo::http {
namespace {

std::optional<int> hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
      continue;
    }
    if (c == '%' && i + 2 < text.size()) {
      const std::optional<int> hi = hex_value(text[i + 1]);
      const std::optional<int> lo = hex_value(text[i + 2]);
      if (hi && lo) {
        out.push_back(static_cast<char>((*hi << 4) | *lo));
        i += 2;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_urlencoded(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t amp = text.find('&', start);
    const std::size_t end = amp == std::string_view::npos ? text.size() : amp;
    const std::string_view piece = text.substr(start, end - start);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      const std::string_view name = piece.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
      pairs.emplace_back(percent_decode(name, true), percent_decode(value, true));
    }
    start = end + 1;
  }
  return pairs;
}

}  // namespace todo::http
