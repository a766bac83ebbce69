// The binary explains itself (SPEC §6, issue 21 item 4): --help and
// --version need no database and exit 0, an unknown argument exits 2 with
// the usage, `migrate` applies migrations and exits, `migrate --status`
// lists them, and a database whose schema is newer than the binary is
// refused at start with a clear message.
#include "e2e_support.hpp"

#include <string>
#include <vector>

#include "support/pg/pg_admin.hpp"
#include "support/pg/pg_cluster.hpp"

using namespace todo::test;
using namespace todo::test::e2e;
using namespace std::chrono_literals;

namespace {
// Nothing but what the command needs: no DATABASE_URL, no JWT_SECRET.
const Environment kNothing{};
}  // namespace

TEST_CASE("--help lists every setting with its default and exits 0, without a database", "[e2e][cli]") {
  const ExitResult r = ServerProcess::run_to_exit(kNothing, 10s, {"--help"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == std::optional<int>(0));
  CHECK(r.out.rfind("usage: todo-server", 0) == 0);
  for (const char* name : {"DATABASE_URL", "JWT_SECRET", "PORT", "BCRYPT_COST", "DB_TRANSACTION_POOLER",
                           "MAX_TASKS_PER_USER", "DB_STATEMENT_TIMEOUT_MS"}) {
    CHECK(r.out.find(std::string("  ") + name + " ") != std::string::npos);
  }
  CHECK(r.out.find("[default: 8080]") != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("--version prints the version and exits 0, without a database", "[e2e][cli]") {
  const ExitResult r = ServerProcess::run_to_exit(kNothing, 10s, {"--version"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == std::optional<int>(0));
  CHECK(r.out.rfind("todo-server ", 0) == 0);
  CHECK(r.out.find('.') != std::string::npos);
}

TEST_CASE("an unknown argument exits 2 with the usage on stderr and starts nothing", "[e2e][cli]") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--port", "80"}, {"serve"}, {"migrate", "--force"}}) {
    const ExitResult r = ServerProcess::run_to_exit(kNothing, 10s, args);
    INFO(args[0] << ": " << r.out << r.err);
    CHECK(r.exit_code == std::optional<int>(2));
    CHECK(r.err.find("unknown argument") != std::string::npos);
    CHECK(r.err.find("usage: todo-server") != std::string::npos);
    CHECK(r.out.find("listening") == std::string::npos);
  }
}

TEST_CASE("migrate applies the migrations and exits; migrate --status lists them", "[e2e][cli]") {
  const std::string url = PgCluster::shared().fresh_database("cli_migrate");
  const Environment env{{"DATABASE_URL", url}};

  const ExitResult before = ServerProcess::run_to_exit(env, 30s, {"migrate", "--status"});
  INFO(before.out << before.err);
  REQUIRE(before.exit_code == std::optional<int>(0));
  CHECK(before.out.find("0001_init") != std::string::npos);
  CHECK(before.out.find("applied  ") == std::string::npos);  // no row in state "applied"
  CHECK(before.out.find("0 pending") == std::string::npos);

  const ExitResult applied = ServerProcess::run_to_exit(env, 30s, {"migrate"});
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == std::optional<int>(0));
  CHECK(applied.out.find("applied migrations 1,2,3") != std::string::npos);
  CHECK(query_int(url, "SELECT count(*) FROM schema_migrations") >= 3);

  const ExitResult again = ServerProcess::run_to_exit(env, 30s, {"migrate"});
  CHECK(again.exit_code == std::optional<int>(0));
  CHECK(again.out.find("database schema is current") != std::string::npos);

  const ExitResult after = ServerProcess::run_to_exit(env, 30s, {"migrate", "--status"});
  INFO(after.out << after.err);
  CHECK(after.exit_code == std::optional<int>(0));
  CHECK(after.out.find("pending  ") == std::string::npos);  // no row in state "pending"
  CHECK(after.out.find("0 pending") != std::string::npos);
  CHECK(after.out.find("0003_login_throttle") != std::string::npos);

  const ExitResult no_url = ServerProcess::run_to_exit(kNothing, 10s, {"migrate"});
  CHECK(no_url.exit_code == std::optional<int>(2));
  CHECK(no_url.err.find("DATABASE_URL") != std::string::npos);
}

TEST_CASE("a database whose schema is newer than the binary is refused with a clear message", "[e2e][cli]") {
  const std::string url = PgCluster::shared().fresh_database("cli_newer");
  REQUIRE(ServerProcess::run_to_exit(Environment{{"DATABASE_URL", url}}, 30s, {"migrate"}).exit_code ==
          std::optional<int>(0));
  execute_sql(url, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_from_the_future')");

  const ExitResult serve = ServerProcess::run_to_exit(server_environment(url), 30s);
  INFO(serve.out << serve.err);
  CHECK(serve.exit_code == std::optional<int>(1));
  CHECK(serve.err.find("refusing to start") != std::string::npos);
  CHECK(serve.err.find("9999") != std::string::npos);
  CHECK(serve.out.find("listening") == std::string::npos);

  const ExitResult migrate = ServerProcess::run_to_exit(Environment{{"DATABASE_URL", url}}, 30s, {"migrate"});
  CHECK(migrate.exit_code == std::optional<int>(1));
  CHECK(migrate.err.find("newer than this todo-server") != std::string::npos);

  const ExitResult status = ServerProcess::run_to_exit(Environment{{"DATABASE_URL", url}}, 30s, {"migrate", "--status"});
  INFO(status.out);
  CHECK(status.exit_code == std::optional<int>(0));
  CHECK(status.out.find("9999_from_the_future (newer than this binary)") != std::string::npos);
}
