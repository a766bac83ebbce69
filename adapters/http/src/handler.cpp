#include "todo/http/handler.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "error_mapping.hpp"
#include "json_io.hpp"
#include "todo/core/validation.hpp"
#include "todo/http/metrics.hpp"
#include "todo/http/router.hpp"
#include "todo/web/assets.hpp"
#include "url_encoding.hpp"

namespace todo::http {
namespace json = boost::json;
namespace {

constexpr std::string_view kCorsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view kCorsAllowHeaders = "Authorization, Content-Type, X-Request-Id";
constexpr std::string_view kCorsExposeHeaders = "X-Total-Count, Location, X-Request-Id";
constexpr std::string_view kCorsMaxAgeSeconds = "600";

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

struct Target {
  std::string path;        // percent-decoded, as routed
  std::string_view query;  // raw, without '?'
};

Target split_target(std::string_view target) {
  // Absolute-form ("http://host/path") is legal HTTP/1.1; keep only the path.
  if (istarts_with(target, "http://") || istarts_with(target, "https://")) {
    const std::size_t authority = target.find("//") + 2;
    const std::size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::size_t fragment = target.find('#');
  if (fragment != std::string_view::npos) target = target.substr(0, fragment);
  const std::size_t question = target.find('?');
  Target out;
  out.path = percent_decode(target.substr(0, question), false);
  if (out.path.empty() || out.path.front() != '/') out.path.insert(out.path.begin(), '/');
  if (question != std::string_view::npos) out.query = target.substr(question + 1);
  return out;
}

enum class MediaType { Json, Form, Other };

// A body without Content-Type is read as JSON, as FastAPI does.
MediaType media_type_of(const Request& request) {
  const std::optional<std::string_view> header = request.header("Content-Type");
  if (!header) return MediaType::Json;
  std::string_view media = *header;
  media = core::trim(media.substr(0, media.find(';')));
  const std::string lower = core::ascii_lower(media);
  if (lower == "application/json") return MediaType::Json;
  if (lower.starts_with("application/") && lower.ends_with("+json")) return MediaType::Json;
  if (lower == "application/x-www-form-urlencoded") return MediaType::Form;
  return MediaType::Other;
}

Response unsupported_media_type() { return detail_response(415, "Unsupported Media Type"); }

bool is_preflight(const Request& request) {
  return request.method == "OPTIONS" && request.header("Origin") && request.header("Access-Control-Request-Method");
}

// Canonical text of an IP address, so "::FFFF:10.0.0.1", "::ffff:a00:1" and
// "10.0.0.1" (or two spellings of one IPv6 address) compare equal. Anything
// that is not an address is kept as given, trimmed.
std::string normalize_address(std::string_view address) {
  std::string text(core::trim(address));  // not const: the returns below move it
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return text;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  char buffer[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof v4);
    if (inet_ntop(AF_INET, &v4, buffer, sizeof buffer) != nullptr) return buffer;
    return text;
  }
  if (inet_ntop(AF_INET6, &v6, buffer, sizeof buffer) != nullptr) return buffer;
  return text;
}

std::string client_address(const Request& request, const std::vector<std::string>& trusted_proxies) {
  const auto trusted = [&](const std::string& address) {
    return std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                       [&](const std::string& proxy) { return normalize_address(proxy) == address; });
  };
  std::string peer = normalize_address(request.peer_address);
  if (!trusted(peer)) return peer;

  std::vector<std::string> hops;
  for (const Header& h : request.headers) {
    if (!iequals(h.name, "X-Forwarded-For")) continue;
    std::string_view rest = h.value;
    while (true) {
      const std::size_t comma = rest.find(',');
      std::string hop = normalize_address(rest.substr(0, comma));
      if (!hop.empty()) hops.push_back(std::move(hop));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // Right to left: the first hop no trusted proxy vouches for is the client.
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!trusted(*it)) return *it;
  }
  return hops.empty() ? peer : hops.front();
}

// FastAPI's int path parameter: anything but an integer is 422; an integer
// that cannot be a task id (0, negative, beyond int64) simply matches no task.
core::Result<core::TaskId> parse_task_id(std::string_view raw) {
  const core::Error not_integer = core::Error::invalid(
      "task_id", "Input should be a valid integer, unable to parse string as an integer", "int_parsing");
  std::string_view digits = raw;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return not_integer;
  }
  const core::Error no_task = core::Error::not_found("Task not found");
  if (negative) return no_task;
  core::TaskId id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc{} || end != digits.data() + digits.size() || id <= 0) return no_task;
  return id;
}

