#include "json_io.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "todo/core/json_text.hpp"
#include "todo/core/time.hpp"
#include "todo/core/validation.hpp"
#include "url_encoding.hpp"

namespace todo::http {
namespace json = boost::json;
namespace {

// pydantic v2 messages, word for word: clients sometimes show them.
constexpr std::string_view kMissing = "Field required";
constexpr std::string_view kStringType = "Input should be a valid string";
constexpr std::string_view kBoolType = "Input should be a valid boolean";
constexpr std::string_view kBoolParsing = "Input should be a valid boolean, unable to interpret input";
constexpr std::string_view kDatetimeType = "Input should be a valid datetime";
constexpr std::string_view kDatetimeParsing =
    "Input should be a valid datetime or date (RFC 3339, YYYY-MM-DDTHH:MM[:SS[.ffffff]] or YYYY-MM-DD)";
constexpr std::string_view kPriorityEnum = "Input should be 'high', 'medium' or 'low'";

std::string to_std(json::string_view s) { return std::string(s.data(), s.size()); }

// pydantic's lax bool: true/false, 0/1 and the usual spellings in strings.
std::optional<bool> lax_bool(const json::value& v, std::string& error_type) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64() || v.is_uint64() || v.is_double()) {
    const double d = v.is_double() ? v.get_double()
                     : v.is_int64() ? static_cast<double>(v.get_int64())
                                    : static_cast<double>(v.get_uint64());
    if (d == 0.0) return false;
    if (d == 1.0) return true;
    error_type = "bool_parsing";
    return std::nullopt;
  }
  if (v.is_string()) {
    const std::string s = core::ascii_lower(to_std(v.get_string()));
    static constexpr std::array kTrue{"1", "on", "t", "true", "y", "yes"};
    static constexpr std::array kFalse{"0", "off", "f", "false", "n", "no"};
    if (std::find(kTrue.begin(), kTrue.end(), s) != kTrue.end()) return true;
    if (std::find(kFalse.begin(), kFalse.end(), s) != kFalse.end()) return false;
    error_type = "bool_parsing";
    return std::nullopt;
  }
  error_type = "bool_type";
  return std::nullopt;
}

// What one key of the body holds, as far as a field cares.
enum class Presence { Absent, Null, Value };

// Reads typed fields from one JSON object and collects every refusal, so a
// client sees all of them at once, as with pydantic.
class FieldReader {
 public:
  explicit FieldReader(const json::object& body) : body_(body) {}

  std::vector<WireFieldError>& errors() { return errors_; }

  Presence presence(std::string_view key) const {
    const json::value* v = find(key);
    if (v == nullptr) return Presence::Absent;
    return v->is_null() ? Presence::Null : Presence::Value;
  }

  std::optional<std::string> required_string(std::string_view key) {
    if (find(key) == nullptr) {
      fail(key, kMissing, "missing");
      return std::nullopt;
    }
    return string(key);
  }

  // The string at `key`; a refusal (and nullopt) for any other type.
  std::optional<std::string> string(std::string_view key, std::string_view type = "string_type",
                                    std::string_view message = kStringType) {
    const json::value* v = find(key);
    if (v != nullptr && v->is_string()) return to_std(v->get_string());
    fail(key, message, type);
    return std::nullopt;
  }

  std::optional<bool> boolean(std::string_view key) {
    std::string type;
    const std::optional<bool> b = lax_bool(*find(key), type);
    if (!b) fail(key, type == "bool_type" ? kBoolType : kBoolParsing, type);
    return b;
  }

  std::optional<core::Priority> priority(std::string_view key) {
    const std::optional<std::string> raw = string(key);
    if (!raw) return std::nullopt;
    if (!text_ok(key, *raw)) return std::nullopt;
    if (auto p = core::parse_priority(*raw)) return *p;  // exact, as FastAPI's enum
    fail(key, kPriorityEnum, "enum");
    return std::nullopt;
  }

