#pragma once
// Canonical error codes (abseil/googleapis style) and the Error value the core
// returns. The HTTP adapter maps codes to status in exactly one place.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace todo::core {

enum class ErrorCode {
  InvalidArgument,
  NotFound,
  AlreadyExists,
  Unauthenticated,
  PermissionDenied,
  ResourceExhausted,
  Unavailable,
  Internal,
};

const char* to_string(ErrorCode code) noexcept;

// One offending input field, shaped so an adapter can build FastAPI's 422
// list form. `type` uses pydantic v2's vocabulary ("missing",
// "string_too_long", "value_error", ...).
struct FieldError {
  std::string field;
  std::string message;
  std::string type;
};

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  std::vector<FieldError> fields;         // only for InvalidArgument
  std::optional<long long> retry_after_s;  // only for ResourceExhausted / Unavailable

  static Error invalid(std::string field, std::string message, std::string type = "value_error");
  static Error invalid(std::vector<FieldError> fields);
  static Error not_found(std::string message);
  static Error already_exists(std::string message);
  static Error unauthenticated(std::string message);
  static Error permission_denied(std::string message);
  static Error resource_exhausted(std::string message, long long retry_after_s);
  static Error unavailable(std::string message);
  static Error internal(std::string message);
};

}  // namespace todo::core
