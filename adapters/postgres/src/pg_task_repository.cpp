#include "todo/pg/pg_task_repository.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "pipeline.hpp"
#include "with_connection.hpp"

namespace todo::pg {
namespace {

// Column order read by task_from_row().
#define TODO_PG_TASK_COLUMNS \
  "id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at"

constexpr Statement kInsertTask{
    "todo_task_insert",
    "INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date,"
    " created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $8::timestamptz)"
    " RETURNING " TODO_PG_TASK_COLUMNS};

constexpr Statement kTaskById{
    "todo_task_by_id",
    "SELECT " TODO_PG_TASK_COLUMNS " FROM tasks WHERE id = $1 AND user_id = $2"};

// Outer nullopt = unchanged. title/completed/priority are never NULL, so a
// NULL parameter means "keep"; the clearable fields carry an explicit flag.
// $3..$12; shared by kUpdateTask and kUpdateTaskForToken.
#define TODO_PG_UPDATE_SET                                                            \
  " title = COALESCE($3, title),"                                                     \
  " description = CASE WHEN $4::boolean THEN $5 ELSE description END,"               \
  " completed = COALESCE($6::boolean, completed),"                                    \
  " priority = COALESCE($7, priority),"                                               \
  " tags = CASE WHEN $8::boolean THEN $9 ELSE tags END,"                              \
  " due_date = CASE WHEN $10::boolean THEN $11::timestamptz ELSE due_date END,"      \
  " updated_at = $12::timestamptz"

constexpr Statement kUpdateTask{
    "todo_task_update",
    "UPDATE tasks SET" TODO_PG_UPDATE_SET
    " WHERE id = $1 AND user_id = $2 RETURNING " TODO_PG_TASK_COLUMNS};

constexpr Statement kToggleTask{
    "todo_task_toggle",
    "UPDATE tasks SET completed = NOT completed, updated_at = $3::timestamptz"
    " WHERE id = $1 AND user_id = $2 RETURNING " TODO_PG_TASK_COLUMNS};

constexpr Statement kDeleteTask{"todo_task_delete",
                                "DELETE FROM tasks WHERE id = $1 AND user_id = $2"};

// The statements for a bearer token: each is the statement above plus the
// check that the owner ($2, $1 for the insert) still exists with the
// token's version (the last parameter), in one round trip instead of two
// (docs/decisions/0006). `me` has one row when the check holds and none
// otherwise; a write joins it, so nothing is written for a revoked token,
// and every statement but the insert answers one row whose `authorized`
// tells a refused token (401) from a missing task (404, task columns NULL).
// `me` reads the users row as of the statement's start and takes no lock:
// a logout-all committed before the statement refuses it, one that commits
// while it runs does not (as with the lookup these replace, which ran
// before the write). Column order: the task's ten, then `authorized`.
#define TODO_PG_ME(version) \
  "WITH me AS (SELECT true AS authorized FROM users WHERE id = $2 AND token_version = " version ")"
#define TODO_PG_ANSWER(rows)                                                                \
  " SELECT " TODO_PG_TASK_COLUMNS ", EXISTS (SELECT FROM me) AS authorized"              \
  " FROM (SELECT) AS one LEFT JOIN " rows " ON true"

// The insert's SELECT yields no row unless the check holds; the task_count
// trigger (0002) fires only for a row actually inserted.
constexpr Statement kInsertTaskForToken{
    "todo_task_insert_for_token",
    "INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date,"
    " created_at, updated_at)"
    " SELECT $1::bigint, $2::text, $3::text, $4::boolean, $5::text, $6::text, $7::timestamptz,"
    " $8::timestamptz, $8::timestamptz"
    " FROM users WHERE id = $1 AND token_version = $9"
    " RETURNING " TODO_PG_TASK_COLUMNS};

constexpr Statement kTaskByIdForToken{
    "todo_task_by_id_for_token",
    TODO_PG_ME("$3")
    " , task AS (SELECT " TODO_PG_TASK_COLUMNS " FROM tasks, me WHERE id = $1 AND user_id = $2)"
    TODO_PG_ANSWER("task")};

constexpr Statement kUpdateTaskForToken{
    "todo_task_update_for_token",
    TODO_PG_ME("$13")
    " , changed AS (UPDATE tasks SET" TODO_PG_UPDATE_SET
    " FROM me WHERE id = $1 AND user_id = $2 RETURNING " TODO_PG_TASK_COLUMNS ")"
    TODO_PG_ANSWER("changed")};

constexpr Statement kToggleTaskForToken{
    "todo_task_toggle_for_token",
    TODO_PG_ME("$4")
    " , changed AS (UPDATE tasks SET completed = NOT completed, updated_at = $3::timestamptz"
    " FROM me WHERE id = $1 AND user_id = $2 RETURNING " TODO_PG_TASK_COLUMNS ")"
    TODO_PG_ANSWER("changed")};

// One row: (authorized, deleted). The task_count trigger fires for the row
// deleted, if any.
constexpr Statement kDeleteTaskForToken{
    "todo_task_delete_for_token",
    TODO_PG_ME("$3")
    " , gone AS (DELETE FROM tasks USING me WHERE id = $1 AND user_id = $2 RETURNING id)"
    " SELECT EXISTS (SELECT FROM me) AS authorized, EXISTS (SELECT FROM gone) AS deleted"};

#undef TODO_PG_ANSWER
#undef TODO_PG_ME
#undef TODO_PG_UPDATE_SET

// The list filters. A NULL parameter disables its filter, so one prepared
// statement per sort serves every combination of filters.
//  - tag: one element of the comma list, compared after an ASCII fold.
//  - search: strpos() on ASCII-folded text rather than ILIKE. ILIKE would
//    need '%', '_' and '\' escaped, and under a non-C ctype (usual on hosted
//    databases) it also folds non-ASCII letters, which the core's rule
//    ("ASCII case-insensitive") and the memory adapter do not; strpos is a
//    plain substring test, so nothing needs escaping.
// todo_ascii_lower() is defined in 0001_init.sql.
#define TODO_PG_TASK_FILTER                                                                \
  " FROM tasks WHERE user_id = $1"                                                         \
  " AND ($2::boolean IS NULL OR completed = $2)"                                           \
  " AND ($3::text IS NULL OR priority = $3)"                                               \
  " AND ($4::text IS NULL OR todo_ascii_lower($4) = ANY"                                   \
  " (string_to_array(todo_ascii_lower(tags), ',')))"                                       \
  " AND ($5::text IS NULL OR strpos(todo_ascii_lower(title), todo_ascii_lower($5)) > 0"    \
  " OR strpos(todo_ascii_lower(description), todo_ascii_lower($5)) > 0)"

// One round trip for the page and the total: the count is one row that the
// page is LEFT JOINed to, so an empty page (offset past the end) still
// brings the total, as a single row whose task columns are NULL. Measured on
// a user with 10,000 tasks (docs/decisions/0003): count(*) OVER () had to
// buffer every matching row before LIMIT and took ~50 ms for the unfiltered
// list, this form ~3 ms, since the page scan stops after LIMIT rows in index
// order. The outer ORDER BY repeats the inner one because only it guarantees
// the order of the final rows (sorting <= 500 rows is cheap).
#define TODO_PG_TASK_LIST(name, order)                                                   \
  Statement {                                                                            \
    "todo_task_list_" name,                                                              \
        "SELECT " TODO_PG_TASK_COLUMNS ", matching.total"                                \
        " FROM (SELECT count(*) AS total" TODO_PG_TASK_FILTER ") AS matching"            \
        " LEFT JOIN LATERAL (SELECT " TODO_PG_TASK_COLUMNS TODO_PG_TASK_FILTER           \
        " ORDER BY " order ", id ASC LIMIT $6 OFFSET $7) AS page ON true"                \
        " ORDER BY " order ", id ASC"                                                    \
  }

// The same list for a bearer token of version $8. `me` is the owner's row
// if it still has that token version (else no row: `authorized` is false
// and the page reads nothing), so the authentication check and the page
// take one round trip instead of two (docs/decisions/0006). Without a
// filter the total is the row's task_count (kept by 0002_task_counts.sql),
// so a user with many tasks costs no more than one with few; CASE runs the
// counting subquery only when a filter is set.
#define TODO_PG_TASK_LIST_FOR_TOKEN(name, order)                                          \
  Statement {                                                                            \
    "todo_task_list_for_token_" name,                                                    \
        "SELECT " TODO_PG_TASK_COLUMNS ", matching.total, matching.authorized"           \
        " FROM (SELECT me.id IS NOT NULL AS authorized,"                                 \
        " CASE WHEN me.id IS NULL THEN 0"                                                \
        " WHEN $2::boolean IS NULL AND $3::text IS NULL AND $4::text IS NULL"            \
        " AND $5::text IS NULL THEN me.task_count"                                       \
        " ELSE (SELECT count(*)" TODO_PG_TASK_FILTER ") END AS total"                    \
        " FROM (SELECT 1) AS one LEFT JOIN users AS me"                                  \
        " ON me.id = $1 AND me.token_version = $8) AS matching"                          \
        " LEFT JOIN LATERAL (SELECT " TODO_PG_TASK_COLUMNS TODO_PG_TASK_FILTER           \
        " AND matching.authorized"                                                       \
        " ORDER BY " order ", id ASC LIMIT $6 OFFSET $7) AS page ON true"                \
        " ORDER BY " order ", id ASC"                                                    \
  }

// Indexed by [SortBy][SortOrder]. Titles: ASCII letters folded, then bytes
// (COLLATE "C" compares UTF-8 bytes, i.e. code points). Priority: high first
// on ascending. Due date: tasks without one last in both orders.
#define TODO_PG_PRIORITY_RANK "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"
// One table of the ten sorts for a statement macro of (name, ORDER BY).
#define TODO_PG_BY_SORT(STATEMENT)                                                   \
  {                                                                                \
    {STATEMENT("created_asc", "created_at ASC"), STATEMENT("created_desc", "created_at DESC")},     \
        {STATEMENT("updated_asc", "updated_at ASC"), STATEMENT("updated_desc", "updated_at DESC")}, \
        {STATEMENT("due_asc", "due_date ASC NULLS LAST"),                          \
         STATEMENT("due_desc", "due_date DESC NULLS LAST")},                       \
        {STATEMENT("priority_asc", TODO_PG_PRIORITY_RANK " ASC"),                  \
         STATEMENT("priority_desc", TODO_PG_PRIORITY_RANK " DESC")},               \
        {STATEMENT("title_asc", "todo_ascii_lower(title) COLLATE \"C\" ASC"),      \
         STATEMENT("title_desc", "todo_ascii_lower(title) COLLATE \"C\" DESC")},   \
  }
constexpr Statement kList[5][2] = TODO_PG_BY_SORT(TODO_PG_TASK_LIST);
constexpr Statement kListForToken[5][2] = TODO_PG_BY_SORT(TODO_PG_TASK_LIST_FOR_TOKEN);

#undef TODO_PG_BY_SORT
#undef TODO_PG_PRIORITY_RANK
#undef TODO_PG_TASK_LIST
#undef TODO_PG_TASK_LIST_FOR_TOKEN
#undef TODO_PG_TASK_FILTER
#undef TODO_PG_TASK_COLUMNS

std::vector<std::string> split_tags(std::string_view joined) {
  std::vector<std::string> tags;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = joined.find(',', start);
    tags.emplace_back(joined.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return tags;
}

std::optional<std::string> joined_tags(const std::vector<std::string>& tags) {
  if (tags.empty()) return std::nullopt;  // no tags are stored as NULL
  return core::join_tags(tags);
}

core::Task task_from_row(const Rows& rows, int row) {
  core::Task task;
  task.id = rows.int8(row, 0);
  task.user_id = rows.int8(row, 1);
  task.title = rows.text(row, 2);
  task.description = rows.optional_text(row, 3);
  task.completed = rows.boolean(row, 4);
  // The check constraint admits only these three spellings.
  task.priority = core::parse_priority(rows.text(row, 5)).value_or(core::Priority::Medium);
  if (!rows.is_null(row, 6)) task.tags = split_tags(rows.text(row, 6));
  task.due_date = rows.optional_timestamp(row, 7);
  task.created_at = rows.timestamp(row, 8);
  task.updated_at = rows.timestamp(row, 9);
  return task;
}

core::Result<core::Task> single_task(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() == 0) return core::Error::not_found("Task not found");
  return task_from_row(rows, 0);
}

// The answer of a `..._for_token` statement other than the insert: one row,
// `authorized` in column 10, the task's columns NULL when there is none.
core::Result<core::Task> checked_task(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task statement for a token returned no answer row");
  if (!rows.boolean(0, 10)) return core::Error::unauthenticated("token no longer valid");
  if (rows.is_null(0, 0)) return core::Error::not_found("Task not found");
  return task_from_row(rows, 0);
}

}  // namespace

namespace {

// $1..$8 of both insert statements.
Params insert_params(const core::NewTask& task) {
  Params params;
  params.int8(task.user_id)
      .text(task.title)
      .optional_text(task.description)
      .boolean(task.completed)
      .text(core::to_string(task.priority))
      .optional_text(joined_tags(task.tags))
      .timestamp(task.due_date)
      .timestamp(task.now);
  return params;
}

}  // namespace

core::Result<core::Task> PgTaskRepository::create(const core::NewTask& task) {
  const Params params = insert_params(task);
  return with_connection(pool_, Retry::Never,
                         [&](Connection& c) { return single_task(c.exec(kInsertTask, params)); });
}

core::Result<core::Task> PgTaskRepository::create_for_token(std::int64_t token_version,
                                                            const core::NewTask& task) {
  Params params = insert_params(task);
  params.int8(token_version);
  return with_connection(pool_, Retry::Never, [&](Connection& c) -> core::Result<core::Task> {
    auto result = c.exec(kInsertTaskForToken, params);
    if (!result) return std::move(result).error();
    const Rows rows(result->get());
    // No row: the SELECT found no user with that token version.
    if (rows.size() == 0) return core::Error::unauthenticated("token no longer valid");
    return task_from_row(rows, 0);
  });
}

core::Result<core::Task> PgTaskRepository::get(core::UserId owner, core::TaskId id) {
  return with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return single_task(c.exec(kTaskById, Params{}.int8(id).int8(owner)));
  });
}

