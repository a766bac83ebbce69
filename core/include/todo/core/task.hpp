#pragma once
// A user's task, plus the values used to create, change and list tasks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "todo/core/time.hpp"
#include "todo/core/user.hpp"

namespace todo::core {

using TaskId = std::int64_t;

enum class Priority { High, Medium, Low };  // declaration order is sort order (asc = high first)

const char* to_string(Priority p) noexcept;                  // "high" | "medium" | "low"
std::optional<Priority> parse_priority(std::string_view s);  // exact, lower-case

struct Task {
  TaskId id = 0;
  UserId user_id = 0;
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

// Validated values for a new task; the repository assigns the id.
struct NewTask {
  UserId user_id = 0;
  std::string title;
  std::optional<std::string> description;
  bool completed = false;
  Priority priority = Priority::Medium;
  std::vector<std::string> tags;
  std::optional<Timestamp> due_date;
  Timestamp now{};  // becomes created_at and updated_at
};

// Validated partial update: an outer nullopt means "leave unchanged".
// For description and due_date an inner nullopt means "clear"; for tags an
// empty vector means "clear".
struct TaskPatch {
  std::optional<std::string> title;
  std::optional<std::optional<std::string>> description;
  std::optional<bool> completed;
  std::optional<Priority> priority;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::optional<Timestamp>> due_date;
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
