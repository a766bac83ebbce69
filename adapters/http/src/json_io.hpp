#pragma once
// JSON <-> core commands and entities (Boost.JSON). Decoding failures are
// core InvalidArgument errors whose field errors use pydantic v2's types and
// messages, so they become FastAPI's 422 list form; an empty field name
// stands for the whole body.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "todo/core/auth_service.hpp"
#include "todo/core/result.hpp"
#include "todo/core/task.hpp"
#include "todo/core/task_service.hpp"
#include "todo/core/user.hpp"

namespace todo::http {

// Nesting deeper than this is refused before it can exhaust the stack.
inline constexpr std::size_t kMaxJsonDepth = 32;

// The body as a JSON object: malformed JSON or invalid UTF-8 is
// "json_invalid", an empty body or `null` is "missing", any other
// non-object is "model_attributes_type".
core::Result<boost::json::object> parse_json_object(std::string_view body);

struct PasswordChange {
  std::string current_password;
  std::string new_password;
};

// client_address is left empty for the caller to fill in.
core::Result<core::SignupCommand> decode_signup(const boost::json::object& body);
core::Result<core::LoginCommand> decode_login(const boost::json::object& body);
// OAuth2 password form: username (the email) and password.
core::Result<core::LoginCommand> decode_login_form(std::string_view body);
core::Result<PasswordChange> decode_password_change(const boost::json::object& body);
core::Result<core::CreateTaskCommand> decode_create_task(const boost::json::object& body);
core::Result<core::UpdateTaskCommand> decode_update_task(const boost::json::object& body);
// PATCH .../complete: nullopt (absent or null "completed") means toggle.
core::Result<std::optional<bool>> decode_completion(const boost::json::object& body);

boost::json::object user_json(const core::User& user);
// A task as JSON text, written straight into `out` (no JSON DOM: the list
// endpoint writes up to 500 of them per answer). Same bytes as Boost.JSON
// would serialize for the same fields.
void append_task_json(std::string& out, const core::Task& task);
std::string task_json(const core::Task& task);
// A JSON array of tasks.
std::string tasks_json(const std::vector<core::Task>& tasks);
boost::json::object session_json(const core::AuthSession& session);

// {"detail": "<detail>"}
std::string detail_body(std::string_view detail);
// {"detail": [{"loc": [location, field], "msg", "type"}, ...]}
std::string validation_body(const std::vector<core::FieldError>& fields, std::string_view location);

}  // namespace todo::http
