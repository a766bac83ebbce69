#include "todo/core/task_service.hpp"

#include <cstdint>
#include <utility>
#include <vector>

#include "todo/core/validation.hpp"

namespace todo::core {
namespace {

// Collects every bad field of one command, so a client sees all at once.
class Checks {
 public:
  template <class T>
  std::optional<T> take(Result<T> result) {
    if (result) return std::move(result).value();
    const std::vector<FieldError>& fields = result.error().fields;
    errors_.insert(errors_.end(), fields.begin(), fields.end());
    return std::nullopt;
  }
  void check(Result<void> result) {
    if (!result) errors_.insert(errors_.end(), result.error().fields.begin(), result.error().fields.end());
  }
  template <class T>
  Result<T> finish(T value) {
    if (!errors_.empty()) return Error::invalid(std::move(errors_));
    return value;
  }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace

TaskService::TaskService(TaskRepository& tasks, const Clock& clock, TaskFeed* feed)
    : tasks_(tasks), clock_(clock), feed_(feed) {}

Completion<Task> TaskService::publishing(const Caller& caller, TaskChangeKind kind, Completion<Task> done) {
  if (feed_ == nullptr) return done;
  return [feed = feed_, user = caller.user_id(), kind, done = std::move(done)](Result<Task> result) {
    if (result) {
      feed->publish(user, kind == TaskChangeKind::Created ? TaskChange::created(*result)
                                                          : TaskChange::updated(*result));
    }
    done(std::move(result));
  };
}

Result<NewTask> TaskService::validate(const NewTask& task) {
  Checks checks;
  NewTask out;
  if (auto title = checks.take(normalize_title(task.title))) out.title = std::move(*title);
  if (task.description) out.description = checks.take(validate_description(*task.description));
  out.completed = task.completed;
  out.priority = task.priority;
  if (auto tags = checks.take(normalize_tags(task.tags))) out.tags = std::move(*tags);
  out.due_date = task.due_date;
  return checks.finish(std::move(out));
}

Result<TaskPatch> TaskService::validate(const TaskPatch& patch) {
  Checks checks;
  TaskPatch out = patch;
  if (patch.title) out.title = checks.take(normalize_title(*patch.title));
  if (patch.description.is_set()) {
    if (auto d = checks.take(validate_description(*patch.description.new_value()))) {
      out.description = FieldUpdate<std::string>::set(std::move(*d));
    }
  }
  if (patch.tags.is_set()) {
    if (auto tags = checks.take(normalize_tags(*patch.tags.new_value()))) {
      out.tags = FieldUpdate<std::vector<std::string>>::set(std::move(*tags));
    }
  }
  return checks.finish(std::move(out));
}

Result<void> TaskService::validate(const TaskQuery& query) {
  std::vector<FieldError> errors;
  if (query.limit < 1 || query.limit > kListLimitMax) {
    errors.push_back(FieldError{"limit", FieldIssue::OutOfRange, 1, kListLimitMax});
  }
  if (query.offset < 0) errors.push_back(FieldError{"offset", FieldIssue::OutOfRange, 0, INT64_MAX});
  if (query.search) {
    if (!is_valid_utf8(*query.search)) {
      errors.push_back(FieldError{"search", FieldIssue::InvalidUtf8, 0, 0});
    } else if (count_code_points(*query.search) > kSearchMaxChars) {
      errors.push_back(FieldError{"search", FieldIssue::TooLong, static_cast<std::int64_t>(kSearchMaxChars), 0});
    }
  }
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return {};
}

void TaskService::create(const Caller& caller, const NewTask& task, Completion<Task> done) {
  Result<NewTask> valid = validate(task);
  if (!valid) return done(std::move(valid).error());
  tasks_.create(caller, *valid, clock_.now(), publishing(caller, TaskChangeKind::Created, std::move(done)));
}

void TaskService::get(const Caller& caller, TaskId id, Completion<Task> done) {
  tasks_.get(caller, id, std::move(done));
}

void TaskService::list(const Caller& caller, const TaskQuery& query, Completion<TaskPage> done) {
  if (Result<void> valid = validate(query); !valid) return done(std::move(valid).error());
  tasks_.list(caller, query, std::move(done));
}

void TaskService::update(const Caller& caller, TaskId id, const TaskPatch& patch, Completion<Task> done) {
  Result<TaskPatch> valid = validate(patch);
  if (!valid) return done(std::move(valid).error());
  tasks_.update(caller, id, *valid, clock_.now(), publishing(caller, TaskChangeKind::Updated, std::move(done)));
}

void TaskService::complete(const Caller& caller, TaskId id, std::optional<bool> completed, Completion<Task> done) {
  if (completed) {
    TaskPatch patch;
    patch.completed = *completed;
    tasks_.update(caller, id, patch, clock_.now(), publishing(caller, TaskChangeKind::Updated, std::move(done)));
    return;
  }
  tasks_.toggle_completed(caller, id, clock_.now(), publishing(caller, TaskChangeKind::Updated, std::move(done)));
}

void TaskService::remove(const Caller& caller, TaskId id, Completion<void> done) {
  if (feed_ == nullptr) return tasks_.remove(caller, id, std::move(done));
  tasks_.remove(caller, id, [feed = feed_, user = caller.user_id(), id, done = std::move(done)](Result<void> result) {
    if (result) feed->publish(user, TaskChange::deleted(id));
    done(std::move(result));
  });
}

}  // namespace todo::core
