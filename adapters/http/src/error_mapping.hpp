#pragma once
// Core errors -> HTTP responses. status_for() is the only place a core error
// code becomes an HTTP status.

#include <string>
#include <string_view>

#include "todo/core/error.hpp"
#include "todo/http/message.hpp"

namespace todo::http {

int status_for(core::ErrorCode code) noexcept;

// FastAPI-shaped body: {"detail": "..."}, or the 422 list form with each
// field located under `location` ("body", "query" or "path"). Internal
// errors are logged to stderr and answered with a generic detail.
Response error_response(const core::Error& error, std::string_view location = "body");

// A response carrying an already serialised JSON body.
Response json_response(int status, std::string body);
// {"detail": "<detail>"} with `status`.
Response detail_response(int status, std::string_view detail);

}  // namespace todo::http
