#pragma once
// The task list's query string -> core::TaskQuery, with FastAPI's rules:
// unknown names ignored, the last of a repeated name wins, pydantic's
// messages for bad values (each naming its parameter).

#include <string>
#include <utility>
#include <vector>

#include "json_io.hpp"
#include "todo/core/task.hpp"

namespace todo::http {

// Accepts completed=true|false, status=pending|completed|all, priority, tag,
// search, sort_by, order, limit, offset.
Decoded<core::TaskQuery> parse_task_query(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace todo::http
