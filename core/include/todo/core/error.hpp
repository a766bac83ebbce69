#pragma once
// Canonical error codes (abseil/googleapis style) and the Error value the core
// returns. The core says what is wrong with which input (a code, a field, a
// bound), never how a wire protocol words it: the HTTP adapter maps codes to
// status and field issues to the texts FastAPI clients read, each in one
// place.

#include <cstdint>
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
  FailedPrecondition,  // the caller's state forbids it (a task limit reached)
};

const char* to_string(ErrorCode code) noexcept;

// What is wrong with one input value.
enum class FieldIssue {
  InvalidUtf8,       // not valid UTF-8
  ContainsNul,       // holds U+0000
  TooShort,          // fewer than `limit` characters (bytes for passwords)
  TooLong,           // more than `limit` characters (bytes for passwords)
  PatternMismatch,   // username outside [A-Za-z0-9_-]
  EmptyTag,          // a tag that is empty after trimming
  OutOfRange,        // a number outside [limit, limit_high]
  EmailNoAt,         // the email checks, in the order they are made
  EmailManyAt,
  EmailBadCharacters,
  EmailEmptyLocal,
  EmailEmptyDomain,
  EmailBadDomain,
  EmailNotAscii,     // a new account's address must be ASCII (docs/security.md)
};

const char* to_string(FieldIssue issue) noexcept;

// One offending input field ("email", "title", "limit", ...).
struct FieldError {
  std::string field;
  FieldIssue issue = FieldIssue::InvalidUtf8;
  std::int64_t limit = 0;       // the bound TooShort/TooLong/OutOfRange broke
  std::int64_t limit_high = 0;  // OutOfRange's upper bound

  bool operator==(const FieldError&) const = default;
};

struct Error {
  ErrorCode code = ErrorCode::Internal;
  // For operators and logs; the HTTP adapter decides what a client reads.
  std::string message;
  std::vector<FieldError> fields;          // only for InvalidArgument
  std::optional<long long> retry_after_s;  // only for ResourceExhausted / Unavailable

  static Error invalid(FieldError field);
  static Error invalid(std::vector<FieldError> fields);
  static Error not_found(std::string message);
  static Error already_exists(std::string message);
  static Error failed_precondition(std::string message);
  static Error unauthenticated(std::string message);
  static Error permission_denied(std::string message);
  static Error resource_exhausted(std::string message, long long retry_after_s);
  static Error unavailable(std::string message);
  static Error internal(std::string message);
};

}  // namespace todo::core
