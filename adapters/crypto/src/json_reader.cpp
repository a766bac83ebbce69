#include "json_reader.hpp"

#include <algorithm>
#include <limits>

#include "todo/core/validation.hpp"

namespace todo::crypto::detail {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool parse_object_members(std::vector<JsonMember>& members) {
    skip_ws();
    if (!consume('{')) return false;
    skip_ws();
    if (consume('}')) return at_end_after_ws();
    for (;;) {
      if (members.size() == kJsonMaxMembers) return false;
      JsonMember m;
      skip_ws();
      if (!parse_string(m.key)) return false;
      const bool duplicate = std::any_of(members.begin(), members.end(),
                                         [&](const JsonMember& o) { return o.key == m.key; });
      if (duplicate) return false;
      skip_ws();
      if (!consume(':')) return false;
      skip_ws();
      if (!parse_member_value(m)) return false;
      members.push_back(std::move(m));
      skip_ws();
      if (consume(',')) continue;
      if (consume('}')) return at_end_after_ws();
      return false;
    }
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool consume(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }
  bool consume_literal(std::string_view lit) {
    if (text_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }
  bool at_end_after_ws() {
    skip_ws();
    return at_end();
  }

  bool parse_member_value(JsonMember& m) {
    if (at_end()) return false;
    switch (peek()) {
      case '"':
        m.kind = JsonKind::String;
        return parse_string(m.string);
      case '{':
        m.kind = JsonKind::Object;
        return skip_composite(1);
      case '[':
        m.kind = JsonKind::Array;
        return skip_composite(1);
      case 't':
        m.kind = JsonKind::True;
        return consume_literal("true");
      case 'f':
        m.kind = JsonKind::False;
        return consume_literal("false");
      case 'n':
        m.kind = JsonKind::Null;
        return consume_literal("null");
      default:
        m.kind = JsonKind::Number;
        return parse_number(m.number);
    }
  }

  // Validates and skips a nested value; `depth` counts the enclosing levels
  // (the top-level object is 0), so recursion is bounded by kJsonMaxDepth.
  bool skip_value(std::size_t depth) {
    if (at_end()) return false;
    std::string scratch;
    JsonNumber number;
    switch (peek()) {
      case '"': return parse_string(scratch);
      case '{':
      case '[': return skip_composite(depth + 1);
      case 't': return consume_literal("true");
      case 'f': return consume_literal("false");
      case 'n': return consume_literal("null");
      default: return parse_number(number);
    }
  }

  bool skip_composite(std::size_t depth) {
    if (depth > kJsonMaxDepth) return false;
    const char open = peek();
    const char close = open == '{' ? '}' : ']';
    ++pos_;
    skip_ws();
    if (consume(close)) return true;
    std::string key;
    for (;;) {
      skip_ws();
      if (open == '{') {
        if (!parse_string(key)) return false;
        skip_ws();
        if (!consume(':')) return false;
        skip_ws();
      }
      if (!skip_value(depth)) return false;
      skip_ws();
      if (consume(',')) continue;
      return consume(close);
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool parse_number(JsonNumber& n) {
    const bool negative = consume('-');
    if (at_end() || !is_digit(peek())) return false;
    n.integer_part_fits = true;
    std::int64_t value = 0;  // accumulated negatively: |INT64_MIN| > INT64_MAX
    if (peek() == '0') {
      ++pos_;
    } else {
      while (!at_end() && is_digit(peek())) {
        const int digit = peek() - '0';
        if (value < (std::numeric_limits<std::int64_t>::min() + digit) / 10) n.integer_part_fits = false;
        if (n.integer_part_fits) value = value * 10 - digit;
        ++pos_;
      }
    }
    if (n.integer_part_fits) {
      if (negative) {
        n.integer_part = value;
      } else if (value == std::numeric_limits<std::int64_t>::min()) {
        n.integer_part_fits = false;
      } else {
        n.integer_part = -value;
      }
    }
    if (consume('.')) {
      n.has_fraction = true;
      if (!skip_digits()) return false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      n.has_exponent = true;
      if (!consume('+')) consume('-');
      if (!skip_digits()) return false;
    }
    return true;
  }

  bool skip_digits() {
    const std::size_t start = pos_;
    while (!at_end() && is_digit(peek())) ++pos_;
    return pos_ > start;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool parse_hex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = hex_value(text_[pos_++]);
      if (v < 0) return false;
      out = out << 4 | static_cast<std::uint32_t>(v);
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // A string literal, decoded into `out`. Refuses raw control characters,
  // unknown escapes, unpaired surrogates, \u0000 (no claim of ours may hold
  // a NUL) and invalid UTF-8.
  bool parse_string(std::string& out) {
    out.clear();
    if (!consume('"')) return false;
    for (;;) {
      // Copy a run of plain characters at once.
      const std::size_t run_start = pos_;
      while (!at_end() && peek() != '"' && peek() != '\\' && static_cast<unsigned char>(peek()) >= 0x20) ++pos_;
      out.append(text_.data() + run_start, pos_ - run_start);
      if (at_end()) return false;
      const char c = text_[pos_++];
      if (c == '"') break;
      if (c != '\\') return false;  // a raw control character
      if (at_end()) return false;
      const char e = text_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!parse_hex4(cp) || cp == 0) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) return false;  // low surrogate first
          if (cp >= 0xd800 && cp <= 0xdbff) {
            std::uint32_t low = 0;
            if (!consume('\\') || !consume('u') || !parse_hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return core::is_valid_utf8(out);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

bool parse_json_object(std::string_view text, std::vector<JsonMember>& members) {
  members.clear();
  Reader reader(text);
  return reader.parse_object_members(members);
}

}  // namespace todo::crypto::detail