core::Result<core::Task> PgTaskRepository::get_for_token(core::UserId owner, std::int64_t token_version,
                                                         core::TaskId id) {
  return with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return checked_task(c.exec(kTaskByIdForToken, Params{}.int8(id).int8(owner).int8(token_version)));
  });
}

namespace {

// $1..$7 of both list statements.
Params list_params(core::UserId owner, const core::TaskQuery& query) {
  Params params;
  params.int8(owner);
  if (query.completed) {
    params.boolean(*query.completed);
  } else {
    params.null();
  }
  if (query.priority) {
    params.text(core::to_string(*query.priority));
  } else {
    params.null();
  }
  params.optional_text(query.tag).optional_text(query.search);
  params.int8(query.limit).int8(query.offset);
  return params;
}

const Statement& pick(const Statement (&statements)[5][2], const core::TaskQuery& query) {
  return statements[static_cast<int>(query.sort_by)][query.order == core::SortOrder::Asc ? 0 : 1];
}

// Rows of either list statement: the page, the total in column 10 of every
// row, and for list_for_token the check in column 11.
core::Result<core::TaskPage> page_from(core::Result<ResultPtr> result, bool checked) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() == 0) return core::Error::internal("task list returned no total");
  if (checked && !rows.boolean(0, 11)) return core::Error::unauthenticated("token no longer valid");
  core::TaskPage page;
  page.total = rows.int8(0, 10);
  page.items.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    if (rows.is_null(row, 0)) break;  // the empty page's placeholder row
    page.items.push_back(task_from_row(rows, row));
  }
  return page;
}

}  // namespace

