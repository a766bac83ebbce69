#include "todo/core/ports/task_feed.hpp"

#include <charconv>
#include <utility>

namespace todo::core {

const char* to_string(TaskChangeKind kind) noexcept {
  switch (kind) {
    case TaskChangeKind::Created:
      return "created";
    case TaskChangeKind::Updated:
      return "updated";
    case TaskChangeKind::Deleted:
      return "deleted";
  }
  return "updated";
}

TaskChange TaskChange::created(Task task) {
  TaskChange change;
  change.kind = TaskChangeKind::Created;
  change.task_id = task.id;
  change.task = std::move(task);
  return change;
}

TaskChange TaskChange::updated(Task task) {
  TaskChange change = created(std::move(task));
  change.kind = TaskChangeKind::Updated;
  return change;
}

TaskChange TaskChange::deleted(TaskId id) {
  TaskChange change;
  change.kind = TaskChangeKind::Deleted;
  change.task_id = id;
  return change;
}

std::optional<std::int64_t> parse_event_id(std::string_view text) noexcept {
  // Digits only: no sign, no spaces, no leading "+" (from_chars takes none).
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace todo::core
