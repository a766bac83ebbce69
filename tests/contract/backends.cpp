#include "backends.hpp"

#include "pg_admin.hpp"
#include "pg_cluster.hpp"
#include "todo/pg/migrations.hpp"

namespace todo::test {

const std::string& PgBackend::url() {
  static const std::string url = PgCluster::shared().url("todo_contract");
  return url;
}

pg::Pool& PgBackend::pool() {
  static pg::Pool pool = [] {
    pg::PoolOptions options;
    options.conninfo = url();
    options.size = 4;
    return pg::Pool(std::move(options));
  }();
  static const bool migrated = [] {
    auto applied = pg::migrate(pool);
    if (!applied) throw std::runtime_error("migrate failed: " + applied.error().message);
    return true;
  }();
  (void)migrated;
  return pool;
}

PgBackend::PgBackend() {
  // RESTART IDENTITY: ids start at 1 in every case, as in a fresh memory
  // repository, which the differential test relies on.
  execute_sql(url(), "TRUNCATE users, tasks RESTART IDENTITY CASCADE");
}

void PgBackend::delete_user(core::UserId id) {
  execute_sql(url(), "DELETE FROM users WHERE id = " + std::to_string(id.value()));
}

}  // namespace todo::test
