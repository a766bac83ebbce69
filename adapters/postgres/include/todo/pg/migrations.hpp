#pragma once
// Brings the schema up to date with the migrations compiled into this
// library (adapters/postgres/sql/NNNN_name.sql). Safe to call from several
// instances at once: everything runs in one transaction holding a PostgreSQL
// advisory lock, and applied versions are recorded in `schema_migrations`.

#include <vector>

#include "todo/core/result.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

// Applies the pending migrations; returns the versions it applied (empty when
// the schema was already current). Unavailable when the database cannot be
// reached, Internal when a migration fails (nothing is applied then).
core::Result<std::vector<int>> migrate(Pool& pool);

// The versions compiled into this library, in order.
std::vector<int> known_migrations();

}  // namespace todo::pg
