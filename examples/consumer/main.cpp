// Runs the task use cases on the in-memory adapters through the installed
// package, with the typed API and the synchronous facade; exits non-zero if
// anything behaves unexpectedly.
#include <cstdio>

#include "todo/core/blocking_task_service.hpp"
#include "todo/core/system_clock.hpp"
#include "todo/core/task_service.hpp"
#include "todo/memory/memory_task_repository.hpp"
#include "todo/memory/memory_user_repository.hpp"

int main() {
  using namespace todo::core;
  todo::memory::MemoryUserRepository users;
  todo::memory::MemoryTaskRepository repository(users);
  SystemClock clock;
  TaskService service(repository, clock);
  BlockingTaskService tasks(service);

  auto user = users.create(NewUser{"ada@example.com", std::nullopt, "not-a-real-hash", clock.now()});
  if (!user) return 1;
  const Caller ada = caller_of(*user);

  NewTask buy;
  buy.title = "  Buy milk ";
  buy.tags = {"home", " errands"};
  buy.priority = Priority::High;
  auto created = tasks.create(ada, buy);
  if (!created) {
    std::fprintf(stderr, "create failed: %s\n", created.error().message.c_str());
    return 1;
  }
  NewTask blank;
  blank.title = "   ";
  if (tasks.create(ada, blank)) {
    std::fprintf(stderr, "a blank title was accepted\n");
    return 1;
  }
  auto done = tasks.complete(ada, created->id);
  auto page = tasks.list(ada);
  if (!done || !done->completed || !page || page->total != 1) {
    std::fprintf(stderr, "unexpected state\n");
    return 1;
  }
  const auto& t = page->items.front();
  std::printf("task %lld '%s' tags=%s priority=%s completed=%s created=%s\n", static_cast<long long>(t.id),
              t.title.c_str(), join_tags(t.tags).c_str(), to_string(t.priority), t.completed ? "true" : "false",
              format_timestamp(t.created_at).c_str());
  return 0;
}
