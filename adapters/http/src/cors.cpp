#include "cors.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "error_mapping.hpp"
#include "todo/core/validation.hpp"

namespace todo::http {
namespace {

constexpr std::string_view kCorsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
// Last-Event-ID: a browser resuming the live-sync stream with fetch.
constexpr std::string_view kCorsAllowHeaders = "Authorization, Content-Type, X-Request-Id, Last-Event-ID";
constexpr std::string_view kCorsExposeHeaders = "X-Total-Count, Location, X-Request-Id";
constexpr std::string_view kCorsMaxAgeSeconds = "600";

bool origin_allowed(const HandlerOptions& options, std::string_view origin) {
  return std::any_of(options.cors_origins.begin(), options.cors_origins.end(),
                     [&](const std::string& allowed) { return allowed == "*" || allowed == origin; });
}

}  // namespace

bool is_private_path(std::string_view path) {
  return path == "/auth" || path.starts_with("/auth/") || path == "/api" || path.starts_with("/api/");
}

bool is_preflight(const Request& request) {
  return request.method == "OPTIONS" && request.header("Origin") && request.header("Access-Control-Request-Method");
}

Response preflight(const Request& request, const HandlerOptions& options) {
  const std::string_view origin = *request.header("Origin");
  if (!origin_allowed(options, origin)) return detail_response(400, "Disallowed CORS origin");
  const std::string_view method = core::trim(*request.header("Access-Control-Request-Method"));
  constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    return detail_response(400, "Disallowed CORS method");
  }
  Response response;
  response.status = 200;
  response.set_header("Access-Control-Allow-Methods", std::string(kCorsAllowMethods));
  response.set_header("Access-Control-Allow-Headers", std::string(kCorsAllowHeaders));
  response.set_header("Access-Control-Max-Age", std::string(kCorsMaxAgeSeconds));
  return response;
}

void decorate(const Request& request, std::string_view path, const HandlerOptions& options, Response& response) {
  response.set_header("X-Content-Type-Options", "nosniff");
  if (is_private_path(path)) response.set_header("Cache-Control", "no-store");
  const std::optional<std::string_view> origin = request.header("Origin");
  if (!origin) return;
  response.set_header("Vary", "Origin");
  if (!origin_allowed(options, *origin)) return;
  response.set_header("Access-Control-Allow-Origin", std::string(*origin));
  response.set_header("Access-Control-Expose-Headers", std::string(kCorsExposeHeaders));
  // Credentials only for origins named explicitly, never through "*".
  const bool named = std::find(options.cors_origins.begin(), options.cors_origins.end(), *origin) !=
                     options.cors_origins.end();
  if (named) response.set_header("Access-Control-Allow-Credentials", "true");
}

}  // namespace todo::http
