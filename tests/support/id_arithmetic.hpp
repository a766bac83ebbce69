#pragma once
// Test-only conveniences for the strong ids: making up an id nobody has
// ("ada.id + 1000"), comparing with a literal, and readable Catch2 output.
// Production code has none of these on purpose: an id is not a number to
// compute with.

#include <catch2/catch.hpp>

#include <cstdint>
#include <ostream>
#include <string>

#include "todo/core/ids.hpp"

namespace todo::core {

template <class Tag>
constexpr Id<Tag> operator+(Id<Tag> id, std::int64_t n) noexcept {
  return Id<Tag>(id.value() + n);
}
template <class Tag>
constexpr Id<Tag> operator+(Id<Tag> a, Id<Tag> b) noexcept {
  return Id<Tag>(a.value() + b.value());
}
template <class Tag>
constexpr bool operator>(Id<Tag> id, std::int64_t n) noexcept {
  return id.value() > n;
}
template <class Tag>
constexpr bool operator==(Id<Tag> id, std::int64_t n) noexcept {
  return id.value() == n;
}

template <class Tag>
std::ostream& operator<<(std::ostream& out, Id<Tag> id) {
  return out << id.value();
}

}  // namespace todo::core

namespace Catch {
template <class Tag>
struct StringMaker<todo::core::Id<Tag>> {
  static std::string convert(todo::core::Id<Tag> id) { return std::to_string(id.value()); }
};
}  // namespace Catch
