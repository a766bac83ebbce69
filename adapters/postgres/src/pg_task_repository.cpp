#include "todo/pg/pg_task_repository.hpp"

#include <string>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "database_impl.hpp"
#include "task_statements.hpp"

namespace todo::pg {
namespace {

std::optional<std::string> joined_tags(const std::vector<std::string>& tags) {
  if (tags.empty()) return std::nullopt;  // no tags are stored as NULL
  return core::join_tags(tags);
}

core::Error refused() { return core::Error::unauthenticated("token no longer valid"); }

// The insert: one row, `authorized` in column 10, the task's columns NULL
// when nothing was inserted for an authorized caller (its task limit).
core::Result<core::Task> created_task(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task insert returned no answer row");
  if (!rows.boolean(0, 10)) return refused();
  if (rows.is_null(0, 0)) return core::Error::failed_precondition(core::kTaskLimitReached);
  return task_from_row(rows, 0);
}

// get/update/toggle: one row, `authorized` in column 10, the task's columns
// NULL when there is none.
core::Result<core::Task> checked_task(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task statement returned no answer row");
  if (!rows.boolean(0, 10)) return refused();
  if (rows.is_null(0, 0)) return core::Error::not_found("Task not found");
  return task_from_row(rows, 0);
}

// The list: the page, the total in column 10 of every row, `authorized` in 11.
core::Result<core::TaskPage> page_from(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() == 0) return core::Error::internal("task list returned no total");
  if (!rows.boolean(0, 11)) return refused();
  core::TaskPage page;
  page.total = rows.int8(0, 10);
  page.items.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    if (rows.is_null(row, 0)) break;  // the empty page's placeholder row
    page.items.push_back(task_from_row(rows, row));
  }
  return page;
}

// The delete: (authorized, deleted).
core::Result<void> deleted(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task delete returned no answer row");
  if (!rows.boolean(0, 0)) return refused();
  if (!rows.boolean(0, 1)) return core::Error::not_found("Task not found");
  return {};
}

Params& optional_bool(Params& params, std::optional<bool> value) {
  return value ? params.boolean(*value) : params.null();
}

Params& optional_priority(Params& params, std::optional<core::Priority> value) {
  return value ? params.text(core::to_string(*value)) : params.null();
}

// Runs `statement` for the caller and hands its rows, decoded by `decode`, to `done`.
template <class T, class Decode>
void run(Database& database, const core::Caller& caller, const Statement& statement, const Params& params,
         Retry retry, core::Completion<T> done, Decode decode) {
  const std::int64_t user = caller.user_id().value();
  database.impl().run(user, statement, params, retry,
                      [done = std::move(done), decode](core::Result<ResultPtr> result) {
                        done(decode(std::move(result)));
                      });
}

}  // namespace

PgTaskRepository::PgTaskRepository(Database& database, std::int64_t max_tasks_per_user)
    : database_(database), max_tasks_(max_tasks_per_user) {
  std::vector<Statement> statements{kCreateTask, kGetTask, kUpdateTask, kToggleTask, kDeleteTask};
  for (const Statement& s : list_statements()) statements.push_back(s);
  database_.impl().pipeline_statements(statements);
}

void PgTaskRepository::create(const core::Caller& caller, const core::NewTask& task, core::Timestamp now,
                              core::Completion<core::Task> done) {
  Params params;
  params.int8(caller.user_id().value())
      .text(task.title)
      .optional_text(task.description)
      .boolean(task.completed)
      .text(core::to_string(task.priority))
      .optional_text(joined_tags(task.tags))
      .timestamp(task.due_date)
      .timestamp(now)
      .int8(caller.token_version().value())
      .int8(max_tasks_);
  run(database_, caller, kCreateTask, params, Retry::Never, std::move(done), created_task);
}

void PgTaskRepository::get(const core::Caller& caller, core::TaskId id, core::Completion<core::Task> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).int8(caller.token_version().value());
  run(database_, caller, kGetTask, params, Retry::OnceIfLost, std::move(done), checked_task);
}

void PgTaskRepository::list(const core::Caller& caller, const core::TaskQuery& query,
                            core::Completion<core::TaskPage> done) {
  Params params;
  params.int8(caller.user_id().value());
  // A filter makes the list count every match, so its cost grows with the
  // user's tasks (up to MAX_TASKS_PER_USER): the fair, separate lane.
  const bool filtered = query.completed || query.priority || query.tag || query.search;
  const Statement& statement = list_statement(query.sort_by, query.order, filtered);
  if (!filtered) {
    params.int8(query.limit).int8(query.offset).int8(caller.token_version().value());
    run(database_, caller, statement, params, Retry::OnceIfLost, std::move(done), page_from);
    return;
  }
  optional_bool(params, query.completed);
  optional_priority(params, query.priority);
  params.optional_text(query.tag).optional_text(query.search);
  params.int8(query.limit).int8(query.offset).int8(caller.token_version().value());
  database_.impl().run_heavy(caller.user_id().value(), statement, params,
                             [done = std::move(done)](core::Result<ResultPtr> result) {
                               done(page_from(std::move(result)));
                             });
}

void PgTaskRepository::update(const core::Caller& caller, core::TaskId id, const core::TaskPatch& patch,
                              core::Timestamp now, core::Completion<core::Task> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).optional_text(patch.title);
  params.boolean(!patch.description.is_keep()).optional_text(patch.description.new_value());
  optional_bool(params, patch.completed);
  optional_priority(params, patch.priority);
  params.boolean(!patch.tags.is_keep())
      .optional_text(patch.tags.new_value() ? joined_tags(*patch.tags.new_value()) : std::nullopt);
  params.boolean(!patch.due_date.is_keep()).timestamp(patch.due_date.new_value());
  params.timestamp(now).int8(caller.token_version().value());
  run(database_, caller, kUpdateTask, params, Retry::Never, std::move(done), checked_task);
}

void PgTaskRepository::toggle_completed(const core::Caller& caller, core::TaskId id, core::Timestamp now,
                                        core::Completion<core::Task> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).timestamp(now).int8(caller.token_version().value());
  run(database_, caller, kToggleTask, params, Retry::Never, std::move(done), checked_task);
}

void PgTaskRepository::remove(const core::Caller& caller, core::TaskId id, core::Completion<void> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).int8(caller.token_version().value());
  run(database_, caller, kDeleteTask, params, Retry::Never, std::move(done), deleted);
}

}  // namespace todo::pg
