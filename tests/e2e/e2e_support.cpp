#include "e2e_support.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#include <memory>
#include <regex>

#include "support/openapi_check.hpp"
#include "support/pg/pg_cluster.hpp"

namespace todo::test::e2e {
namespace {

// Every response an e2e, fault or cluster test receives through HttpClient
// must be one openapi.json declares (issue 21): its status, and its JSON
// body's schema. On the test's main thread a violation fails the request
// that got it; on other threads (load and concurrency cases, where an
// exception would end the process) it is kept and fails the next request
// made on the main thread, or the whole run at exit.
struct Violations {
  std::mutex mutex;
  std::vector<std::string> pending;
  std::thread::id main_thread = std::this_thread::get_id();
  ~Violations() {
    if (pending.empty()) return;
    std::fprintf(stderr, "responses that do not match openapi.json (seen on worker threads):\n");
    for (const auto& p : pending) std::fprintf(stderr, "  %s\n", p.c_str());
    std::_Exit(1);
  }
};
Violations& violations() {
  static Violations v;
  return v;
}

void check_against_openapi(std::string_view method, std::string_view target, const HttpResponse& response) {
  // 502 and 504 come from a proxy in between (the cluster tests' HAProxy
  // when an instance was killed mid-request), never from todo-server.
  if (response.status == 502 || response.status == 504) return;
  auto problems = openapi_violations(method, target, response.status, response.header("Content-Type").value_or(""),
                                     response.body);
  Violations& v = violations();
  std::lock_guard lock(v.mutex);
  for (auto& p : problems) v.pending.push_back(std::move(p));
  if (v.pending.empty() || std::this_thread::get_id() != v.main_thread) return;
  std::string message = "response does not match openapi.json:";
  for (const auto& p : v.pending) message += "\n  " + p;
  v.pending.clear();
  throw std::runtime_error(message);
}

const bool openapi_checked = [] {
  violations();
  HttpClient::set_response_check(&check_against_openapi);
  return true;
}();

}  // namespace

Environment server_environment(const std::string& database_url) {
  return {
      {"DATABASE_URL", database_url},
      {"JWT_SECRET", std::string(kJwtSecret)},
      {"JWT_PREVIOUS_SECRETS", std::string(kPreviousSecret)},
      {"PORT", "0"},
      {"BIND", "127.0.0.1"},
      {"BCRYPT_COST", "4"},
      {"SIGNUP_PER_ADDRESS", "0"},
      {"ADDRESS_MAX_FAILURES", "100000"},
      {"LOGIN_MAX_FAILURES", "1000"},
  };
}

const std::string& shared_server_database_url() {
  static const std::string url = PgCluster::shared().fresh_database("e2e");
  return url;
}

ServerProcess& shared_server() {
  // Started once, on first use; destroyed at exit before the shared cluster
  // (which was constructed first).
  static const std::unique_ptr<ServerProcess> server =
      std::make_unique<ServerProcess>(server_environment(shared_server_database_url()));
  return *server;
}

std::uint16_t shared_port() { return shared_server().port(); }

std::string unique_name(std::string_view what) {
  static std::atomic<int> counter{0};
  return std::string(what) + "-" + std::to_string(++counter) + "-" + std::to_string(::getpid());
}

std::string unique_email(std::string_view what) { return unique_name(what) + "@example.com"; }

HeaderList bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

HeaderList json_bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

HeaderList json_content() { return {{"Content-Type", "application/json"}}; }

std::string describe(const HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status) + "\n";
  for (const auto& [name, value] : response.headers) text += name + ": " + value + "\n";
  text += "\n" + response.body.substr(0, 2000);
  return text;
}

json::value body_json(const HttpResponse& response) {
  boost::system::error_code ec;
  json::value value = json::parse(response.body, ec);
  INFO(describe(response));
  REQUIRE_FALSE(ec);
  return value;
}

json::object body_object(const HttpResponse& response) {
  json::value value = body_json(response);
  INFO(describe(response));
  REQUIRE(value.is_object());
  return value.as_object();
}

