#include "json_io.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>

#include "todo/core/validation.hpp"
#include "url_encoding.hpp"

namespace todo::http {
namespace json = boost::json;
namespace {

using core::FieldError;
using core::Nullable;

// pydantic v2 messages, word for word: clients sometimes show them.
constexpr std::string_view kMissing = "Field required";
constexpr std::string_view kStringType = "Input should be a valid string";
constexpr std::string_view kBoolType = "Input should be a valid boolean";
constexpr std::string_view kBoolParsing = "Input should be a valid boolean, unable to interpret input";
constexpr std::string_view kDatetimeType = "Input should be a valid datetime";

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
    for (const char* t : kTrue) {
      if (s == t) return true;
    }
    for (const char* f : kFalse) {
      if (s == f) return false;
    }
    error_type = "bool_parsing";
    return std::nullopt;
  }
  error_type = "bool_type";
  return std::nullopt;
}

// Reads typed fields from one JSON object and collects every type error, so
// a client sees all of them at once, as with pydantic.
class FieldReader {
 public:
  explicit FieldReader(const json::object& body) : body_(body) {}

  std::optional<std::string> required_string(std::string_view key) {
    const json::value* v = body_.if_contains(json::string_view(key.data(), key.size()));
    if (v == nullptr) {
      fail(key, kMissing, "missing");
      return std::nullopt;
    }
    if (!v->is_string()) {
      fail(key, kStringType, "string_type");
      return std::nullopt;
    }
    return to_std(v->get_string());
  }

  // Absent -> outer nullopt; null -> inner nullopt.
  Nullable<std::string> nullable_string(std::string_view key, std::string_view type = "string_type",
                                        std::string_view message = kStringType) {
    const json::value* v = body_.if_contains(json::string_view(key.data(), key.size()));
    if (v == nullptr) return std::nullopt;
    if (v->is_null()) return std::optional<std::string>{};
    if (!v->is_string()) {
      fail(key, message, type);
      return std::nullopt;
    }
    return std::optional<std::string>{to_std(v->get_string())};
  }

  Nullable<bool> nullable_bool(std::string_view key) {
    const json::value* v = body_.if_contains(json::string_view(key.data(), key.size()));
    if (v == nullptr) return std::nullopt;
    if (v->is_null()) return std::optional<bool>{};
    std::string type;
    const std::optional<bool> b = lax_bool(*v, type);
    if (!b) {
      fail(key, type == "bool_type" ? kBoolType : kBoolParsing, type);
      return std::nullopt;
    }
    return std::optional<bool>{*b};
  }

  template <class T>
  core::Result<T> finish(T value) {
    if (!errors_.empty()) return core::Error::invalid(std::move(errors_));
    return value;
  }

 private:
  void fail(std::string_view key, std::string_view message, std::string_view type) {
    errors_.push_back(FieldError{std::string(key), std::string(message), std::string(type)});
  }

  const json::object& body_;
  std::vector<FieldError> errors_;
};

json::value nullable(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::value(json::string_view(s->data(), s->size()));
}

json::string json_string(std::string_view s) { return json::string(json::string_view(s.data(), s.size())); }

