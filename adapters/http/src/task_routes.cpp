// The task API, asynchronous end to end: the token's signature is checked
// here, and whether its user still exists with its version is checked by
// the repository in the same statement as the task's read or write
// (docs/decisions/0006); the answer is written from the repository's
// completion, on whichever thread that runs (docs/decisions/0007).
//
// FastAPI resolves the current user before it validates anything, so a
// refusal found before any storage work (a bad id, body or query) still
// answers 401 for a revoked token: on that path only, the user is read
// first (current_user), synchronously.
#include <algorithm>
#include <charconv>
#include <type_traits>
#include <utility>

#include "error_mapping.hpp"
#include "json_io.hpp"
#include "routes.hpp"
#include "task_query_params.hpp"
#include "todo/core/validation.hpp"
#include "url_encoding.hpp"

namespace todo::http {
namespace {

// FastAPI's int path parameter: anything but an integer is 422; an integer
// that cannot be a task id (0, negative, beyond int64) matches no task.
std::optional<Response> bad_task_id(std::string_view raw, core::TaskId& id) {
  std::string_view digits = raw;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return validation_response(
        {{"task_id", "Input should be a valid integer, unable to parse string as an integer", "int_parsing"}}, "path");
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (negative || ec != std::errc{} || end != digits.data() + digits.size() || value <= 0) {
    return detail_response(404, "Task not found");
  }
  id = core::TaskId(value);
  return std::nullopt;
}

Response refused_unless_revoked(Exchange& x, Response refusal) {
  const core::Result<core::User> user = current_user(x);
  if (!user) return error_response(user.error());
  return refusal;
}

// The answer to a repository's result: 401 with FastAPI's detail when it
// refused the token; the log names the token's user otherwise.
template <class T, class Answer>
core::Completion<T> answer_with(std::shared_ptr<Exchange> x, core::UserId user, Reply reply, Answer answer) {
  return [x = std::move(x), user, reply = std::move(reply), answer](core::Result<T> result) {
    if (!result && result.error().code == core::ErrorCode::Unauthenticated) {
      reply(error_response(core::Error::unauthenticated(std::string(kInvalidCredentials))));
      return;
    }
    // The core's validation (its fields come in the body's order): FastAPI
    // still answers 401 first for a revoked token.
    if (!result && result.error().code == core::ErrorCode::InvalidArgument) {
      reply(refused_unless_revoked(*x, error_response(result.error())));
      return;
    }
    x->user_id = user;
    if (!result) {
      reply(error_response(result.error()));
      return;
    }
    if constexpr (std::is_void_v<T>) {
      reply(answer());
    } else {
      reply(answer(*result));
    }
  };
}

Response task_answer(int status, const core::Task& task) { return json_response(status, task_json(task)); }

// The JSON object body of a task route, or its refusal.
std::optional<Response> task_body(const Request& request, boost::json::object& object) {
  if (!request.body.empty() && media_type_of(request) != MediaType::Json) return unsupported_media_type();
  Decoded<boost::json::object> body = parse_json_object(request.body);
  if (!body.ok()) return validation_response(body.errors);
  object = std::move(body.value);
  return std::nullopt;
}

void list_tasks(const std::shared_ptr<Exchange>& x, const core::Caller& caller, Reply reply) {
  const Decoded<core::TaskQuery> query = parse_task_query(parse_urlencoded(x->target.query));
  if (!query.ok()) return reply(refused_unless_revoked(*x, validation_response(query.errors, "query")));
  x->tasks.list(caller, query.value,
                answer_with<core::TaskPage>(x, caller.user_id(), std::move(reply), [](const core::TaskPage& page) {
                  Response response = json_response(200, tasks_json(page.items));
                  response.set_header("X-Total-Count", std::to_string(page.total));
                  return response;
                }));
}

// A body the decoder refused: its refusals with the core's for the fields it
// let through, all at once, as pydantic reports one model.
template <class T>
Response refusal_of(Decoded<T> decoded) {
  const core::Result<T> valid = core::TaskService::validate(decoded.value);
  const std::vector<core::FieldError> none;
  return validation_response(merge_task_errors(std::move(decoded.errors), valid ? none : valid.error().fields));
}

void create_task(const std::shared_ptr<Exchange>& x, const core::Caller& caller, Reply reply) {
  boost::json::object body;
  if (auto refused = task_body(x->request, body)) return reply(refused_unless_revoked(*x, std::move(*refused)));
  Decoded<core::NewTask> task = decode_new_task(body);
  if (!task.ok()) return reply(refused_unless_revoked(*x, refusal_of(std::move(task))));
  // TaskService validates the values (once); its refusal comes back through
  // answer_with.
  x->tasks.create(caller, task.value,
                  answer_with<core::Task>(x, caller.user_id(), std::move(reply), [](const core::Task& created) {
                    Response response = task_answer(201, created);
                    response.set_header("Location", "/api/tasks/" + std::to_string(created.id.value()));
                    return response;
                  }));
}

void update_task(const std::shared_ptr<Exchange>& x, const core::Caller& caller, core::TaskId id, Reply reply) {
  boost::json::object body;
  if (auto refused = task_body(x->request, body)) return reply(refused_unless_revoked(*x, std::move(*refused)));
  Decoded<core::TaskPatch> patch = decode_task_patch(body);
  if (!patch.ok()) return reply(refused_unless_revoked(*x, refusal_of(std::move(patch))));
  x->tasks.update(caller, id, patch.value,
                  answer_with<core::Task>(x, caller.user_id(), std::move(reply),
                                          [](const core::Task& task) { return task_answer(200, task); }));
}

// No body, `{}`, `null` or `{"completed": null}` toggles; `{"completed": b}` sets.
void complete_task(const std::shared_ptr<Exchange>& x, const core::Caller& caller, core::TaskId id, Reply reply) {
  std::optional<bool> completed;
  if (!core::trim(x->request.body).empty()) {
    if (media_type_of(x->request) != MediaType::Json) {
      return reply(refused_unless_revoked(*x, unsupported_media_type()));
    }
    Decoded<boost::json::object> object = parse_json_object(x->request.body);
    const bool json_null = !object.ok() && object.errors.front().type == "missing";
    if (!object.ok() && !json_null) return reply(refused_unless_revoked(*x, validation_response(object.errors)));
    if (object.ok()) {
      const Decoded<std::optional<bool>> wanted = decode_completion(object.value);
      if (!wanted.ok()) return reply(refused_unless_revoked(*x, validation_response(wanted.errors)));
      completed = wanted.value;
    }
  }
  x->tasks.complete(caller, id, completed,
                    answer_with<core::Task>(x, caller.user_id(), std::move(reply),
                                            [](const core::Task& task) { return task_answer(200, task); }));
}

}  // namespace

void answer_task_route(const std::shared_ptr<Exchange>& x, Reply reply) {
  const core::Result<std::string_view> token = bearer_token(x->request);
  if (!token) return reply(error_response(token.error()));
  const core::Result<core::Caller> caller = x->auth.verify(*token);
  if (!caller) return reply(error_response(core::Error::unauthenticated(std::string(kInvalidCredentials))));

  const Endpoint endpoint = x->match.route->endpoint;
  if (endpoint == Endpoint::ListTasks) return list_tasks(x, *caller, std::move(reply));
  if (endpoint == Endpoint::CreateTask) return create_task(x, *caller, std::move(reply));

  core::TaskId id;
  if (auto refused = bad_task_id(x->match.path_param, id)) return reply(refused_unless_revoked(*x, std::move(*refused)));
  const auto task_answer_200 = [](const core::Task& task) { return task_answer(200, task); };
  switch (endpoint) {
    case Endpoint::GetTask:
      return x->tasks.get(*caller, id, answer_with<core::Task>(x, caller->user_id(), std::move(reply), task_answer_200));
    case Endpoint::UpdateTask: return update_task(x, *caller, id, std::move(reply));
    case Endpoint::CompleteTask: return complete_task(x, *caller, id, std::move(reply));
    case Endpoint::DeleteTask:
      return x->tasks.remove(*caller, id, answer_with<void>(x, caller->user_id(), std::move(reply), [] {
        return json_response(200, "{\"message\":\"Task deleted successfully\"}");
      }));
    default: break;
  }
  reply(error_response(core::Error::internal("not a task route")));
}

}  // namespace todo::http
