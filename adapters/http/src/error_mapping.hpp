#pragma once
// Core errors -> HTTP responses, in one place: status_for() maps error
// codes to status, to_wire() words a core field issue the way pydantic v2
// does (clients show these texts), error_response() builds FastAPI's bodies.

#include <string>
#include <string_view>
#include <vector>

#include "todo/core/error.hpp"
#include "todo/http/message.hpp"

namespace todo::http {

// One entry of FastAPI's 422 list: {"loc": [location, field], "msg", "type"}.
// An empty field stands for the whole body (or query).
struct WireFieldError {
  std::string field;
  std::string message;
  std::string type;
};

int status_for(core::ErrorCode code) noexcept;

WireFieldError to_wire(const core::FieldError& error);
std::vector<WireFieldError> to_wire(const std::vector<core::FieldError>& errors);

// FastAPI-shaped body: {"detail": "..."}, or the 422 list form with each
// field located under `location` ("body", "query" or "path"). Internal
// errors carry their cause in Response::log_error and a generic detail.
Response error_response(const core::Error& error, std::string_view location = "body");
Response validation_response(const std::vector<WireFieldError>& errors, std::string_view location = "body");

// A response carrying an already serialised JSON body.
Response json_response(int status, std::string body);
// {"detail": "<detail>"} with `status`.
Response detail_response(int status, std::string_view detail);
Response unsupported_media_type();

}  // namespace todo::http
