#include "todo/memory/memory_task_repository.hpp"

#include <algorithm>
#include <iterator>

#include "todo/core/validation.hpp"

namespace todo::memory {

using core::Error;
using core::Result;
using core::Task;

namespace {

Error task_not_found() { return Error::not_found("Task not found"); }

bool contains_ascii_ci(const std::string& haystack, const std::string& lowered_needle) {
  return core::ascii_lower(haystack).find(lowered_needle) != std::string::npos;
}

bool matches(const Task& t, const core::TaskQuery& q, const std::string& tag, const std::string& search) {
  if (q.completed && t.completed != *q.completed) return false;
  if (q.priority && t.priority != *q.priority) return false;
  if (q.tag) {
    const bool has = std::any_of(t.tags.begin(), t.tags.end(),
                                 [&](const std::string& x) { return core::ascii_lower(x) == tag; });
    if (!has) return false;
  }
  if (q.search) {
    const bool hit = contains_ascii_ci(t.title, search) || (t.description && contains_ascii_ci(*t.description, search));
    if (!hit) return false;
  }
  return true;
}

// Strict weak order for the query's sort; ties always break by id ascending.
bool before(const Task& a, const Task& b, const core::TaskQuery& q) {
  const bool desc = q.order == core::SortOrder::Desc;
  const auto ordered = [&](const auto& x, const auto& y) -> int {
    if (x < y) return desc ? 1 : -1;
    if (y < x) return desc ? -1 : 1;
    return 0;
  };
  int c = 0;
  switch (q.sort_by) {
    case core::SortBy::CreatedAt: c = ordered(a.created_at, b.created_at); break;
    case core::SortBy::UpdatedAt: c = ordered(a.updated_at, b.updated_at); break;
    case core::SortBy::Priority: c = ordered(static_cast<int>(a.priority), static_cast<int>(b.priority)); break;
    case core::SortBy::Title: c = ordered(core::ascii_lower(a.title), core::ascii_lower(b.title)); break;
    case core::SortBy::DueDate:
      if (a.due_date && b.due_date) {
        c = ordered(*a.due_date, *b.due_date);
      } else if (a.due_date != b.due_date) {
        c = a.due_date ? -1 : 1;  // no due date sorts last in both orders
      }
      break;
  }
  if (c != 0) return c < 0;
  return a.id < b.id;
}

}  // namespace

// Each call checks the user first and then acts, without a lock spanning
// both: like PostgreSQL's statement, which reads the user's row as of its
// start, a revocation that lands in between is not seen.
Result<void> MemoryTaskRepository::check(const core::Caller& caller) {
  const Result<core::User> user = users_.find_by_id(caller.user_id());
  if (!user) {
    if (user.error().code == core::ErrorCode::NotFound) return Error::unauthenticated("user not found");
    return user.error();
  }
  if (core::TokenVersion(user->token_version) != caller.token_version()) {
    return Error::unauthenticated("token revoked");
  }
  return {};
}

void MemoryTaskRepository::create(const core::Caller& caller, const core::NewTask& task, core::Timestamp now,
                                  core::Completion<Task> done) {
  done(check(caller).and_then([&] { return create_now(caller, task, now); }));
}

void MemoryTaskRepository::get(const core::Caller& caller, core::TaskId id, core::Completion<Task> done) {
  done(check(caller).and_then([&] { return get_now(caller, id); }));
}

void MemoryTaskRepository::list(const core::Caller& caller, const core::TaskQuery& query,
                                core::Completion<core::TaskPage> done) {
  done(check(caller).and_then([&] { return list_now(caller, query); }));
}

void MemoryTaskRepository::update(const core::Caller& caller, core::TaskId id, const core::TaskPatch& patch,
                                  core::Timestamp now, core::Completion<Task> done) {
  done(check(caller).and_then([&] { return update_now(caller, id, patch, now); }));
}

void MemoryTaskRepository::toggle_completed(const core::Caller& caller, core::TaskId id, core::Timestamp now,
                                            core::Completion<Task> done) {
  done(check(caller).and_then([&] { return toggle_now(caller, id, now); }));
}

void MemoryTaskRepository::remove(const core::Caller& caller, core::TaskId id, core::Completion<void> done) {
  done(check(caller).and_then([&] { return remove_now(caller, id); }));
}

Result<Task> MemoryTaskRepository::create_now(const core::Caller& caller, const core::NewTask& task,
                                              core::Timestamp now) {
  const std::lock_guard lock(mutex_);
  std::int64_t& count = counts_[caller.user_id()];
  if (max_tasks_ > 0 && count >= max_tasks_) return Error::failed_precondition(core::kTaskLimitReached);
  ++count;
  const core::TaskId id(next_id_++);
  Task t{id, caller.user_id(), task.title, task.description, task.completed, task.priority, task.tags,
         task.due_date, now, now};
  tasks_.emplace(t.id, t);
  return t;
}

Result<Task> MemoryTaskRepository::get_now(const core::Caller& caller, core::TaskId id) {
  const std::lock_guard lock(mutex_);
  const auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.user_id != caller.user_id()) return task_not_found();
  return it->second;
}

