#pragma once
// The task statements, each whole (private to the adapter). Every statement
// runs for a Caller: `me` is the caller's users row if it still has the
// token's version (else no row), so the authentication check and the work
// share one statement and one round trip (docs/decisions/0006). `me` reads
// the row as of the statement's start and takes no lock: a logout-all
// committed before the statement refuses it, one that commits while it runs
// does not. A write joins `me`, so nothing is written for a revoked token.
//
// Results: get/update/toggle answer one row, the task's ten columns (NULL
// when there is no such task of the caller's) then `authorized`; so does the
// insert (NULL when the task limit refused it); the delete answers
// (authorized, deleted); the list answers the page's rows (or one row of
// NULL task columns for an empty page) with `total` and `authorized`.

#include <array>
#include <string>

#include "connection.hpp"
#include "todo/core/task.hpp"

namespace todo::pg {

// $1 caller, $2..$7 the task's fields, $8 created_at = updated_at, $9 token
// version, $10 the task limit (0: none). The task_count trigger (0002)
// fires only for a row inserted.
//  - The limit is exact under concurrent creates of one user: `me` locks the
//    user's row (FOR NO KEY UPDATE, which the trigger's UPDATE would take at
//    the insert anyway), so a second create waits and then reads the count
//    the first one committed. It does not block the foreign key's KEY SHARE
//    lock, so other statements of the user go on.
//  - One answer row: the task's columns NULL when nothing was inserted, and
//    `authorized` tells a revoked token from a full account.
inline constexpr Statement kCreateTask{"todo_task_create", R"sql(
WITH me AS (SELECT task_count FROM users WHERE id = $1 AND token_version = $9 FOR NO KEY UPDATE),
     made AS (
       INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
       SELECT $1::bigint, $2::text, $3::text, $4::boolean, $5::text, $6::text, $7::timestamptz,
              $8::timestamptz, $8::timestamptz
       FROM me WHERE $10::bigint = 0 OR me.task_count < $10::bigint
       RETURNING id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
SELECT made.*, EXISTS (SELECT FROM me) AS authorized
FROM (SELECT) AS one LEFT JOIN made ON true
)sql"};

// $1 task id, $2 caller, $3 token version.
inline constexpr Statement kGetTask{"todo_task_get", R"sql(
WITH me AS (SELECT FROM users WHERE id = $2 AND token_version = $3),
     task AS (SELECT id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at
              FROM tasks WHERE id = $1 AND user_id = $2 AND EXISTS (SELECT FROM me))
SELECT task.*, EXISTS (SELECT FROM me) AS authorized
FROM (SELECT) AS one LEFT JOIN task ON true
)sql"};

// $1 task id, $2 caller, $3 new title or NULL (keep), $4/$5 set description?
// and its value, $6 completed or NULL, $7 priority or NULL, $8/$9 set tags?
// and their value, $10/$11 set due date? and its value, $12 updated_at,
// $13 token version. title, completed and priority are never NULL, so NULL
// means "keep"; the clearable fields carry an explicit flag.
inline constexpr Statement kUpdateTask{"todo_task_update", R"sql(
WITH me AS (SELECT FROM users WHERE id = $2 AND token_version = $13),
     changed AS (
       UPDATE tasks SET
         title = COALESCE($3, title),
         description = CASE WHEN $4::boolean THEN $5 ELSE description END,
         completed = COALESCE($6::boolean, completed),
         priority = COALESCE($7, priority),
         tags = CASE WHEN $8::boolean THEN $9 ELSE tags END,
         due_date = CASE WHEN $10::boolean THEN $11::timestamptz ELSE due_date END,
         updated_at = $12::timestamptz
       WHERE id = $1 AND user_id = $2 AND EXISTS (SELECT FROM me)
       RETURNING id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
SELECT changed.*, EXISTS (SELECT FROM me) AS authorized
FROM (SELECT) AS one LEFT JOIN changed ON true
)sql"};

// $1 task id, $2 caller, $3 updated_at, $4 token version.
inline constexpr Statement kToggleTask{"todo_task_toggle", R"sql(
WITH me AS (SELECT FROM users WHERE id = $2 AND token_version = $4),
     changed AS (
       UPDATE tasks SET completed = NOT completed, updated_at = $3::timestamptz
       WHERE id = $1 AND user_id = $2 AND EXISTS (SELECT FROM me)
       RETURNING id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
SELECT changed.*, EXISTS (SELECT FROM me) AS authorized
FROM (SELECT) AS one LEFT JOIN changed ON true
)sql"};

// $1 task id, $2 caller, $3 token version. The task_count trigger fires for
// the row deleted, if any.
inline constexpr Statement kDeleteTask{"todo_task_delete", R"sql(
WITH me AS (SELECT FROM users WHERE id = $2 AND token_version = $3),
     gone AS (DELETE FROM tasks WHERE id = $1 AND user_id = $2 AND EXISTS (SELECT FROM me) RETURNING id)
SELECT EXISTS (SELECT FROM me) AS authorized, EXISTS (SELECT FROM gone) AS deleted
)sql"};

// The filtered list: $1 caller, $2 completed, $3 priority, $4 tag, $5
// search (each NULL to leave its filter off, so one prepared statement per
// sort serves every combination), $6 limit, $7 offset, $8 token version.
// {order} stands for the sort (kListSorts in the .cpp); it is the only thing
// that differs between the ten prepared filtered statements. A list without
// any filter runs kListAllTasksTemplate instead (below).
//  - One round trip for the page and the total: the count is one row the
//    page is LEFT JOINed to, so an empty page still brings the total. On a
//    user with 10,000 tasks count(*) OVER () buffered every matching row
//    before LIMIT (~50 ms); this form took ~3 ms (docs/decisions/0003).
//  - tag: one element of the comma list after an ASCII fold; search:
//    strpos() on ASCII-folded text, not ILIKE, which would need '%', '_'
//    and '\' escaped and folds non-ASCII letters under a non-C ctype
//    (todo_ascii_lower() is in 0001_init.sql).
//  - `filtered` is NOT MATERIALIZED: inlined in both places, so the page's
//    scan stops after LIMIT rows in index order.
//  - The outer ORDER BY repeats the inner one: only it orders the final rows.
inline constexpr const char* kListTasksTemplate = R"sql(
WITH filtered AS NOT MATERIALIZED (
  SELECT id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at
  FROM tasks
  WHERE user_id = $1
    AND ($2::boolean IS NULL OR completed = $2)
    AND ($3::text IS NULL OR priority = $3)
    AND ($4::text IS NULL OR todo_ascii_lower($4) = ANY (string_to_array(todo_ascii_lower(tags), ',')))
    AND ($5::text IS NULL OR strpos(todo_ascii_lower(title), todo_ascii_lower($5)) > 0
         OR strpos(todo_ascii_lower(description), todo_ascii_lower($5)) > 0))
SELECT page.*, matching.total, matching.authorized
FROM (SELECT me.id IS NOT NULL AS authorized,
             CASE WHEN me.id IS NULL THEN 0 ELSE (SELECT count(*) FROM filtered) END AS total
      FROM (SELECT) AS one LEFT JOIN users AS me ON me.id = $1 AND me.token_version = $8) AS matching
LEFT JOIN LATERAL (
  SELECT * FROM filtered WHERE matching.authorized
  ORDER BY {order}, id ASC LIMIT $6 OFFSET $7) AS page ON true
ORDER BY {order}, id ASC
)sql";

// The list without a filter (the common case: every client's first page):
// $1 caller, $2 limit, $3 offset, $4 token version; {order} as above. The
// total is the user's task_count (0002), so many tasks cost no more than
// few. The same answer as kListTasksTemplate's, but its generic plan has no filter
// conditions and no count subplan to set up and evaluate: in pgbench
// (32 clients, 1,000 users x 20 tasks) it ran 18,300-22,300 executions a
// second where the filtered statement, bound with four NULLs, ran
// 13,800-15,700 (docs/performance.md, "Session 10").
inline constexpr const char* kListAllTasksTemplate = R"sql(
SELECT page.*, matching.total, matching.authorized
FROM (SELECT me.id IS NOT NULL AS authorized, COALESCE(me.task_count, 0) AS total
      FROM (SELECT) AS one LEFT JOIN users AS me ON me.id = $1 AND me.token_version = $4) AS matching
LEFT JOIN LATERAL (
  SELECT id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at
  FROM tasks WHERE user_id = $1 AND matching.authorized
  ORDER BY {order}, id ASC LIMIT $2 OFFSET $3) AS page ON true
ORDER BY {order}, id ASC
)sql";

// Several unfiltered lists of one sort in one statement (list batching,
// pg_task_repository.cpp): $1 callers, $2 limits, $3 offsets, $4 token
// versions, one array element per list, in the order the answers are
// wanted. Each list's rows are those of kListAllTasksTemplate (the empty
// page's placeholder row included), then its position in the arrays
// (1-based) in column 12; the rows come ordered by that position. One
// execution serves them all: in pgbench (32 clients, 1,000 users x 20
// tasks) 8 lists a statement came to about 41,000 lists a second, against
// 17,400-23,400 one list a statement.
//  - The user is looked up in a LATERAL subquery with LIMIT 1, which the
//    planner cannot flatten into a join: one primary-key probe per list.
//    As a plain LEFT JOIN the generic plan (which guesses 10 array
//    elements) hash-joined a sequential scan of every user, per statement:
//    with 1,000 users the batched lists cost PostgreSQL more than one
//    statement each.
inline constexpr const char* kListAllTasksBatchTemplate = R"sql(
SELECT page.*, req.total, req.authorized, req.i
FROM (SELECT r.i, r.uid, r.lim, r.off, me.id IS NOT NULL AS authorized, COALESCE(me.task_count, 0) AS total
      FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS r(uid, lim, off, ver, i)
      LEFT JOIN LATERAL (SELECT id, task_count FROM users
                         WHERE users.id = r.uid AND users.token_version = r.ver LIMIT 1) AS me ON true) AS req
LEFT JOIN LATERAL (
  SELECT id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at
  FROM tasks WHERE user_id = req.uid AND req.authorized
  ORDER BY {order}, id ASC LIMIT req.lim OFFSET req.off) AS page ON true
ORDER BY req.i, {order}, id ASC
)sql";

// The ten task columns (id, user_id, title, description, completed,
// priority, tags, due_date, created_at, updated_at) of `row`, from column 0.
core::Task task_from_row(const Rows& rows, int row);

// The ten sorts (SortBy x SortOrder), each with three list statements.
inline constexpr std::size_t kListSortCount = 10;
// 0..9: the index of a query's sort and order.
std::size_t sort_index(core::SortBy sort_by, core::SortOrder order);

enum class ListForm {
  Unfiltered,  // kListAllTasksTemplate
  Filtered,    // kListTasksTemplate
  Batch,       // kListAllTasksBatchTemplate
};
inline constexpr std::size_t kListForms = 3;
// The list statement of a form for a sort (sort_index()).
const Statement& list_statement(ListForm form, std::size_t sort);
// All thirty of them (prepared on the pipelined connections up front).
std::array<Statement, kListForms * kListSortCount> list_statements();

}  // namespace todo::pg
