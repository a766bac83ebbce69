#include "error_mapping.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "json_io.hpp"

namespace todo::http {
namespace {

std::string characters(const char* bound, std::int64_t n) {
  return std::string("String should have ") + bound + " " + std::to_string(n) +
         (n == 1 ? " character" : " characters");
}

// email-validator's reasons, as pydantic's EmailStr reports them.
WireFieldError email_error(const core::FieldError& e, const char* why) {
  return {e.field, std::string("value is not a valid email address: ") + why, "value_error"};
}

bool is_password(const std::string& field) { return field == "password" || field == "new_password"; }

}  // namespace

int status_for(core::ErrorCode code) noexcept {
  switch (code) {
    case core::ErrorCode::InvalidArgument: return 422;
    case core::ErrorCode::NotFound: return 404;
    case core::ErrorCode::AlreadyExists:
    case core::ErrorCode::FailedPrecondition: return 409;
    case core::ErrorCode::Unauthenticated: return 401;
    case core::ErrorCode::PermissionDenied: return 403;
    case core::ErrorCode::ResourceExhausted: return 429;
    case core::ErrorCode::Unavailable: return 503;
    case core::ErrorCode::Internal: return 500;
  }
  return 500;
}

WireFieldError to_wire(const core::FieldError& e) {
  using core::FieldIssue;
  switch (e.issue) {
    case FieldIssue::InvalidUtf8: return {e.field, "Input should be a valid UTF-8 string", "string_unicode"};
    case FieldIssue::ContainsNul: return {e.field, "String must not contain NUL characters", "string_pattern_mismatch"};
    case FieldIssue::TooShort:
      if (is_password(e.field)) {
        return {e.field, "Password must be at least " + std::to_string(e.limit) + " bytes long", "string_too_short"};
      }
      return {e.field, characters("at least", e.limit), "string_too_short"};
    case FieldIssue::TooLong:
      if (is_password(e.field)) {
        return {e.field, "Password must be at most " + std::to_string(e.limit) + " bytes long (bcrypt reads no more)",
                "string_too_long"};
      }
      if (e.field == "email") return email_error(e, "The email address is too long (at most 254 characters).");
      return {e.field, characters("at most", e.limit), "string_too_long"};
    case FieldIssue::PatternMismatch:
      if (e.field == "tags") return {e.field, "Tags must not contain commas", "value_error"};
      return {e.field, "String should match pattern '^[A-Za-z0-9_-]+$'", "string_pattern_mismatch"};
    case FieldIssue::EmptyTag: return {e.field, "Tags must not be empty (check for doubled commas)", "value_error"};
    case FieldIssue::OutOfRange:
      if (e.limit_high == INT64_MAX) {
        return {e.field, "Input should be greater than or equal to " + std::to_string(e.limit), "greater_than_equal"};
      }
      return {e.field, "Input should be between " + std::to_string(e.limit) + " and " + std::to_string(e.limit_high),
              "value_error"};
    case FieldIssue::EmailNoAt: return email_error(e, "An email address must have an @-sign.");
    case FieldIssue::EmailManyAt: return email_error(e, "An email address must have exactly one @-sign.");
    case FieldIssue::EmailBadCharacters: return email_error(e, "The email address contains invalid characters.");
    case FieldIssue::EmailEmptyLocal: return email_error(e, "There must be something before the @-sign.");
    case FieldIssue::EmailEmptyDomain: return email_error(e, "There must be something after the @-sign.");
    case FieldIssue::EmailBadDomain:
      return email_error(e, "The part after the @-sign is not valid. It should have a period.");
    case FieldIssue::EmailNotAscii:
      return email_error(e, "The email address must be ASCII (an international domain in its xn-- form).");
  }
  return {e.field, "Value error", "value_error"};
}

std::vector<WireFieldError> to_wire(const std::vector<core::FieldError>& errors) {
  std::vector<WireFieldError> out;
  out.reserve(errors.size());
  for (const core::FieldError& e : errors) out.push_back(to_wire(e));
  return out;
}

Response json_response(int status, std::string body) {
  Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response detail_response(int status, std::string_view detail) { return json_response(status, detail_body(detail)); }

Response unsupported_media_type() { return detail_response(415, "Unsupported Media Type"); }

Response validation_response(const std::vector<WireFieldError>& errors, std::string_view location) {
  return json_response(422, validation_body(errors, location));
}

Response error_response(const core::Error& error, std::string_view location) {
  const int status = status_for(error.code);
  switch (error.code) {
    case core::ErrorCode::InvalidArgument: {
      if (!error.fields.empty()) return validation_response(to_wire(error.fields), location);
      return validation_response({WireFieldError{"", error.message, "value_error"}}, location);
    }
    case core::ErrorCode::Internal: {
      // The real cause goes to the operator's log (the access line), never
      // to the client.
      Response response = detail_response(status, "Internal Server Error");
      response.log_error = "internal error: " + error.message;
      return response;
    }
    case core::ErrorCode::Unavailable: {
      // Not logged here: the database adapter reports its own failures, and a
      // load balancer polling /readyz would otherwise flood the log.
      // Always with Retry-After: a restart or a failover is over in seconds,
      // and clients (and balancers) should come back rather than give up.
      Response response = detail_response(status, "database unavailable");
      response.set_header("Retry-After", std::to_string(std::max(1LL, error.retry_after_s.value_or(1))));
      return response;
    }
    case core::ErrorCode::ResourceExhausted: {
      Response response = detail_response(status, error.message.empty() ? "Too Many Requests" : error.message);
      response.set_header("Retry-After", std::to_string(std::max(1LL, error.retry_after_s.value_or(1))));
      return response;
    }
    case core::ErrorCode::Unauthenticated: {
      Response response = detail_response(status, error.message.empty() ? "Not authenticated" : error.message);
      response.set_header("WWW-Authenticate", "Bearer");
      return response;
    }
    case core::ErrorCode::NotFound:
      return detail_response(status, error.message.empty() ? "Not Found" : error.message);
    case core::ErrorCode::AlreadyExists:
    case core::ErrorCode::FailedPrecondition:
    case core::ErrorCode::PermissionDenied:
      return detail_response(status, error.message);
  }
  return detail_response(500, "Internal Server Error");
}

}  // namespace todo::http
