#include "connection.hpp"

#include <poll.h>

#include <cassert>
#include <cerrno>
#include <cstring>

namespace todo::pg {
namespace {

using std::chrono::steady_clock;

// PostgreSQL's binary timestamps count microseconds from 2000-01-01 UTC.
constexpr std::int64_t kPostgresEpochUnixSeconds = 946'684'800;

std::uint64_t read_big_endian(const char* bytes, int length) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < length; ++i) {
    value = (value << 8U) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

// Waits until `socket` is ready for `events` or `deadline` passes.
bool wait_socket(int socket, short events, Deadline deadline) {
  if (socket < 0) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{socket, events, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

// SQLSTATEs after which the session is gone or the server cannot serve it
// now: class 08 (connection exception), 57P01 admin_shutdown, 57P02
// crash_shutdown, 57P03 cannot_connect_now.
bool is_connection_loss(std::string_view sqlstate) noexcept {
  return sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

// Transient server-side conditions a caller may retry later: class 53
// (insufficient resources, e.g. too many connections), 57014 (statement
// timeout / cancel), 40001 and 40P01 (serialization failure, deadlock).
bool is_transient(std::string_view sqlstate) noexcept {
  return sqlstate.substr(0, 2) == "53" || sqlstate == "57014" || sqlstate == "40001" ||
         sqlstate == "40P01";
}

}  // namespace

Params& Params::text(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

Params& Params::optional_text(const std::optional<std::string>& value) {
  values_.push_back(value);
  return *this;
}

Params& Params::int8(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

Params& Params::boolean(bool value) {
  values_.emplace_back(value ? "t" : "f");
  return *this;
}

Params& Params::timestamp(core::Timestamp value) {
  // RFC 3339 with 'Z': read exactly, whatever the session's DateStyle/TimeZone.
  values_.emplace_back(core::format_timestamp(value));
  return *this;
}

Params& Params::timestamp(const std::optional<core::Timestamp>& value) {
  return value ? timestamp(*value) : null();
}

Params& Params::null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

std::int64_t Rows::int8(int row, int col) const noexcept {
  assert(PQgetlength(result_, row, col) == 8);
  return static_cast<std::int64_t>(read_big_endian(PQgetvalue(result_, row, col), 8));
}

bool Rows::boolean(int row, int col) const noexcept {
  assert(PQgetlength(result_, row, col) == 1);
  return PQgetvalue(result_, row, col)[0] != 0;
}

std::string Rows::text(int row, int col) const {
  return std::string(PQgetvalue(result_, row, col),
                     static_cast<std::size_t>(PQgetlength(result_, row, col)));
}

std::optional<std::string> Rows::optional_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

core::Timestamp Rows::timestamp(int row, int col) const noexcept {
  const std::int64_t since_2000 = int8(row, col);
  return core::Timestamp(std::chrono::seconds(kPostgresEpochUnixSeconds) +
                         std::chrono::microseconds(since_2000));
}

std::optional<core::Timestamp> Rows::optional_timestamp(int row, int col) const noexcept {
  if (is_null(row, col)) return std::nullopt;
  return timestamp(row, col);
}

core::Result<std::unique_ptr<Connection>> Connection::open(const std::vector<const char*>& keywords,
                                                           const std::vector<const char*>& values,
                                                           Deadline deadline, std::string& failure,
                                                           bool named) {
  // Non-blocking connect so the whole attempt (DNS, TCP, TLS, auth) honours
  // the deadline; libpq's own connect_timeout applies per address tried.
  PGconn* raw = PQconnectStartParams(keywords.data(), values.data(), 1);
  if (raw == nullptr) return core::Error::internal("out of memory opening a database connection");
  std::unique_ptr<Connection> connection(new Connection(raw, named));
  const auto fail = [&failure](std::string reason) {
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    failure = std::move(reason);
    return core::Error::unavailable(kUnavailableMessage);
  };
  if (PQstatus(raw) == CONNECTION_BAD) return fail(PQerrorMessage(raw));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) return fail(PQerrorMessage(raw));
    const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (!wait_socket(PQsocket(raw), events, deadline)) return fail("timed out opening a connection");
    state = PQconnectPoll(raw);
  }
  // Notices ("relation ... already exists, skipping") are not errors and
  // libpq would print them on stderr; the server log keeps them.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  // Every statement here is keyed by a primary key or by user_id, which the
  // planner serves from an index whatever the values: one generic plan per
  // prepared statement is as good as a custom one. Left to itself (auto),
  // PostgreSQL kept re-planning the list statements on every execution
  // (custom plans: their "$n IS NULL OR ..." filters make the generic plan
  // look costlier), and planning took twice as long as running the query
  // (0.10 ms vs 0.05 ms for a 20-task page; docs/performance.md).
  // A server that refuses the setting (before PostgreSQL 12) just keeps
  // its default; only a lost connection fails the open.
  // Behind a transaction pooler no session setting is made (it would land
  // on whichever server connection the pooler picked), and unnamed
  // statements are planned on every run anyway.
  if (named && !connection->simple_command("SET plan_cache_mode = force_generic_plan", deadline) &&
      connection->broken()) {
    return fail(PQerrorMessage(raw));
  }
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::usable() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    return false;
  }
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (::poll(&fd, 1, 0) != 0) {
    // Nothing is expected while idle (we never LISTEN): the server is
    // saying goodbye or the socket failed.
    broken_ = true;
    return false;
  }
  return true;
}

bool Connection::idle_in_transaction() const noexcept {
  return PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

core::Result<ResultPtr> Connection::check(PGresult* raw) {
  ResultPtr result(raw);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;

  const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view sqlstate = state ? state : "";
  if (PQstatus(conn_) == CONNECTION_BAD || is_connection_loss(sqlstate) ||
      (result == nullptr)) {
    broken_ = true;
    return core::Error::unavailable(kUnavailableMessage);
  }
  if (sqlstate == "23505") {
    const char* constraint = PQresultErrorField(result.get(), PG_DIAG_CONSTRAINT_NAME);
    return core::Error::already_exists(std::string(kUniqueViolationPrefix) +
                                       (constraint ? constraint : ""));
  }
  if (is_transient(sqlstate)) return core::Error::unavailable(kUnavailableMessage);
  const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
  return core::Error::internal("database error " + std::string(sqlstate) + ": " +
                               (primary ? primary : "unknown"));
}

core::Result<void> Connection::prepare(const Statement& statement) {
  if (!named_ || prepared_.count(statement.name) != 0) return {};
  auto prepared = check(PQprepare(conn_, statement.name, statement.sql, 0, nullptr));
  if (!prepared) return std::move(prepared).error();
  prepared_.insert(statement.name);
  return {};
}

core::Result<ResultPtr> Connection::exec(const Statement& statement, const Params& params) {
  if (auto prepared = prepare(statement); !prepared) return std::move(prepared).error();
  const auto values = params.pointers();
  if (!named_) {
    return check(PQexecParams(conn_, statement.sql, params.size(), nullptr, values.data(), nullptr, nullptr, 1));
  }
  return check(PQexecPrepared(conn_, statement.name, params.size(), values.data(), nullptr,
                              nullptr, 1));
}

bool Connection::send(const Statement& statement, const Params& params) {
  const auto values = params.pointers();
  if (!named_) {
    return PQsendQueryParams(conn_, statement.sql, params.size(), nullptr, values.data(), nullptr, nullptr, 1) != 0;
  }
  return PQsendQueryPrepared(conn_, statement.name, params.size(), values.data(), nullptr, nullptr, 1) != 0;
}

core::Result<ResultPtr> Connection::exec_script(const char* sql) { return check(PQexec(conn_, sql)); }

bool Connection::ping(Deadline deadline) { return simple_command("SELECT 1", deadline); }

bool Connection::simple_command(const char* sql, Deadline deadline) {
  if (PQsendQuery(conn_, sql) == 0) {
    broken_ = true;
    return false;
  }
  // Sends are small and the socket is in blocking mode, so PQsendQuery has
  // flushed already; only the reply needs a deadline.
  bool ok = false;
  for (;;) {
    if (PQconsumeInput(conn_) == 0) {
      broken_ = true;
      return false;
    }
    if (PQisBusy(conn_) != 0) {
      if (!wait_socket(PQsocket(conn_), POLLIN, deadline)) {
        broken_ = true;
        return false;
      }
      continue;
    }
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) break;
    const ExecStatusType status = PQresultStatus(result);
    ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
    PQclear(result);
  }
  if (PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
  return ok && !broken_;
}

Transaction::~Transaction() {
  if (open_) (void)connection_.exec_script("ROLLBACK");
}

core::Result<void> Transaction::begin() {
  auto result = connection_.exec_script("BEGIN");
  if (!result) return std::move(result).error();
  open_ = true;
  return {};
}

core::Result<void> Transaction::commit() {
  auto result = connection_.exec_script("COMMIT");
  open_ = false;
  if (!result) return std::move(result).error();
  return {};
}

}  // namespace todo::pg