// Everything one request needs while it is being answered.
struct Exchange {
  core::AuthService& auth;
  core::TaskService& tasks;
  const HandlerOptions& options;
  const Request& request;
  const Target& target;
  // Who the request turned out to be from, for the access log: set when a
  // token was accepted or a login/sign-up succeeded.
  core::UserId& user_id;
  // The route label, known before the route runs (so a 500 still has it).
  std::string_view& route;
};

// A decoded body, or the response that refuses it.
template <class T>
using Decoded = std::variant<T, Response>;

// The JSON object body of a route that takes JSON only.
Decoded<json::object> json_object_body(const Request& request) {
  if (!request.body.empty() && media_type_of(request) != MediaType::Json) return unsupported_media_type();
  core::Result<json::object> object = parse_json_object(request.body);
  if (!object) return error_response(object.error());
  return std::move(*object);
}

// The Authorization header's bearer token; FastAPI's "Not authenticated"
// when the header is missing or not a Bearer one.
core::Result<std::string_view> bearer_token(const Exchange& x) {
  const std::optional<std::string_view> header = x.request.header("Authorization");
  if (!header) return core::Error::unauthenticated("Not authenticated");
  const std::string_view value = core::trim(*header);
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "bearer")) {
    return core::Error::unauthenticated("Not authenticated");
  }
  const std::string_view token = core::trim(value.substr(space + 1));
  if (token.empty()) return core::Error::unauthenticated("Not authenticated");
  return token;
}

// Bearer token -> user. A missing or non-Bearer header and a bad token get
// FastAPI's two distinct details.
core::Result<core::User> authenticate(const Exchange& x) {
  const core::Result<std::string_view> token = bearer_token(x);
  if (!token) return token.error();
  core::Result<core::User> user = x.auth.authenticate(*token);
  if (!user && user.error().code == core::ErrorCode::Unauthenticated) {
    return core::Error::unauthenticated(core::kInvalidCredentials);
  }
  if (user) x.user_id = user->id;
  return user;
}

Response session_response(int status, const core::AuthSession& session) {
  return json_response(status, json::serialize(session_json(session)));
}

Response task_response(int status, const core::Task& task) {
  return json_response(status, task_json(task));
}

Response no_content() {
  Response response;
  response.status = 204;
  return response;
}

Response signup(const Exchange& x) {
  Decoded<json::object> body = json_object_body(x.request);
  if (auto* refused = std::get_if<Response>(&body)) return std::move(*refused);
  core::Result<core::SignupCommand> cmd = decode_signup(std::get<json::object>(body));
  if (!cmd) return error_response(cmd.error());
  cmd->client_address = client_address(x.request, x.options.trusted_proxies);
  core::Result<core::AuthSession> session = x.auth.signup(*cmd);
  if (!session) return error_response(session.error());
  x.user_id = session->user.id;
  return session_response(201, *session);
}

Response login(const Exchange& x) {
  const MediaType media = media_type_of(x.request);
  if (!x.request.body.empty() && media == MediaType::Other) return unsupported_media_type();
  const bool form = media == MediaType::Form;

  core::Result<core::LoginCommand> cmd = core::Error::internal("login body not decoded");
  if (form) {
    cmd = decode_login_form(x.request.body);
  } else {
    Decoded<json::object> body = json_object_body(x.request);
    if (auto* refused = std::get_if<Response>(&body)) return std::move(*refused);
    cmd = decode_login(std::get<json::object>(body));
  }
  if (!cmd) return error_response(cmd.error());
  cmd->client_address = client_address(x.request, x.options.trusted_proxies);
  core::Result<core::AuthSession> session = x.auth.login(*cmd);
  if (!session) {
    core::Error error = std::move(session).error();
    // The form calls the email "username"; point the client at its own field.
    if (form) {
      for (core::FieldError& f : error.fields) {
        if (f.field == "email") f.field = "username";
      }
    }
    return error_response(error);
  }
  x.user_id = session->user.id;
  return session_response(200, *session);
}

Response me(const Exchange& x) {
  core::Result<core::User> user = authenticate(x);
  if (!user) return error_response(user.error());
  return json_response(200, json::serialize(user_json(*user)));
}

