#pragma once
// Small helpers shared by the core unit tests: readable Catch2 output for
// core values, and builders for strings at exact lengths.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "support/id_arithmetic.hpp"
#include "todo/core/error.hpp"
#include "todo/core/result.hpp"
#include "todo/core/task.hpp"
#include "todo/core/time.hpp"

namespace Catch {
template <>
struct StringMaker<todo::core::ErrorCode> {
  static std::string convert(todo::core::ErrorCode c) { return todo::core::to_string(c); }
};
template <>
struct StringMaker<todo::core::Priority> {
  static std::string convert(todo::core::Priority p) { return todo::core::to_string(p); }
};
template <>
struct StringMaker<todo::core::Timestamp> {
  static std::string convert(todo::core::Timestamp t) { return todo::core::format_timestamp(t); }
};
}  // namespace Catch

namespace todo::test {

inline std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// The error code of a failed Result, or a marker the checks can print when
// the call unexpectedly succeeded.
template <class T>
std::string code_of(const core::Result<T>& r) {
  return r.has_value() ? std::string("<success>") : std::string(core::to_string(r.error().code));
}

inline std::vector<std::string> field_names(const core::Error& e) {
  std::vector<std::string> names;
  for (const auto& f : e.fields) names.push_back(f.field);
  std::sort(names.begin(), names.end());
  return names;
}

template <class T>
bool names_field(const core::Result<T>& r, std::string_view field) {
  if (r.has_value() || r.error().code != core::ErrorCode::InvalidArgument) return false;
  return std::any_of(r.error().fields.begin(), r.error().fields.end(),
                     [&](const core::FieldError& f) { return f.field == field; });
}

// Byte sequences that are not valid UTF-8, each with why; tests embed them
// in an otherwise valid value so only the encoding is wrong.
struct BadText {
  std::string bytes;
  const char* why;
};

inline std::vector<BadText> invalid_utf8_samples() {
  return {
      {std::string("\xC0\xAF"), "overlong 2-byte encoding of '/'"},
      {std::string("\xE0\x80\xAF"), "overlong 3-byte encoding"},
      {std::string("\xF0\x80\x80\xAF"), "overlong 4-byte encoding"},
      {std::string("\xED\xA0\x80"), "UTF-16 surrogate U+D800"},
      {std::string("\xED\xBF\xBF"), "UTF-16 surrogate U+DFFF"},
      {std::string("\xE2\x82"), "truncated 3-byte sequence"},
      {std::string("\xE2\x82z"), "truncated 3-byte sequence followed by ASCII"},
      {std::string("\x80"), "lone continuation byte"},
      {std::string("\xF4\x90\x80\x80"), "above U+10FFFF"},
      {std::string("\xFF"), "byte 0xFF"},
  };
}

inline std::string with_nul() { return std::string("abc\0def", 7); }

}  // namespace todo::test
