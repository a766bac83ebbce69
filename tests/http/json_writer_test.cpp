// The hand-written task JSON writer against Boost.JSON's serializer: the
// same fields must give the same bytes, for any text a task may hold, but
// for DEL, which the project's one escaper (core/json_text) writes as
// \u007f (the same JSON value; safer in logs and terminals).

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "json_io.hpp"
#include "todo/core/time.hpp"

namespace json = boost::json;
using todo::core::Task;

namespace {

// What the endpoint wrote before the writer: a Boost.JSON object per task.
json::object reference(const Task& task) {
  json::object o;
  o["id"] = task.id.value();
  o["user_id"] = task.user_id.value();
  o["title"] = task.title;
  o["description"] = task.description ? json::value(*task.description) : json::value(nullptr);
  o["completed"] = task.completed;
  o["priority"] = todo::core::to_string(task.priority);
  o["tags"] = task.tags.empty() ? json::value(nullptr) : json::value(todo::core::join_tags(task.tags));
  o["due_date"] = task.due_date ? json::value(todo::core::format_timestamp(*task.due_date)) : json::value(nullptr);
  o["created_at"] = todo::core::format_timestamp(task.created_at);
  o["updated_at"] = todo::core::format_timestamp(task.updated_at);
  return o;
}

Task sample(std::string title) {
  Task task;
  task.id = todo::core::TaskId(9'007'199'254'740'993);  // beyond a double's exact integers
  task.user_id = todo::core::UserId(1);
  task.title = std::move(title);
  task.created_at = todo::core::from_unix_seconds(1'764'000'000);
  task.updated_at = task.created_at + std::chrono::microseconds(123'456);
  return task;
}

}  // namespace

namespace {
// Our bytes with \u007f put back as the raw byte Boost.JSON writes.
std::string ours(std::string text) {
  for (std::size_t at = text.find("\\u007f"); at != std::string::npos; at = text.find("\\u007f", at)) {
    text.replace(at, 6, "\x7f");
  }
  return text;
}
}  // namespace

TEST_CASE("task JSON is byte for byte what Boost.JSON serializes", "[http][json]") {
  std::string every_control;
  for (char c = 1; c < 0x20; ++c) every_control += c;
  const std::vector<std::string> texts{
      "plain",
      "",
      "quote \" backslash \\ slash / done",
      every_control,
      std::string("nul \0 inside", 12),
      "\x7f del",
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 </script>",
      "\xE2\x80\xA8 line separators \xE2\x80\xA9",
  };
  std::vector<Task> tasks;
  for (const std::string& text : texts) {
    Task task = sample(text);
    INFO("title " << json::serialize(json::value(text)));
    CHECK(ours(todo::http::task_json(task)) == json::serialize(reference(task)));

    task.description = text;
    task.tags = {"work", text.empty() ? "x" : text};
    task.completed = true;
    task.priority = todo::core::Priority::High;
    task.due_date = todo::core::from_unix_seconds(-1);
    CHECK(ours(todo::http::task_json(task)) == json::serialize(reference(task)));
    tasks.push_back(task);
  }

  json::array items;
  for (const Task& task : tasks) items.emplace_back(reference(task));
  CHECK(ours(todo::http::tasks_json(tasks)) == json::serialize(items));
  CHECK(todo::http::tasks_json({}) == "[]");
  CHECK(json::parse(todo::http::tasks_json(tasks)).as_array().size() == tasks.size());
}
