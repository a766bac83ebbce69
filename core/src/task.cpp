#include "todo/core/task.hpp"

namespace todo::core {

const char* to_string(Priority p) noexcept {
  switch (p) {
    case Priority::High: return "high";
    case Priority::Medium: return "medium";
    case Priority::Low: return "low";
  }
  return "medium";
}

std::optional<Priority> parse_priority(std::string_view s) {
  if (s == "high") return Priority::High;
  if (s == "medium") return Priority::Medium;
  if (s == "low") return Priority::Low;
  return std::nullopt;
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& tag : tags) {
    if (!out.empty()) out += ',';
    out += tag;
  }
  return out;
}

}  // namespace todo::core
