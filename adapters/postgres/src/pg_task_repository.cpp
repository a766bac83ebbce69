#include "todo/pg/pg_task_repository.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "database_impl.hpp"
#include "task_statements.hpp"

namespace todo::pg {
namespace {

std::optional<std::string> joined_tags(const std::vector<std::string>& tags) {
  if (tags.empty()) return std::nullopt;  // no tags are stored as NULL
  return core::join_tags(tags);
}

core::Error refused() { return core::Error::unauthenticated("token no longer valid"); }

// The insert: one row, `authorized` in column 10, the task's columns NULL
// when nothing was inserted for an authorized caller (its task limit).
core::Result<core::Task> created_task(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task insert returned no answer row");
  if (!rows.boolean(0, 10)) return refused();
  if (rows.is_null(0, 0)) return core::Error::failed_precondition(core::kTaskLimitReached);
  return task_from_row(rows, 0);
}

// get/update/toggle: one row, `authorized` in column 10, the task's columns
// NULL when there is none.
core::Result<core::Task> checked_task(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task statement returned no answer row");
  if (!rows.boolean(0, 10)) return refused();
  if (rows.is_null(0, 0)) return core::Error::not_found("Task not found");
  return task_from_row(rows, 0);
}

// One list's rows [begin, end): the page, the total in column 10 of every
// row, `authorized` in 11.
core::Result<core::TaskPage> page_of(const Rows& rows, int begin, int end) {
  if (begin >= end) return core::Error::internal("task list returned no total");
  if (!rows.boolean(begin, 11)) return refused();
  core::TaskPage page;
  page.total = rows.int8(begin, 10);
  page.items.reserve(static_cast<std::size_t>(end - begin));
  for (int row = begin; row < end; ++row) {
    if (rows.is_null(row, 0)) break;  // the empty page's placeholder row
    page.items.push_back(task_from_row(rows, row));
  }
  return page;
}

core::Result<core::TaskPage> page_from(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  return page_of(rows, 0, rows.size());
}

// A PostgreSQL array literal of integers: {1,2,3}.
template <class Field>
std::string int_array(const std::vector<Field>& items, std::int64_t Field::*member) {
  std::string text = "{";
  for (const Field& item : items) {
    if (text.size() > 1) text += ',';
    text += std::to_string(item.*member);
  }
  text += '}';
  return text;
}

// The delete: (authorized, deleted).
core::Result<void> deleted(core::Result<ResultPtr> result) {
  if (!result) return std::move(result).error();
  const Rows rows(result->get());
  if (rows.size() != 1) return core::Error::internal("task delete returned no answer row");
  if (!rows.boolean(0, 0)) return refused();
  if (!rows.boolean(0, 1)) return core::Error::not_found("Task not found");
  return {};
}

Params& optional_bool(Params& params, std::optional<bool> value) {
  return value ? params.boolean(*value) : params.null();
}

Params& optional_priority(Params& params, std::optional<core::Priority> value) {
  return value ? params.text(core::to_string(*value)) : params.null();
}

// Runs `statement` for the caller and hands its rows, decoded by `decode`, to `done`.
template <class T, class Decode>
void run(Database& database, const core::Caller& caller, const Statement& statement, const Params& params,
         Retry retry, core::Completion<T> done, Decode decode) {
  const std::int64_t user = caller.user_id().value();
  database.impl().run(user, statement, params, retry,
                      [done = std::move(done), decode](core::Result<ResultPtr> result) {
                        done(decode(std::move(result)));
                      });
}

}  // namespace

// List batching (docs/decisions/0013). Each sort has a lane. A list that
// finds fewer than kInFlight statements of its lane in flight goes out at
// once, alone, as the plain statement, so an idle server adds no wait.
// Lists that arrive while kInFlight are in flight wait; when one is
// answered, up to kListBatchMax of them go out as one statement
// (kListAllTasksBatchTemplate) before the answers are handed over. Under load one execution, one plan start and one round
// trip then serve many lists. Only with pipelined reads: on the pool, the
// thread that sent a batch would run the next ones too.
class PgTaskRepository::ListBatcher : public std::enable_shared_from_this<PgTaskRepository::ListBatcher> {
 public:
  static constexpr std::size_t kListBatchMax = 32;
  static constexpr std::size_t kInFlight = 2;  // statements per lane

