#pragma once
// CORS as Starlette's CORSMiddleware does it (preflights answered before
// routing) and the headers every response carries.

#include <string_view>

#include "todo/http/handler.hpp"
#include "todo/http/message.hpp"

namespace todo::http {

bool is_preflight(const Request& request);
Response preflight(const Request& request, const HandlerOptions& options);
// X-Content-Type-Options, Cache-Control on /auth paths, and the CORS
// response headers for an allowed Origin.
// /auth/* and /api/* (SPEC §3, §6): private data, never stored by a cache.
bool is_private_path(std::string_view path);
void decorate(const Request& request, std::string_view path, const HandlerOptions& options, Response& response);

}  // namespace todo::http
