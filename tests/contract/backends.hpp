#pragma once
// The two repository implementations the contract suite runs on. Each case is
// written once as a TEMPLATE_TEST_CASE over these backends; a backend gives
// fresh, empty repositories for every case.

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "todo/core/ports/task_repository.hpp"
#include "todo/core/ports/user_repository.hpp"
#include "todo/core/time.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"
#include "todo/pg/pg_task_repository.hpp"
#include "todo/pg/pg_user_repository.hpp"
#include "todo/pg/database.hpp"
#include "todo/pg/pool.hpp"
#include "sync_tasks.hpp"

namespace Catch {
template <>
struct StringMaker<todo::core::ErrorCode> {
  static std::string convert(todo::core::ErrorCode c) { return todo::core::to_string(c); }
};
template <>
struct StringMaker<todo::core::Timestamp> {
  static std::string convert(todo::core::Timestamp t) { return todo::core::format_timestamp(t); }
};
}  // namespace Catch

namespace todo::test {

struct MemoryBackend {
  core::UserRepository& users() { return users_; }
  SyncTasks& tasks() { return sync_; }
  core::TaskRepository& port() { return tasks_; }
  // Another task repository on the same users, with a task limit.
  std::unique_ptr<core::TaskRepository> limited(std::int64_t max_tasks) {
    return std::make_unique<memory::MemoryTaskRepository>(users_, max_tasks);
  }
  // Deletes a user and its tasks, as PostgreSQL's ON DELETE CASCADE does.
  void delete_user(core::UserId id) {
    REQUIRE(users_.remove(id));
    tasks_.remove_all_of(id);
  }

 private:
  memory::MemoryUserRepository users_;
  memory::MemoryTaskRepository tasks_{users_};
  SyncTasks sync_{users_, tasks_};
};

// One database per test process (on the throw-away cluster, or
// TEST_DATABASE_URL), migrated once; emptied before every case.
struct PgBackend {
  PgBackend();
  core::UserRepository& users() { return users_; }
  SyncTasks& tasks() { return sync_; }
  core::TaskRepository& port() { return tasks_; }
  // Another task repository on the same database, with a task limit.
  std::unique_ptr<core::TaskRepository> limited(std::int64_t max_tasks) {
    return std::make_unique<pg::PgTaskRepository>(database_, max_tasks);
  }
  // DELETE FROM users (its tasks go by ON DELETE CASCADE).
  void delete_user(core::UserId id);

  static pg::Pool& pool();
  static const std::string& url();

 private:
  pg::Database database_{pool()};
  pg::PgUserRepository users_{database_};
  pg::PgTaskRepository tasks_{database_};
  SyncTasks sync_{users_, tasks_};
};

}  // namespace todo::test

#define TODO_CONTRACT_BACKENDS todo::test::MemoryBackend, todo::test::PgBackend
