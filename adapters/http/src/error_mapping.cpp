#include "error_mapping.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "json_io.hpp"

namespace todo::http {

int status_for(core::ErrorCode code) noexcept {
  switch (code) {
    case core::ErrorCode::InvalidArgument: return 422;
    case core::ErrorCode::NotFound: return 404;
    case core::ErrorCode::AlreadyExists: return 409;
    case core::ErrorCode::Unauthenticated: return 401;
    case core::ErrorCode::PermissionDenied: return 403;
    case core::ErrorCode::ResourceExhausted: return 429;
    case core::ErrorCode::Unavailable: return 503;
    case core::ErrorCode::Internal: return 500;
  }
  return 500;
}

Response json_response(int status, std::string body) {
  Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response detail_response(int status, std::string_view detail) { return json_response(status, detail_body(detail)); }

Response error_response(const core::Error& error, std::string_view location) {
  const int status = status_for(error.code);
  switch (error.code) {
    case core::ErrorCode::InvalidArgument: {
      if (!error.fields.empty()) return json_response(status, validation_body(error.fields, location));
      const std::vector<core::FieldError> whole{core::FieldError{"", error.message, "value_error"}};
      return json_response(status, validation_body(whole, location));
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
      Response response = detail_response(status, "database unavailable");
      if (error.retry_after_s) response.set_header("Retry-After", std::to_string(std::max(1LL, *error.retry_after_s)));
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
    case core::ErrorCode::PermissionDenied:
      return detail_response(status, error.message);
  }
  return detail_response(500, "Internal Server Error");
}

}  // namespace todo::http
