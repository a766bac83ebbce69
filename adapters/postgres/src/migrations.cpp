#include "todo/pg/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "connection.hpp"
#include "embedded_migrations.hpp"
#include "with_connection.hpp"

namespace todo::pg {
namespace {

// Transaction-scoped, so it is released by COMMIT/ROLLBACK and also works
// behind a transaction-mode connection pooler (PgBouncer, Neon's pooler).
// The key is "todomigr" in ASCII: any fixed number unlikely to clash.
constexpr const char* kTakeLock = "SELECT pg_advisory_xact_lock(8389754729296587122)";

constexpr const char* kNoTimeout = "SET LOCAL statement_timeout = 0";

constexpr const char* kCreateLedger =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

constexpr const char* kAppliedVersions = "SELECT version FROM schema_migrations";

constexpr const char* kLedgerExists = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kLedger =
    "SELECT version, name, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM schema_migrations ORDER BY version";

std::string text_at(const PGresult* result, int row, int col) {
  return std::string(PQgetvalue(result, row, col), static_cast<std::size_t>(PQgetlength(result, row, col)));
}

// FailedPrecondition when the database has a version past what this binary knows.
core::Result<void> refuse_newer(const std::set<int>& applied) {
  const auto& known = detail::embedded_migrations();
  const int newest_known = known.empty() ? 0 : known.back().version;
  if (applied.empty() || *applied.rbegin() <= newest_known) return {};
  return core::Error::failed_precondition(
      "the database schema is at version " + std::to_string(*applied.rbegin()) +
      ", newer than this todo-server knows (up to " + std::to_string(newest_known) +
      "): run a todo-server at least as new as the one that migrated it");
}

constexpr Statement kRecordMigration{
    "todo_record_migration", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"};

core::Result<std::vector<int>> migrate_on(Connection& connection) {
  Transaction transaction(connection);
  if (auto begun = transaction.begin(); !begun) return std::move(begun).error();
  // A migration may rebuild an index on a big table: DB_STATEMENT_TIMEOUT_MS
  // is for requests, not for this transaction.
  if (auto untimed = connection.exec_script(kNoTimeout); !untimed) return std::move(untimed).error();
  if (auto locked = connection.exec_script(kTakeLock); !locked) return std::move(locked).error();
  if (auto ledger = connection.exec_script(kCreateLedger); !ledger) return std::move(ledger).error();
  auto rows = connection.exec_script(kAppliedVersions);
  if (!rows) return std::move(rows).error();

  std::set<int> applied;
  const PGresult* result = rows->get();
  for (int row = 0; row < PQntuples(result); ++row) {
    const std::string_view text(PQgetvalue(result, row, 0),
                                static_cast<std::size_t>(PQgetlength(result, row, 0)));
    int version = 0;
    std::from_chars(text.data(), text.data() + text.size(), version);
    applied.insert(version);
  }
  if (auto newer = refuse_newer(applied); !newer) return std::move(newer).error();

  std::vector<int> done;
  for (const auto& migration : detail::embedded_migrations()) {
    if (applied.count(migration.version) != 0) continue;
    auto ran = connection.exec_script(migration.sql);
    if (!ran) {
      auto error = std::move(ran).error();
      if (error.code == core::ErrorCode::Internal) {
        error.message = std::string("migration ") + migration.name + " failed: " + error.message;
      }
      return error;
    }
    auto recorded = connection.exec(
        kRecordMigration, Params{}.int8(migration.version).text(std::string_view(migration.name)));
    if (!recorded) return std::move(recorded).error();
    done.push_back(migration.version);
  }
  if (auto committed = transaction.commit(); !committed) return std::move(committed).error();
  return done;
}

}  // namespace

core::Result<std::vector<int>> migrate(Pool& pool) {
  // Re-running after a lost connection is safe: the ledger decides.
  return with_connection(pool, Retry::OnceIfLost, migrate_on);
}

core::Result<std::vector<MigrationState>> migration_status(Pool& pool) {
  return with_connection(pool, Retry::OnceIfLost, [](Connection& connection) -> core::Result<std::vector<MigrationState>> {
    std::vector<MigrationState> states;
    for (const auto& migration : detail::embedded_migrations()) {
      states.push_back(MigrationState{migration.version, migration.name, std::nullopt, true});
    }
    auto exists = connection.exec_script(kLedgerExists);
    if (!exists) return std::move(exists).error();
    if (text_at(exists->get(), 0, 0) != "t") return states;
    auto rows = connection.exec_script(kLedger);
    if (!rows) return std::move(rows).error();
    const PGresult* result = rows->get();
    for (int row = 0; row < PQntuples(result); ++row) {
      int version = 0;
      const std::string text = text_at(result, row, 0);
      std::from_chars(text.data(), text.data() + text.size(), version);
      const auto found = std::find_if(states.begin(), states.end(),
                                      [version](const MigrationState& s) { return s.version == version; });
      if (found != states.end()) {
        found->applied_at = text_at(result, row, 2);
      } else {
        states.push_back(MigrationState{version, text_at(result, row, 1), text_at(result, row, 2), false});
      }
    }
    std::sort(states.begin(), states.end(),
              [](const MigrationState& a, const MigrationState& b) { return a.version < b.version; });
    return states;
  });
}

std::vector<int> known_migrations() {
  std::vector<int> versions;
  for (const auto& migration : detail::embedded_migrations()) versions.push_back(migration.version);
  return versions;
}

}  // namespace todo::pg
