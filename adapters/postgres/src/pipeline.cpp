#include "pipeline.hpp"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/error_code.hpp>
#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace todo::pg {

namespace net = boost::asio;

namespace {

// A statement's outcome on its way to the caller (callbacks run unlocked).
struct Finished {
  Pipeline::Done done;
  core::Result<ResultPtr> result;
  Pipeline::Fate fate;
};

// Outside the lock. A callback that throws (only allocation can) must not
// keep the others from their answers.
void run_all(std::vector<Finished>& finished) {
  for (auto& f : finished) {
    try {
      f.done(std::move(f.result), f.fate);
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing left to tell
    }
  }
}

// Decrypted bytes OpenSSL holds for libpq beyond what libpq has read.
bool tls_bytes_pending(PGconn* conn) {
  if (PQsslInUse(conn) == 0) return false;
  auto* ssl = static_cast<SSL*>(PQsslStruct(conn, "OpenSSL"));
  return ssl != nullptr && SSL_pending(ssl) > 0;
}

bool succeeded(const PGresult* raw) {
  const ExecStatusType status = PQresultStatus(raw);
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

// Group commit: groups one connection has in flight. One: the statements
// submitted while a group commits make up the next group.
constexpr std::size_t kGroupsInFlight = 1;

}  // namespace

class Pipeline::Slot : public std::enable_shared_from_this<Pipeline::Slot> {
 public:
  Slot(Pool& pool, net::io_context& context, std::vector<Statement> statements,
       std::shared_ptr<Pipeline::Counters> counters, std::size_t group_max, bool serial, bool keyed)
      : pool_(pool),
        context_(context),
        statements_(std::move(statements)),
        counters_(std::move(counters)),
        group_max_(group_max),
        serial_(serial),
        keyed_(keyed) {
    for (const auto& s : statements_) names_.insert(s.name);
  }

  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() = default;

  // Statements taken and not yet answered (lock-free, a moment old).
  std::size_t load() const noexcept { return load_.load(std::memory_order_relaxed); }

  bool submit(const Statement& statement, const Params& params, Done& done, std::int64_t key) {
    if (names_.count(statement.name) == 0) return false;
    std::vector<Finished> finished;
    bool taken = false;
    {
      std::unique_lock lock(mutex_);
      if (shut_ || (!connection_ && !open(lock))) return false;
      if (grouped()) {
        // Taken now: from here on the callback tells how it ended (a
        // statement that never went out comes back Unsent).
        queued_.push_back(Pending{std::move(done), std::nullopt, statement, params, key, false, true});
        counters_->in_flight.fetch_add(1, std::memory_order_relaxed);
        publish_load();
        taken = true;
        send_groups(finished);
        settle(finished);
      } else {
        PGconn* conn = connection_->native();
        if (!connection_->send(statement, params) || PQpipelineSync(conn) == 0) {
          // The connection failed under this statement: it is not taken (the
          // caller runs it another way), and the ones before it are lost
          // with the connection.
          lose_all(finished);
        } else {
          pending_.push_back(Pending{std::move(done), std::nullopt, statement, {}, key, false, true});
          ++units_;
          publish_load();
          counters_->statements.fetch_add(1, std::memory_order_relaxed);
          counters_->in_flight.fetch_add(1, std::memory_order_relaxed);
          taken = true;
          flush(finished);
          settle(finished);
        }
      }
    }
    run_all(finished);
    return taken;
  }

  // Drops the connection and every outstanding statement, callbacks uncalled.
  void shut_down() {
    std::lock_guard lock(mutex_);
    shut_ = true;
    counters_->in_flight.fetch_sub(pending_.size() + queued_.size(), std::memory_order_relaxed);
    pending_.clear();
    queued_.clear();
    units_ = 0;
    publish_load();
    close();
  }

 private:
  struct Pending {
    Done done;
    std::optional<core::Result<ResultPtr>> result;  // the statement's result
    Statement statement;
    Params params;       // group commit: kept until its transaction commits
    std::int64_t key;    // group commit: the user whose rows it writes
    bool alone;          // group commit: its group failed; it commits on its own
    bool ends_unit;      // its transaction's Sync follows it
  };

  bool grouped() const noexcept { return serial_ || group_max_ > 1; }
  void publish_load() noexcept { load_.store(pending_.size() + queued_.size(), std::memory_order_relaxed); }

