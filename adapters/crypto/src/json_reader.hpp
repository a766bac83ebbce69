#pragma once
// A small, strict JSON reader for JWT headers and claims: RFC 8259 grammar,
// one top-level object whose scalar members are returned and whose nested
// arrays/objects are checked and skipped. Bounded by design: nesting depth,
// member count and integer range are limited, duplicate keys are refused
// (two readers must never disagree about a claim), strings must be UTF-8.
// Internal to the crypto adapter.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace todo::crypto::detail {

inline constexpr std::size_t kJsonMaxDepth = 16;
inline constexpr std::size_t kJsonMaxMembers = 64;

enum class JsonKind { String, Number, True, False, Null, Array, Object };

struct JsonNumber {
  // The integer part (before any '.'), when it fits in int64.
  std::int64_t integer_part = 0;
  bool integer_part_fits = false;
  bool has_fraction = false;
  bool has_exponent = false;

  // A plain integer literal within int64.
  bool is_int64() const noexcept { return integer_part_fits && !has_fraction && !has_exponent; }
};

struct JsonMember {
  std::string key;
  JsonKind kind = JsonKind::Null;
  std::string string;  // decoded, when kind == String
  JsonNumber number;   // when kind == Number
};

// Parses `text` as exactly one JSON object (whitespace around it allowed)
// into `members`, in document order. false on any syntax error, limit
// exceeded, duplicate key or invalid string.
bool parse_json_object(std::string_view text, std::vector<JsonMember>& members);

}  // namespace todo::crypto::detail