PgTaskRepository::PgTaskRepository(Pool& pool) : pool_(pool) {}

PgTaskRepository::~PgTaskRepository() = default;

void PgTaskRepository::enable_pipeline(boost::asio::io_context& context, std::size_t connections) {
  std::vector<Statement> statements;
  for (const auto& by_order : kListForToken) {
    for (const Statement& statement : by_order) statements.push_back(statement);
  }
  pipeline_ = std::make_unique<Pipeline>(pool_, context, connections, statements);
}

void PgTaskRepository::disable_pipeline() noexcept { pipeline_.reset(); }

PipelineStats PgTaskRepository::pipeline_stats() const noexcept {
  PipelineStats stats;
  if (!pipeline_) return stats;
  stats.connections = pipeline_->connections();
  stats.open = pipeline_->open();
  stats.in_flight = pipeline_->in_flight();
  stats.statements = pipeline_->statements();
  stats.rerun = pipeline_rerun_.load(std::memory_order_relaxed);
  stats.bypassed = pipeline_bypassed_.load(std::memory_order_relaxed);
  return stats;
}

core::Result<core::TaskPage> PgTaskRepository::list(core::UserId owner,
                                                    const core::TaskQuery& query) {
  const Params params = list_params(owner, query);
  return with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return page_from(c.exec(pick(kList, query), params), false);
  });
}

