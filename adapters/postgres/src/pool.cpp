#include "todo/pg/pool.hpp"

#include <cassert>
#include <cstdlib>
#include <string_view>
#include <stdexcept>
#include <thread>
#include <utility>

#include "connection.hpp"

namespace todo::pg {
namespace {

using std::chrono::steady_clock;

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

}  // namespace

std::size_t default_pool_size() noexcept {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 4 : 2 * static_cast<std::size_t>(cores);
}

Pool::Lease::Lease(Pool& pool, std::unique_ptr<Connection> connection) noexcept
    : pool_(&pool), connection_(std::move(connection)) {}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}

Pool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
  if (options_.size == 0) throw std::invalid_argument("database pool size must be at least 1");
  if (!options_.conninfo.empty()) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> parsed(
        PQconninfoParse(options_.conninfo.c_str(), &error));
    if (!parsed) {
      std::string reason = error ? error : "out of memory";
      PQfreemem(error);
      while (!reason.empty() && reason.back() == '\n') reason.pop_back();
      // libpq's message quotes at most a keyword, never the password.
      throw std::invalid_argument("invalid database connection string: " + reason);
    }
    // The connect is non-blocking and timed by us, so libpq would ignore a
    // connect_timeout written in the URL: honour it here instead.
    for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
      if (o->val == nullptr || std::string_view(o->keyword) != "connect_timeout") continue;
      const long seconds = std::strtol(o->val, nullptr, 10);
      if (seconds > 0) options_.connect_timeout = std::chrono::seconds(seconds);
    }
  }
  // Defaults first: libpq lets entries after the expanded connection string
  // override it, and entries before it be overridden by it, so whatever the
  // operator wrote in the URL wins. Keepalives let a dead peer be noticed
  // on idle connections rather than when a request hangs on one.
  keywords_ = {"fallback_application_name", "keepalives", "keepalives_idle",
               "keepalives_interval", "keepalives_count", "dbname"};
  values_ = {"todo-server", "1", "30", "10", "3", options_.conninfo};
}

Pool::~Pool() {
  std::lock_guard lock(mutex_);
  // Every lease must be back: a Lease outliving its Pool is a bug.
  assert(idle_.size() == open_);
}

core::Result<Pool::Lease> Pool::acquire() {
  bool exhausted = false;
  return acquire_until(steady_clock::now() + options_.acquire_timeout, exhausted);
}

core::Result<Pool::Lease> Pool::acquire_fresh() {
  bool exhausted = false;
  return acquire_until(steady_clock::now() + options_.acquire_timeout, exhausted, true);
}

core::Result<Pool::Lease> Pool::acquire_until(Deadline deadline, bool& exhausted, bool fresh) {
  exhausted = false;
  std::vector<std::unique_ptr<Connection>> dropped;  // closed after unlocking
  std::unique_lock lock(mutex_);
  // Under mutex_: keeps the lock-free mirrors for stats() current.
  const auto publish = [this] {
    open_count_.store(open_, std::memory_order_relaxed);
    idle_count_.store(idle_.size(), std::memory_order_relaxed);
  };
  for (;;) {
    if (fresh && open_ >= options_.size && !idle_.empty()) {
      // Make room for the new connection: an idle one may be as dead as
      // the one the caller just lost (a restart kills them all, and the
      // farewell may not have arrived yet).
      dropped.push_back(std::move(idle_.back()));
      idle_.pop_back();
      --open_;
    }
    while (!fresh && !idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->usable()) {
        publish();
        return Lease(*this, std::move(connection));
      }
      dropped.push_back(std::move(connection));
      --open_;
    }
    if (open_ < options_.size) {
      const auto now = steady_clock::now();
      if (now < connect_blocked_until_) {
        publish();
        acquire_errors_.fetch_add(1, std::memory_order_relaxed);
        return core::Error::unavailable(kUnavailableMessage);
      }
      ++open_;
      publish();
      lock.unlock();
      dropped.clear();
      std::string failure;
      auto opened = connect(failure);
      lock.lock();
      if (opened) {
        reachable_.store(true);
        return Lease(*this, std::move(*opened));
      }
      --open_;
      publish();
      note_connect_failure(std::move(failure));
      return std::move(opened).error();
    }
    publish();
    waiting_.fetch_add(1, std::memory_order_relaxed);
    const std::cv_status woke = available_.wait_until(lock, deadline);
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    if (woke == std::cv_status::timeout && idle_.empty() && open_ >= options_.size) {
      exhausted = true;
      acquire_timeouts_.fetch_add(1, std::memory_order_relaxed);
      return core::Error::unavailable(kUnavailableMessage);
    }
  }
}

