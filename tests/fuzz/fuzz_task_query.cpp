// libFuzzer target: a raw query string, decoded the way the handler decodes
// it (parse_urlencoded: parse_qsl semantics), through core::parse_task_query
// and, when accepted, run against an in-memory repository holding a few
// tasks. Invariants: errors are InvalidArgument with a message and a type
// (the field may be "" for a parameter with an empty name, `?=x`); an
// accepted query is in range and its page respects limit and total.

#include <cstddef>
#include <cstdint>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "todo/core/task_service.hpp"
#include "todo/core/validation.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"
#include "url_encoding.hpp"

namespace {

constexpr todo::core::UserId kOwner = 7;

struct World {
  todo::memory::ManualClock clock;
  todo::memory::MemoryUserRepository users;
  todo::memory::MemoryTaskRepository repository{users};
  todo::core::TaskService tasks{repository, clock};

  World() {
    const char* titles[] = {"Buy milk", "write README", "Zebra", "\xc3\xa9t\xc3\xa9", "call Ada"};
    const char* priorities[] = {"high", "low", "medium", "high", "low"};
    const char* tag_lists[] = {"home", "docs, work", "", "Work", "home,urgent"};
    const char* dues[] = {"2026-12-01T10:30", "", "2025-01-01", "", "2026-12-01T10:30:00+02:00"};
    for (int i = 0; i < 5; ++i) {
      todo::core::CreateTaskCommand cmd;
      cmd.title = std::optional<std::string>(titles[i]);
      cmd.priority = std::optional<std::string>(priorities[i]);
      cmd.tags = std::optional<std::string>(tag_lists[i]);
      if (*dues[i] != '\0') cmd.due_date = std::optional<std::string>(dues[i]);
      cmd.completed = std::optional<bool>(i % 2 == 0);
      if (!tasks.create(kOwner, cmd)) std::abort();
      clock.advance(std::chrono::seconds(1));
    }
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const auto params = todo::http::parse_urlencoded(raw);
  const todo::core::Result<todo::core::TaskQuery> query = todo::core::parse_task_query(params);
  if (!query) {
    const todo::core::Error& e = query.error();
    if (e.code != todo::core::ErrorCode::InvalidArgument || e.fields.empty()) std::abort();
    for (const todo::core::FieldError& f : e.fields) {
      if (f.message.empty() || f.type.empty()) std::abort();
    }
    return 0;
  }
  const todo::core::TaskQuery& q = query.value();
  if (q.limit < 1 || q.limit > 500 || q.offset < 0) std::abort();
  if (q.tag && q.tag->empty()) std::abort();
  if (q.search && q.search->empty()) std::abort();

  World& w = world();
  const auto page = w.tasks.list(kOwner, q);
  if (!page) std::abort();
  if (page.value().total < 0 || page.value().total > 5) std::abort();
  if (page.value().items.size() > static_cast<std::size_t>(q.limit)) std::abort();
  for (const todo::core::Task& t : page.value().items) {
    if (t.user_id != kOwner) std::abort();
  }
  return 0;
}
