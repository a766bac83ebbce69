// POST /auth/signup, /auth/login (JSON or OAuth2 form), GET /auth/me,
// POST /auth/logout-all, POST /auth/password, DELETE /auth/me.
#include <utility>

#include "error_mapping.hpp"
#include "json_io.hpp"
#include "routes.hpp"

namespace todo::http {
namespace {

Response no_content() {
  Response response;
  response.status = 204;
  return response;
}

// The JSON object body of a route that takes JSON only, or the refusal.
Decoded<boost::json::object> json_body(const Request& request, std::optional<Response>& refused) {
  if (!request.body.empty() && media_type_of(request) != MediaType::Json) {
    refused = unsupported_media_type();
    return {};
  }
  Decoded<boost::json::object> body = parse_json_object(request.body);
  if (!body.ok()) refused = validation_response(body.errors);
  return body;
}

Response signup(Exchange& x) {
  std::optional<Response> refused;
  const Decoded<boost::json::object> body = json_body(x.request, refused);
  if (refused) return std::move(*refused);
  Decoded<core::SignupCommand> cmd = decode_signup(body.value);
  if (!cmd.ok()) return validation_response(cmd.errors);
  cmd.value.client_address = client_address(x.request, x.options.trusted_proxies);
  core::Result<core::AuthSession> session = x.auth.signup(cmd.value);
  if (!session) return error_response(session.error());
  x.user_id = session->user.id;
  return json_response(201, session_json(*session));
}

Response login(Exchange& x) {
  const MediaType media = media_type_of(x.request);
  if (!x.request.body.empty() && media == MediaType::Other) return unsupported_media_type();
  const bool form = media == MediaType::Form;

  Decoded<core::LoginCommand> cmd;
  if (form) {
    cmd = decode_login_form(x.request.body);
  } else {
    std::optional<Response> refused;
    const Decoded<boost::json::object> body = json_body(x.request, refused);
    if (refused) return std::move(*refused);
    cmd = decode_login(body.value);
  }
  if (!cmd.ok()) return validation_response(cmd.errors);
  cmd.value.client_address = client_address(x.request, x.options.trusted_proxies);
  core::Result<core::AuthSession> session = x.auth.login(cmd.value);
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
  return json_response(200, session_json(*session));
}

Response change_password(Exchange& x) {
  core::Result<core::User> user = current_user(x);
  if (!user) return error_response(user.error());
  std::optional<Response> refused;
  const Decoded<boost::json::object> body = json_body(x.request, refused);
  if (refused) return std::move(*refused);
  const Decoded<PasswordChange> change = decode_password_change(body.value);
  if (!change.ok()) return validation_response(change.errors);
  core::Result<void> done = x.auth.change_password(user->id, change.value.current_password, change.value.new_password,
                                                   client_address(x.request, x.options.trusted_proxies));
  if (!done) return error_response(done.error());
  return no_content();
}

// The token first (401 without one), then the body, then the password.
Response delete_account(Exchange& x) {
  core::Result<core::User> user = current_user(x);
  if (!user) return error_response(user.error());
  std::optional<Response> refused;
  const Decoded<boost::json::object> body = json_body(x.request, refused);
  if (refused) return std::move(*refused);
  const Decoded<std::string> password = decode_account_deletion(body.value);
  if (!password.ok()) return validation_response(password.errors);
  core::Result<void> done =
      x.auth.delete_account(user->id, password.value, client_address(x.request, x.options.trusted_proxies));
  if (!done) return error_response(done.error());
  return no_content();
}

}  // namespace

core::Result<core::User> current_user(Exchange& x) {
  const core::Result<std::string_view> token = bearer_token(x.request);
  if (!token) return token.error();
  core::Result<core::User> user = x.auth.authenticate(*token);
  if (!user && user.error().code == core::ErrorCode::Unauthenticated) {
    return core::Error::unauthenticated(std::string(kInvalidCredentials));
  }
  if (user) x.user_id = user->id;
  return user;
}

Response answer_auth_route(Exchange& x) {
  switch (x.match.route->endpoint) {
    case Endpoint::Signup: return signup(x);
    case Endpoint::Login: return login(x);
    case Endpoint::ChangePassword: return change_password(x);
    case Endpoint::DeleteAccount: return delete_account(x);
    default: break;
  }
  return error_response(core::Error::internal("not an auth route"));
}

// GET /auth/me and POST /auth/logout-all: the token's signature here, its
// session with the read or the write, one statement (no thread waits).
void answer_session_route(const std::shared_ptr<Exchange>& x, Reply reply) {
  const core::Result<std::string_view> token = bearer_token(x->request);
  if (!token) return reply(error_response(token.error()));
  const core::Result<core::Caller> caller = x->auth.verify(*token);
  if (!caller) return reply(error_response(core::Error::unauthenticated(std::string(kInvalidCredentials))));
  const core::UserId user = caller->user_id();
  const auto refused = [](const core::Error& error) {
    if (error.code == core::ErrorCode::Unauthenticated) {
      return error_response(core::Error::unauthenticated(std::string(kInvalidCredentials)));
    }
    return error_response(error);
  };
  if (x->match.route->endpoint == Endpoint::Me) {
    x->auth.current_user(*caller, [x, user, reply = std::move(reply), refused](core::Result<core::User> found) {
      if (!found) return reply(refused(found.error()));
      x->user_id = user;
      reply(json_response(200, user_json(*found)));
    });
    return;
  }
  x->auth.logout_all(*caller, [x, user, reply = std::move(reply), refused](core::Result<void> done) {
    if (!done) return reply(refused(done.error()));
    x->user_id = user;
    reply(no_content());
  });
}

}  // namespace todo::http