std::size_t utf8_sequence_length(unsigned char lead) noexcept {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Client text reaches error bodies (a query parameter's name is echoed in
// `loc`), and Boost.JSON serializes string bytes as they are: invalid UTF-8
// would make the whole answer invalid JSON. Each bad byte becomes U+FFFD.
json::string error_text(std::string_view s) {
  if (core::is_valid_utf8(s)) return json_string(s);
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = utf8_sequence_length(static_cast<unsigned char>(s[i]));
    if (len != 0 && i + len <= s.size() && core::is_valid_utf8(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return json_string(out);
}

}  // namespace

core::Result<json::object> parse_json_object(std::string_view body) {
  if (body.empty()) return core::Error::invalid("", std::string(kMissing), "missing");
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  std::error_code ec;
  json::value value = json::parse(json::string_view(body.data(), body.size()), ec, json::storage_ptr(), options);
  if (ec) return core::Error::invalid("", "JSON decode error", "json_invalid");
  if (value.is_null()) return core::Error::invalid("", std::string(kMissing), "missing");
  if (!value.is_object()) {
    return core::Error::invalid("", "Input should be a valid dictionary or object to extract fields from",
                                "model_attributes_type");
  }
  return std::move(value.get_object());
}

core::Result<core::SignupCommand> decode_signup(const json::object& body) {
  FieldReader reader(body);
  core::SignupCommand cmd;
  std::optional<std::string> email = reader.required_string("email");
  std::optional<std::string> password = reader.required_string("password");
  Nullable<std::string> username = reader.nullable_string("username");
  if (email) cmd.email = std::move(*email);
  if (password) cmd.password = std::move(*password);
  if (username) cmd.username = std::move(*username);
  return reader.finish(std::move(cmd));
}

core::Result<core::LoginCommand> decode_login(const json::object& body) {
  FieldReader reader(body);
  core::LoginCommand cmd;
  std::optional<std::string> email = reader.required_string("email");
  std::optional<std::string> password = reader.required_string("password");
  if (email) cmd.email = std::move(*email);
  if (password) cmd.password = std::move(*password);
  return reader.finish(std::move(cmd));
}

core::Result<core::LoginCommand> decode_login_form(std::string_view body) {
  std::optional<std::string> username;
  std::optional<std::string> password;
  for (auto& [name, value] : parse_urlencoded(body)) {
    if (name == "username") username = std::move(value);
    else if (name == "password") password = std::move(value);
  }
  std::vector<FieldError> errors;
  if (!username) errors.push_back(FieldError{"username", std::string(kMissing), "missing"});
  if (!password) errors.push_back(FieldError{"password", std::string(kMissing), "missing"});
  if (!errors.empty()) return core::Error::invalid(std::move(errors));
  return core::LoginCommand{std::move(*username), std::move(*password), {}};
}

core::Result<PasswordChange> decode_password_change(const json::object& body) {
  FieldReader reader(body);
  PasswordChange change;
  std::optional<std::string> current = reader.required_string("current_password");
  std::optional<std::string> next = reader.required_string("new_password");
  if (current) change.current_password = std::move(*current);
  if (next) change.new_password = std::move(*next);
  return reader.finish(std::move(change));
}

core::Result<core::CreateTaskCommand> decode_create_task(const json::object& body) {
  FieldReader reader(body);
  core::CreateTaskCommand cmd;
  cmd.title = reader.required_string("title");
  cmd.description = reader.nullable_string("description");
  cmd.completed = reader.nullable_bool("completed");
  cmd.priority = reader.nullable_string("priority");
  cmd.tags = reader.nullable_string("tags");
  cmd.due_date = reader.nullable_string("due_date", "datetime_type", kDatetimeType);
  return reader.finish(std::move(cmd));
}

core::Result<core::UpdateTaskCommand> decode_update_task(const json::object& body) {
  FieldReader reader(body);
  core::UpdateTaskCommand cmd;
  cmd.title = reader.nullable_string("title");
  cmd.description = reader.nullable_string("description");
  cmd.completed = reader.nullable_bool("completed");
  cmd.priority = reader.nullable_string("priority");
  cmd.tags = reader.nullable_string("tags");
  cmd.due_date = reader.nullable_string("due_date", "datetime_type", kDatetimeType);
  return reader.finish(std::move(cmd));
}

core::Result<std::optional<bool>> decode_completion(const json::object& body) {
  FieldReader reader(body);
  const Nullable<bool> completed = reader.nullable_bool("completed");
  return reader.finish(completed ? *completed : std::optional<bool>{});
}

json::object user_json(const core::User& user) {
  json::object o;
  o["id"] = user.id;
  o["email"] = json_string(user.email);
  o["username"] = nullable(user.username);
  o["created_at"] = json_string(core::format_timestamp(user.created_at));
  return o;
}

namespace {

// A JSON string literal the way Boost.JSON's serializer writes one: `"` and
// `\` escaped, control characters as \b \t \n \f \r or \u00xx, every other
// byte as is (task text is valid UTF-8: the core refuses anything else).
void append_json_literal(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the run of bytes copied as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4U];
        out += kHex[c & 0xFU];
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto done = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), done.ptr);
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

}  // namespace

void append_task_json(std::string& out, const core::Task& task) {
  out += "{\"id\":";
  append_int(out, task.id);
  out += ",\"user_id\":";
  append_int(out, task.user_id);
  out += ",\"title\":";
  append_json_literal(out, task.title);
  out += ",\"description\":";
  if (task.description) {
    append_json_literal(out, *task.description);
  } else {
    out += "null";
  }
  out += task.completed ? ",\"completed\":true" : ",\"completed\":false";
  out += ",\"priority\":";
  append_json_literal(out, core::to_string(task.priority));
  out += ",\"tags\":";
  if (task.tags.empty()) {
    out += "null";
  } else {
    append_json_literal(out, core::join_tags(task.tags));
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

json::object session_json(const core::AuthSession& session) {
  json::object o;
  o["access_token"] = json_string(session.access_token);
  o["token_type"] = "bearer";
  o["expires_in"] = session.expires_in;
  o["user"] = user_json(session.user);
  return o;
}

std::string detail_body(std::string_view detail) {
  json::object o;
  o["detail"] = error_text(detail);
  return json::serialize(o);
}

std::string validation_body(const std::vector<FieldError>& fields, std::string_view location) {
  json::array items;
  for (const FieldError& f : fields) {
    json::array loc;
    loc.emplace_back(error_text(location));
    if (!f.field.empty()) loc.emplace_back(error_text(f.field));
    json::object item;
    item["loc"] = std::move(loc);
    item["msg"] = error_text(f.message);
    item["type"] = json_string(f.type.empty() ? std::string_view("value_error") : std::string_view(f.type));
    items.emplace_back(std::move(item));
  }
  json::object o;
  o["detail"] = std::move(items);
  return json::serialize(o);
}

}  // namespace todo::http