  struct Wanted {
    std::int64_t user;
    std::int64_t version;
    std::int64_t limit;
    std::int64_t offset;
    core::Completion<core::TaskPage> done;
  };

  explicit ListBatcher(Database& database) : database_(database) {}

  void list(std::size_t sort, Wanted wanted) {
    {
      std::lock_guard lock(mutex_);
      if (!database_.impl().reads_pipelined()) {
        // The pipeline was turned off (at shutdown) with batches in flight:
        // their callbacks, and so those of the lists waiting behind them,
        // are dropped uncalled, as the pipeline's own are. Lists now go out
        // one by one on the pool.
        for (Lane& lane : lanes_) {
          lane.in_flight = 0;
          lane.waiting.clear();
        }
      } else if (Lane& lane = lanes_[sort]; lane.in_flight >= kInFlight) {
        lane.waiting.push_back(std::move(wanted));
        return;
      } else {
        ++lane.in_flight;
      }
    }
    std::vector<Wanted> alone;
    alone.push_back(std::move(wanted));
    send(sort, std::move(alone));
  }

 private:
  struct Lane {
    std::size_t in_flight = 0;  // statements of this sort in flight
    std::deque<Wanted> waiting;
  };

  void send(std::size_t sort, std::vector<Wanted> lists) {
    Params params;
    const Statement* statement = nullptr;
    if (lists.size() == 1) {
      const Wanted& only = lists.front();
      params.int8(only.user).int8(only.limit).int8(only.offset).int8(only.version);
      statement = &list_statement(ListForm::Unfiltered, sort);
    } else {
      params.text(int_array(lists, &Wanted::user))
          .text(int_array(lists, &Wanted::limit))
          .text(int_array(lists, &Wanted::offset))
          .text(int_array(lists, &Wanted::version));
      statement = &list_statement(ListForm::Batch, sort);
      database_.impl().count_list_batch(lists.size());
    }
    const std::int64_t user = lists.front().user;
    auto carried = std::make_shared<std::vector<Wanted>>(std::move(lists));
    database_.impl().run(user, *statement, params, Retry::OnceIfLost,
                         [self = shared_from_this(), sort, carried](core::Result<ResultPtr> result) {
                           self->answered(sort, *carried, std::move(result));
                         });
  }

  // The lane's next batch goes out first, then these lists get their pages.
  // On the pool (a pipelined connection being opened, or lost) run()
  // answers before it returns, so this recurses once per batch waiting:
  // at most one per kListBatchMax lists queued, which the open connections
  // bound.
  void answered(std::size_t sort, std::vector<Wanted>& lists, core::Result<ResultPtr> result) {
    std::vector<Wanted> next;
    {
      std::lock_guard lock(mutex_);
      Lane& lane = lanes_[sort];
      if (lane.waiting.empty()) {
        if (lane.in_flight > 0) --lane.in_flight;
      } else {
        const std::size_t take = std::min(lane.waiting.size(), kListBatchMax);
        next.reserve(take);
        for (std::size_t i = 0; i < take; ++i) {
          next.push_back(std::move(lane.waiting.front()));
          lane.waiting.pop_front();
        }
      }
    }
    if (!next.empty()) send(sort, std::move(next));
    deliver(lists, std::move(result));
  }

  // A batch's rows come ordered by the list's position (column 12, from 1).
  static void deliver(std::vector<Wanted>& lists, core::Result<ResultPtr> result) {
    if (!result) {
      for (Wanted& wanted : lists) wanted.done(result.error());
      return;
    }
    const Rows rows(result->get());
    if (lists.size() == 1) {
      lists.front().done(page_of(rows, 0, rows.size()));
      return;
    }
    int row = 0;
    for (std::size_t k = 0; k < lists.size(); ++k) {
      const int begin = row;
      while (row < rows.size() && rows.int8(row, 12) == static_cast<std::int64_t>(k + 1)) ++row;
      lists[k].done(page_of(rows, begin, row));
    }
  }