  // The comma list; blank = no tags. Each piece is trimmed and checked by
  // the core (an empty piece is its EmptyTag).
  std::optional<std::vector<std::string>> tags(std::string_view key) {
    const std::optional<std::string> raw = string(key);
    if (!raw || !text_ok(key, *raw)) return std::nullopt;
    if (core::count_code_points(*raw) > core::kTagsMaxChars) {
      errors_.push_back(to_wire(core::FieldError{std::string(key), core::FieldIssue::TooLong,
                                                 static_cast<std::int64_t>(core::kTagsMaxChars), 0}));
      return std::nullopt;
    }
    std::vector<std::string> pieces;
    if (core::strip_white_space(*raw).empty()) return pieces;
    std::string_view rest = *raw;
    for (;;) {
      const std::size_t comma = rest.find(',');
      pieces.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return pieces;
  }

  // A date text; "" or blank clears like null (HTML forms send an empty
  // date input as ""): the outer nullopt is a refusal.
  std::optional<std::optional<core::Timestamp>> due_date(std::string_view key) {
    const std::optional<std::string> raw = string(key, "datetime_type", kDatetimeType);
    if (!raw || !text_ok(key, *raw)) return std::nullopt;
    if (core::trim(*raw).empty()) return std::optional<core::Timestamp>{};
    if (auto t = core::parse_timestamp(core::trim(*raw))) return std::optional<core::Timestamp>(*t);
    fail(key, kDatetimeParsing, "datetime_from_date_parsing");
    return std::nullopt;
  }

  void fail(std::string_view key, std::string_view message, std::string_view type) {
    errors_.push_back(WireFieldError{std::string(key), std::string(message), std::string(type)});
  }

 private:
  const json::value* find(std::string_view key) const {
    return body_.if_contains(json::string_view(key.data(), key.size()));
  }
  bool text_ok(std::string_view key, std::string_view text) {
    core::Result<void> ok = core::check_text(key, text);
    if (!ok) errors_.push_back(to_wire(ok.error().fields.front()));
    return ok.has_value();
  }

  const json::object& body_;
  std::vector<WireFieldError> errors_;
};

template <class T>
Decoded<T> finish(T value, FieldReader& reader) {
  return Decoded<T>{std::move(value), std::move(reader.errors())};
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto done = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), done.ptr);
}

void append_optional_text(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    core::append_json_string(out, *text);
  } else {
    out += "null";
  }
}

void append_timestamp(std::string& out, const std::optional<core::Timestamp>& t) {
  if (t) {
    out += '"';  // the text is digits and -T:.Z: nothing to escape
    core::append_timestamp(out, *t);
    out += '"';
  } else {
    out += "null";
  }
}

void append_user_json(std::string& out, const core::User& user) {
  out += "{\"id\":";
  append_int(out, user.id.value());
  out += ",\"email\":";
  core::append_json_string(out, user.email);
  out += ",\"username\":";
  append_optional_text(out, user.username);
  out += ",\"created_at\":";
  append_timestamp(out, user.created_at);
  out += '}';
}

constexpr std::array<std::string_view, 6> kTaskFieldOrder{"title", "description", "completed",
                                                          "priority", "tags", "due_date"};

std::size_t field_rank(std::string_view field) {
  const auto it = std::find(kTaskFieldOrder.begin(), kTaskFieldOrder.end(), field);
  return static_cast<std::size_t>(it - kTaskFieldOrder.begin());
}

}  // namespace

Decoded<json::object> parse_json_object(std::string_view body) {
  Decoded<json::object> out;
  if (body.empty()) {
    out.errors.push_back({"", std::string(kMissing), "missing"});
    return out;
  }
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  std::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec, json::storage_ptr(), options);
  if (ec) {
    out.errors.push_back({"", "JSON decode error", "json_invalid"});
  } else if (value.is_null()) {
    out.errors.push_back({"", std::string(kMissing), "missing"});
  } else if (!value.is_object()) {
    out.errors.push_back(
        {"", "Input should be a valid dictionary or object to extract fields from", "model_attributes_type"});
  } else {
    out.value = std::move(value.get_object());
  }
  return out;
}