core::Result<core::TaskPage> PgTaskRepository::list_for_token(core::UserId owner,
                                                              std::int64_t token_version,
                                                              const core::TaskQuery& query) {
  Params params = list_params(owner, query);
  params.int8(token_version);
  return with_connection(pool_, Retry::OnceIfLost, [&](Connection& c) {
    return page_from(c.exec(pick(kListForToken, query), params), true);
  });
}

void PgTaskRepository::list_for_token_async(core::UserId owner, std::int64_t token_version,
                                            const core::TaskQuery& query,
                                            std::function<void(core::Result<core::TaskPage>)> done) {
  if (pipeline_) {
    Params params = list_params(owner, query);
    params.int8(token_version);
    Pipeline::Done finish = [this, owner, token_version, query, done](core::Result<ResultPtr> result,
                                                                      bool lost) {
      if (lost) {
        pipeline_rerun_.fetch_add(1, std::memory_order_relaxed);
        done(list_for_token(owner, token_version, query));
        return;
      }
      done(page_from(std::move(result), true));
    };
    if (pipeline_->submit(pick(kListForToken, query), params, finish)) return;
    pipeline_bypassed_.fetch_add(1, std::memory_order_relaxed);
  }
  done(list_for_token(owner, token_version, query));
}

namespace {

// $1..$12 of both update statements.
Params update_params(core::UserId owner, core::TaskId id, const core::TaskPatch& patch, core::Timestamp now) {
  Params params;
  params.int8(id).int8(owner).optional_text(patch.title);
  params.boolean(patch.description.has_value())
      .optional_text(patch.description ? *patch.description : std::nullopt);
  if (patch.completed) {
    params.boolean(*patch.completed);
  } else {
    params.null();
  }
  if (patch.priority) {
    params.text(core::to_string(*patch.priority));
  } else {
    params.null();
  }
  params.boolean(patch.tags.has_value())
      .optional_text(patch.tags ? joined_tags(*patch.tags) : std::nullopt);
  params.boolean(patch.due_date.has_value())
      .timestamp(patch.due_date ? *patch.due_date : std::nullopt);
  params.timestamp(now);
  return params;
}

}  // namespace

