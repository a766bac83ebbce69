#pragma once
// Builders and views shared by the contract cases.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "backends.hpp"
#include "id_arithmetic.hpp"

namespace todo::test {

// A fixed instant plus `micros`: every timestamp in the suite is exact to the
// microsecond, so the round trip through PostgreSQL is checked too.
inline core::Timestamp at(long long micros) {
  return core::from_unix_seconds(1'764'000'000) + std::chrono::microseconds(micros);
}

inline core::User add_user(core::UserRepository& users, const std::string& email,
                           std::optional<std::string> username = std::nullopt) {
  auto created = users.create(core::NewUser{email, std::move(username), "hash-of-" + email, at(0)});
  REQUIRE(created);
  return *created;
}

inline TaskDraft new_task(core::UserId owner, std::string title, core::Timestamp now = at(0)) {
  TaskDraft task;
  task.user_id = owner;
  task.title = std::move(title);
  task.now = now;
  return task;
}

inline core::Task add_task(SyncTasks& tasks, const TaskDraft& task) {
  auto created = tasks.create(task);
  REQUIRE(created);
  return *created;
}

inline std::vector<std::string> titles(const core::TaskPage& page) {
  std::vector<std::string> out;
  for (const auto& t : page.items) out.push_back(t.title);
  return out;
}

inline std::vector<core::TaskId> ids(const core::TaskPage& page) {
  std::vector<core::TaskId> out;
  for (const auto& t : page.items) out.push_back(t.id);
  return out;
}

template <class T>
core::ErrorCode code_of(const core::Result<T>& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().code;
}

}  // namespace todo::test
