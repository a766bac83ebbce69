// A consumer of the installed package: plugs a storage adapter of its own
// (a vector behind a mutex) into the core, holds it to the TaskRepository
// contract with the installed checks, then uses the typed task API through
// the synchronous facade. Exits non-zero if anything behaves unexpectedly.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "todo/core/blocking_task_service.hpp"
#include "todo/core/system_clock.hpp"
#include "todo/core/task_service.hpp"
#include "todo/core/validation.hpp"
#include "todo/testing/task_repository_contract.hpp"

namespace {

using namespace todo::core;

// This consumer's own users: id -> current token version.
struct Sessions {
  std::mutex mutex;
  std::map<UserId, std::int64_t> versions;
  std::int64_t next = 1;
};

class VectorTaskRepository final : public TaskRepository {
 public:
  explicit VectorTaskRepository(Sessions& sessions) : sessions_(sessions) {}

  void create(const Caller& caller, const NewTask& task, Timestamp now, Completion<Task> done) override {
    const std::lock_guard lock(mutex_);
    if (!current(caller)) return done(Error::unauthenticated("session ended"));
    tasks_.push_back(Task{TaskId(next_id_++), caller.user_id(), task.title, task.description, task.completed, task.priority,
                          task.tags, task.due_date, now, now});
    done(tasks_.back());
  }
  void get(const Caller& caller, TaskId id, Completion<Task> done) override {
    const std::lock_guard lock(mutex_);
    if (!current(caller)) return done(Error::unauthenticated("session ended"));
    Task* t = find(caller, id);
    if (t == nullptr) return done(Error::not_found("no such task"));
    done(*t);
  }
  void list(const Caller& caller, const TaskQuery& q, Completion<TaskPage> done) override {
    const std::lock_guard lock(mutex_);
    if (!current(caller)) return done(Error::unauthenticated("session ended"));
    std::vector<Task> hits;
    for (const Task& t : tasks_) {
      if (t.user_id == caller.user_id() && matches(t, q)) hits.push_back(t);
    }
    std::stable_sort(hits.begin(), hits.end(), [&](const Task& a, const Task& b) { return before(a, b, q); });
    TaskPage page;
    page.total = static_cast<std::int64_t>(hits.size());
    for (std::int64_t i = q.offset; i < page.total && i < q.offset + q.limit; ++i) {
      page.items.push_back(hits[static_cast<std::size_t>(i)]);
    }
    done(page);
  }
  void update(const Caller& caller, TaskId id, const TaskPatch& patch, Timestamp now, Completion<Task> done) override {
    const std::lock_guard lock(mutex_);
    if (!current(caller)) return done(Error::unauthenticated("session ended"));
    Task* t = find(caller, id);
    if (t == nullptr) return done(Error::not_found("no such task"));
    if (patch.title) t->title = *patch.title;
    if (!patch.description.is_keep()) t->description = patch.description.new_value();
    if (patch.completed) t->completed = *patch.completed;
    if (patch.priority) t->priority = *patch.priority;
    if (!patch.tags.is_keep()) t->tags = patch.tags.new_value().value_or(std::vector<std::string>{});
    if (!patch.due_date.is_keep()) t->due_date = patch.due_date.new_value();
    t->updated_at = now;
    done(*t);
  }
  void toggle_completed(const Caller& caller, TaskId id, Timestamp now, Completion<Task> done) override {
    const std::lock_guard lock(mutex_);
    if (!current(caller)) return done(Error::unauthenticated("session ended"));
    Task* t = find(caller, id);
    if (t == nullptr) return done(Error::not_found("no such task"));
    t->completed = !t->completed;
    t->updated_at = now;
    done(*t);
  }
  void remove(const Caller& caller, TaskId id, Completion<void> done) override {
    const std::lock_guard lock(mutex_);
    if (!current(caller)) return done(Error::unauthenticated("session ended"));
    const auto it = std::find_if(tasks_.begin(), tasks_.end(),
                                 [&](const Task& t) { return t.id == id && t.user_id == caller.user_id(); });
    if (it == tasks_.end()) return done(Error::not_found("no such task"));
    tasks_.erase(it);
    done(Result<void>{});
  }

  void forget(UserId user) {
    const std::lock_guard lock(mutex_);
    std::erase_if(tasks_, [&](const Task& t) { return t.user_id == user; });
  }

