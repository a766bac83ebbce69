#include "cli.hpp"

#include <algorithm>

namespace todo::app {

core::Result<Command> parse_command_line(const std::vector<std::string>& args) {
  const auto unknown = [](const std::string& arg) {
    return core::Error{core::ErrorCode::InvalidArgument, "unknown argument \"" + arg + "\"", {}, std::nullopt};
  };
  if (args.empty()) return Command::Serve;
  const std::string& first = args[0];
  if (args.size() == 1 && (first == "--help" || first == "-h" || first == "help")) return Command::Help;
  if (args.size() == 1 && (first == "--version" || first == "-V" || first == "version")) return Command::Version;
  if (first == "migrate") {
    if (args.size() == 1) return Command::Migrate;
    if (args[1] != "--status") return unknown(args[1]);
    if (args.size() == 2) return Command::MigrateStatus;
    return unknown(args[2]);
  }
  if (first == "--help" || first == "-h" || first == "--version" || first == "-V") return unknown(args[1]);
  return unknown(first);
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"DATABASE_URL", "(required)", "libpq connection string or postgresql:// URI"},
      {"JWT_SECRET", "(required to serve)", "HS256 signing secret, at least 32 bytes, the same on every instance"},
      {"JWT_PREVIOUS_SECRETS", "none", "comma list of older secrets still accepted when verifying (key rotation)"},
      {"PORT", "8080", "listening port; 0 picks a free one"},
      {"BIND", "127.0.0.1", "listening address; 0.0.0.0 or :: for all interfaces"},
      {"CORS_ORIGINS", "http://localhost:3000", "comma list of browser origins allowed to call the API (* allowed)"},
      {"BCRYPT_COST", "12", "bcrypt cost of new password hashes, 4..31"},
      {"THREADS", "2 x cores", "I/O threads"},
      {"DB_POOL_SIZE", "THREADS", "PostgreSQL connections of the pool"},
      {"DB_PIPELINE_CONNECTIONS", "cores / 2, at least 1", "extra connections for pipelined task reads; 0: reads use the pool"},
      {"DB_PIPELINE_WRITE_CONNECTIONS", "cores", "extra connections for pipelined, group-committed task writes; 0: the pool"},
      {"DB_WRITE_GROUP_MAX", "32", "writes per group-commit transaction at most (one per user); 1: no grouping"},
      {"DB_STATEMENT_TIMEOUT_MS", "5000", "PostgreSQL cancels a statement that runs longer (503); 0: no limit"},
      {"DB_TRANSACTION_POOLER", "0", "1 behind PgBouncer < 1.21 in transaction mode: unnamed statements, no session settings"},
      {"LOG_LEVEL", "info", "debug, info, warn or error (warn and error: no access log)"},
      {"MAX_CONNECTIONS", "4096", "open HTTP connections at most"},
      {"KEEPALIVE_TIMEOUT_S", "60", "seconds an idle kept-alive connection is kept (live-sync streams are not idle)"},
      {"LOGIN_MAX_FAILURES", "10", "failed logins per email per 15 min before 429 (shared through the database); 0: off"},
      {"ADDRESS_MAX_FAILURES", "100", "failed logins per client address per 15 min before 429; 0: off"},
      {"SIGNUP_PER_ADDRESS", "100", "sign-ups per client address per hour; 0: no limit"},
      {"TRUSTED_PROXIES", "none", "comma list of proxy IPs whose X-Forwarded-For gives the client address"},
      {"MAX_TASKS_PER_USER", "10000", "tasks one account may hold (409 beyond); 0: no limit"},
      {"MAX_STREAMS_PER_USER", "10", "open live-sync streams (GET /api/tasks/events) per user, over every instance (429 beyond)"},
      {"DB_LISTEN_URL", "DATABASE_URL", "PostgreSQL for live sync's LISTEN connection (direct, not through a transaction pooler)"},
  };
  return table;
}

std::string usage_text() {
  return "usage: todo-server                  serve the API (settings from the environment)\n"
         "       todo-server migrate          apply pending database migrations and exit\n"
         "       todo-server migrate --status list applied and pending migrations and exit\n"
         "       todo-server --help | --version\n";
}

std::string help_text() {
  std::string text = usage_text();
  text += "\nThe todo REST service: JWT-authenticated task lists on PostgreSQL.\n"
          "Serving applies pending migrations first; it refuses a database whose schema\n"
          "is newer than this binary knows. migrate needs DATABASE_URL only.\n"
          "\nSettings (environment variables), with their defaults:\n";
  std::size_t width = 0;
  for (const auto& s : settings()) width = std::max(width, std::string(s.name).size());
  for (const auto& s : settings()) {
    std::string line = "  " + std::string(s.name);
    line.append(width + 2 - std::string(s.name).size(), ' ');
    line += s.meaning;
    line += " [default: ";
    line += s.default_value;
    line += "]\n";
    text += line;
  }
  text += "\nExit codes: 0 stopped cleanly (SIGTERM/SIGINT) or command done; 1 database\n"
          "unreachable, migration failed, schema too new or port taken; 2 bad setting or argument.\n";
  return text;
}

}  // namespace todo::app
