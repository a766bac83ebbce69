#include "task_statements.hpp"

#include <string_view>

namespace todo::pg {
namespace {

struct ListSort {
  const char* name;         // of the unfiltered statement
  const char* filter_name;  // of the filtered one
  const char* batch_name;   // of the unfiltered one's batch form
  const char* order;        // replaces {order} in the templates
};

// Indexed by [SortBy][SortOrder]. Titles: ASCII letters folded, then bytes
// (COLLATE "C" compares UTF-8 bytes, i.e. code points). Priority: high first
// on ascending. Due date: tasks without one last in both orders.
constexpr ListSort kListSorts[5][2] = {
    {{"todo_task_list_created_asc", "todo_task_filter_created_asc", "todo_task_lists_created_asc", "created_at ASC"},
     {"todo_task_list_created_desc", "todo_task_filter_created_desc", "todo_task_lists_created_desc", "created_at DESC"}},
    {{"todo_task_list_updated_asc", "todo_task_filter_updated_asc", "todo_task_lists_updated_asc", "updated_at ASC"},
     {"todo_task_list_updated_desc", "todo_task_filter_updated_desc", "todo_task_lists_updated_desc", "updated_at DESC"}},
    {{"todo_task_list_due_asc", "todo_task_filter_due_asc", "todo_task_lists_due_asc", "due_date ASC NULLS LAST"},
     {"todo_task_list_due_desc", "todo_task_filter_due_desc", "todo_task_lists_due_desc", "due_date DESC NULLS LAST"}},
    {{"todo_task_list_priority_asc", "todo_task_filter_priority_asc", "todo_task_lists_priority_asc", "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END ASC"},
     {"todo_task_list_priority_desc", "todo_task_filter_priority_desc", "todo_task_lists_priority_desc", "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END DESC"}},
    {{"todo_task_list_title_asc", "todo_task_filter_title_asc", "todo_task_lists_title_asc", "todo_ascii_lower(title) COLLATE \"C\" ASC"},
     {"todo_task_list_title_desc", "todo_task_filter_title_desc", "todo_task_lists_title_desc", "todo_ascii_lower(title) COLLATE \"C\" DESC"}},
};

std::string with_order(std::string_view sql_template, std::string_view order) {
  constexpr std::string_view kPlaceholder = "{order}";
  std::string sql(sql_template);
  for (std::size_t at = sql.find(kPlaceholder); at != std::string::npos; at = sql.find(kPlaceholder, at)) {
    sql.replace(at, kPlaceholder.size(), order);
    at += order.size();
  }
  return sql;
}

// The thirty list statements, their texts built once: [form][sort][order],
// form 0 unfiltered, 1 filtered, 2 unfiltered batch.
struct ListStatements {
  std::string sql[3][5][2];
  Statement statement[3][5][2]{};
  ListStatements() {
    for (std::size_t f = 0; f < 3; ++f) {
      for (std::size_t s = 0; s < 5; ++s) {
        for (std::size_t o = 0; o < 2; ++o) {
          const ListSort& sort = kListSorts[s][o];
          const char* const templates[3] = {kListAllTasksTemplate, kListTasksTemplate, kListAllTasksBatchTemplate};
          const char* const names[3] = {sort.name, sort.filter_name, sort.batch_name};
          sql[f][s][o] = with_order(templates[f], sort.order);
          statement[f][s][o] = Statement{names[f], sql[f][s][o].c_str()};
        }
      }
    }
  }
  ListStatements(const ListStatements&) = delete;
  ListStatements& operator=(const ListStatements&) = delete;
};

const ListStatements& list_table() {
  static const ListStatements texts;
  return texts;
}

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

}  // namespace

core::Task task_from_row(const Rows& rows, int row) {
  core::Task task;
  task.id = core::TaskId(rows.int8(row, 0));
  task.user_id = core::UserId(rows.int8(row, 1));
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

std::size_t sort_index(core::SortBy sort_by, core::SortOrder order) {
  return static_cast<std::size_t>(sort_by) * 2 + (order == core::SortOrder::Asc ? 0 : 1);
}

const Statement& list_statement(core::SortBy sort_by, core::SortOrder order, bool filtered) {
  const std::size_t at = sort_index(sort_by, order);
  return list_table().statement[filtered ? 1 : 0][at / 2][at % 2];
}

const Statement& list_batch_statement(core::SortBy sort_by, core::SortOrder order) {
  const std::size_t at = sort_index(sort_by, order);
  return list_table().statement[2][at / 2][at % 2];
}

std::array<Statement, 30> list_statements() {
  std::array<Statement, 30> all{};
  std::size_t i = 0;
  for (const auto& form : list_table().statement) {
    for (const auto& sort : form) {
      for (const Statement& statement : sort) all[i++] = statement;
    }
  }
  return all;
}

}  // namespace todo::pg