Response logout_all(const Exchange& x) {
  core::Result<core::User> user = authenticate(x);
  if (!user) return error_response(user.error());
  core::Result<void> done = x.auth.logout_all(user->id);
  if (!done) return error_response(done.error());
  return no_content();
}

Response change_password(const Exchange& x) {
  core::Result<core::User> user = authenticate(x);
  if (!user) return error_response(user.error());
  Decoded<json::object> body = json_object_body(x.request);
  if (auto* refused = std::get_if<Response>(&body)) return std::move(*refused);
  core::Result<PasswordChange> change = decode_password_change(std::get<json::object>(body));
  if (!change) return error_response(change.error());
  core::Result<void> done = x.auth.change_password(user->id, change->current_password, change->new_password);
  if (!done) return error_response(done.error());
  return no_content();
}

// The list's answer once the read is done (synchronously or not).
Response list_answer(const Exchange& x, const core::TokenClaims& claims,
                     const core::Result<core::TaskQuery>& query, const core::Result<core::TaskPage>& page) {
  if (!page && page.error().code == core::ErrorCode::InvalidArgument) {
    // FastAPI resolves the current user before it reports a bad query, so
    // a revoked token still gets 401 here.
    const core::Result<core::User> user = authenticate(x);
    if (!user) return error_response(user.error());
    return query ? error_response(page.error()) : error_response(query.error(), "query");
  }
  // The token is ours (signature checked); the log names its user unless
  // the read found it revoked.
  if (page || page.error().code != core::ErrorCode::Unauthenticated) x.user_id = claims.user_id;
  if (!page) return error_response(page.error());
  Response response = json_response(200, tasks_json(page->items));
  response.set_header("X-Total-Count", std::to_string(page->total));
  return response;
}

// The list's checks before any database work: the token's signature, then
// the query. A refused token is the answer; a bad query goes to
// list_answer, which still has to look the user up.
struct ListStart {
  std::optional<Response> refused;
  core::TokenClaims claims;
  core::Result<core::TaskQuery> query = core::Error::internal("unset");
};

ListStart start_list(const Exchange& x) {
  ListStart start;
  const core::Result<std::string_view> token = bearer_token(x);
  if (!token) {
    start.refused = error_response(token.error());
    return start;
  }
  const core::Result<core::TokenClaims> claims = x.auth.verify(*token);
  if (!claims) {
    start.refused = error_response(core::Error::unauthenticated(core::kInvalidCredentials));
    return start;
  }
  start.claims = *claims;
  start.query = core::parse_task_query(parse_urlencoded(x.target.query));
  return start;
}

// The hot read: the token's signature is checked here, and whether its
// user still exists with its version is checked by the same database read
// that fetches the page (TaskService::list_for_token), one round trip.
Response list_tasks(const Exchange& x) {
  ListStart start = start_list(x);
  if (start.refused) return std::move(*start.refused);
  const core::Result<core::TaskPage> page =
      start.query ? x.tasks.list_for_token(start.claims, *start.query)
                  : core::Result<core::TaskPage>(start.query.error());
  return list_answer(x, start.claims, start.query, page);
}

// The other task routes check their token like the list: signature and
// lifetime here, and whether its user still exists with its version in the
// same database statement as the task's read or write (TaskService's
// `..._for_token`), one round trip. The missing or garbled header and the
// bad signature are answered first, as FastAPI's security dependency is.
core::Result<core::TokenClaims> verified_claims(const Exchange& x) {
  const core::Result<std::string_view> token = bearer_token(x);
  if (!token) return token.error();
  core::Result<core::TokenClaims> claims = x.auth.verify(*token);
  if (!claims) return core::Error::unauthenticated(core::kInvalidCredentials);
  return claims;
}

// A task route's refusal found before any database work (a bad id or body):
// FastAPI resolves the current user before it validates, so a revoked token
// still gets 401 here. The full check (one lookup) is paid on this path
// only.
Response refused_unless_revoked(const Exchange& x, Response refusal) {
  const core::Result<core::User> user = authenticate(x);
  if (!user) return error_response(user.error());
  return refusal;
}

