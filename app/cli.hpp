#pragma once
// todo-server's command line: serve (no arguments), --help, --version,
// migrate and migrate --status. Settings come from the environment only
// (config.hpp); the command line picks what to do. Pure functions, so
// app_tests check them without starting anything.

#include <cstddef>
#include <string>
#include <vector>

#include "todo/core/result.hpp"

namespace todo::app {

enum class Command { Serve, Help, Version, Migrate, MigrateStatus };

// `args` without the program name. InvalidArgument naming the argument that
// was not understood (exit 2 with the usage).
core::Result<Command> parse_command_line(const std::vector<std::string>& args);

// One environment variable, for --help.
struct Setting {
  const char* name;
  const char* default_value;  // as a person reads it ("2 x cores", "none")
  const char* meaning;
};

// Every variable todo-server reads (kConfigVariables), in --help's order.
const std::vector<Setting>& settings();

// The short form printed with an error.
std::string usage_text();
// --help: the usage, the commands, every setting with its default.
std::string help_text();

}  // namespace todo::app
