#include "wiring.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
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
#include "todo/http/metrics.hpp"
#include "todo/http/server.hpp"
#include "todo/pg/database.hpp"
#include "todo/pg/migrations.hpp"
#include "todo/pg/pg_login_throttle.hpp"
#include "todo/pg/pg_task_feed.hpp"
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

// One JSON line per response. A 500 with a cause is logged at error level
// whatever LOG_LEVEL says; the rest at info, so warn and error turn the
// access log off.
void log_access(Logger& log, const http::AccessRecord& record) {
  const LogLevel level = record.error.empty() ? LogLevel::Info : LogLevel::Error;
  if (!log.enabled(level)) return;
  LogLine line(level, "access");
  line.field("method", record.method)
      .field("path", record.path)
      .field("route", record.route)
      .number("status", record.status)
      .thousandths("duration_ms", record.duration.count())
      .number("bytes", static_cast<std::int64_t>(record.bytes))
      .field("peer", record.peer);
  if (record.user_id != 0) line.number("user_id", record.user_id);
  line.field("request_id", record.request_id);
  if (!record.error.empty()) line.field("error", record.error);
  log.write(line);
}

std::string compiler_name() {
#if defined(__clang__)
  std::string name = "clang " __clang_version__;
#elif defined(__GNUC__)
  std::string name = "gcc " __VERSION__;
#else
  std::string name = "unknown";
#endif
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name;
}

// Resident set size from /proc (Linux); NaN where there is none.
double resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "re");
  if (statm == nullptr) return std::nan("");
  std::array<char, 128> text{};
  const std::size_t n = std::fread(text.data(), 1, text.size() - 1, statm);
  std::fclose(statm);
  // "<total pages> <resident pages> ...": the second field.
  const char* const begin = text.data();
  const char* const end = begin + n;
  const char* const field = std::find(begin, end, ' ');
  unsigned long long resident_pages = 0;
  if (field == end || std::from_chars(field + 1, end, resident_pages).ec != std::errc{}) return std::nan("");
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// The pool, or null (logged) when DATABASE_URL cannot be parsed. libpq's
// parse message can quote the string, password included: it is kept out.
std::unique_ptr<pg::Pool> open_pool(pg::PoolOptions options, Logger& log) {
  try {
    return std::make_unique<pg::Pool>(std::move(options));
  } catch (const std::invalid_argument&) {
    log.write(LogLevel::Error, "DATABASE_URL is not a valid libpq connection string or postgresql:// URI");
    return nullptr;
  }
}

}  // namespace

int migrate_command(const Environment& env, bool status_only) {
  Logger log(LogLevel::Info);
  const auto url = env.find("DATABASE_URL");
  if (url == env.end() || url->second.find_first_not_of(" \t") == std::string::npos) {
    log.write(LogLevel::Error, "invalid configuration: DATABASE_URL is required");
    return kExitBadConfig;
  }
  pg::PoolOptions options;
  options.conninfo = url->second;
  options.size = 1;
  options.statement_timeout = std::chrono::milliseconds(0);
  // Behind PgBouncer in transaction mode, as the server would be: a named
  // statement left on a pooled server connection would clash later.
  const auto pooler = env.find("DB_TRANSACTION_POOLER");
  options.transaction_pooler = pooler != env.end() && pooler->second == "1";
  const std::unique_ptr<pg::Pool> pool = open_pool(std::move(options), log);
  if (!pool) return kExitBadConfig;
  if (status_only) {
    const auto states = pg::migration_status(*pool);
    if (!states) {
      log.write(LogLevel::Error, "cannot read the migrations: " + states.error().message);
      return kExitStartupFailed;
    }
    std::cout << "version  state    applied at            name\n";
    int pending = 0;
    for (const auto& state : *states) {
      std::string version = std::to_string(state.version);
      version.resize(std::max<std::size_t>(version.size(), 9), ' ');
      std::string label = !state.applied_at ? "pending " : state.known ? "applied " : "unknown ";
      std::string when = state.applied_at.value_or("-");
      when.resize(std::max<std::size_t>(when.size(), 22), ' ');
      std::cout << version << label << " " << when << state.name << (state.known ? "" : " (newer than this binary)")
                << '\n';
      if (!state.applied_at) ++pending;
    }
    std::cout << pending << " pending" << std::endl;
    return kExitOk;
  }
  const core::Result<std::vector<int>> applied = migrate_with_retry(*pool, log);
  if (!applied) {
    log.write(LogLevel::Error, (applied.error().code == core::ErrorCode::FailedPrecondition
                                    ? "refusing to migrate: "
                                    : "database migration failed: ") +
                                   applied.error().message);
    return kExitStartupFailed;
  }
  std::cout << (applied->empty() ? std::string("database schema is current")
                                 : "applied migrations " + join(*applied))
            << std::endl;
  return kExitOk;
}

