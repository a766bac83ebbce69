#pragma once
// The SQL migrations compiled into the library (generated from sql/*.sql).

#include <span>

namespace todo::pg::detail {

struct EmbeddedMigration {
  int version;       // the file's numeric prefix
  const char* name;  // the file name without ".sql"
  const char* sql;
};

// In increasing version order.
std::span<const EmbeddedMigration> embedded_migrations() noexcept;

}  // namespace todo::pg::detail