core::Result<core::Task> PgTaskRepository::update(core::UserId owner, core::TaskId id,
                                                  const core::TaskPatch& patch,
                                                  core::Timestamp now) {
  const Params params = update_params(owner, id, patch, now);
  return with_connection(pool_, Retry::Never,
                         [&](Connection& c) { return single_task(c.exec(kUpdateTask, params)); });
}

core::Result<core::Task> PgTaskRepository::update_for_token(core::UserId owner, std::int64_t token_version,
                                                            core::TaskId id, const core::TaskPatch& patch,
                                                            core::Timestamp now) {
  Params params = update_params(owner, id, patch, now);
  params.int8(token_version);
  return with_connection(pool_, Retry::Never,
                         [&](Connection& c) { return checked_task(c.exec(kUpdateTaskForToken, params)); });
}

core::Result<core::Task> PgTaskRepository::toggle_completed(core::UserId owner, core::TaskId id,
                                                            core::Timestamp now) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) {
    return single_task(c.exec(kToggleTask, Params{}.int8(id).int8(owner).timestamp(now)));
  });
}

core::Result<core::Task> PgTaskRepository::toggle_completed_for_token(core::UserId owner,
                                                                      std::int64_t token_version,
                                                                      core::TaskId id, core::Timestamp now) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) {
    return checked_task(
        c.exec(kToggleTaskForToken, Params{}.int8(id).int8(owner).timestamp(now).int8(token_version)));
  });
}

core::Result<void> PgTaskRepository::remove(core::UserId owner, core::TaskId id) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) -> core::Result<void> {
    auto result = c.exec(kDeleteTask, Params{}.int8(id).int8(owner));
    if (!result) return std::move(result).error();
    if (std::strcmp(PQcmdTuples(result->get()), "0") == 0) {
      return core::Error::not_found("Task not found");
    }
    return {};
  });
}

core::Result<void> PgTaskRepository::remove_for_token(core::UserId owner, std::int64_t token_version,
                                                      core::TaskId id) {
  return with_connection(pool_, Retry::Never, [&](Connection& c) -> core::Result<void> {
    auto result = c.exec(kDeleteTaskForToken, Params{}.int8(id).int8(owner).int8(token_version));
    if (!result) return std::move(result).error();
    const Rows rows(result->get());
    if (rows.size() != 1) return core::Error::internal("task delete for a token returned no answer row");
    if (!rows.boolean(0, 0)) return core::Error::unauthenticated("token no longer valid");
    if (!rows.boolean(0, 1)) return core::Error::not_found("Task not found");
    return {};
  });
}

}  // namespace todo::pg
