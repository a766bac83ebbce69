#pragma once
// The server's configuration, read from the environment (SPEC §5). Parsing is
// a pure function of a name -> value map so it is unit-tested without
// touching the real environment.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "todo/core/result.hpp"

namespace todo::app {

enum class LogLevel { Debug, Info, Warn, Error };

// DB_WRITE_GROUP_MAX's default (the PostgreSQL adapter's, checked in wiring.cpp).
inline constexpr std::size_t kDefaultWriteGroupMax = 32;

struct Config {
  std::string database_url;
  std::string jwt_secret;
  std::vector<std::string> jwt_previous_secrets;
  std::uint16_t port = 8080;
  std::string bind = "127.0.0.1";
  std::vector<std::string> cors_origins{"http://localhost:3000"};
  int bcrypt_cost = 12;
  std::size_t db_pool_size = 2;
  // Dedicated connections for pipelined task reads and task writes; 0 sends
  // that kind through the pool instead.
  std::size_t db_pipeline_connections = 1;
  std::size_t db_pipeline_write_connections = 4;
  std::size_t db_write_group_max = kDefaultWriteGroupMax;  // DB_WRITE_GROUP_MAX; 1: no group commit
  std::size_t threads = 1;
  LogLevel log_level = LogLevel::Info;
  std::size_t max_connections = 4096;
  int login_max_failures = 10;
  int address_max_failures = 100;
  int signup_per_address = 100;
  std::vector<std::string> trusted_proxies;
  // SPEC §6: 0 = no limit.
  std::int64_t max_tasks_per_user = 10000;
  int keepalive_timeout_s = 60;  // KEEPALIVE_TIMEOUT_S: an idle kept-alive connection is closed after it
  std::size_t max_streams_per_user = 10;  // MAX_STREAMS_PER_USER: open live-sync streams per user (429 beyond)
  std::string db_listen_url;  // DB_LISTEN_URL (default DATABASE_URL): live sync's LISTEN connection
  std::int64_t db_statement_timeout_ms = 5000;
  bool db_transaction_pooler = false;  // DB_TRANSACTION_POOLER=1: behind PgBouncer in transaction mode
};

using Environment = std::map<std::string, std::string, std::less<>>;

// Every variable Config reads, for read_environment().
extern const std::vector<std::string> kConfigVariables;

// InvalidArgument with a one-line message naming the variable on any bad or
// missing value. `cores` is the hardware concurrency the defaults scale with.
core::Result<Config> parse_config(const Environment& env, std::size_t cores);

// The values of kConfigVariables that are set in this process's environment.
Environment read_environment();

const char* to_string(LogLevel level) noexcept;

}  // namespace todo::app