Decoded<core::SignupCommand> decode_signup(const json::object& body) {
  FieldReader reader(body);
  core::SignupCommand cmd;
  cmd.email = reader.required_string("email").value_or("");
  cmd.password = reader.required_string("password").value_or("");
  if (reader.presence("username") == Presence::Value) cmd.username = reader.string("username");
  return finish(std::move(cmd), reader);
}

Decoded<core::LoginCommand> decode_login(const json::object& body) {
  FieldReader reader(body);
  core::LoginCommand cmd;
  cmd.email = reader.required_string("email").value_or("");
  cmd.password = reader.required_string("password").value_or("");
  return finish(std::move(cmd), reader);
}

Decoded<core::LoginCommand> decode_login_form(std::string_view body) {
  std::optional<std::string> username;
  std::optional<std::string> password;
  for (auto& [name, value] : parse_urlencoded(body)) {
    if (name == "username") username = std::move(value);
    else if (name == "password") password = std::move(value);
  }
  Decoded<core::LoginCommand> out;
  if (!username) out.errors.push_back({"username", std::string(kMissing), "missing"});
  if (!password) out.errors.push_back({"password", std::string(kMissing), "missing"});
  out.value = core::LoginCommand{username.value_or(""), password.value_or(""), {}};
  return out;
}

Decoded<PasswordChange> decode_password_change(const json::object& body) {
  FieldReader reader(body);
  PasswordChange change;
  change.current_password = reader.required_string("current_password").value_or("");
  change.new_password = reader.required_string("new_password").value_or("");
  return finish(std::move(change), reader);
}

Decoded<std::string> decode_account_deletion(const json::object& body) {
  FieldReader reader(body);
  std::string password = reader.required_string("password").value_or("");
  return finish(std::move(password), reader);
}

Decoded<core::NewTask> decode_new_task(const json::object& body) {
  FieldReader reader(body);
  core::NewTask task;
  if (reader.presence("title") == Presence::Absent) {
    reader.fail("title", kMissing, "missing");
  } else if (auto title = reader.string("title")) {
    task.title = std::move(*title);
  }
  if (reader.presence("description") == Presence::Value) task.description = reader.string("description");
  if (reader.presence("completed") == Presence::Value) task.completed = reader.boolean("completed").value_or(false);
  if (reader.presence("priority") == Presence::Value) {
    task.priority = reader.priority("priority").value_or(core::Priority::Medium);
  }
  if (reader.presence("tags") == Presence::Value) {
    if (auto tags = reader.tags("tags")) task.tags = std::move(*tags);
  }
  if (reader.presence("due_date") == Presence::Value) {
    if (auto due = reader.due_date("due_date")) task.due_date = *due;
  }
  return finish(std::move(task), reader);
}

Decoded<core::TaskPatch> decode_task_patch(const json::object& body) {
  FieldReader reader(body);
  core::TaskPatch patch;
  switch (reader.presence("title")) {
    case Presence::Absent: break;
    case Presence::Null: reader.fail("title", kStringType, "string_type"); break;
    case Presence::Value: patch.title = reader.string("title"); break;
  }
  switch (reader.presence("description")) {
    case Presence::Absent: break;
    case Presence::Null: patch.description = core::FieldUpdate<std::string>::clear(); break;
    case Presence::Value:
      if (auto d = reader.string("description")) patch.description = core::FieldUpdate<std::string>::set(*d);
      break;
  }
  switch (reader.presence("completed")) {
    case Presence::Absent: break;
    case Presence::Null: reader.fail("completed", kBoolType, "bool_type"); break;
    case Presence::Value: patch.completed = reader.boolean("completed"); break;
  }
  switch (reader.presence("priority")) {
    case Presence::Absent: break;
    case Presence::Null: reader.fail("priority", kPriorityEnum, "enum"); break;
    case Presence::Value: patch.priority = reader.priority("priority"); break;
  }
  switch (reader.presence("tags")) {
    case Presence::Absent: break;
    case Presence::Null: patch.tags = core::FieldUpdate<std::vector<std::string>>::clear(); break;
    case Presence::Value:
      if (auto tags = reader.tags("tags")) patch.tags = core::FieldUpdate<std::vector<std::string>>::set(*tags);
      break;
  }
  switch (reader.presence("due_date")) {
    case Presence::Absent: break;
    case Presence::Null: patch.due_date = core::FieldUpdate<core::Timestamp>::clear(); break;
    case Presence::Value:
      if (auto due = reader.due_date("due_date")) {
        patch.due_date = *due ? core::FieldUpdate<core::Timestamp>::set(**due)
                              : core::FieldUpdate<core::Timestamp>::clear();
      }
      break;
  }
  return finish(std::move(patch), reader);
}

