#include "todo/core/error.hpp"

namespace todo::core {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::NotFound: return "NotFound";
    case ErrorCode::AlreadyExists: return "AlreadyExists";
    case ErrorCode::Unauthenticated: return "Unauthenticated";
    case ErrorCode::PermissionDenied: return "PermissionDenied";
    case ErrorCode::ResourceExhausted: return "ResourceExhausted";
    case ErrorCode::Unavailable: return "Unavailable";
    case ErrorCode::Internal: return "Internal";
  }
  return "Internal";
}

Error Error::invalid(std::string field, std::string message, std::string type) {
  Error e{ErrorCode::InvalidArgument, message, {}, std::nullopt};
  e.fields.push_back(FieldError{std::move(field), std::move(message), std::move(type)});
  return e;
}

Error Error::invalid(std::vector<FieldError> fields) {
  Error e{ErrorCode::InvalidArgument, fields.empty() ? std::string("invalid input") : fields.front().message,
          std::move(fields), std::nullopt};
  return e;
}

Error Error::not_found(std::string message) { return {ErrorCode::NotFound, std::move(message), {}, std::nullopt}; }
Error Error::already_exists(std::string message) {
  return {ErrorCode::AlreadyExists, std::move(message), {}, std::nullopt};
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