  // Called with the lock held and no connection: opens one without the lock
  // (so the others fall back instead of waiting for the connect).
  bool open(std::unique_lock<std::mutex>& lock) {
    if (opening_) return false;
    opening_ = true;
    lock.unlock();
    std::unique_ptr<Connection> opened;
    try {
      opened = connect();
    } catch (...) {
      lock.lock();
      opening_ = false;
      throw;
    }
    lock.lock();
    opening_ = false;
    if (!opened || shut_) return false;
    socket_.emplace(context_, PQsocket(opened->native()));
    connection_ = std::move(opened);
    counters_->open.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  std::unique_ptr<Connection> connect() {
    auto opened = pool_.open_dedicated();
    if (!opened) return nullptr;
    std::unique_ptr<Connection> connection = std::move(*opened);
    for (const auto& statement : statements_) {
      if (!connection->prepare(statement)) return nullptr;
    }
    PGconn* conn = connection->native();
    if (PQsetnonblocking(conn, 1) != 0 || PQenterPipelineMode(conn) == 0) return nullptr;
    return connection;
  }

  // Lock held, group commit: while fewer than kGroupsInFlight transactions
  // are in flight, sends the next one from the queue: a statement whose
  // group failed, alone; otherwise up to group_max_ statements, the first
  // waiting of each key (later ones of a key keep their place), sorted by key.
  void send_groups(std::vector<Finished>& finished) {
    while (connection_ && units_ < kGroupsInFlight && !queued_.empty()) {
      std::vector<Pending> unit;
      if (queued_.front().alone) {
        unit.push_back(std::move(queued_.front()));
        queued_.pop_front();
      } else {
        std::deque<Pending> rest;
        std::vector<std::int64_t> keys;
        for (auto& p : queued_) {
          const bool fits = unit.size() < group_max_ && !p.alone &&
                            (!keyed_ || std::find(keys.begin(), keys.end(), p.key) == keys.end());
          if (fits) {
            keys.push_back(p.key);
            unit.push_back(std::move(p));
          } else {
            rest.push_back(std::move(p));
          }
        }
        queued_ = std::move(rest);
        std::stable_sort(unit.begin(), unit.end(),
                         [](const Pending& a, const Pending& b) { return a.key < b.key; });
      }
      if (!send_unit(unit, finished)) return;
    }
    if (connection_) flush(finished);
  }

  // Lock held: one transaction's statements, then its Sync. Until the Sync
  // is queued nothing of it can commit, so a failure on the way gives them
  // back Unsent (and loses the transactions sent before).
  bool send_unit(std::vector<Pending>& unit, std::vector<Finished>& finished) {
    PGconn* conn = connection_->native();
    bool sent = true;
    for (const auto& p : unit) {
      if (!connection_->send(p.statement, p.params)) {
        sent = false;
        break;
      }
    }
    if (sent && PQpipelineSync(conn) == 0) sent = false;
    if (!sent) {
      for (auto& p : unit) {
        finished.push_back(Finished{std::move(p.done), core::Error::unavailable(kUnavailableMessage), Fate::Unsent});
      }
      counters_->in_flight.fetch_sub(unit.size(), std::memory_order_relaxed);
      lose_all(finished);
      return false;
    }
    counters_->statements.fetch_add(unit.size(), std::memory_order_relaxed);
    counters_->groups.fetch_add(1, std::memory_order_relaxed);
    for (auto& p : unit) {
      p.ends_unit = false;
      pending_.push_back(std::move(p));
    }
    pending_.back().ends_unit = true;
    ++units_;
    publish_load();
    return true;
  }

  // Lock held. Makes sure the socket is watched while results are owed.
  // Queuing a wait on an idle descriptor re-arms it in epoll
  // (EPOLL_CTL_MOD), which reports bytes already in the socket, so nothing
  // the kernel holds is missed. What the kernel no longer shows is handled
  // in settle().
  void watch() {
    if (read_armed_) return;
    read_armed_ = true;
    socket_->async_wait(net::posix::stream_descriptor::wait_read,
                        [self = shared_from_this(), generation = generation_](boost::system::error_code ec) {
                          self->on_readable(generation, true, ec);
                        });
  }

  // Lock held, after any libpq call that may have read the socket. Results
  // can sit where epoll cannot see them: libpq reads the socket while it
  // sends (pqSendSome) without parsing, and OpenSSL may hold decrypted bytes
  // beyond what libpq took. So: take what libpq holds, read again soon if
  // OpenSSL holds more, and watch the socket while results are owed.
  void settle(std::vector<Finished>& finished) {
    if (!connection_ || pending_.empty()) return;
    take(finished);
    if (!connection_ || pending_.empty()) return;
    watch();
    if (tls_bytes_pending(connection_->native())) {
      net::post(context_, [self = shared_from_this(), generation = generation_] {
        self->on_readable(generation, false, {});
      });
    }
  }

  void on_readable(std::uint64_t generation, bool from_wait, boost::system::error_code ec) {
    std::vector<Finished> finished;
    {
      std::lock_guard lock(mutex_);
      if (generation != generation_) return;  // an earlier connection's wait
      if (from_wait) read_armed_ = false;
      if (!connection_ || ec == net::error::operation_aborted) return;
      read(finished);
      if (connection_) flush(finished);
      settle(finished);
    }
    run_all(finished);
  }

  void on_writable(std::uint64_t generation, boost::system::error_code ec) {
    std::vector<Finished> finished;
    {
      std::lock_guard lock(mutex_);
      if (generation != generation_) return;
      write_armed_ = false;
      if (!connection_ || ec == net::error::operation_aborted) return;
      read(finished);  // libpq's advice: take input while output is stuck
      if (connection_) flush(finished);
      settle(finished);
    }
    run_all(finished);
  }

  // Lock held: sends what libpq buffered; waits for room when the socket is full.
  void flush(std::vector<Finished>& finished) {
    const int left = PQflush(connection_->native());
    if (left < 0) {
      lose_all(finished);
    } else if (left > 0 && !write_armed_) {
      write_armed_ = true;
      socket_->async_wait(net::posix::stream_descriptor::wait_write,
                          [self = shared_from_this(), generation = generation_](boost::system::error_code ec) {
                            self->on_writable(generation, ec);
                          });
    }
  }

  // Lock held: reads the socket, then takes what arrived.
  void read(std::vector<Finished>& finished) {
    if (PQconsumeInput(connection_->native()) == 0) {
      lose_all(finished);
      return;
    }
    take(finished);
  }

  // Lock held: completes every transaction whose results libpq already
  // holds (no socket read). Each statement yields one result (its rows, its
  // error, or PGRES_PIPELINE_ABORTED after an earlier error), then a null;
  // its transaction's Sync yields PGRES_PIPELINE_SYNC. Then, with group
  // commit, sends the next group.
  void take(std::vector<Finished>& finished) {
    PGconn* conn = connection_->native();
    int nulls = 0;
    while (!pending_.empty() && PQisBusy(conn) == 0) {
      PGresult* raw = PQgetResult(conn);
      if (raw == nullptr) {
        if (++nulls > 1) break;  // nothing more to take now
        continue;
      }
      nulls = 0;
      if (PQresultStatus(raw) == PGRES_PIPELINE_SYNC) {
        PQclear(raw);
        complete_unit(finished);
        continue;
      }
      const bool ok = succeeded(raw);
      Pending& current = pending_[cursor_];
      if (!current.result) {
        current.result = connection_->check(raw);
        if (!current.ends_unit) ++cursor_;
      } else {
        // A result beyond the statements' own (an error at commit): the
        // transaction did not commit, whatever its statements answered.
        core::Result<ResultPtr> extra = connection_->check(raw);
        if (!ok && !unit_error_) unit_error_ = extra ? core::Error::internal("commit failed") : extra.error();
      }
      if (!ok) unit_failed_ = true;
      if (connection_->broken()) break;
    }
    if (connection_->broken() || PQstatus(conn) == CONNECTION_BAD) {
      lose_all(finished);
      return;
    }
    if (grouped()) send_groups(finished);
  }

  // Lock held: the transaction at the front got its Sync. Hands each of its
  // statements its result, or, when it failed with more than one statement,
  // queues them again at the front to commit one by one.
  void complete_unit(std::vector<Finished>& finished) {
    std::size_t size = 0;
    while (size < pending_.size() && !pending_[size].ends_unit) ++size;
    size = std::min(size + 1, pending_.size());
    if (unit_failed_ && size > 1) {
      counters_->group_retries.fetch_add(1, std::memory_order_relaxed);
      for (std::size_t i = size; i-- > 0;) {
        Pending again = std::move(pending_[i]);
        again.result.reset();
        again.alone = true;
        again.ends_unit = true;
        queued_.push_front(std::move(again));
      }
    } else {
      for (std::size_t i = 0; i < size; ++i) {
        Pending& p = pending_[i];
        core::Result<ResultPtr> result =
            p.result ? std::move(*p.result)
                     : core::Result<ResultPtr>(core::Error::internal("pipelined statement without a result"));
        if (result && unit_failed_) {
          result = unit_error_ ? *unit_error_ : core::Error::internal("pipelined transaction failed");
        }
        finished.push_back(Finished{std::move(p.done), std::move(result), Fate::Answered});
      }
      counters_->in_flight.fetch_sub(size, std::memory_order_relaxed);
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(size));
    if (units_ > 0) --units_;
    cursor_ = 0;
    unit_failed_ = false;
    unit_error_.reset();
    publish_load();
  }

  // Lock held: the connection is gone. Every statement sent is lost; every
  // one still queued never went out.
  void lose_all(std::vector<Finished>& finished) {
    pool_.note_reachable(false);
    for (auto& p : pending_) {
      finished.push_back(Finished{std::move(p.done), core::Error::unavailable(kUnavailableMessage), Fate::Lost});
    }
    for (auto& p : queued_) {
      finished.push_back(Finished{std::move(p.done), core::Error::unavailable(kUnavailableMessage), Fate::Unsent});
    }
    counters_->in_flight.fetch_sub(pending_.size() + queued_.size(), std::memory_order_relaxed);
    pending_.clear();
    queued_.clear();
    units_ = 0;
    cursor_ = 0;
    unit_failed_ = false;
    unit_error_.reset();
    publish_load();
    close();
  }

  // Lock held. Waits of this connection still queued finish with
  // operation_aborted and are ignored by their generation.
  void close() {
    ++generation_;
    read_armed_ = false;
    write_armed_ = false;
    if (socket_) {
      (void)socket_->release();  // the descriptor is libpq's to close
      socket_.reset();
    }
    if (connection_) counters_->open.fetch_sub(1, std::memory_order_relaxed);
    connection_.reset();
  }

  Pool& pool_;
  net::io_context& context_;
  const std::vector<Statement> statements_;
  const std::shared_ptr<Pipeline::Counters> counters_;
  const std::size_t group_max_;
  const bool serial_;  // one transaction in flight even with group_max_ 1
  const bool keyed_;   // at most one statement per key in a group (writes)
  std::unordered_set<std::string_view> names_;
  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
  std::optional<net::posix::stream_descriptor> socket_;
  std::deque<Pending> pending_;  // sent, in order; each transaction ends with ends_unit
  std::deque<Pending> queued_;   // group commit: taken, not yet sent
  std::size_t units_ = 0;        // transactions sent whose Sync has not come back
  std::size_t cursor_ = 0;       // the statement in pending_ whose result comes next
  bool unit_failed_ = false;     // the front transaction had an error
  std::optional<core::Error> unit_error_;  // an error beyond its statements' own
  std::atomic<std::size_t> load_{0};  // pending_ + queued_, for Pipeline::submit's choice
  std::uint64_t generation_ = 0;
  bool opening_ = false;
  bool shut_ = false;  // shut_down() ran: nothing is taken any more
  bool read_armed_ = false;
  bool write_armed_ = false;
};

Pipeline::Pipeline(Pool& pool, net::io_context& context, std::size_t connections,
                   const std::vector<Statement>& statements, std::size_t group_max, bool serial, bool keyed) {
  for (std::size_t i = 0; i < connections; ++i) {
    slots_.push_back(std::make_shared<Slot>(pool, context, statements, counters_, std::max<std::size_t>(group_max, 1), serial, keyed));
  }
}

Pipeline::~Pipeline() {
  for (auto& slot : slots_) slot->shut_down();
}

bool Pipeline::submit(const Statement& statement, const Params& params, Done& done, std::int64_t key) {
  if (slots_.empty()) return false;
  const std::size_t n = slots_.size();
  // The least loaded connection first (ties in turn), so a statement does
  // not queue behind another's while a connection sits idle; then the
  // others in turn, which may take it while that one is being opened.
  std::size_t first = next_.fetch_add(1, std::memory_order_relaxed) % n;
  for (std::size_t i = 1; i < n; ++i) {
    const std::size_t candidate = (first + i) % n;
    if (slots_[candidate]->load() < slots_[first]->load()) first = candidate;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (slots_[(first + i) % n]->submit(statement, params, done, key)) return true;
  }
  return false;
}

}  // namespace todo::pg