// The refusal of a `..._for_token` call, if it failed. Validation errors
// came before the database saw the token; otherwise the token is ours
// (signature checked) and the log names its user unless the database found
// it revoked.
template <class T>
std::optional<Response> refusal_of(const Exchange& x, const core::TokenClaims& claims,
                                   const core::Result<T>& result) {
  if (!result && result.error().code == core::ErrorCode::InvalidArgument) {
    return refused_unless_revoked(x, error_response(result.error()));
  }
  if (result || result.error().code != core::ErrorCode::Unauthenticated) x.user_id = claims.user_id;
  if (!result) return error_response(result.error());
  return std::nullopt;
}

Response create_task(const Exchange& x, const core::TokenClaims& claims) {
  Decoded<json::object> body = json_object_body(x.request);
  if (auto* refused = std::get_if<Response>(&body)) return refused_unless_revoked(x, std::move(*refused));
  core::Result<core::CreateTaskCommand> cmd = decode_create_task(std::get<json::object>(body));
  if (!cmd) return refused_unless_revoked(x, error_response(cmd.error()));
  core::Result<core::Task> task = x.tasks.create_for_token(claims, *cmd);
  if (auto refused = refusal_of(x, claims, task)) return std::move(*refused);
  Response response = task_response(201, *task);
  response.set_header("Location", "/api/tasks/" + std::to_string(task->id));
  return response;
}

Response get_task(const Exchange& x, const core::TokenClaims& claims, core::TaskId id) {
  core::Result<core::Task> task = x.tasks.get_for_token(claims, id);
  if (auto refused = refusal_of(x, claims, task)) return std::move(*refused);
  return task_response(200, *task);
}

Response update_task(const Exchange& x, const core::TokenClaims& claims, core::TaskId id) {
  Decoded<json::object> body = json_object_body(x.request);
  if (auto* refused = std::get_if<Response>(&body)) return refused_unless_revoked(x, std::move(*refused));
  core::Result<core::UpdateTaskCommand> cmd = decode_update_task(std::get<json::object>(body));
  if (!cmd) return refused_unless_revoked(x, error_response(cmd.error()));
  core::Result<core::Task> task = x.tasks.update_for_token(claims, id, *cmd);
  if (auto refused = refusal_of(x, claims, task)) return std::move(*refused);
  return task_response(200, *task);
}

// No body, `{}` or `{"completed": null}` toggles; `{"completed": b}` sets.
Response complete_task(const Exchange& x, const core::TokenClaims& claims, core::TaskId id) {
  std::optional<bool> completed;
  if (!core::trim(x.request.body).empty()) {
    if (media_type_of(x.request) != MediaType::Json) return refused_unless_revoked(x, unsupported_media_type());
    core::Result<json::object> object = parse_json_object(x.request.body);
    const bool json_null = !object && !object.error().fields.empty() && object.error().fields.front().type == "missing";
    if (!object && !json_null) return refused_unless_revoked(x, error_response(object.error()));
    if (object) {
      core::Result<std::optional<bool>> wanted = decode_completion(*object);
      if (!wanted) return refused_unless_revoked(x, error_response(wanted.error()));
      completed = *wanted;
    }
  }
  core::Result<core::Task> task = x.tasks.complete_for_token(claims, id, completed);
  if (auto refused = refusal_of(x, claims, task)) return std::move(*refused);
  return task_response(200, *task);
}

Response delete_task(const Exchange& x, const core::TokenClaims& claims, core::TaskId id) {
  core::Result<void> done = x.tasks.remove_for_token(claims, id);
  if (auto refused = refusal_of(x, claims, done)) return std::move(*refused);
  json::object o;
  o["message"] = "Task deleted successfully";
  return json_response(200, json::serialize(o));
}

Response task_route(const Exchange& x, const RouteMatch& match) {
  if (match.route->endpoint == Endpoint::ListTasks) return list_tasks(x);
  const core::Result<core::TokenClaims> claims = verified_claims(x);
  if (!claims) return error_response(claims.error());
  if (match.route->endpoint == Endpoint::CreateTask) return create_task(x, *claims);

  core::Result<core::TaskId> id = parse_task_id(match.path_param);
  if (!id) return refused_unless_revoked(x, error_response(id.error(), "path"));
  switch (match.route->endpoint) {
    case Endpoint::GetTask: return get_task(x, *claims, *id);
    case Endpoint::UpdateTask: return update_task(x, *claims, *id);
    case Endpoint::CompleteTask: return complete_task(x, *claims, *id);
    case Endpoint::DeleteTask: return delete_task(x, *claims, *id);
    default: break;
  }
  return error_response(core::Error::internal("task route without a handler"));
}

