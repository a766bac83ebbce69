// todo-server's command line (SPEC §6): --help, --version, migrate,
// migrate --status; anything else is a usage error (exit 2).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "cli.hpp"
#include "config.hpp"

using namespace todo::app;

namespace {
std::string outcome(const std::vector<std::string>& args) {
  const auto parsed = parse_command_line(args);
  if (!parsed) return "error: " + parsed.error().message;
  switch (*parsed) {
    case Command::Serve: return "serve";
    case Command::Help: return "help";
    case Command::Version: return "version";
    case Command::Migrate: return "migrate";
    case Command::MigrateStatus: return "migrate --status";
  }
  return "?";
}
}  // namespace

TEST_CASE("the command line picks serve, help, version, migrate or migrate --status", "[app][cli]") {
  CHECK(outcome({}) == "serve");
  CHECK(outcome({"--help"}) == "help");
  CHECK(outcome({"-h"}) == "help");
  CHECK(outcome({"--version"}) == "version");
  CHECK(outcome({"-V"}) == "version");
  CHECK(outcome({"migrate"}) == "migrate");
  CHECK(outcome({"migrate", "--status"}) == "migrate --status");
}

TEST_CASE("anything else names the argument it did not understand", "[app][cli]") {
  CHECK(outcome({"--port=80"}) == "error: unknown argument \"--port=80\"");
  CHECK(outcome({"serve"}) == "error: unknown argument \"serve\"");
  CHECK(outcome({"--help", "extra"}) == "error: unknown argument \"extra\"");
  CHECK(outcome({"migrate", "--force"}) == "error: unknown argument \"--force\"");
  CHECK(outcome({"migrate", "--status", "x"}) == "error: unknown argument \"x\"");
  CHECK(outcome({""}) == "error: unknown argument \"\"");
}

TEST_CASE("--help lists every setting the server reads, each with its default", "[app][cli]") {
  std::set<std::string> documented;
  for (const auto& s : settings()) {
    CHECK(std::string(s.default_value).size() > 0);
    CHECK(std::string(s.meaning).size() > 0);
    documented.insert(s.name);
  }
  const std::set<std::string> read(kConfigVariables.begin(), kConfigVariables.end());
  CHECK(documented == read);
  const std::string help = help_text();
  for (const auto& name : read) {
    INFO(name);
    CHECK(help.find("  " + name + " ") != std::string::npos);
  }
  CHECK(help.find("[default: 8080]") != std::string::npos);
  CHECK(help.find("usage: todo-server") == 0);
}
