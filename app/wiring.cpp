#include "wiring.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "todo/core/auth_service.hpp"
#include "todo/core/system_clock.hpp"
#include "todo/core/task_service.hpp"
#include "todo/crypto/bcrypt_hasher.hpp"
#include "todo/crypto/jwt_hs256.hpp"
#include "todo/http/handler.hpp"
#include "todo/http/server.hpp"
#include "todo/memory/in_process_login_throttle.hpp"
#include "todo/pg/migrations.hpp"
#include "todo/pg/pg_task_repository.hpp"
#include "todo/pg/pg_user_repository.hpp"
#include "todo/pg/pool.hpp"

namespace todo::app {
namespace {

// A database that is still starting (docker compose, scripts/run) gets this
// long before the server gives up.
constexpr std::chrono::seconds kConnectPatience{10};
constexpr std::chrono::milliseconds kConnectRetryEvery{500};
// Bounded queue in front of the bcrypt workers: beyond it a login gets
// 503 + Retry-After instead of waiting longer than a client would.
constexpr std::size_t kCryptoQueuePerThread = 16;

core::Result<std::vector<int>> migrate_with_retry(pg::Pool& pool, Logger& log) {
  const auto deadline = std::chrono::steady_clock::now() + kConnectPatience;
  for (;;) {
    core::Result<std::vector<int>> applied = pg::migrate(pool);
    if (applied || applied.error().code != core::ErrorCode::Unavailable ||
        std::chrono::steady_clock::now() + kConnectRetryEvery >= deadline) {
      return applied;
    }
    log.write(LogLevel::Debug, "database not reachable yet, retrying");
    std::this_thread::sleep_for(kConnectRetryEvery);
  }
}

std::string join(const std::vector<int>& versions) {
  std::string text;
  for (const int v : versions) {
    if (!text.empty()) text += ',';
    text += std::to_string(v);
  }
  return text;
}

std::string url_host(const std::string& bind) {
  return bind.find(':') == std::string::npos ? bind : "[" + bind + "]";
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The subject of a correctly signed bearer token, for the access log. It
// is not an authentication decision (the Handler makes that): a revoked
// token still names its user here.
std::string token_subject(const core::TokenVerifier& verifier, const http::Request& request) {
  const auto header = request.header("Authorization");
  if (!header) return {};
  const std::string_view value = *header;
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !iequals_ascii(value.substr(0, space), "bearer")) return {};
  const auto claims = verifier.verify(value.substr(space + 1));
  return claims ? std::to_string(claims->user_id) : std::string();
}

void log_access(Logger& log, const http::AccessRecord& record) {
  std::string line;
  line.reserve(128);
  line += record.method;
  line += ' ';
  line += record.path;
  line += ' ';
  line += std::to_string(record.status);
  std::array<char, 32> ms{};
  const int n = std::snprintf(ms.data(), ms.size(), " %.1fms",
                              static_cast<double>(record.duration.count()) / 1000.0);
  if (n > 0) line.append(ms.data(), static_cast<std::size_t>(n));
  line += " peer=";
  line += record.peer;
  if (!record.user.empty()) {
    line += " user=";
    line += record.user;
  }
  log.write(LogLevel::Info, line);
}

}  // namespace

int serve(const Config& config, Logger& log) {
  std::unique_ptr<pg::Pool> pool;
  try {
    pg::PoolOptions options;
    options.conninfo = config.database_url;
    options.size = config.db_pool_size;
    pool = std::make_unique<pg::Pool>(std::move(options));
  } catch (const std::invalid_argument&) {
    // libpq's parse message can quote the string, password included: keep it out.
    log.write(LogLevel::Error, "DATABASE_URL is not a valid libpq connection string or postgresql:// URI");
    return kExitBadConfig;
  }

  core::SystemClock clock;
  std::unique_ptr<crypto::BcryptHasher> hasher;
  std::unique_ptr<crypto::JwtHs256> tokens;
  try {
    hasher = std::make_unique<crypto::BcryptHasher>(config.bcrypt_cost);
    tokens = std::make_unique<crypto::JwtHs256>(clock, config.jwt_secret, config.jwt_previous_secrets);
  } catch (const std::invalid_argument& e) {
    log.write(LogLevel::Error, std::string("invalid security settings: ") + e.what());
    return kExitBadConfig;
  }

  memory::ThrottleLimits limits;
  limits.login_max_failures = config.login_max_failures;
  limits.address_max_failures = config.address_max_failures;
  limits.signup_per_address = config.signup_per_address;
  memory::InProcessLoginThrottle throttle(clock, limits);

  pg::PgUserRepository users(*pool);
  pg::PgTaskRepository task_repository(*pool);
  core::AuthService auth(users, *hasher, *tokens, *tokens, clock, throttle);
  core::TaskService tasks(task_repository, clock);

  const core::Result<std::vector<int>> applied = migrate_with_retry(*pool, log);
  if (!applied) {
    if (applied.error().code == core::ErrorCode::Unavailable) {
      log.write(LogLevel::Error, "cannot reach PostgreSQL at DATABASE_URL within " +
                                     std::to_string(kConnectPatience.count()) + " s: " + applied.error().message);
    } else {
      log.write(LogLevel::Error, "database migration failed: " + applied.error().message);
    }
    return kExitStartupFailed;
  }
  log.write(LogLevel::Info, applied->empty() ? std::string("database schema is current")
                                             : "applied migrations " + join(*applied));

  http::HandlerOptions handler_options;
  handler_options.cors_origins = config.cors_origins;
  handler_options.trusted_proxies = config.trusted_proxies;
  pg::Pool& database = *pool;
  handler_options.ready = [&database] { return database.ping(); };
  const http::Handler handler(auth, tasks, std::move(handler_options));

  const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
  http::ServerOptions server_options;
  server_options.bind_address = config.bind;
  server_options.port = config.port;
  server_options.io_threads = config.threads;
  server_options.max_connections = config.max_connections;
  // bcrypt is pure CPU: half the cores at most, so I/O and task reads keep
  // the rest during a login storm.
  server_options.crypto_threads = std::max<std::size_t>(1, cores / 2);
  server_options.crypto_queue = kCryptoQueuePerThread * server_options.crypto_threads;
  server_options.on_warning = [&log](std::string_view message) { log.write(LogLevel::Warn, message); };
  if (log.enabled(LogLevel::Info)) {
    server_options.on_access = [&log](const http::AccessRecord& record) { log_access(log, record); };
    const core::TokenVerifier& verifier = *tokens;
    server_options.user_of = [&verifier](const http::Request& request) {
      return token_subject(verifier, request);
    };
  }

  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(std::move(server_options), handler);
  } catch (const std::exception& e) {
    log.write(LogLevel::Error, "cannot listen on " + url_host(config.bind) + ":" + std::to_string(config.port) +
                                   ": " + e.what());
    return kExitStartupFailed;
  }

  // Scripts and tests wait for exactly this line (with the real port when
  // PORT=0), so it goes to stdout and is flushed at once.
  std::cout << "listening on http://" << url_host(config.bind) << ':' << server->port() << std::endl;
  log.write(LogLevel::Debug, std::to_string(config.threads) + " I/O threads, " +
                                 std::to_string(config.db_pool_size) + " database connections, " +
                                 std::to_string(std::max<std::size_t>(1, cores / 2)) + " bcrypt workers");

  server->run();
  log.write(LogLevel::Info, "stopped");
  return kExitOk;
}

}  // namespace todo::app
