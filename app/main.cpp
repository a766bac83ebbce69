// todo-server: the command line picks what to do (cli.hpp); settings come
// from the environment (SPEC §5), then serve, or migrate and exit.

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "config.hpp"
#include "logger.hpp"
#include "wiring.hpp"

int main(int argc, char** argv) {
  using namespace todo::app;
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  const auto command = parse_command_line(args);
  if (!command) {
    std::cerr << "todo-server: " << command.error().message << '\n' << usage_text();
    return kExitBadConfig;
  }
  switch (*command) {
    case Command::Help:
      std::cout << help_text();
      return kExitOk;
    case Command::Version:
      std::cout << "todo-server " << TODO_VERSION << '\n';
      return kExitOk;
    case Command::Migrate:
    case Command::MigrateStatus:
      try {
        return migrate_command(read_environment(), *command == Command::MigrateStatus);
      } catch (const std::exception& e) {
        Logger(LogLevel::Error).write(LogLevel::Error, std::string("fatal: ") + e.what());
        return kExitStartupFailed;
      }
    case Command::Serve:
      break;
  }
  const auto config = parse_config(read_environment(), std::thread::hardware_concurrency());
  if (!config) {
    Logger(LogLevel::Error).write(LogLevel::Error, "invalid configuration: " + config.error().message);
    return kExitBadConfig;
  }
  Logger log(config->log_level);
  try {
    return serve(*config, log);
  } catch (const std::exception& e) {
    log.write(LogLevel::Error, std::string("fatal: ") + e.what());
    return kExitStartupFailed;
  }
}
