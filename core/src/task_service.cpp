#include "todo/core/task_service.hpp"

#include "todo/core/auth_service.hpp"
#include "todo/core/validation.hpp"

namespace todo::core {
namespace {

Result<void> check_page(const TaskQuery& query) {
  std::vector<FieldError> errors;
  if (query.limit < 1 || query.limit > kListLimitMax) {
    errors.push_back({"limit", "Input should be between 1 and 500", "value_error"});
  }
  if (query.offset < 0) errors.push_back({"offset", "Input should be greater than or equal to 0", "greater_than_equal"});
  if (!errors.empty()) return Error::invalid(std::move(errors));
  return {};
}

// A repository's refusal of the token becomes FastAPI's one detail for
// every rejected bearer token, whatever the adapter said.
template <class T>
Result<T> token_checked(Result<T> result) {
  if (!result && result.error().code == ErrorCode::Unauthenticated) {
    return Error::unauthenticated(kInvalidCredentials);
  }
  return result;
}

void append_fields(std::vector<FieldError>& out, const Error& e) {
  out.insert(out.end(), e.fields.begin(), e.fields.end());
}

// The validated pieces shared by create and update.
struct Parsed {
  std::vector<FieldError> errors;

  std::optional<std::string> title(const std::string& raw) {
    auto t = normalize_title(raw);
    if (!t) return fail(t.error());
    return std::move(t).value();
  }
  std::optional<std::optional<std::string>> description(const std::optional<std::string>& raw) {
    if (!raw) return std::optional<std::string>{};
    auto d = validate_description(*raw);
    if (!d) return fail(d.error());
    return std::optional<std::string>(std::move(d).value());
  }
  std::optional<Priority> priority(const std::string& raw) {
    if (auto ok = check_text("priority", raw); !ok) return fail(ok.error());
    if (auto p = parse_priority(raw)) return *p;  // exact, as FastAPI's enum
    errors.push_back({"priority", "Input should be 'high', 'medium' or 'low'", "enum"});
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> tags(const std::optional<std::string>& raw) {
    if (!raw) return std::vector<std::string>{};
    auto t = parse_tags(*raw);
    if (!t) return fail(t.error());
    return std::move(t).value();
  }
  // "" clears like null: HTML forms send an empty date input as "".
  std::optional<std::optional<Timestamp>> due_date(const std::optional<std::string>& raw) {
    if (!raw || trim(*raw).empty()) {
      if (raw) {
        if (auto ok = check_text("due_date", *raw); !ok) return fail(ok.error());
      }
      return std::optional<Timestamp>{};
    }
    auto d = parse_due_date(*raw);
    if (!d) return fail(d.error());
    return std::optional<Timestamp>(*d);
  }
  void null_refused(const char* field, const char* msg, const char* type) { errors.push_back({field, msg, type}); }

 private:
  std::nullopt_t fail(const Error& e) {
    append_fields(errors, e);
    return std::nullopt;
  }
};

}  // namespace

TaskService::TaskService(TaskRepository& tasks, const Clock& clock) : tasks_(tasks), clock_(clock) {}

Result<Task> TaskService::create(UserId owner, const CreateTaskCommand& cmd) {
  Result<NewTask> task = new_task(owner, cmd);
  if (!task) return std::move(task).error();
  return tasks_.create(*task);
}

Result<NewTask> TaskService::new_task(UserId owner, const CreateTaskCommand& cmd) const {
  Parsed p;
  NewTask task;
  task.user_id = owner;
  if (!cmd.title) {
    p.errors.push_back({"title", "Field required", "missing"});
  } else if (!*cmd.title) {
    p.null_refused("title", "Input should be a valid string", "string_type");
  } else if (auto t = p.title(**cmd.title)) {
    task.title = std::move(*t);
  }
  if (cmd.description) {
    if (auto d = p.description(*cmd.description)) task.description = std::move(*d);
  }
  if (cmd.completed && *cmd.completed) task.completed = **cmd.completed;
  if (cmd.priority && *cmd.priority) {
    if (auto pr = p.priority(**cmd.priority)) task.priority = *pr;
  }
  if (cmd.tags) {
    if (auto t = p.tags(*cmd.tags)) task.tags = std::move(*t);
  }
  if (cmd.due_date) {
    if (auto d = p.due_date(*cmd.due_date)) task.due_date = *d;
  }
  if (!p.errors.empty()) return Error::invalid(std::move(p.errors));
  task.now = clock_.now();
  return task;
}

Result<Task> TaskService::get(UserId owner, TaskId id) {
  if (id <= 0) return Error::not_found("Task not found");
  return tasks_.get(owner, id);
}


Result<TaskPage> TaskService::list(UserId owner, const TaskQuery& query) {
  if (auto page = check_page(query); !page) return std::move(page).error();
  return tasks_.list(owner, query);
}

Result<TaskPage> TaskService::list_for_token(const TokenClaims& claims, const TaskQuery& query) {
  if (auto page = check_page(query); !page) return std::move(page).error();
  auto listed = tasks_.list_for_token(claims.user_id, claims.token_version, query);
  if (!listed && listed.error().code == ErrorCode::Unauthenticated) {
    return Error::unauthenticated(kInvalidCredentials);
  }
  return listed;
}

void TaskService::list_for_token_async(const TokenClaims& claims, const TaskQuery& query,
                                       std::function<void(Result<TaskPage>)> done) {
  if (auto page = check_page(query); !page) {
    done(std::move(page).error());
    return;
  }
  tasks_.list_for_token_async(claims.user_id, claims.token_version, query,
                              [done = std::move(done)](Result<TaskPage> listed) {
                                if (!listed && listed.error().code == ErrorCode::Unauthenticated) {
                                  done(Error::unauthenticated(kInvalidCredentials));
                                  return;
                                }
                                done(std::move(listed));
                              });
}

Result<Task> TaskService::update(UserId owner, TaskId id, const UpdateTaskCommand& cmd) {
  Result<TaskPatch> patch = task_patch(cmd);
  if (!patch) return std::move(patch).error();
  if (id <= 0) return Error::not_found("Task not found");
  return tasks_.update(owner, id, *patch, clock_.now());
}

Result<TaskPatch> TaskService::task_patch(const UpdateTaskCommand& cmd) {
  Parsed p;
  TaskPatch patch;
  if (cmd.title) {
    if (!*cmd.title) {
      p.null_refused("title", "Input should be a valid string", "string_type");
    } else if (auto t = p.title(**cmd.title)) {
      patch.title = std::move(*t);
    }
  }
  if (cmd.description) {
    if (auto d = p.description(*cmd.description)) patch.description = std::move(*d);
  }
  if (cmd.completed) {
    if (!*cmd.completed) {
      p.null_refused("completed", "Input should be a valid boolean", "bool_type");
    } else {
      patch.completed = **cmd.completed;
    }
  }
  if (cmd.priority) {
    if (!*cmd.priority) {
      p.null_refused("priority", "Input should be 'high', 'medium' or 'low'", "enum");
    } else if (auto pr = p.priority(**cmd.priority)) {
      patch.priority = *pr;
    }
  }
  if (cmd.tags) {
    if (auto t = p.tags(*cmd.tags)) patch.tags = std::move(*t);
  }
  if (cmd.due_date) {
    if (auto d = p.due_date(*cmd.due_date)) patch.due_date = *d;
  }
  if (!p.errors.empty()) return Error::invalid(std::move(p.errors));
  return patch;
}

Result<Task> TaskService::complete(UserId owner, TaskId id, std::optional<bool> completed) {
  if (id <= 0) return Error::not_found("Task not found");
  if (completed) {
    TaskPatch patch;
    patch.completed = *completed;
    return tasks_.update(owner, id, patch, clock_.now());
  }
  return tasks_.toggle_completed(owner, id, clock_.now());
}

Result<void> TaskService::remove(UserId owner, TaskId id) {
  if (id <= 0) return Error::not_found("Task not found");
  return tasks_.remove(owner, id);
}

Result<Task> TaskService::create_for_token(const TokenClaims& claims, const CreateTaskCommand& cmd) {
  Result<NewTask> task = new_task(claims.user_id, cmd);
  if (!task) return std::move(task).error();
  return token_checked(tasks_.create_for_token(claims.token_version, *task));
}

Result<Task> TaskService::get_for_token(const TokenClaims& claims, TaskId id) {
  return token_checked(tasks_.get_for_token(claims.user_id, claims.token_version, id));
}

Result<Task> TaskService::update_for_token(const TokenClaims& claims, TaskId id, const UpdateTaskCommand& cmd) {
  Result<TaskPatch> patch = task_patch(cmd);
  if (!patch) return std::move(patch).error();
  return token_checked(tasks_.update_for_token(claims.user_id, claims.token_version, id, *patch, clock_.now()));
}

Result<Task> TaskService::complete_for_token(const TokenClaims& claims, TaskId id, std::optional<bool> completed) {
  if (completed) {
    TaskPatch patch;
    patch.completed = *completed;
    return token_checked(tasks_.update_for_token(claims.user_id, claims.token_version, id, patch, clock_.now()));
  }
  return token_checked(tasks_.toggle_completed_for_token(claims.user_id, claims.token_version, id, clock_.now()));
}

Result<void> TaskService::remove_for_token(const TokenClaims& claims, TaskId id) {
  return token_checked(tasks_.remove_for_token(claims.user_id, claims.token_version, id));
}

}  // namespace todo::core
