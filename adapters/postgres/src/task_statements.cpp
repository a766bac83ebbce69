#include "task_statements.hpp"

#include <string_view>

namespace todo::pg {
namespace {

struct ListSort {
  const char* key;    // names the statements: todo_task_list_<key>, ..._filter_<key>, ..._lists_<key>
  const char* order;  // replaces {order} in the templates
};

// In sort_index() order ([SortBy][SortOrder]). Titles: ASCII letters
// folded, then bytes (COLLATE "C" compares UTF-8 bytes, i.e. code points).
// Priority: high first on ascending. Due date: tasks without one last in
// both orders.
constexpr ListSort kListSorts[kListSortCount] = {
    {"created_asc", "created_at ASC"},
    {"created_desc", "created_at DESC"},
    {"updated_asc", "updated_at ASC"},
    {"updated_desc", "updated_at DESC"},
    {"due_asc", "due_date ASC NULLS LAST"},
    {"due_desc", "due_date DESC NULLS LAST"},
    {"priority_asc", "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END ASC"},
    {"priority_desc", "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END DESC"},
    {"title_asc", "todo_ascii_lower(title) COLLATE \"C\" ASC"},
    {"title_desc", "todo_ascii_lower(title) COLLATE \"C\" DESC"},
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

// The thirty list statements, their names and texts built once; Statement
// points into them. [form][sort].
struct ListStatements {
  std::string name[kListForms][kListSortCount];
  std::string sql[kListForms][kListSortCount];
  Statement statement[kListForms][kListSortCount]{};
  ListStatements() {
    const char* const templates[kListForms] = {kListAllTasksTemplate, kListTasksTemplate,
                                               kListAllTasksBatchTemplate};
    const char* const prefixes[kListForms] = {"todo_task_list_", "todo_task_filter_", "todo_task_lists_"};
    for (std::size_t f = 0; f < kListForms; ++f) {
      for (std::size_t s = 0; s < kListSortCount; ++s) {
        name[f][s] = std::string(prefixes[f]) + kListSorts[s].key;
        sql[f][s] = with_order(templates[f], kListSorts[s].order);
        statement[f][s] = Statement{name[f][s].c_str(), sql[f][s].c_str()};
      }
    }
  }
  ListStatements(const ListStatements&) = delete;
  ListStatements& operator=(const ListStatements&) = delete;
};

const ListStatements& list_table() {
  static const ListStatements table;
  return table;
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

const Statement& list_statement(ListForm form, std::size_t sort) {
  return list_table().statement[static_cast<std::size_t>(form)][sort];
}

std::array<Statement, kListForms * kListSortCount> list_statements() {
  std::array<Statement, kListForms * kListSortCount> all{};
  std::size_t i = 0;
  for (const auto& form : list_table().statement) {
    for (const Statement& statement : form) all[i++] = statement;
  }
  return all;
}

}  // namespace todo::pg
