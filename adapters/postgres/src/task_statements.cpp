#include "task_statements.hpp"

#include <string_view>

namespace todo::pg {
namespace {

struct ListSort {
  const char* name;         // of the unfiltered statement
  const char* filter_name;  // of the filtered one
  const char* order;        // replaces {order} in the templates
};

// Indexed by [SortBy][SortOrder]. Titles: ASCII letters folded, then bytes
// (COLLATE "C" compares UTF-8 bytes, i.e. code points). Priority: high first
// on ascending. Due date: tasks without one last in both orders.
constexpr ListSort kListSorts[5][2] = {
    {{"todo_task_list_created_asc", "todo_task_filter_created_asc", "created_at ASC"},
     {"todo_task_list_created_desc", "todo_task_filter_created_desc", "created_at DESC"}},
    {{"todo_task_list_updated_asc", "todo_task_filter_updated_asc", "updated_at ASC"},
     {"todo_task_list_updated_desc", "todo_task_filter_updated_desc", "updated_at DESC"}},
    {{"todo_task_list_due_asc", "todo_task_filter_due_asc", "due_date ASC NULLS LAST"},
     {"todo_task_list_due_desc", "todo_task_filter_due_desc", "due_date DESC NULLS LAST"}},
    {{"todo_task_list_priority_asc", "todo_task_filter_priority_asc",
      "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END ASC"},
     {"todo_task_list_priority_desc", "todo_task_filter_priority_desc",
      "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END DESC"}},
    {{"todo_task_list_title_asc", "todo_task_filter_title_asc", "todo_ascii_lower(title) COLLATE \"C\" ASC"},
     {"todo_task_list_title_desc", "todo_task_filter_title_desc", "todo_ascii_lower(title) COLLATE \"C\" DESC"}},
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

// The twenty list statements, their texts built once: [filtered][sort][order].
struct ListStatements {
  std::string sql[2][5][2];
  Statement statement[2][5][2]{};
  ListStatements() {
    for (std::size_t f = 0; f < 2; ++f) {
      for (std::size_t s = 0; s < 5; ++s) {
        for (std::size_t o = 0; o < 2; ++o) {
          const ListSort& sort = kListSorts[s][o];
          sql[f][s][o] = with_order(f == 1 ? kListTasksTemplate : kListAllTasksTemplate, sort.order);
          statement[f][s][o] = Statement{f == 1 ? sort.filter_name : sort.name, sql[f][s][o].c_str()};
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

const Statement& list_statement(core::SortBy sort_by, core::SortOrder order, bool filtered) {
  return list_table().statement[filtered ? 1 : 0][static_cast<std::size_t>(sort_by)]
                               [order == core::SortOrder::Asc ? 0 : 1];
}

std::array<Statement, 20> list_statements() {
  std::array<Statement, 20> all{};
  std::size_t i = 0;
  for (const bool filtered : {false, true}) {
    for (const core::SortBy by : {core::SortBy::CreatedAt, core::SortBy::UpdatedAt, core::SortBy::DueDate,
                                  core::SortBy::Priority, core::SortBy::Title}) {
      for (const core::SortOrder order : {core::SortOrder::Asc, core::SortOrder::Desc}) {
        all[i++] = list_statement(by, order, filtered);
      }
    }
  }
  return all;
}

}  // namespace todo::pg
