#include <catch2/catch.hpp>

#include <string>

#include "config.hpp"

using todo::app::Config;
using todo::app::Environment;
using todo::app::LogLevel;
using todo::app::parse_config;

namespace {

const std::string kSecret(32, 's');

Environment minimal() {
  return Environment{{"DATABASE_URL", "postgresql://localhost/todo"}, {"JWT_SECRET", kSecret}};
}

// The one-line message for `env`, or "" when it parses.
std::string error_for(const Environment& env) {
  const auto config = parse_config(env, 4);
  return config ? std::string() : config.error().message;
}

}  // namespace

TEST_CASE("defaults follow SPEC §5 and scale with the core count") {
  const auto config = parse_config(minimal(), 4);
  REQUIRE(config);
  CHECK(config->port == 8080);
  CHECK(config->bind == "127.0.0.1");
  CHECK(config->cors_origins == std::vector<std::string>{"http://localhost:3000"});
  CHECK(config->bcrypt_cost == 12);
  CHECK(config->threads == 8);
  CHECK(config->db_pool_size == 8);
  CHECK(config->db_pipeline_connections == 2);  // one per two cores
  CHECK(config->db_pipeline_write_connections == 4);  // one per core
  CHECK(config->db_write_group_max == 32);
  CHECK(parse_config(minimal(), 1)->db_pipeline_connections == 1);  // at least one
  CHECK(parse_config(minimal(), 3)->db_pipeline_connections == 1);
  CHECK(config->log_level == LogLevel::Info);
  CHECK(config->max_connections == 4096);
  CHECK(config->login_max_failures == 10);
  CHECK(config->address_max_failures == 100);
  CHECK(config->signup_per_address == 100);
  CHECK(config->trusted_proxies.empty());
  CHECK(config->jwt_previous_secrets.empty());
  CHECK(config->max_tasks_per_user == 10000);  // SPEC §6
  CHECK(config->db_statement_timeout_ms == 5000);
}

TEST_CASE("every variable is read when set") {
  Environment env = minimal();
  env["JWT_PREVIOUS_SECRETS"] = std::string(40, 'a') + " , " + std::string(33, 'b');
  env["PORT"] = "0";
  env["BIND"] = "::";
  env["CORS_ORIGINS"] = "https://a.example, https://b.example";
  env["BCRYPT_COST"] = "4";
  env["DB_POOL_SIZE"] = "3";
  env["DB_PIPELINE_CONNECTIONS"] = "0";
  env["DB_PIPELINE_WRITE_CONNECTIONS"] = "5";
  env["THREADS"] = "2";
  env["LOG_LEVEL"] = "WARN";
  env["MAX_CONNECTIONS"] = "10";
  env["LOGIN_MAX_FAILURES"] = "5";
  env["ADDRESS_MAX_FAILURES"] = "50";
  env["SIGNUP_PER_ADDRESS"] = "0";
  env["TRUSTED_PROXIES"] = "10.0.0.1,::1";
  env["MAX_TASKS_PER_USER"] = "0";
  env["DB_STATEMENT_TIMEOUT_MS"] = "250";
  env["DB_WRITE_GROUP_MAX"] = "1";
  env["MAX_STREAMS_PER_USER"] = "3";
  env["KEEPALIVE_TIMEOUT_S"] = "5";
  env["DB_LISTEN_URL"] = "postgresql://listen@db/todo";
  const auto config = parse_config(env, 4);
  REQUIRE(config);
  CHECK(config->max_streams_per_user == 3);
  CHECK(config->keepalive_timeout_s == 5);
  CHECK(config->db_listen_url == "postgresql://listen@db/todo");
  CHECK(config->jwt_previous_secrets == std::vector<std::string>{std::string(40, 'a'), std::string(33, 'b')});
  CHECK(config->port == 0);
  CHECK(config->bind == "::");
  CHECK(config->cors_origins == std::vector<std::string>{"https://a.example", "https://b.example"});
  CHECK(config->bcrypt_cost == 4);
  CHECK(config->db_pool_size == 3);
  CHECK(config->db_pipeline_connections == 0);
  CHECK(config->db_pipeline_write_connections == 5);
  CHECK(config->db_write_group_max == 1);
  CHECK(config->threads == 2);
  CHECK(config->log_level == LogLevel::Warn);
  CHECK(config->max_connections == 10);
  CHECK(config->login_max_failures == 5);
  CHECK(config->address_max_failures == 50);
  CHECK(config->signup_per_address == 0);
  CHECK(config->trusted_proxies == std::vector<std::string>{"10.0.0.1", "::1"});
  CHECK(config->max_tasks_per_user == 0);
  CHECK(config->db_statement_timeout_ms == 250);
}

TEST_CASE("JWT_SECRET missing or shorter than 32 bytes is refused") {
  Environment env = minimal();
  env.erase("JWT_SECRET");
  CHECK(error_for(env) == "JWT_SECRET is not set");
  env["JWT_SECRET"] = std::string(31, 'x');
  CHECK(error_for(env) == "JWT_SECRET must be at least 32 bytes long, got 31");
  env["JWT_SECRET"] = std::string(32, 'x');
  CHECK(error_for(env).empty());
}