Result<core::TaskPage> MemoryTaskRepository::list_now(const core::Caller& caller, const core::TaskQuery& query) {
  const core::UserId owner = caller.user_id();
  const std::string tag = query.tag ? core::ascii_lower(*query.tag) : std::string();
  const std::string search = query.search ? core::ascii_lower(*query.search) : std::string();
  std::vector<Task> hits;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, t] : tasks_) {
      if (t.user_id == owner && matches(t, query, tag, search)) hits.push_back(t);
    }
  }
  std::sort(hits.begin(), hits.end(), [&](const Task& a, const Task& b) { return before(a, b, query); });
  core::TaskPage page;
  page.total = static_cast<std::int64_t>(hits.size());
  if (query.offset < page.total) {
    const auto first = hits.begin() + query.offset;
    const auto last = first + std::min<std::int64_t>(query.limit, page.total - query.offset);
    page.items.assign(std::make_move_iterator(first), std::make_move_iterator(last));
  }
  return page;
}

Result<Task> MemoryTaskRepository::update_now(const core::Caller& caller, core::TaskId id,
                                              const core::TaskPatch& patch, core::Timestamp now) {
  const std::lock_guard lock(mutex_);
  const auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.user_id != caller.user_id()) return task_not_found();
  Task& t = it->second;
  if (patch.title) t.title = *patch.title;
  if (!patch.description.is_keep()) t.description = patch.description.new_value();
  if (patch.completed) t.completed = *patch.completed;
  if (patch.priority) t.priority = *patch.priority;
  if (!patch.tags.is_keep()) t.tags = patch.tags.new_value().value_or(std::vector<std::string>{});
  if (!patch.due_date.is_keep()) t.due_date = patch.due_date.new_value();
  t.updated_at = now;
  return t;
}

Result<Task> MemoryTaskRepository::toggle_now(const core::Caller& caller, core::TaskId id, core::Timestamp now) {
  const std::lock_guard lock(mutex_);
  const auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.user_id != caller.user_id()) return task_not_found();
  it->second.completed = !it->second.completed;
  it->second.updated_at = now;
  return it->second;
}

Result<void> MemoryTaskRepository::remove_now(const core::Caller& caller, core::TaskId id) {
  const std::lock_guard lock(mutex_);
  const auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.user_id != caller.user_id()) return task_not_found();
  tasks_.erase(it);
  --counts_[caller.user_id()];
  return {};
}

void MemoryTaskRepository::remove_all_of(core::UserId owner) {
  const std::lock_guard lock(mutex_);
  std::erase_if(tasks_, [&](const auto& entry) { return entry.second.user_id == owner; });
  counts_.erase(owner);
}

}  // namespace todo::memory
