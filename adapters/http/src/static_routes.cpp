// The routes that need no user: the embedded web client, /healthz,
// /readyz, /metrics and /openapi.json.
#include <string>

#include "error_mapping.hpp"
#include "routes.hpp"
#include "todo/core/validation.hpp"
#include "todo/http/metrics.hpp"
#include "todo/web/assets.hpp"

namespace todo::http {
namespace {

// True when an If-None-Match list names `etag` (weak comparison, RFC 9110).
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const std::size_t comma = if_none_match.find(',');
    std::string_view candidate = core::trim(if_none_match.substr(0, comma));
    if (candidate == "*") return true;
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

// index.html at "/", its files under "/static/". Revalidated by ETag on
// every use, so a new build is picked up at once.
Response web_asset(const Exchange& x, const std::string& path, std::string_view policy) {
  const web::Asset* asset = web::find_asset(path);
  if (asset == nullptr) return detail_response(404, "Not Found");
  Response response;
  response.set_header("ETag", std::string(asset->etag));
  response.set_header("Cache-Control", "no-cache");
  response.set_header("Content-Security-Policy", std::string(policy));
  response.set_header("Referrer-Policy", "no-referrer");
  const std::optional<std::string_view> if_none_match = x.request.header("If-None-Match");
  if (if_none_match && etag_matches(*if_none_match, asset->etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.set_header("Content-Type", std::string(asset->content_type));
  response.body = std::string(asset->body);
  return response;
}

Response metrics(const Exchange& x) {
  if (!x.options.metrics) return detail_response(404, "Not Found");
  Response response;
  response.status = 200;
  response.set_header("Content-Type", std::string(kMetricsContentType));
  response.set_header("Cache-Control", "no-store");
  response.body = x.options.metrics();
  return response;
}

}  // namespace

Response answer_static_route(Exchange& x) {
  switch (x.match.route->endpoint) {
    case Endpoint::WebClient:
      return web_asset(x, x.match.path_param.empty() ? std::string("/") : "/static/" + x.match.path_param,
                       web::content_security_policy());
    // Swagger UI: docs.html with the policy it needs (inline styles).
    case Endpoint::Docs: return web_asset(x, "/static/docs.html", web::docs_content_security_policy());
    case Endpoint::Healthz: return json_response(200, R"({"status":"ok"})");
    case Endpoint::Readyz:
      if (x.options.ready && x.options.ready()) return json_response(200, R"({"status":"ready"})");
      return error_response(core::Error::unavailable("readiness check failed"));
    case Endpoint::Metrics: return metrics(x);
    case Endpoint::OpenApi: return json_response(200, std::string(openapi_document()));
    default: break;
  }
  return error_response(core::Error::internal("not a static route"));
}

}  // namespace todo::http