core::Result<std::unique_ptr<Connection>> Pool::connect(std::string& failure,
                                                       const char* application_name) const {
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (const auto& k : keywords_) keywords.push_back(k.c_str());
  for (const auto& v : values_) values.push_back(v.c_str());
  values[0] = application_name;  // fallback_application_name: the URL's own wins
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  const bool named = !options_.transaction_pooler;
  auto opened = Connection::open(keywords, values, steady_clock::now() + options_.connect_timeout, failure, named);
  if (opened && named && options_.statement_timeout.count() > 0) {
    const std::string set = "SET statement_timeout = " + std::to_string(options_.statement_timeout.count());
    if (auto done = (*opened)->exec_script(set.c_str()); !done) {
      failure = "cannot set statement_timeout: " + done.error().message;
      return std::move(done).error();
    }
  }
  return opened;
}

void Pool::note_connect_failure(std::string failure) {
  acquire_errors_.fetch_add(1, std::memory_order_relaxed);
  connect_blocked_until_ = steady_clock::now() + options_.reconnect_backoff;
  last_failure_ = std::move(failure);
  reachable_.store(false);
  available_.notify_all();  // waiters give up quickly instead of queueing to fail
}

core::Result<std::unique_ptr<Connection>> Pool::open_dedicated() {
  {
    std::lock_guard lock(mutex_);
    if (steady_clock::now() < connect_blocked_until_) {
      return core::Error::unavailable(kUnavailableMessage);
    }
  }
  std::string failure;
  auto opened = connect(failure, "todo-server-pipeline");
  if (opened) {
    reachable_.store(true);
    return opened;
  }
  std::lock_guard lock(mutex_);
  note_connect_failure(std::move(failure));
  return std::move(opened).error();
}

void Pool::give_back(std::unique_ptr<Connection> connection) noexcept {
  const bool keep = !connection->broken() && !connection->idle_in_transaction();
  {
    std::lock_guard lock(mutex_);
    if (keep) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
    open_count_.store(open_, std::memory_order_relaxed);
    idle_count_.store(idle_.size(), std::memory_order_relaxed);
  }
  available_.notify_one();
  // A dropped connection is closed here, outside the lock.
}

bool Pool::ping(std::chrono::milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  bool exhausted = false;
  auto lease = acquire_until(deadline, exhausted);
  if (!lease) {
    // Every connection busy means the database is answering someone.
    return exhausted && reachable();
  }
  const bool ok = lease->connection().ping(deadline);
  note_reachable(ok);
  return ok;
}

bool Pool::reachable() const noexcept { return reachable_.load(); }

void Pool::note_reachable(bool reachable) noexcept { reachable_.store(reachable); }

std::size_t Pool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

PoolStats Pool::stats() const noexcept {
  PoolStats stats;
  stats.size = options_.size;
  stats.open = open_count_.load(std::memory_order_relaxed);
  stats.idle = idle_count_.load(std::memory_order_relaxed);
  stats.in_use = stats.open > stats.idle ? stats.open - stats.idle : 0;
  stats.waiting = waiting_.load(std::memory_order_relaxed);
  stats.acquire_timeouts = acquire_timeouts_.load(std::memory_order_relaxed);
  stats.acquire_errors = acquire_errors_.load(std::memory_order_relaxed);
  return stats;
}

std::string Pool::last_failure() const {
  std::lock_guard lock(mutex_);
  return last_failure_;
}

}  // namespace todo::pg