Decoded<std::optional<bool>> decode_completion(const json::object& body) {
  FieldReader reader(body);
  std::optional<bool> completed;
  if (reader.presence("completed") == Presence::Value) completed = reader.boolean("completed");
  return finish(completed, reader);
}

std::vector<WireFieldError> merge_task_errors(std::vector<WireFieldError> decoded,
                                              const std::vector<core::FieldError>& validated) {
  std::vector<WireFieldError> merged = std::move(decoded);
  for (const core::FieldError& e : validated) {
    const bool refused_already = std::any_of(merged.begin(), merged.end(),
                                             [&](const WireFieldError& w) { return w.field == e.field; });
    if (!refused_already) merged.push_back(to_wire(e));
  }
  std::stable_sort(merged.begin(), merged.end(), [](const WireFieldError& a, const WireFieldError& b) {
    return field_rank(a.field) < field_rank(b.field);
  });
  return merged;
}

std::string user_json(const core::User& user) {
  std::string out;
  append_user_json(out, user);
  return out;
}

void append_task_json(std::string& out, const core::Task& task) {
  out += "{\"id\":";
  append_int(out, task.id.value());
  out += ",\"user_id\":";
  append_int(out, task.user_id.value());
  out += ",\"title\":";
  core::append_json_string(out, task.title);
  out += ",\"description\":";
  append_optional_text(out, task.description);
  out += task.completed ? ",\"completed\":true" : ",\"completed\":false";
  out += ",\"priority\":";
  core::append_json_string(out, core::to_string(task.priority));
  out += ",\"tags\":";
  if (task.tags.empty()) {
    out += "null";
  } else {
    core::append_json_string(out, core::join_tags(task.tags));
  }
  out += ",\"due_date\":";
  append_timestamp(out, task.due_date);
  out += ",\"created_at\":";
  append_timestamp(out, task.created_at);
  out += ",\"updated_at\":";
  append_timestamp(out, task.updated_at);
  out += '}';
}

std::string task_json(const core::Task& task) {
  std::string out;
  out.reserve(320);
  append_task_json(out, task);
  return out;
}

std::string tasks_json(const std::vector<core::Task>& tasks) {
  std::string out;
  out.reserve(2 + tasks.size() * 320);
  out += '[';
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (i > 0) out += ',';
    append_task_json(out, tasks[i]);
  }
  out += ']';
  return out;
}

std::string session_json(const core::AuthSession& session) {
  std::string out = "{\"access_token\":";
  core::append_json_string(out, session.access_token);
  out += ",\"token_type\":\"bearer\",\"expires_in\":";
  append_int(out, session.expires_in);
  out += ",\"user\":";
  append_user_json(out, session.user);
  out += '}';
  return out;
}

std::string detail_body(std::string_view detail) {
  std::string out = "{\"detail\":";
  core::append_json_string(out, detail);
  out += '}';
  return out;
}

std::string validation_body(const std::vector<WireFieldError>& errors, std::string_view location) {
  std::string out = "{\"detail\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    const WireFieldError& e = errors[i];
    if (i > 0) out += ',';
    out += "{\"loc\":[";
    core::append_json_string(out, location);
    if (!e.field.empty()) {
      out += ',';
      core::append_json_string(out, e.field);
    }
    out += "],\"msg\":";
    core::append_json_string(out, e.message);
    out += ",\"type\":";
    core::append_json_string(out, e.type.empty() ? std::string_view("value_error") : std::string_view(e.type));
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace todo::http
