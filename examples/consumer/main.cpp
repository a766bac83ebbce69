// Runs the task use cases on the in-memory adapters through the installed
// package; exits non-zero if anything behaves unexpectedly.
#include <cstdio>

#include "todo/core/system_clock.hpp"
#include "todo/core/task_service.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

int main() {
  todo::memory::MemoryUserRepository users;
  todo::memory::MemoryTaskRepository tasks(users);
  todo::core::SystemClock clock;
  todo::core::TaskService service(tasks, clock);

  todo::core::CreateTaskCommand buy;
  buy.title = std::optional<std::string>("  Buy milk ");
  buy.tags = std::optional<std::string>("home, errands");
  buy.priority = std::optional<std::string>("high");
  auto created = service.create(1, buy);
  if (!created) {
    std::fprintf(stderr, "create failed: %s\n", created.error().message.c_str());
    return 1;
  }
  todo::core::CreateTaskCommand bad;
  bad.title = std::optional<std::string>("   ");
  if (service.create(1, bad)) {
    std::fprintf(stderr, "a blank title was accepted\n");
    return 1;
  }
  auto done = service.complete(1, created->id, std::nullopt);
  auto page = service.list(1, todo::core::TaskQuery{});
  if (!done || !done->completed || !page || page->total != 1) {
    std::fprintf(stderr, "unexpected state\n");
    return 1;
  }
  const auto& t = page->items.front();
  std::printf("task %lld '%s' tags=%s priority=%s completed=%s created=%s\n", static_cast<long long>(t.id),
              t.title.c_str(), todo::core::join_tags(t.tags).c_str(), todo::core::to_string(t.priority),
              t.completed ? "true" : "false", todo::core::format_timestamp(t.created_at).c_str());
  return 0;
}
