#pragma once
// JSON and form bodies <-> core commands and entities. Decoding reads the
// wire (types, nulls, the comma list of tags, date text) into typed core
// commands and reports what it refuses in pydantic v2's words, so it becomes
// FastAPI's 422 list; the core then validates the values themselves.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "error_mapping.hpp"
#include "todo/core/auth_service.hpp"
#include "todo/core/task.hpp"
#include "todo/core/user.hpp"

namespace todo::http {

// Nesting deeper than this is refused before it can exhaust the stack.
inline constexpr std::size_t kMaxJsonDepth = 32;

// A decoded value, usable when `errors` is empty.
template <class T>
struct Decoded {
  T value{};
  std::vector<WireFieldError> errors;
  bool ok() const noexcept { return errors.empty(); }
};

// The body as a JSON object: malformed JSON or invalid UTF-8 is
// "json_invalid", an empty body or `null` is "missing", any other
// non-object is "model_attributes_type" (each with an empty field).
Decoded<boost::json::object> parse_json_object(std::string_view body);

struct PasswordChange {
  std::string current_password;
  std::string new_password;
};

// client_address is left empty for the caller to fill in.
Decoded<core::SignupCommand> decode_signup(const boost::json::object& body);
Decoded<core::LoginCommand> decode_login(const boost::json::object& body);
// OAuth2 password form: username (the email) and password.
Decoded<core::LoginCommand> decode_login_form(std::string_view body);
Decoded<PasswordChange> decode_password_change(const boost::json::object& body);
// DELETE /auth/me: {"password": "..."}, the account's current password.
Decoded<std::string> decode_account_deletion(const boost::json::object& body);
// POST /api/tasks: title required; null description/tags/due_date = none,
// null completed = false, null priority = medium.
Decoded<core::NewTask> decode_new_task(const boost::json::object& body);
// PUT/PATCH: absent = keep; null clears description, tags and due_date and
// is refused for title, completed and priority.
Decoded<core::TaskPatch> decode_task_patch(const boost::json::object& body);
// PATCH .../complete: nullopt (absent or null "completed") means toggle.
Decoded<std::optional<bool>> decode_completion(const boost::json::object& body);

// The decoder's refusals plus the core's for fields the decoder let through,
// in the body's field order (title, description, completed, priority, tags,
// due_date): what pydantic reports for one model.
std::vector<WireFieldError> merge_task_errors(std::vector<WireFieldError> decoded,
                                              const std::vector<core::FieldError>& validated);

std::string user_json(const core::User& user);
// A task as JSON text, written straight into `out` (no JSON DOM: the list
// writes up to 500 of them per answer).
void append_task_json(std::string& out, const core::Task& task);
std::string task_json(const core::Task& task);
// A JSON array of tasks.
std::string tasks_json(const std::vector<core::Task>& tasks);
std::string session_json(const core::AuthSession& session);

// {"detail": "<detail>"}
std::string detail_body(std::string_view detail);
// {"detail": [{"loc": [location, field], "msg", "type"}, ...]}
std::string validation_body(const std::vector<WireFieldError>& errors, std::string_view location);

}  // namespace todo::http
