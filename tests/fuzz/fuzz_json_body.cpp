// libFuzzer target: a request body through the handler's JSON layer
// (json_io: parse_json_object + the decode_* mappings) into the core task
// use cases on an in-memory repository, as POST /api/tasks and
// PATCH /api/tasks/{id} do. Invariants: every decoder refusal names a
// message and a type, every core refusal is InvalidArgument with at least
// one field error and words into a message; an accepted task obeys the
// validation limits and its JSON form serialises and parses back.

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "json_io.hpp"
#include "todo/core/blocking_task_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

namespace {

template <class T>
void expect_refusal_shape(const todo::http::Decoded<T>& d) {
  for (const todo::http::WireFieldError& f : d.errors) {
    if (f.message.empty() || f.type.empty()) std::abort();
  }
}

template <class T>
void expect_refusal_shape(const todo::core::Result<T>& r) {
  if (r) return;
  if (r.error().code != todo::core::ErrorCode::InvalidArgument || r.error().fields.empty()) std::abort();
  for (const auto& wire : todo::http::to_wire(r.error().fields)) {
    if (wire.message.empty() || wire.type.empty()) std::abort();
  }
}

todo::core::UserId owner_id;

// Titles count code points, at most 255; a code point is at most 4 bytes.
void check_task(const todo::core::Task& task) {
  if (task.user_id != owner_id || task.id.value() <= 0) std::abort();
  if (task.title.empty() || task.title.size() > 255 * 4) std::abort();
  if (task.description && task.description->size() > 1000 * 4) std::abort();
  const std::string text = todo::http::task_json(task);
  std::error_code ec;
  const boost::json::value back = boost::json::parse(text, ec);
  if (ec || !back.is_object()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  // The form decoder takes the raw body (application/x-www-form-urlencoded).
  expect_refusal_shape(todo::http::decode_login_form(body));

  const auto object = todo::http::parse_json_object(body);
  expect_refusal_shape(object);
  if (!object.ok()) return 0;

  expect_refusal_shape(todo::http::decode_signup(object.value));
  expect_refusal_shape(todo::http::decode_login(object.value));
  expect_refusal_shape(todo::http::decode_password_change(object.value));
  expect_refusal_shape(todo::http::decode_completion(object.value));

  // A fresh repository per input keeps runs independent and memory flat.
  todo::memory::ManualClock clock;
  todo::memory::MemoryUserRepository users;
  todo::memory::MemoryTaskRepository repository(users);
  todo::core::TaskService service(repository, clock);
  todo::core::BlockingTaskService tasks(service);
  const auto user = users.create(todo::core::NewUser{"fuzz@example.com", std::nullopt, "hash", clock.now()});
  if (!user) std::abort();
  const todo::core::Caller owner = todo::core::caller_of(*user);
  owner_id = owner.user_id();

  const auto create = todo::http::decode_new_task(object.value);
  expect_refusal_shape(create);
  todo::core::TaskId id;
  if (create.ok()) {
    const auto created = tasks.create(owner, create.value);
    expect_refusal_shape(created);
    if (created) {
      check_task(created.value());
      id = created.value().id;
    }
  }
  if (id.value() == 0) {
    todo::core::NewTask plain;
    plain.title = "seed task";
    const auto created = tasks.create(owner, plain);
    if (!created) std::abort();
    id = created.value().id;
  }

  const auto update = todo::http::decode_task_patch(object.value);
  expect_refusal_shape(update);
  if (update.ok()) {
    clock.advance(std::chrono::seconds(1));
    const auto updated = tasks.update(owner, id, update.value);
    expect_refusal_shape(updated);
    if (updated) check_task(updated.value());
  }
  return 0;
}