Response simple_json(int status, std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  json::object o;
  for (const auto& [key, value] : fields) o[key] = value;
  return json_response(status, json::serialize(o));
}

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

// The embedded web client: index.html at "/", its files under "/static/".
// Revalidated by ETag on every use, so a new build is picked up at once.
Response web_asset(const Exchange& x, const RouteMatch& match) {
  const std::string path = match.path_param.empty() ? std::string("/") : "/static/" + match.path_param;
  const web::Asset* asset = web::find_asset(path);
  if (asset == nullptr) return detail_response(404, "Not Found");
  Response response;
  response.set_header("ETag", std::string(asset->etag));
  response.set_header("Cache-Control", "no-cache");
  response.set_header("Content-Security-Policy", std::string(web::content_security_policy()));
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

bool origin_allowed(const HandlerOptions& options, std::string_view origin) {
  return std::any_of(options.cors_origins.begin(), options.cors_origins.end(),
                     [&](const std::string& allowed) { return allowed == "*" || allowed == origin; });
}

// Starlette's CORSMiddleware answers preflights before routing.
Response preflight(const Exchange& x) {
  const std::string_view origin = *x.request.header("Origin");
  if (!origin_allowed(x.options, origin)) return detail_response(400, "Disallowed CORS origin");
  const std::string_view method = core::trim(*x.request.header("Access-Control-Request-Method"));
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

Response serve_metrics(const Exchange& x) {
  if (!x.options.metrics) return detail_response(404, "Not Found");
  Response response;
  response.status = 200;
  response.set_header("Content-Type", std::string(kMetricsContentType));
  response.set_header("Cache-Control", "no-store");
  response.body = x.options.metrics();
  return response;
}

Response answer_route(const Exchange& x, const RouteMatch& match) {
  switch (match.route->endpoint) {
    case Endpoint::WebClient: return web_asset(x, match);
    case Endpoint::Healthz: return simple_json(200, {{"status", "ok"}});
    case Endpoint::Readyz:
      if (x.options.ready && x.options.ready()) return simple_json(200, {{"status", "ready"}});
      return error_response(core::Error::unavailable("readiness check failed"));
    case Endpoint::Metrics: return serve_metrics(x);
    case Endpoint::OpenApi: return json_response(200, std::string(openapi_document()));
    case Endpoint::Signup: return signup(x);
    case Endpoint::Login: return login(x);
    case Endpoint::Me: return me(x);
    case Endpoint::LogoutAll: return logout_all(x);
    case Endpoint::ChangePassword: return change_password(x);
    case Endpoint::ListTasks:
    case Endpoint::CreateTask:
    case Endpoint::GetTask:
    case Endpoint::UpdateTask:
    case Endpoint::CompleteTask:
    case Endpoint::DeleteTask: return task_route(x, match);
  }
  return error_response(core::Error::internal("route without a handler"));
}

Response dispatch(const Exchange& x) {
  if (is_preflight(x.request)) {
    x.route = kRoutePreflight;
    return preflight(x);
  }
  const RouteMatch match = match_route(x.request.method, x.target.path);
  if (match.kind != RouteMatch::Kind::Found) {
    x.route = kRouteUnmatched;
    if (match.kind == RouteMatch::Kind::NotFound) return detail_response(404, "Not Found");
    Response response = detail_response(405, "Method Not Allowed");
    response.set_header("Allow", match.allow);
    return response;
  }
  x.route = match.route->path;
  return answer_route(x, match);
}

bool is_auth_path(std::string_view path) {
  return path == "/auth" || path.starts_with("/auth/") || path == "/api/auth" || path.starts_with("/api/auth/");
}

// Headers every response carries, whatever produced it.
void decorate(const Request& request, std::string_view path, const HandlerOptions& options, Response& response) {
  response.set_header("X-Content-Type-Options", "nosniff");
  if (is_auth_path(path)) response.set_header("Cache-Control", "no-store");
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

// Answers an exception that escaped a route, with its cause for the log;
// must not throw itself.
Response internal_error(const char* what) noexcept {
  Response response;
  try {
    response = detail_response(500, "Internal Server Error");
    response.log_error = std::string("unhandled exception: ") + what;
  } catch (...) {
    response.status = 500;
  }
  return response;
}

// What every answer gets last: the log fields and the common headers.
void finish(Response& response, const Request& request, std::string_view path, core::UserId user_id,
            std::string_view route, const HandlerOptions& options) noexcept {
  response.route = route;
  response.log_user_id = user_id;
  try {
    decorate(request, path, options, response);
  } catch (...) {
    // Only allocation can fail here; the response is still a valid answer.
  }
}

template <class F>
Response guarded(F&& answer) noexcept {
  try {
    return answer();
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("non-standard exception");
  }
}

// A task list in flight on the asynchronous path: what its answer needs
// once the page arrives, whatever thread that is on.
struct ListCall {
  Request request;
  Target target;
  core::UserId user_id = 0;
  std::string_view route;
  std::function<void(Response)> done;

  Exchange exchange(core::AuthService& auth, core::TaskService& tasks, const HandlerOptions& options) {
    return Exchange{auth, tasks, options, request, target, user_id, route};
  }
  void answer(Response response, const HandlerOptions& options) {
    finish(response, request, target.path, user_id, route, options);
    std::function<void(Response)> once = std::move(done);
    if (once) once(std::move(response));
  }
};

}  // namespace

Handler::Handler(core::AuthService& auth, core::TaskService& tasks, HandlerOptions options)
    : auth_(auth), tasks_(tasks), options_(std::move(options)) {}

Lane Handler::lane_for(const Request& request) const {
  try {
    if (is_preflight(request)) return Lane::Inline;
    const Target target = split_target(request.target);
    const RouteMatch match = match_route(request.method, target.path);
    if (match.kind != RouteMatch::Kind::Found) return Lane::Inline;
    switch (match.route->endpoint) {
      case Endpoint::WebClient:
      case Endpoint::Healthz:
      case Endpoint::Metrics:
      case Endpoint::OpenApi: return Lane::Inline;
      case Endpoint::Signup:
      case Endpoint::Login:
      case Endpoint::ChangePassword: return Lane::Crypto;
      default: return Lane::Database;
    }
  } catch (...) {
    // handle() will meet the same failure and answer 500; keep it off the I/O thread.
    return Lane::Database;
  }
}

Response Handler::handle(const Request& request) const {
  std::string path = "/";
  core::UserId user_id = 0;
  std::string_view route;
  Response response = guarded([&] {
    const Target target = split_target(request.target);
    path = target.path;
    return dispatch(Exchange{auth_, tasks_, options_, request, target, user_id, route});
  });
  finish(response, request, path, user_id, route, options_);
  return response;
}

void Handler::handle_async(Request request, std::function<void(Response)> done) const {
  auto call = std::make_shared<ListCall>();
  call->request = std::move(request);
  call->done = std::move(done);
  bool list = false;
  try {
    if (!is_preflight(call->request)) {
      call->target = split_target(call->request.target);
      const RouteMatch match = match_route(call->request.method, call->target.path);
      list = match.kind == RouteMatch::Kind::Found && match.route->endpoint == Endpoint::ListTasks;
      if (list) call->route = match.route->path;
    }
  } catch (...) {
    list = false;  // handle() meets the same failure and answers it
  }
  if (!list) {
    Response response = handle(call->request);
    std::function<void(Response)> once = std::move(call->done);
    once(std::move(response));
    return;
  }
  std::optional<Response> now;
  try {
    const Exchange x = call->exchange(auth_, tasks_, options_);
    ListStart start = start_list(x);
    if (start.refused) {
      now = std::move(*start.refused);
    } else if (!start.query) {
      now = list_answer(x, start.claims, start.query, start.query.error());
    } else {
      const core::TaskQuery& query = *start.query;
      tasks_.list_for_token_async(
          start.claims, query,
          [this, call, claims = start.claims, query](core::Result<core::TaskPage> page) {
            Response response = guarded([&] {
              const Exchange later = call->exchange(auth_, tasks_, options_);
              return list_answer(later, claims, query, page);
            });
            call->answer(std::move(response), options_);
          });
      return;
    }
  } catch (const std::exception& e) {
    now = internal_error(e.what());
  } catch (...) {
    now = internal_error("non-standard exception");
  }
  call->answer(std::move(*now), options_);
}

}  // namespace todo::http
