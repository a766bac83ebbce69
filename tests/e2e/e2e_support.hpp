#pragma once
// Shared pieces of the end-to-end suite: the todo-server instance most tests
// talk to, accounts, JSON helpers and checks of the SPEC's wire formats.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace todo::test::e2e {

namespace json = boost::json;

// 38 bytes: above the 32-byte minimum of SPEC §3.
inline constexpr std::string_view kJwtSecret = "e2e-jwt-secret-0123456789-abcdefghijkl";
// Accepted for verification only, as during a key rotation.
inline constexpr std::string_view kPreviousSecret = "e2e-old-secret-9876543210-zyxwvutsrqpo";
inline constexpr std::string_view kPassword = "correct horse battery";

// Environment for a server on a free port of 127.0.0.1 with cheap bcrypt and
// limits high enough that the suite's many sign-ups and failed logins from
// one address are not throttled (the throttling tests start their own).
Environment server_environment(const std::string& database_url);

// The suite's server, started on first use against a fresh database of the
// shared test cluster; stopped at exit.
ServerProcess& shared_server();
std::uint16_t shared_port();
// The database the shared server uses (for looking at its rows directly).
const std::string& shared_server_database_url();

// "what-N-PID@example.com": unique within this run.
std::string unique_email(std::string_view what);
std::string unique_name(std::string_view what);

struct Account {
  std::int64_t id = 0;
  std::string email;
  std::string password;
  std::string token;
  json::object user;
};

// Signs up through POST /auth/signup and checks the 201.
Account signup(HttpClient& client, std::string_view what = "user",
               std::optional<std::string> username = std::nullopt);

HeaderList bearer(const std::string& token);
HeaderList json_bearer(const std::string& token);
HeaderList json_content();

// Parses the body as JSON; fails the test (showing the body) if it is not.
json::value body_json(const HttpResponse& response);
json::object body_object(const HttpResponse& response);
json::array body_array(const HttpResponse& response);
std::string dump(const json::value& value);

// Creates a task and returns it (checks 201).
json::object create_task(HttpClient& client, const Account& account, const json::object& body);

// "2026-11-24T10:00:00.123456Z": UTC, Z, exactly 6 fraction digits.
bool is_timestamp(std::string_view text);
// 422 with {"detail":[{"loc":[...],"msg":"...","type":"..."}, ...]}.
bool is_validation_error(const HttpResponse& response);
// True when some item of a 422 list names `field` in its loc.
bool validation_mentions(const HttpResponse& response, std::string_view field);
// {"detail": "<string>"} and nothing else required.
bool has_string_detail(const HttpResponse& response);
std::string string_detail(const HttpResponse& response);

std::string url_encode(std::string_view text);
std::string base64url_encode(std::string_view bytes);
std::string base64url_decode(std::string_view text);
// An HS256 JWT over the given header and payload JSON texts.
std::string sign_jwt(std::string_view header_json, std::string_view payload_json,
                     std::string_view secret);
std::int64_t unix_now();

std::string describe(const HttpResponse& response);

}  // namespace todo::test::e2e

// Fails with the status, headers and body of the response in the message.
// The response expression is evaluated once.
#define E2E_REQUIRE_STATUS(response, expected)                \
  do {                                                        \
    const auto& e2e_checked_response_ = (response);           \
    INFO(::todo::test::e2e::describe(e2e_checked_response_)); \
    REQUIRE(e2e_checked_response_.status == (expected));      \
  } while (false)

#define E2E_CHECK_STATUS(response, expected)                  \
  do {                                                        \
    const auto& e2e_checked_response_ = (response);           \
    INFO(::todo::test::e2e::describe(e2e_checked_response_)); \
    CHECK(e2e_checked_response_.status == (expected));        \
  } while (false)
