// libFuzzer target: a raw query string, decoded the way the handler decodes
// it (parse_urlencoded: parse_qsl semantics), through http::parse_task_query
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
#include <vector>

#include "task_query_params.hpp"
#include "todo/core/blocking_task_service.hpp"
#include "todo/core/task_service.hpp"
#include "todo/memory/manual_clock.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"
#include "url_encoding.hpp"

namespace {

struct World {
  todo::memory::ManualClock clock;
  todo::memory::MemoryUserRepository users;
  todo::memory::MemoryTaskRepository repository{users};
  todo::core::TaskService service{repository, clock};
  todo::core::BlockingTaskService tasks{service};
  todo::core::Caller owner{todo::core::UserId(0), todo::core::TokenVersion(0)};

  World() {
    auto user = users.create(todo::core::NewUser{"fuzz@example.com", std::nullopt, "hash", clock.now()});
    if (!user) std::abort();
    owner = todo::core::caller_of(*user);
    const char* titles[] = {"Buy milk", "write README", "Zebra", "\xc3\xa9t\xc3\xa9", "call Ada"};
    const todo::core::Priority priorities[] = {todo::core::Priority::High, todo::core::Priority::Low,
                                               todo::core::Priority::Medium, todo::core::Priority::High,
                                               todo::core::Priority::Low};
    const std::vector<std::string> tag_lists[] = {{"home"}, {"docs", "work"}, {}, {"Work"}, {"home", "urgent"}};
    for (int i = 0; i < 5; ++i) {
      todo::core::NewTask task;
      task.title = titles[i];
      task.priority = priorities[i];
      task.tags = tag_lists[i];
      if (i % 2 == 0) task.due_date = clock.now() + std::chrono::hours(24 * i);
      task.completed = i % 2 == 0;
      if (!tasks.create(owner, task)) std::abort();
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
  const todo::http::Decoded<todo::core::TaskQuery> query = todo::http::parse_task_query(params);
  if (!query.ok()) {
    for (const todo::http::WireFieldError& f : query.errors) {
      if (f.message.empty() || f.type.empty()) std::abort();
    }
    return 0;
  }
  const todo::core::TaskQuery& q = query.value;
  if (q.limit < 1 || q.limit > 500 || q.offset < 0) std::abort();
  if (q.tag && q.tag->empty()) std::abort();
  if (q.search && q.search->empty()) std::abort();

  World& w = world();
  const auto page = w.tasks.list(w.owner, q);
  if (!page) std::abort();
  if (page.value().total < 0 || page.value().total > 5) std::abort();
  if (page.value().items.size() > static_cast<std::size_t>(q.limit)) std::abort();
  for (const todo::core::Task& t : page.value().items) {
    if (t.user_id != w.owner.user_id()) std::abort();
  }
  return 0;
}
