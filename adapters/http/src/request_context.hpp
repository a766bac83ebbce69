#pragma once
// What every route reads off a request before its own work: the target
// split into path and query, the body's media type, the client's address
// (through trusted proxies) and the bearer token.

#include <string>
#include <string_view>
#include <vector>

#include "todo/core/result.hpp"
#include "todo/http/message.hpp"

namespace todo::http {

bool iequals(std::string_view a, std::string_view b) noexcept;

struct Target {
  std::string path;        // percent-decoded, as routed
  std::string_view query;  // raw, without '?'; points into the request
};

// Origin-form or absolute-form request-target -> path and query.
Target split_target(std::string_view target);

enum class MediaType { Json, Form, Other };
// A body without Content-Type is read as JSON, as FastAPI does.
MediaType media_type_of(const Request& request);

// Client address = socket peer, or the right-most X-Forwarded-For entry not
// in `trusted_proxies` when the peer itself is listed there. Addresses are
// compared in canonical form ("::ffff:10.0.0.1" = "10.0.0.1").
std::string client_address(const Request& request, const std::vector<std::string>& trusted_proxies);

// The Authorization header's bearer token; Unauthenticated "Not
// authenticated" (FastAPI's text) when missing or not a Bearer one.
core::Result<std::string_view> bearer_token(const Request& request);

}  // namespace todo::http
