// todo-server: configuration from the environment (SPEC §5), then serve.

#include <string>
#include <exception>
#include <thread>

#include "config.hpp"
#include "logger.hpp"
#include "wiring.hpp"

int main() {
  using namespace todo::app;
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
