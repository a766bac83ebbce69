#pragma once
// A user's task, plus the values used to create, change and list tasks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "todo/core/time.hpp"
#include "todo/core/user.hpp"

namespace todo::core {

enum class Priority { High, Medium, Low };  // declaration order is sort order (asc = high first)

const char* to_string(Priority p) noexcept;                  // "high" | "medium" | "low"
std::optional<Priority> parse_priority(std::string_view s);  // exact, lower-case

struct Task {
  TaskId id;
  UserId user_id;
  std::string title;
  std::optional<std::string> description;
  bool completed = false;
  Priority priority = Priority::Medium;
  std::vector<std::string> tags;  // empty = no tags (serialised as null)
  std::optional<Timestamp> due_date;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// Tags as stored and sent on the wire: joined with ",". Empty list -> "".
std::string join_tags(const std::vector<std::string>& tags);

// Absent, clear or set: one field of a partial update.
template <class T>
class FieldUpdate {
 public:
  static FieldUpdate keep() { return FieldUpdate(State::Keep, std::nullopt); }
  static FieldUpdate clear() { return FieldUpdate(State::Clear, std::nullopt); }
  static FieldUpdate set(T value) { return FieldUpdate(State::Set, std::move(value)); }
  FieldUpdate() = default;

  bool is_keep() const noexcept { return state_ == State::Keep; }
  bool is_clear() const noexcept { return state_ == State::Clear; }
  bool is_set() const noexcept { return state_ == State::Set; }
  // The new value: set() -> it, clear() -> nullopt. Only when !is_keep().
  const std::optional<T>& new_value() const noexcept { return value_; }
  std::optional<T>& new_value() noexcept { return value_; }

 private:
  enum class State { Keep, Clear, Set };
  FieldUpdate(State state, std::optional<T> value) : state_(state), value_(std::move(value)) {}
  State state_ = State::Keep;
  std::optional<T> value_;
};

// A new task as a client describes it (TaskService::create validates it:
// title trimmed to 1..255 characters, description <= 1000, each tag trimmed
// and non-empty, the tags joined <= 500, every text valid UTF-8 without NUL).
struct NewTask {
  std::string title;
  std::optional<std::string> description;
  bool completed = false;
  Priority priority = Priority::Medium;
  std::vector<std::string> tags;
  std::optional<Timestamp> due_date;
};

// A partial update (PUT/PATCH): only the fields present change.
struct TaskPatch {
  std::optional<std::string> title;
  FieldUpdate<std::string> description;
  std::optional<bool> completed;
  std::optional<Priority> priority;
  FieldUpdate<std::vector<std::string>> tags;  // set({}) clears too
  FieldUpdate<Timestamp> due_date;
};

enum class SortBy { CreatedAt, UpdatedAt, DueDate, Priority, Title };
enum class SortOrder { Asc, Desc };

// Filters, order and window of a task list; always scoped to one user.
//  - tag: matches one entry of the tag list, ASCII case-insensitively.
//  - search: substring of title or description, ASCII case-insensitive;
//    '%', '_' and '\' are literal characters.
//  - sort: due_date puts tasks without one last in both orders; title compares
//    with ASCII letters lower-cased, otherwise by code point (UTF-8 bytes);
//    priority asc = high, medium, low; ties always break by id ascending.
struct TaskQuery {
  std::optional<bool> completed;
  std::optional<Priority> priority;
  std::optional<std::string> tag;     // trimmed, non-empty
  std::optional<std::string> search;  // non-empty
  SortBy sort_by = SortBy::CreatedAt;
  SortOrder order = SortOrder::Asc;
  int limit = 100;        // 1..500
  std::int64_t offset = 0;  // >= 0
};

struct TaskPage {
  std::vector<Task> items;
  std::int64_t total = 0;  // matching tasks before limit/offset
};

}  // namespace todo::core