namespace {

// Everything /metrics shows besides the HTTP figures the server records.
void register_metrics(http::Metrics& metrics, const pg::Pool& pool, const pg::Database& database,
                      const pg::PgLoginThrottle& throttle, const http::Server& server) {
  const auto as_double = [](auto value) { return static_cast<double>(value); };
  metrics.add_gauge("todo_db_pool_size", "Most database connections the pool opens (DB_POOL_SIZE).", {},
                    [&pool, as_double] { return as_double(pool.stats().size); });
  metrics.add_gauge("todo_db_pool_connections", "Open database connections by state.", {{"state", "idle"}},
                    [&pool, as_double] { return as_double(pool.stats().idle); });
  metrics.add_gauge("todo_db_pool_connections", "Open database connections by state.", {{"state", "in_use"}},
                    [&pool, as_double] { return as_double(pool.stats().in_use); });
  metrics.add_gauge("todo_db_pool_waiting", "Requests waiting for a free database connection.", {},
                    [&pool, as_double] { return as_double(pool.stats().waiting); });
  metrics.add_counter("todo_db_pool_acquire_timeouts_total",
                      "Requests that got no database connection before the deadline (all busy).", {},
                      [&pool, as_double] { return as_double(pool.stats().acquire_timeouts); });
  metrics.add_counter("todo_db_pool_acquire_errors_total",
                      "Requests that got no database connection because the database was unreachable.", {},
                      [&pool, as_double] { return as_double(pool.stats().acquire_errors); });
  const auto pipe = [&database] { return database.pipeline_stats(); };
  metrics.add_gauge("todo_db_pipeline_connections", "Pipelined task-statement connections (DB_PIPELINE_CONNECTIONS + DB_PIPELINE_WRITE_CONNECTIONS).",
                    {{"state", "configured"}}, [pipe, as_double] { return as_double(pipe().connections); });
  metrics.add_gauge("todo_db_pipeline_connections", "Pipelined task-statement connections (DB_PIPELINE_CONNECTIONS + DB_PIPELINE_WRITE_CONNECTIONS).",
                    {{"state", "open"}}, [pipe, as_double] { return as_double(pipe().open); });
  metrics.add_gauge("todo_db_pipeline_in_flight", "Task statements sent on a pipelined connection, result not yet read.",
                    {}, [pipe, as_double] { return as_double(pipe().in_flight); });
  metrics.add_counter("todo_db_pipeline_statements_total", "Task statements sent on a pipelined connection.", {},
                      [pipe, as_double] { return as_double(pipe().statements); });
  metrics.add_counter("todo_db_pipeline_reruns_total",
                      "Pipelined task reads lost with their connection and re-run through the pool.", {},
                      [pipe, as_double] { return as_double(pipe().rerun); });
  metrics.add_counter("todo_db_write_groups_total",
                      "Write transactions sent on the write connections (group commit: several writes each).", {},
                      [pipe, as_double] { return as_double(pipe().write_groups); });
  metrics.add_counter("todo_db_write_group_retries_total",
                      "Write groups that failed and whose writes were re-run one transaction each.", {},
                      [pipe, as_double] { return as_double(pipe().write_group_retries); });
  metrics.add_counter("todo_db_list_batches_total",
                      "Statements that carried several unfiltered task lists (list batching).", {},
                      [pipe, as_double] { return as_double(pipe().list_batches); });
  metrics.add_counter("todo_db_batched_lists_total", "Unfiltered task lists those statements carried.", {},
                      [pipe, as_double] { return as_double(pipe().batched_lists); });
  metrics.add_counter("todo_db_pipeline_bypassed_total",
                      "Task statements run through the pool because no pipelined connection could take them.", {},
                      [pipe, as_double] { return as_double(pipe().bypassed); });
  metrics.add_gauge("todo_db_heavy_running", "Costly reads (filtered lists) running on their own connections.", {},
                    [pipe, as_double] { return as_double(pipe().heavy_running); });
  metrics.add_gauge("todo_db_heavy_waiting", "Costly reads waiting for their user's turn.", {},
                    [pipe, as_double] { return as_double(pipe().heavy_waiting); });
  metrics.add_counter("todo_db_heavy_refused_total",
                      "Costly reads answered 429: their user already had too many waiting.", {},
                      [pipe, as_double] { return as_double(pipe().heavy_refused); });
  metrics.add_gauge("todo_db_up", "1 when the last attempt to reach the database succeeded.", {},
                    [&pool] { return pool.reachable() ? 1.0 : 0.0; });

  // Database work runs on the I/O threads (see todo_http_requests_in_flight
  // and the pool figures); bcrypt has the one worker pool.
  const http::Metrics::Labels crypto{{"lane", "crypto"}};
  const auto lane = [&server] { return server.lane_stats(http::Lane::Crypto); };
  metrics.add_gauge("todo_worker_threads", "Worker threads per lane (crypto: bcrypt).", crypto,
                    [lane, as_double] { return as_double(lane().threads); });
  metrics.add_gauge("todo_worker_busy", "Worker threads running a request, per lane.", crypto,
                    [lane, as_double] { return as_double(lane().busy); });
  metrics.add_gauge("todo_worker_queue_depth", "Requests queued for a worker, per lane.", crypto,
                    [lane, as_double] { return as_double(lane().queued); });
  metrics.add_gauge("todo_worker_queue_capacity", "Queue bound per lane; beyond it requests get 503.", crypto,
                    [lane, as_double] { return as_double(lane().capacity); });
  metrics.add_counter("todo_worker_rejected_total", "Requests answered 503 because the lane's queue was full.",
                      crypto, [lane, as_double] { return as_double(lane().rejected); });
  metrics.add_counter("todo_worker_over_share_total",
                      "Requests answered 429 because their account or address already held its share of the lane.",
                      crypto, [lane, as_double] { return as_double(lane().over_share); });

  metrics.add_counter("todo_login_throttle_refusals_total", "Logins and sign-ups refused with 429 by the throttle.",
                      {{"kind", "login"}}, [&throttle, as_double] { return as_double(throttle.login_refusals()); });
  metrics.add_counter("todo_login_throttle_refusals_total", "Logins and sign-ups refused with 429 by the throttle.",
                      {{"kind", "signup"}}, [&throttle, as_double] { return as_double(throttle.signup_refusals()); });
  metrics.add_counter("todo_login_throttle_record_errors_total",
                      "Failed logins or sign-ups the shared throttle could not record or reset (database errors).", {},
                      [&throttle, as_double] { return as_double(throttle.record_errors()); });
  metrics.add_gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}, resident_bytes);
}