TEST_CASE("a short previous secret is refused") {
  Environment env = minimal();
  env["JWT_PREVIOUS_SECRETS"] = std::string(40, 'a') + ",short";
  CHECK(error_for(env).rfind("JWT_PREVIOUS_SECRETS", 0) == 0);
}

TEST_CASE("DATABASE_URL unset or blank is refused") {
  Environment env = minimal();
  env.erase("DATABASE_URL");
  CHECK(error_for(env).rfind("DATABASE_URL is not set", 0) == 0);
  env["DATABASE_URL"] = "   ";
  CHECK(error_for(env).rfind("DATABASE_URL is not set", 0) == 0);
}

TEST_CASE("PORT must be a whole number from 0 to 65535") {
  Environment env = minimal();
  for (const char* bad : {"-1", "65536", "80a", "http", "1.5", "99999999999999999999"}) {
    env["PORT"] = bad;
    INFO(bad);
    CHECK(error_for(env).rfind("PORT must be an integer from 0 to 65535", 0) == 0);
  }
  env["PORT"] = "65535";
  CHECK(error_for(env).empty());
}

TEST_CASE("a blank optional number falls back to its default") {
  Environment env = minimal();
  env["PORT"] = "";
  env["THREADS"] = " ";
  const auto config = parse_config(env, 3);
  REQUIRE(config);
  CHECK(config->port == 8080);
  CHECK(config->threads == 6);
}

TEST_CASE("the pool defaults to one connection per thread") {
  Environment env = minimal();
  env["THREADS"] = "5";
  const auto config = parse_config(env, 2);
  REQUIRE(config);
  CHECK(config->threads == 5);
  CHECK(config->db_pool_size == 5);
}

TEST_CASE("numbers outside their range are refused with the variable named") {
  const std::pair<const char*, const char*> cases[] = {
      {"BCRYPT_COST", "3"},         {"BCRYPT_COST", "32"},  {"DB_POOL_SIZE", "0"},
      {"THREADS", "0"},             {"MAX_CONNECTIONS", "0"}, {"LOGIN_MAX_FAILURES", "-1"},
      {"ADDRESS_MAX_FAILURES", "x"}, {"SIGNUP_PER_ADDRESS", "-5"}, {"DB_PIPELINE_CONNECTIONS", "-1"}, {"DB_PIPELINE_WRITE_CONNECTIONS", "-1"},
      {"DB_PIPELINE_WRITE_CONNECTIONS", "65"},
      {"DB_PIPELINE_CONNECTIONS", "65"}, {"MAX_TASKS_PER_USER", "-1"}, {"MAX_TASKS_PER_USER", "many"},
      {"DB_STATEMENT_TIMEOUT_MS", "-1"}, {"DB_STATEMENT_TIMEOUT_MS", "3600001"},
      {"DB_WRITE_GROUP_MAX", "0"},  {"DB_WRITE_GROUP_MAX", "1001"},
      {"MAX_STREAMS_PER_USER", "0"}, {"MAX_STREAMS_PER_USER", "10001"},
      {"KEEPALIVE_TIMEOUT_S", "0"}, {"KEEPALIVE_TIMEOUT_S", "3601"}};
  for (const auto& [name, value] : cases) {
    Environment env = minimal();
    env[name] = value;
    INFO(name << "=" << value);
    CHECK(error_for(env).rfind(std::string(name) + " must be an integer", 0) == 0);
  }
}

TEST_CASE("LOG_LEVEL accepts the four levels in any case and nothing else") {
  Environment env = minimal();
  env["LOG_LEVEL"] = "Debug";
  CHECK(parse_config(env, 1)->log_level == LogLevel::Debug);
  env["LOG_LEVEL"] = "error";
  CHECK(parse_config(env, 1)->log_level == LogLevel::Error);
  env["LOG_LEVEL"] = "verbose";
  CHECK(error_for(env).rfind("LOG_LEVEL must be", 0) == 0);
}

TEST_CASE("BIND and TRUSTED_PROXIES must be IP addresses") {
  Environment env = minimal();
  env["BIND"] = "example.com";
  CHECK(error_for(env).rfind("BIND must be an IP address", 0) == 0);
  env["BIND"] = "localhost";
  CHECK(parse_config(env, 1)->bind == "127.0.0.1");
  env = minimal();
  env["TRUSTED_PROXIES"] = "10.0.0.1, proxy.local";
  CHECK(error_for(env).rfind("TRUSTED_PROXIES entries must be IP addresses", 0) == 0);
}

TEST_CASE("CORS_ORIGINS set but empty allows no origin") {
  Environment env = minimal();
  env["CORS_ORIGINS"] = "";
  const auto config = parse_config(env, 1);
  REQUIRE(config);
  CHECK(config->cors_origins.empty());
}

TEST_CASE("a zero core count counts as one core") {
  const auto config = parse_config(minimal(), 0);
  REQUIRE(config);
  CHECK(config->threads == 2);
  CHECK(config->db_pool_size == 2);
}

TEST_CASE("live sync settings default to 10 streams per user, a 60 s keep-alive and DATABASE_URL for LISTEN") {
  const auto config = parse_config(minimal(), 4);
  REQUIRE(config);
  CHECK(config->max_streams_per_user == 10);
  CHECK(config->keepalive_timeout_s == 60);
  CHECK(config->db_listen_url == config->database_url);
}
