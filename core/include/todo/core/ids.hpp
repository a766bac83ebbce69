#pragma once
// Strong ids: a user's id and a task's id are different types, so one
// cannot be passed where the other is expected, nor an id where a count or
// a version is. Both are positive 64-bit integers on the wire and in SQL.

#include <cstdint>
#include <functional>

namespace todo::core {

template <class Tag>
class Id {
 public:
  constexpr Id() noexcept = default;
  constexpr explicit Id(std::int64_t value) noexcept : value_(value) {}
  constexpr std::int64_t value() const noexcept { return value_; }
  // Equality and an order (ids as map keys and tie-breaks); spelled out
  // rather than a defaulted <=>, which clang-tidy 14 misreads.
  friend constexpr bool operator==(Id a, Id b) noexcept { return a.value_ == b.value_; }
  friend constexpr bool operator<(Id a, Id b) noexcept { return a.value_ < b.value_; }

 private:
  std::int64_t value_ = 0;
};

using UserId = Id<struct UserIdTag>;
using TaskId = Id<struct TaskIdTag>;

}  // namespace todo::core

template <class Tag>
struct std::hash<todo::core::Id<Tag>> {
  std::size_t operator()(todo::core::Id<Tag> id) const noexcept { return std::hash<std::int64_t>{}(id.value()); }
};