// Every connection is a descriptor, and so are the database connections,
// the listener and the log: with MAX_CONNECTIONS=4096 the usual soft limit
// of 1024 is met first and accept() fails with EMFILE. The soft limit goes
// up to the hard one (what a process may do without privileges), and the
// figure is logged.
void raise_open_files_limit(std::size_t max_connections, Logger& log) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur != limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  }
  const auto figure = [](rlim_t n) { return n == RLIM_INFINITY ? std::string("unlimited") : std::to_string(n); };
  log.write(LogLevel::Info, "open files limit " + figure(limit.rlim_cur) +
                                (before != limit.rlim_cur ? " (raised from " + figure(before) + ")" : std::string()));
  // Room for the listener, the database connections and the log.
  constexpr rlim_t kSpare = 128;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < max_connections + kSpare) {
    log.write(LogLevel::Warn, "open files limit " + figure(limit.rlim_cur) + " is below MAX_CONNECTIONS (" +
                                  std::to_string(max_connections) + ") plus " + std::to_string(kSpare) +
                                  ": raise the hard limit (LimitNOFILE= in systemd, ulimit -Hn)");
  }
}

void register_feed_metrics(http::Metrics& metrics, const pg::PgTaskFeed& feed) {
  metrics.add_gauge("todo_live_streams", "Open live-sync subscriptions (GET /api/tasks/events) on this instance.", {},
                    [&feed] { return static_cast<double>(feed.open_subscriptions()); });
  metrics.add_gauge("todo_live_listening", "1 while live sync's LISTEN connection is up.", {},
                    [&feed] { return feed.listening() ? 1.0 : 0.0; });
  metrics.add_counter("todo_live_events_total", "Task events told to live-sync streams.", {},
                      [&feed] { return static_cast<double>(feed.events_delivered()); });
  metrics.add_counter("todo_live_announced_total", "Users whose task changes this instance announced (NOTIFY) to every instance.", {},
                      [&feed] { return static_cast<double>(feed.announced()); });
  metrics.add_counter("todo_live_reconnects_total", "Times live sync's LISTEN connection was made again.", {},
                      [&feed] { return static_cast<double>(feed.reconnects()); });
}

}  // namespace

