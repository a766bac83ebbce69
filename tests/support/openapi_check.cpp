#include "openapi_check.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <regex>

#include "todo/http/router.hpp"

namespace todo::test {
namespace {

namespace json = boost::json;

const json::value& whole_document() {
  static const json::value doc = json::parse(todo::http::openapi_document());
  return doc;
}

const json::object& document() { return whole_document().as_object(); }

// Follows "$ref": "#/a/b/c" (also chains of them) from the document's root.
const json::value* resolve(const json::value& schema) {
  const json::value* current = &schema;
  for (int depth = 0; depth < 16; ++depth) {
    const json::object* object = current->if_object();
    if (object == nullptr) return current;
    const json::value* ref = object->if_contains("$ref");
    if (ref == nullptr) return current;
    const std::string pointer(ref->as_string().c_str());
    if (pointer.rfind("#/", 0) != 0) return nullptr;
    const json::value* node = &whole_document();
    std::size_t start = 2;
    for (;;) {
      const std::size_t slash = pointer.find('/', start);
      const std::string key = pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      const json::object* o = node->if_object();
      node = o == nullptr ? nullptr : o->if_contains(key);
      if (node == nullptr || slash == std::string::npos) break;
      start = slash + 1;
    }
    if (node == nullptr) return nullptr;
    current = node;
  }
  return nullptr;
}

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool has_type(const json::value& value, std::string_view type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_bool();
  if (type == "null") return value.is_null();
  if (type == "integer") {
    return value.is_int64() || value.is_uint64() || (value.is_double() && value.as_double() == static_cast<double>(static_cast<long long>(value.as_double())));
  }
  if (type == "number") return value.is_number();
  return false;
}

void validate(const json::value& value, const json::value& raw_schema, const std::string& where,
              std::vector<std::string>& errors) {
  const json::value* resolved = resolve(raw_schema);
  if (resolved == nullptr) {
    errors.push_back(where + ": schema reference does not resolve");
    return;
  }
  const json::object* schema = resolved->if_object();
  if (schema == nullptr) return;  // true/false schemas are not used
  if (const json::value* any = schema->if_contains("anyOf")) {
    bool matched = false;
    for (const json::value& option : any->as_array()) {
      std::vector<std::string> sub;
      validate(value, option, where, sub);
      if (sub.empty()) {
        matched = true;
        break;
      }
    }
    if (!matched) errors.push_back(where + ": matches none of anyOf");
  }
  if (const json::value* type = schema->if_contains("type")) {
    bool ok = false;
    if (type->is_string()) {
      ok = has_type(value, type->as_string());
    } else {
      for (const json::value& t : type->as_array()) ok = ok || has_type(value, t.as_string());
    }
    if (!ok) {
      errors.push_back(where + ": type " + json::serialize(*type) + " expected, got " + json::serialize(value));
      return;
    }
  }
  if (const json::value* constant = schema->if_contains("const"); constant != nullptr && value != *constant) {
    errors.push_back(where + ": must be " + json::serialize(*constant));
  }
  if (const json::value* options = schema->if_contains("enum")) {
    const auto& list = options->as_array();
    if (std::find(list.begin(), list.end(), value) == list.end()) {
      errors.push_back(where + ": " + json::serialize(value) + " is not one of " + json::serialize(*options));
    }
  }
  if (value.is_string()) {
    const std::size_t length = code_points(value.as_string());
    if (const json::value* max = schema->if_contains("maxLength"); max != nullptr && length > max->to_number<std::size_t>()) {
      errors.push_back(where + ": longer than maxLength");
    }
    if (const json::value* min = schema->if_contains("minLength"); min != nullptr && length < min->to_number<std::size_t>()) {
      errors.push_back(where + ": shorter than minLength");
    }
    if (const json::value* pattern = schema->if_contains("pattern")) {
      if (!std::regex_search(std::string(value.as_string().c_str()), std::regex(pattern->as_string().c_str()))) {
        errors.push_back(where + ": does not match pattern");
      }
    }
  }
  if (value.is_number()) {
    if (const json::value* min = schema->if_contains("minimum"); min != nullptr && value.to_number<double>() < min->to_number<double>()) {
      errors.push_back(where + ": below minimum");
    }
  }
  if (value.is_object()) {
    const json::object& object = value.as_object();
    if (const json::value* required = schema->if_contains("required")) {
      for (const json::value& name : required->as_array()) {
        if (!object.contains(name.as_string())) errors.push_back(where + ": missing required \"" + std::string(name.as_string()) + "\"");
      }
    }
    if (const json::value* properties = schema->if_contains("properties")) {
      for (const auto& [name, sub] : properties->as_object()) {
        if (const json::value* field = object.if_contains(name)) {
          validate(*field, sub, where + "." + std::string(name), errors);
        }
      }
    }
  }
  if (value.is_array()) {
    if (const json::value* items = schema->if_contains("items")) {
      std::size_t index = 0;
      for (const json::value& item : value.as_array()) {
        validate(item, *items, where + "[" + std::to_string(index++) + "]", errors);
      }
    }
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::vector<std::string> openapi_violations(std::string_view method, std::string_view target, int status,
                                            std::string_view content_type, std::string_view body) {
  std::vector<std::string> errors;
  if (method == "OPTIONS") return errors;  // CORS preflight: not an API operation
  std::string_view path = target.substr(0, target.find('?'));
  const todo::http::RouteMatch match = todo::http::match_route(method, path);
  if (match.kind != todo::http::RouteMatch::Kind::Found) return errors;  // 404/405: no operation to hold to
  const bool head = method == "HEAD";
  const std::string verb = head ? "get" : lower(method);
  const std::string label = std::string(method) + " " + std::string(match.route->path) + " " + std::to_string(status);
  const json::value* item = document().at("paths").as_object().if_contains(match.route->path);
  const json::object* operation = nullptr;
  if (item != nullptr) {
    if (const json::value* op = item->as_object().if_contains(verb)) operation = op->if_object();
  }
  if (operation == nullptr) return {label + ": operation not in openapi.json"};
  const json::value* response = operation->at("responses").as_object().if_contains(std::to_string(status));
  if (response == nullptr) return {label + ": status not declared in openapi.json"};
  if (head || body.empty()) return errors;
  const json::object* content = nullptr;
  if (const json::value* c = response->as_object().if_contains("content")) content = c->if_object();
  const std::string type = lower(content_type.substr(0, content_type.find(';')));
  if (content == nullptr) return {label + ": a body (" + type + ") where none is declared"};
  // Declared media types may carry parameters ("text/plain; version=0.0.4").
  const json::value* media = nullptr;
  for (const auto& [key, declared] : *content) {
    const std::string declared_type = lower(std::string_view(key).substr(0, std::string_view(key).find(';')));
    const bool any = declared_type == "*/*" ||
                     (declared_type.size() > 2 && declared_type.substr(declared_type.size() - 2) == "/*" &&
                      type.rfind(declared_type.substr(0, declared_type.size() - 1), 0) == 0);
    if (declared_type == type || (any && media == nullptr)) media = &declared;
  }
  if (media == nullptr) return {label + ": content type " + type + " not declared"};
  if (type != "application/json") return errors;
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec);
  if (ec) return {label + ": body is not JSON"};
  if (const json::value* schema = media->as_object().if_contains("schema")) validate(value, *schema, label + " body", errors);
  return errors;
}

}  // namespace todo::test
