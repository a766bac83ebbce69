#pragma once
// Brings the schema up to date with the migrations compiled into this
// library (adapters/postgres/sql/NNNN_name.sql). Safe to call from several
// instances at once: everything runs in one transaction holding a PostgreSQL
// advisory lock, and applied versions are recorded in `schema_migrations`.

#include <optional>
#include <string>
#include <vector>

#include "todo/core/result.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

// Applies the pending migrations; returns the versions it applied (empty when
// the schema was already current). Unavailable when the database cannot be
// reached, Internal when a migration fails (nothing is applied then),
// FailedPrecondition when the database holds a version this library does
// not know (a newer binary migrated it): nothing is touched then.
core::Result<std::vector<int>> migrate(Pool& pool);

// One migration as the database and this library see it.
struct MigrationState {
  int version = 0;
  std::string name;                       // the file's name without .sql, or the ledger's
  std::optional<std::string> applied_at;  // RFC 3339 UTC; none: pending
  bool known = true;                      // false: applied by a newer binary
};

// Every migration this library knows, applied or pending, and any the
// database holds beyond them, by version. Changes nothing (an empty ledger
// reads as "all pending").
core::Result<std::vector<MigrationState>> migration_status(Pool& pool);

// The versions compiled into this library, in order.
std::vector<int> known_migrations();

}  // namespace todo::pg