json::array body_array(const HttpResponse& response) {
  json::value value = body_json(response);
  INFO(describe(response));
  REQUIRE(value.is_array());
  return value.as_array();
}

std::string dump(const json::value& value) { return json::serialize(value); }

Account signup(HttpClient& client, std::string_view what, std::optional<std::string> username) {
  Account account;
  account.email = unique_email(what);
  account.password = std::string(kPassword);
  json::object body{{"email", account.email}, {"password", account.password}};
  if (username) body["username"] = *username;
  const auto response = client.request("POST", "/auth/signup", dump(body), json_content());
  E2E_REQUIRE_STATUS(response, 201);
  const auto object = body_object(response);
  INFO(describe(response));
  REQUIRE(object.contains("access_token"));
  REQUIRE(object.at("access_token").is_string());
  REQUIRE(object.contains("user"));
  REQUIRE(object.at("user").is_object());
  account.token = std::string(object.at("access_token").as_string());
  account.user = object.at("user").as_object();
  REQUIRE(account.user.contains("id"));
  REQUIRE(account.user.at("id").is_int64());
  account.id = account.user.at("id").as_int64();
  return account;
}

json::object create_task(HttpClient& client, const Account& account, const json::object& body) {
  const auto response = client.request("POST", "/api/tasks", dump(body), json_bearer(account.token));
  E2E_REQUIRE_STATUS(response, 201);
  return body_object(response);
}

bool is_timestamp(std::string_view text) {
  static const std::regex pattern(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");
  return std::regex_match(text.begin(), text.end(), pattern);
}

bool is_validation_error(const HttpResponse& response) {
  if (response.status != 422) return false;
  boost::system::error_code ec;
  const json::value value = json::parse(response.body, ec);
  if (ec || !value.is_object()) return false;
  const auto* detail = value.as_object().if_contains("detail");
  if (detail == nullptr || !detail->is_array() || detail->as_array().empty()) return false;
  for (const auto& item : detail->as_array()) {
    if (!item.is_object()) return false;
    const auto& entry = item.as_object();
    const auto* loc = entry.if_contains("loc");
    const auto* msg = entry.if_contains("msg");
    const auto* type = entry.if_contains("type");
    if (loc == nullptr || !loc->is_array() || loc->as_array().empty()) return false;
    if (msg == nullptr || !msg->is_string() || type == nullptr || !type->is_string()) return false;
  }
  return true;
}

bool validation_mentions(const HttpResponse& response, std::string_view field) {
  if (!is_validation_error(response)) return false;
  const json::value value = json::parse(response.body);
  for (const auto& item : value.at("detail").as_array()) {
    for (const auto& part : item.at("loc").as_array()) {
      if (part.is_string() && part.as_string() == field) return true;
    }
  }
  return false;
}

bool has_string_detail(const HttpResponse& response) {
  boost::system::error_code ec;
  const json::value value = json::parse(response.body, ec);
  if (ec || !value.is_object()) return false;
  const auto* detail = value.as_object().if_contains("detail");
  return detail != nullptr && detail->is_string() && !detail->as_string().empty();
}

std::string string_detail(const HttpResponse& response) {
  if (!has_string_detail(response)) return {};
  return std::string(json::parse(response.body).at("detail").as_string());
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 0xFU];
    }
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8U) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU];
  return out;
}

std::string base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    std::uint32_t value = 0;
    if (c >= 'A' && c <= 'Z') value = static_cast<std::uint32_t>(c - 'A');
    else if (c >= 'a' && c <= 'z') value = static_cast<std::uint32_t>(c - 'a' + 26);
    else if (c >= '0' && c <= '9') value = static_cast<std::uint32_t>(c - '0' + 52);
    else if (c == '-' || c == '+') value = 62;
    else if (c == '_' || c == '/') value = 63;
    else if (c == '=') break;
    else throw std::runtime_error("not base64url");
    buffer = (buffer << 6U) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  return out;
}

std::string sign_jwt(std::string_view header_json, std::string_view payload_json,
                     std::string_view secret) {
  const std::string signing_input =
      base64url_encode(header_json) + "." + base64url_encode(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &mac_size);
  return signing_input + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace todo::test::e2e