int serve(const Config& config, Logger& log) {
  pg::PoolOptions options;
  options.conninfo = config.database_url;
  options.size = config.db_pool_size;
  options.statement_timeout = std::chrono::milliseconds(config.db_statement_timeout_ms);
  options.transaction_pooler = config.db_transaction_pooler;
  const std::unique_ptr<pg::Pool> pool = open_pool(std::move(options), log);
  if (!pool) return kExitBadConfig;

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

  // Shared by every instance on this database (SPEC §6).
  core::ThrottleLimits limits;
  limits.login_max_failures = config.login_max_failures;
  limits.address_max_failures = config.address_max_failures;
  limits.signup_per_address = config.signup_per_address;
  pg::PgLoginThrottle throttle(*pool, clock, limits);

  pg::Database database(*pool);
  pg::PgUserRepository users(database);
  pg::PgTaskRepository task_repository(database, config.max_tasks_per_user);
  const core::Result<std::vector<int>> applied = migrate_with_retry(*pool, log);
  if (!applied) {
    if (applied.error().code == core::ErrorCode::Unavailable) {
      log.write(LogLevel::Error, "cannot reach PostgreSQL at DATABASE_URL within " +
                                     std::to_string(kConnectPatience.count()) + " s: " + applied.error().message);
    } else if (applied.error().code == core::ErrorCode::FailedPrecondition) {
      log.write(LogLevel::Error, "refusing to start: " + applied.error().message);
    } else {
      log.write(LogLevel::Error, "database migration failed: " + applied.error().message);
    }
    return kExitStartupFailed;
  }
  log.write(LogLevel::Info, applied->empty() ? std::string("database schema is current")
                                             : "applied migrations " + join(*applied));
  // Live sync: one listening connection of its own, opened in the
  // background once the schema is there (it counts streams in
  // live_streams, migration 0005).
  pg::FeedOptions feed_options;
  feed_options.conninfo = config.db_listen_url;
  feed_options.max_streams_per_user = config.max_streams_per_user;
  feed_options.on_warning = [&log](std::string_view message) { log.write(LogLevel::Warn, message); };
  pg::PgTaskFeed feed(std::move(feed_options));
  // Streams work once the server says it listens, unless the listening
  // connection cannot be made (then they are 503 until it is).
  if (!feed.wait_listening(std::chrono::seconds(5))) {
    log.write(LogLevel::Warn, "live sync is not listening yet (DB_LISTEN_URL); streams answer 503 until it is");
  }
  core::AuthService auth(users, *hasher, *tokens, *tokens, clock, throttle, &feed);
  core::TaskService tasks(task_repository, clock, &feed);

  http::Metrics metrics(http::BuildInfo{TODO_VERSION, compiler_name()});
  http::HandlerOptions handler_options;
  handler_options.metrics = [&metrics] { return metrics.render(); };
  handler_options.cors_origins = config.cors_origins;
  handler_options.trusted_proxies = config.trusted_proxies;
  pg::Pool& reachable = *pool;
  handler_options.ready = [&reachable] { return reachable.ping(); };
  handler_options.feed = &feed;
  const http::Handler handler(auth, tasks, std::move(handler_options));

  const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
  http::ServerOptions server_options;
  server_options.bind_address = config.bind;
  server_options.port = config.port;
  server_options.io_threads = config.threads;
  server_options.max_connections = config.max_connections;
  server_options.idle_timeout = std::chrono::seconds(config.keepalive_timeout_s);
  // bcrypt is pure CPU: half the cores at most, so I/O and task reads keep
  // the rest during a login storm.
  server_options.crypto_threads = std::max<std::size_t>(1, cores / 2);
  server_options.crypto_queue = kCryptoQueuePerThread * server_options.crypto_threads;
  server_options.on_warning = [&log](std::string_view message) { log.write(LogLevel::Warn, message); };
  // Always set: errors are logged at every level (log_access filters).
  server_options.on_access = [&log](const http::AccessRecord& record) { log_access(log, record); };
  server_options.metrics = &metrics;

  raise_open_files_limit(config.max_connections, log);

  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(std::move(server_options), handler);
  } catch (const std::exception& e) {
    log.write(LogLevel::Error, "cannot listen on " + url_host(config.bind) + ":" + std::to_string(config.port) +
                                   ": " + e.what());
    return kExitStartupFailed;
  }
  register_metrics(metrics, *pool, database, throttle, *server);
  register_feed_metrics(metrics, feed);
  static_assert(kDefaultWriteGroupMax == pg::kDefaultWriteGroupMax, "one default for DB_WRITE_GROUP_MAX");
  database.enable_pipeline(server->context(), config.db_pipeline_connections, config.db_pipeline_write_connections,
                           config.db_write_group_max);

  // Scripts and tests wait for exactly this line (with the real port when
  // PORT=0), so it goes to stdout and is flushed at once.
  std::cout << "listening on http://" << url_host(config.bind) << ':' << server->port() << std::endl;
  log.write(LogLevel::Debug, std::to_string(config.threads) + " I/O threads, " +
                                 std::to_string(config.db_pool_size) + " database connections, " +
                                 std::to_string(config.db_pipeline_connections) + " pipelined for reads, " +
                                 std::to_string(config.db_pipeline_write_connections) + " for writes (groups of up to " +
                                 std::to_string(config.db_write_group_max) + "), " +
                                 std::to_string(std::max<std::size_t>(1, cores / 2)) + " bcrypt workers" +
                                 (config.db_transaction_pooler ? "; behind a transaction pooler (unnamed statements)" : ""));

  server->run();
  // Its connections are watched by the server's event loop: closed first.
  database.disable_pipeline();
  log.write(LogLevel::Info, "stopped");
  return kExitOk;
}

}  // namespace todo::app
