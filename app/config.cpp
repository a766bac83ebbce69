#include "config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace todo::app {
namespace {

constexpr std::size_t kMinSecretBytes = 32;  // SPEC §3; JwtHs256 enforces it too

using core::Error;
using core::Result;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// A set but blank optional variable means "use the default": that is what
// `PORT= scripts/run` means to the person typing it.
std::optional<std::string_view> value_of(const Environment& env, std::string_view name) {
  const auto found = env.find(name);
  if (found == env.end()) return std::nullopt;
  const std::string_view value = trim(found->second);
  if (value.empty()) return std::nullopt;
  return value;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

bool is_ip_address(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

Error invalid(std::string_view name, std::string_view why) {
  return Error{core::ErrorCode::InvalidArgument, std::string(name) + " " + std::string(why), {}, std::nullopt};
}

// A decimal integer in [min, max]; `fallback` when unset.
Result<long long> integer(const Environment& env, std::string_view name, long long fallback,
                          long long min, long long max) {
  const auto value = value_of(env, name);
  if (!value) return fallback;
  long long parsed = 0;
  const char* end = value->data() + value->size();
  const auto [stop, ec] = std::from_chars(value->data(), end, parsed);
  if (ec != std::errc{} || stop != end || parsed < min || parsed > max) {
    return invalid(name, "must be an integer from " + std::to_string(min) + " to " +
                             std::to_string(max) + ", got \"" + std::string(*value) + "\"");
  }
  return parsed;
}

Result<LogLevel> log_level(const Environment& env) {
  const auto value = value_of(env, "LOG_LEVEL");
  if (!value) return LogLevel::Info;
  std::string lower(*value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  if (lower == "debug") return LogLevel::Debug;
  if (lower == "info") return LogLevel::Info;
  if (lower == "warn" || lower == "warning") return LogLevel::Warn;
  if (lower == "error") return LogLevel::Error;
  return invalid("LOG_LEVEL", "must be debug, info, warn or error, got \"" + std::string(*value) + "\"");
}

}  // namespace

const std::vector<std::string> kConfigVariables = {
    "DATABASE_URL",  "JWT_SECRET",         "JWT_PREVIOUS_SECRETS", "PORT",
    "BIND",          "CORS_ORIGINS",       "BCRYPT_COST",          "DB_POOL_SIZE", "DB_PIPELINE_CONNECTIONS", "DB_PIPELINE_WRITE_CONNECTIONS",
    "THREADS",       "LOG_LEVEL",          "MAX_CONNECTIONS",      "LOGIN_MAX_FAILURES",
    "ADDRESS_MAX_FAILURES", "SIGNUP_PER_ADDRESS", "TRUSTED_PROXIES", "MAX_TASKS_PER_USER",
    "DB_STATEMENT_TIMEOUT_MS", "DB_WRITE_GROUP_MAX", "DB_TRANSACTION_POOLER", "DB_LISTEN_URL",
    "MAX_STREAMS_PER_USER", "KEEPALIVE_TIMEOUT_S"};

core::Result<Config> parse_config(const Environment& env, std::size_t cores) {
  cores = std::max<std::size_t>(1, cores);
  Config config;

  const auto database_url = value_of(env, "DATABASE_URL");
  if (!database_url) {
    return invalid("DATABASE_URL", "is not set (a libpq connection string or postgresql:// URI; "
                                   "scripts/run starts a local PostgreSQL when it is unset)");
  }
  config.database_url = std::string(*database_url);
  // Live sync's listening connection: a session of its own, so not through
  // a transaction pooler (DB_LISTEN_URL then names PostgreSQL itself).
  const auto listen_url = value_of(env, "DB_LISTEN_URL");
  config.db_listen_url = listen_url ? std::string(*listen_url) : config.database_url;

  // The secret is used byte for byte: no trimming.
  const auto secret = env.find(std::string_view{"JWT_SECRET"});
  if (secret == env.end() || secret->second.empty()) return invalid("JWT_SECRET", "is not set");
  if (secret->second.size() < kMinSecretBytes) {
    return invalid("JWT_SECRET", "must be at least " + std::to_string(kMinSecretBytes) +
                                     " bytes long, got " + std::to_string(secret->second.size()));
  }
  config.jwt_secret = secret->second;
  if (const auto previous = value_of(env, "JWT_PREVIOUS_SECRETS")) {
    config.jwt_previous_secrets = split_list(*previous);
    for (const auto& old : config.jwt_previous_secrets) {
      if (old.size() < kMinSecretBytes) {
        return invalid("JWT_PREVIOUS_SECRETS", "entries must each be at least " +
                                                   std::to_string(kMinSecretBytes) + " bytes long");
      }
    }
  }

  const auto port = integer(env, "PORT", 8080, 0, 65535);
  if (!port) return port.error();
  config.port = static_cast<std::uint16_t>(*port);

  if (const auto bind = value_of(env, "BIND")) {
    config.bind = *bind == "localhost" ? "127.0.0.1" : std::string(*bind);
    if (!is_ip_address(config.bind)) {
      return invalid("BIND", "must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, got \"" +
                                 std::string(*bind) + "\"");
    }
  }

  // Set but empty means "no cross-origin access", unlike the numbers.
  if (const auto cors = env.find(std::string_view{"CORS_ORIGINS"}); cors != env.end()) {
    config.cors_origins = split_list(cors->second);
  }

  const auto cost = integer(env, "BCRYPT_COST", 12, 4, 31);
  if (!cost) return cost.error();
  config.bcrypt_cost = static_cast<int>(*cost);

  // Requests run their database calls on the I/O thread that read them, so
  // two threads per core keep both the CPUs and PostgreSQL busy while some
  // threads wait on a query; one connection per thread by default.
  const auto threads = integer(env, "THREADS", 2 * static_cast<long long>(cores), 1, 1024);
  if (!threads) return threads.error();
  config.threads = static_cast<std::size_t>(*threads);

  const auto pool = integer(env, "DB_POOL_SIZE", *threads, 1, 1000);
  if (!pool) return pool.error();
  config.db_pool_size = static_cast<std::size_t>(*pool);

  // The task reads are pipelined on connections of their own (not in
  // DB_POOL_SIZE). Each is one PostgreSQL backend kept busy, and the fewer
  // connections share the load, the more statements each network read
  // carries: one per two cores measured best (docs/decisions/0007).
  const auto pipelines =
      integer(env, "DB_PIPELINE_CONNECTIONS", std::max<long long>(1, static_cast<long long>(cores) / 2), 0, 64);
  if (!pipelines) return pipelines.error();
  config.db_pipeline_connections = static_cast<std::size_t>(*pipelines);
  // The task writes on others, group-committed: each connection has one
  // transaction in flight and the writes that arrive meanwhile make up its
  // next one. One per core measured best (issue 19; fewer connections make
  // fuller groups; decisions 0008 and 0010).
  const auto write_pipelines =
      integer(env, "DB_PIPELINE_WRITE_CONNECTIONS", static_cast<long long>(cores), 0, 64);
  if (!write_pipelines) return write_pipelines.error();
  config.db_pipeline_write_connections = static_cast<std::size_t>(*write_pipelines);
  // Group commit: the writes that arrive while a write connection's
  // transaction commits go out together as its next one (one per user),
  // sharing its WAL flush and round trip; 1 commits each on its own
  // (docs/decisions/0010).
  const auto group = integer(env, "DB_WRITE_GROUP_MAX", static_cast<long long>(kDefaultWriteGroupMax), 1, 1000);
  if (!group) return group.error();
  config.db_write_group_max = static_cast<std::size_t>(*group);

  // Behind PgBouncer in transaction mode (1.18 keeps no protocol-level
  // prepared statements): unnamed statements, no session settings, one
  // transaction in flight per pipelined connection.
  const auto pooler = integer(env, "DB_TRANSACTION_POOLER", 0, 0, 1);
  if (!pooler) return pooler.error();
  config.db_transaction_pooler = *pooler == 1;

  const auto level = log_level(env);
  if (!level) return level.error();
  config.log_level = *level;

  const auto connections = integer(env, "MAX_CONNECTIONS", 4096, 1, 1'000'000);
  if (!connections) return connections.error();
  config.max_connections = static_cast<std::size_t>(*connections);

  // 0 disables a throttle check (ThrottleLimits' convention).
  const auto login_failures = integer(env, "LOGIN_MAX_FAILURES", 10, 0, 1'000'000);
  if (!login_failures) return login_failures.error();
  config.login_max_failures = static_cast<int>(*login_failures);

  const auto address_failures = integer(env, "ADDRESS_MAX_FAILURES", 100, 0, 1'000'000);
  if (!address_failures) return address_failures.error();
  config.address_max_failures = static_cast<int>(*address_failures);

  const auto signups = integer(env, "SIGNUP_PER_ADDRESS", 100, 0, 1'000'000);
  if (!signups) return signups.error();
  config.signup_per_address = static_cast<int>(*signups);

  const auto max_tasks = integer(env, "MAX_TASKS_PER_USER", 10000, 0, 1'000'000'000);
  if (!max_tasks) return max_tasks.error();
  config.max_tasks_per_user = *max_tasks;

  const auto keepalive = integer(env, "KEEPALIVE_TIMEOUT_S", 60, 1, 3600);
  if (!keepalive) return keepalive.error();
  config.keepalive_timeout_s = static_cast<int>(*keepalive);

  const auto streams = integer(env, "MAX_STREAMS_PER_USER", 10, 1, 10'000);
  if (!streams) return streams.error();
  config.max_streams_per_user = static_cast<std::size_t>(*streams);

  // 0 turns the deadline off; an hour is more than any request should take.
  const auto statement_timeout = integer(env, "DB_STATEMENT_TIMEOUT_MS", 5000, 0, 3'600'000);
  if (!statement_timeout) return statement_timeout.error();
  config.db_statement_timeout_ms = *statement_timeout;

  if (const auto proxies = value_of(env, "TRUSTED_PROXIES")) {
    config.trusted_proxies = split_list(*proxies);
    for (const auto& proxy : config.trusted_proxies) {
      if (!is_ip_address(proxy)) {
        return invalid("TRUSTED_PROXIES", "entries must be IP addresses, got \"" + proxy + "\"");
      }
    }
  }
  return config;
}

Environment read_environment() {
  Environment env;
  for (const auto& name : kConfigVariables) {
    if (const char* value = std::getenv(name.c_str())) env.emplace(name, value);
  }
  return env;
}

const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

}  // namespace todo::app