  Database& database_;
  std::mutex mutex_;
  std::array<Lane, kListSortCount> lanes_;
};

PgTaskRepository::PgTaskRepository(Database& database, std::int64_t max_tasks_per_user)
    : database_(database), max_tasks_(max_tasks_per_user), batcher_(std::make_shared<ListBatcher>(database)) {
  std::vector<Statement> statements{kCreateTask, kGetTask, kUpdateTask, kToggleTask, kDeleteTask};
  for (const Statement& s : list_statements()) statements.push_back(s);
  database_.impl().pipeline_statements(statements);
}

PgTaskRepository::~PgTaskRepository() = default;

void PgTaskRepository::create(const core::Caller& caller, const core::NewTask& task, core::Timestamp now,
                              core::Completion<core::Task> done) {
  Params params;
  params.int8(caller.user_id().value())
      .text(task.title)
      .optional_text(task.description)
      .boolean(task.completed)
      .text(core::to_string(task.priority))
      .optional_text(joined_tags(task.tags))
      .timestamp(task.due_date)
      .timestamp(now)
      .int8(caller.token_version().value())
      .int8(max_tasks_);
  run(database_, caller, kCreateTask, params, Retry::Never, std::move(done), created_task);
}

void PgTaskRepository::get(const core::Caller& caller, core::TaskId id, core::Completion<core::Task> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).int8(caller.token_version().value());
  run(database_, caller, kGetTask, params, Retry::OnceIfLost, std::move(done), checked_task);
}

void PgTaskRepository::list(const core::Caller& caller, const core::TaskQuery& query,
                            core::Completion<core::TaskPage> done) {
  const bool filtered = query.completed || query.priority || query.tag || query.search;
  if (!filtered) {
    batcher_->list(sort_index(query.sort_by, query.order),
                   ListBatcher::Wanted{caller.user_id().value(), caller.token_version().value(), query.limit,
                                       query.offset, std::move(done)});
    return;
  }
  // A filter makes the list count every match, so its cost grows with the
  // user's tasks (up to MAX_TASKS_PER_USER): the fair, separate lane.
  Params params;
  params.int8(caller.user_id().value());
  optional_bool(params, query.completed);
  optional_priority(params, query.priority);
  params.optional_text(query.tag).optional_text(query.search);
  params.int8(query.limit).int8(query.offset).int8(caller.token_version().value());
  database_.impl().run_heavy(caller.user_id().value(),
                             list_statement(ListForm::Filtered, sort_index(query.sort_by, query.order)), params,
                             [done = std::move(done)](core::Result<ResultPtr> result) {
                               done(page_from(std::move(result)));
                             });
}

void PgTaskRepository::update(const core::Caller& caller, core::TaskId id, const core::TaskPatch& patch,
                              core::Timestamp now, core::Completion<core::Task> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).optional_text(patch.title);
  params.boolean(!patch.description.is_keep()).optional_text(patch.description.new_value());
  optional_bool(params, patch.completed);
  optional_priority(params, patch.priority);
  params.boolean(!patch.tags.is_keep())
      .optional_text(patch.tags.new_value() ? joined_tags(*patch.tags.new_value()) : std::nullopt);
  params.boolean(!patch.due_date.is_keep()).timestamp(patch.due_date.new_value());
  params.timestamp(now).int8(caller.token_version().value());
  run(database_, caller, kUpdateTask, params, Retry::Never, std::move(done), checked_task);
}

void PgTaskRepository::toggle_completed(const core::Caller& caller, core::TaskId id, core::Timestamp now,
                                        core::Completion<core::Task> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).timestamp(now).int8(caller.token_version().value());
  run(database_, caller, kToggleTask, params, Retry::Never, std::move(done), checked_task);
}

void PgTaskRepository::remove(const core::Caller& caller, core::TaskId id, core::Completion<void> done) {
  Params params;
  params.int8(id.value()).int8(caller.user_id().value()).int8(caller.token_version().value());
  run(database_, caller, kDeleteTask, params, Retry::Never, std::move(done), deleted);
}

}  // namespace todo::pg
