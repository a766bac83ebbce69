#pragma once
// The composition root: builds the adapters and use cases from a Config,
// connects and migrates the database, serves until SIGINT/SIGTERM.

#include "config.hpp"
#include "logger.hpp"

namespace todo::app {

// Exit codes of todo-server.
inline constexpr int kExitOk = 0;
inline constexpr int kExitStartupFailed = 1;  // database unreachable, port taken, migration failed
inline constexpr int kExitBadConfig = 2;

// Blocks while serving; returns the process exit code.
int serve(const Config& config, Logger& log);

// `todo-server migrate [--status]`: needs DATABASE_URL only (and honours
// DB_TRANSACTION_POOLER=1, as the server does). Applies the pending migrations, or lists every migration
// with its state, on stdout; returns the exit code.
int migrate_command(const Environment& env, bool status_only);

}  // namespace todo::app
