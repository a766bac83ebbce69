#include "task_query_params.hpp"

#include <charconv>
#include <map>
#include <string>

#include "todo/core/task_service.hpp"
#include "todo/core/validation.hpp"

namespace todo::http {
namespace {

using core::ascii_lower;
using core::SortBy;
using core::SortOrder;
using core::trim;

// pydantic's lenient bool spellings, as FastAPI accepts them in a query.
std::optional<bool> parse_bool(std::string_view raw) {
  const std::string v = ascii_lower(raw);
  if (v == "true" || v == "1" || v == "yes" || v == "on" || v == "t" || v == "y") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v == "f" || v == "n") return false;
  return std::nullopt;
}

std::optional<long long> parse_int(std::string_view raw) {
  const std::string_view v = trim(raw);
  if (v.empty()) return std::nullopt;
  std::string_view digits = v;
  if (digits.front() == '+') digits.remove_prefix(1);
  long long out = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, out);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return out;
}

}  // namespace

Decoded<core::TaskQuery> parse_task_query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::map<std::string, std::string, std::less<>> last;
  for (const auto& [name, value] : params) last[name] = value;

  Decoded<core::TaskQuery> out;
  core::TaskQuery& q = out.value;
  std::vector<WireFieldError>& errors = out.errors;
  const auto fail = [&](const char* field, std::string msg, const char* type) {
    errors.push_back(WireFieldError{field, std::move(msg), type});
  };
  const auto get = [&](const char* name) -> const std::string* {
    const auto it = last.find(name);
    return it == last.end() ? nullptr : &it->second;
  };

  // Every value must be clean text before it is interpreted.
  for (const auto& [name, value] : last) {
    if (auto ok = core::check_text(name, value); !ok) errors.push_back(to_wire(ok.error().fields.front()));
  }
  if (!errors.empty()) return out;

  if (const auto* v = get("completed")) {
    if (auto b = parse_bool(*v)) {
      q.completed = *b;
    } else {
      fail("completed", "Input should be a valid boolean, unable to interpret input", "bool_parsing");
    }
  }
  if (const auto* v = get("status")) {
    std::optional<bool> from_status;
    bool known = true;
    if (*v == "pending") {
      from_status = false;
    } else if (*v == "completed") {
      from_status = true;
    } else if (*v != "all") {
      known = false;
      fail("status", "Input should be 'pending', 'completed' or 'all'", "enum");
    }
    if (known && from_status) {
      if (q.completed && *q.completed != *from_status) {
        fail("status", "status and completed disagree", "value_error");
      } else {
        q.completed = from_status;
      }
    }
  }
  if (const auto* v = get("priority")) {
    if (auto p = core::parse_priority(*v)) {
      q.priority = *p;
    } else {
      fail("priority", "Input should be 'high', 'medium' or 'low'", "enum");
    }
  }
  if (const auto* v = get("tag")) {
    const std::string_view t = trim(*v);
    if (!t.empty()) q.tag = std::string(t);
  }
  if (const auto* v = get("search")) {
    if (core::count_code_points(*v) > core::kSearchMaxChars) {
      errors.push_back(to_wire(core::FieldError{"search", core::FieldIssue::TooLong,
                                                static_cast<std::int64_t>(core::kSearchMaxChars), 0}));
    } else if (!v->empty()) {
      q.search = *v;
    }
  }
  if (const auto* v = get("sort_by")) {
    if (*v == "created_at") {
      q.sort_by = SortBy::CreatedAt;
    } else if (*v == "updated_at") {
      q.sort_by = SortBy::UpdatedAt;
    } else if (*v == "due_date") {
      q.sort_by = SortBy::DueDate;
    } else if (*v == "priority") {
      q.sort_by = SortBy::Priority;
    } else if (*v == "title") {
      q.sort_by = SortBy::Title;
    } else {
      fail("sort_by", "Input should be 'created_at', 'updated_at', 'due_date', 'priority' or 'title'", "enum");
    }
  }
  if (const auto* v = get("order")) {
    if (*v == "asc") {
      q.order = SortOrder::Asc;
    } else if (*v == "desc") {
      q.order = SortOrder::Desc;
    } else {
      fail("order", "Input should be 'asc' or 'desc'", "enum");
    }
  }
  if (const auto* v = get("limit")) {
    const auto n = parse_int(*v);
    if (!n) {
      fail("limit", "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
    } else if (*n < 1) {
      fail("limit", "Input should be greater than or equal to 1", "greater_than_equal");
    } else if (*n > core::kListLimitMax) {
      fail("limit", "Input should be less than or equal to 500", "less_than_equal");
    } else {
      q.limit = static_cast<int>(*n);
    }
  }
  if (const auto* v = get("offset")) {
    const auto n = parse_int(*v);
    if (!n) {
      fail("offset", "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
    } else if (*n < 0) {
      fail("offset", "Input should be greater than or equal to 0", "greater_than_equal");
    } else {
      q.offset = *n;
    }
  }
  return out;
}

}  // namespace todo::http