 private:
  bool current(const Caller& caller) {
    const std::lock_guard lock(sessions_.mutex);
    const auto it = sessions_.versions.find(caller.user_id());
    return it != sessions_.versions.end() && TokenVersion(it->second) == caller.token_version();
  }
  Task* find(const Caller& caller, TaskId id) {
    for (Task& t : tasks_) {
      if (t.id == id && t.user_id == caller.user_id()) return &t;
    }
    return nullptr;
  }
  static bool matches(const Task& t, const TaskQuery& q) {
    if (q.completed && t.completed != *q.completed) return false;
    if (q.priority && t.priority != *q.priority) return false;
    if (q.tag && std::none_of(t.tags.begin(), t.tags.end(),
                              [&](const std::string& tag) { return ascii_lower(tag) == ascii_lower(*q.tag); })) {
      return false;
    }
    if (q.search) {
      const std::string needle = ascii_lower(*q.search);
      const bool hit = ascii_lower(t.title).find(needle) != std::string::npos ||
                       (t.description && ascii_lower(*t.description).find(needle) != std::string::npos);
      if (!hit) return false;
    }
    return true;
  }
  static bool before(const Task& a, const Task& b, const TaskQuery& q) {
    // Tasks without a due date sort last in both orders.
    if (q.sort_by == SortBy::DueDate && a.due_date.has_value() != b.due_date.has_value()) {
      return a.due_date.has_value();
    }
    const auto key = [&](const Task& t) {
      switch (q.sort_by) {
        case SortBy::Title: return ascii_lower(t.title);
        case SortBy::Priority: return std::to_string(static_cast<int>(t.priority));
        case SortBy::UpdatedAt: return format_timestamp(t.updated_at);
        case SortBy::DueDate: return t.due_date ? format_timestamp(*t.due_date) : std::string();
        case SortBy::CreatedAt: break;
      }
      return format_timestamp(t.created_at);
    };
    const std::string ka = key(a);
    const std::string kb = key(b);
    if (ka != kb) return q.order == SortOrder::Asc ? ka < kb : ka > kb;
    return a.id < b.id;
  }

  Sessions& sessions_;
  std::mutex mutex_;
  std::vector<Task> tasks_;
  std::int64_t next_id_ = 1;
};

class Subject final : public todo::testing::ContractSubject {
 public:
  TaskRepository& tasks() override { return repository_; }
  Caller add_user(const std::string&) override {
    const std::lock_guard lock(sessions_.mutex);
    const UserId id(sessions_.next++);
    sessions_.versions[id] = 0;
    return Caller(id, TokenVersion(0));
  }
  void revoke(const Caller& caller) override {
    const std::lock_guard lock(sessions_.mutex);
    ++sessions_.versions[caller.user_id()];
  }
  void remove_user(const Caller& caller) override {
    {
      const std::lock_guard lock(sessions_.mutex);
      sessions_.versions.erase(caller.user_id());
    }
    repository_.forget(caller.user_id());
  }

 private:
  Sessions sessions_;
  VectorTaskRepository repository_{sessions_};
};

}  // namespace

int main() {
  const auto failures = todo::testing::run_task_repository_contract([] { return std::make_unique<Subject>(); });
  for (const std::string& failure : failures) std::fprintf(stderr, "contract: %s\n", failure.c_str());
  if (!failures.empty()) return 1;
  std::printf("VectorTaskRepository passes the TaskRepository contract\n");

  Subject storage;
  const Caller ada = storage.add_user("ada@example.com");
  SystemClock clock;
  TaskService service(storage.tasks(), clock);
  BlockingTaskService tasks(service);

  NewTask buy;
  buy.title = "  Buy milk ";
  buy.tags = {"home", " errands"};
  buy.priority = Priority::High;
  auto created = tasks.create(ada, buy);
  if (!created) {
    std::fprintf(stderr, "create failed: %s\n", created.error().message.c_str());
    return 1;
  }
  NewTask blank;
  blank.title = "   ";
  const auto refused = tasks.create(ada, blank);
  if (refused || refused.error().fields.empty() || refused.error().fields.front().issue != FieldIssue::TooShort) {
    std::fprintf(stderr, "a blank title was not refused as too short\n");
    return 1;
  }
  auto done = tasks.complete(ada, created->id);
  auto page = tasks.list(ada);
  if (!done || !done->completed || !page || page->total != 1) {
    std::fprintf(stderr, "unexpected state\n");
    return 1;
  }
  const auto& t = page->items.front();
  std::printf("task %lld '%s' tags=%s priority=%s completed=%s created=%s\n", static_cast<long long>(t.id.value()),
              t.title.c_str(), join_tags(t.tags).c_str(), to_string(t.priority), t.completed ? "true" : "false",
              format_timestamp(t.created_at).c_str());
  return 0;
}
