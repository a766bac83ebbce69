#include "todo/core/error.hpp"

namespace todo::core {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::NotFound: return "NotFound";
    case ErrorCode::AlreadyExists: return "AlreadyExists";
    case ErrorCode::FailedPrecondition: return "FailedPrecondition";
    case ErrorCode::Unauthenticated: return "Unauthenticated";
    case ErrorCode::PermissionDenied: return "PermissionDenied";
    case ErrorCode::ResourceExhausted: return "ResourceExhausted";
    case ErrorCode::Unavailable: return "Unavailable";
    case ErrorCode::Internal: return "Internal";
  }
  return "Internal";
}

const char* to_string(FieldIssue issue) noexcept {
  switch (issue) {
    case FieldIssue::InvalidUtf8: return "InvalidUtf8";
    case FieldIssue::ContainsNul: return "ContainsNul";
    case FieldIssue::TooShort: return "TooShort";
    case FieldIssue::TooLong: return "TooLong";
    case FieldIssue::PatternMismatch: return "PatternMismatch";
    case FieldIssue::EmptyTag: return "EmptyTag";
    case FieldIssue::OutOfRange: return "OutOfRange";
    case FieldIssue::EmailNoAt: return "EmailNoAt";
    case FieldIssue::EmailManyAt: return "EmailManyAt";
    case FieldIssue::EmailBadCharacters: return "EmailBadCharacters";
    case FieldIssue::EmailEmptyLocal: return "EmailEmptyLocal";
    case FieldIssue::EmailEmptyDomain: return "EmailEmptyDomain";
    case FieldIssue::EmailBadDomain: return "EmailBadDomain";
    case FieldIssue::EmailNotAscii: return "EmailNotAscii";
  }
  return "InvalidUtf8";
}

Error Error::invalid(FieldError field) {
  std::vector<FieldError> fields;
  fields.push_back(std::move(field));
  return invalid(std::move(fields));
}

Error Error::invalid(std::vector<FieldError> fields) {
  std::string message = "invalid input";
  if (!fields.empty()) message = fields.front().field + ": " + to_string(fields.front().issue);
  return {ErrorCode::InvalidArgument, std::move(message), std::move(fields), std::nullopt};
}

Error Error::not_found(std::string message) { return {ErrorCode::NotFound, std::move(message), {}, std::nullopt}; }
Error Error::already_exists(std::string message) {
  return {ErrorCode::AlreadyExists, std::move(message), {}, std::nullopt};
}
Error Error::failed_precondition(std::string message) {
  return {ErrorCode::FailedPrecondition, std::move(message), {}, std::nullopt};
}
Error Error::unauthenticated(std::string message) {
  return {ErrorCode::Unauthenticated, std::move(message), {}, std::nullopt};
}
Error Error::permission_denied(std::string message) {
  return {ErrorCode::PermissionDenied, std::move(message), {}, std::nullopt};
}
Error Error::resource_exhausted(std::string message, long long retry_after_s) {
  return {ErrorCode::ResourceExhausted, std::move(message), {}, retry_after_s};
}
Error Error::unavailable(std::string message) {
  return {ErrorCode::Unavailable, std::move(message), {}, std::nullopt};
}
Error Error::internal(std::string message) { return {ErrorCode::Internal, std::move(message), {}, std::nullopt}; }

}  // namespace todo::core
