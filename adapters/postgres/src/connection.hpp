#pragma once
// RAII over libpq (private to the adapter): an owned PGconn with its prepared
// statements, owned PGresults, text-format parameters, binary-format rows, and
// the mapping from libpq/SQLSTATE failures to core errors.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "todo/core/result.hpp"
#include "todo/core/time.hpp"

namespace todo::pg {

using Deadline = std::chrono::steady_clock::time_point;

inline constexpr const char* kUnavailableMessage = "database unavailable";

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// A statement with a fixed name, prepared once per connection on first use
// (userver style). Both strings have static storage.
struct Statement {
  const char* name;
  const char* sql;
};

// Parameters in text format: PostgreSQL parses each with its type's input
// function, which is exact for integers and for RFC 3339 timestamps.
class Params {
 public:
  Params& text(std::string_view value);
  Params& optional_text(const std::optional<std::string>& value);
  Params& int8(std::int64_t value);
  Params& boolean(bool value);
  Params& timestamp(core::Timestamp value);
  Params& timestamp(const std::optional<core::Timestamp>& value);
  Params& null();

  int size() const noexcept { return static_cast<int>(values_.size()); }
  // Pointers into this object, valid until it changes.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// Read access to a binary-format result. Column types are fixed by the SQL
// (bigint, boolean, text, timestamptz), so each accessor knows its decoding.
class Rows {
 public:
  explicit Rows(const PGresult* result) noexcept : result_(result) {}
  int size() const noexcept { return PQntuples(result_); }
  bool is_null(int row, int col) const noexcept { return PQgetisnull(result_, row, col) != 0; }
  std::int64_t int8(int row, int col) const noexcept;
  bool boolean(int row, int col) const noexcept;
  std::string text(int row, int col) const;
  std::optional<std::string> optional_text(int row, int col) const;
  core::Timestamp timestamp(int row, int col) const noexcept;
  std::optional<core::Timestamp> optional_timestamp(int row, int col) const noexcept;

 private:
  const PGresult* result_;
};

class Connection {
 public:
  // Opens a connection without blocking past `deadline`. Unavailable (with
  // libpq's reason in `failure`) when the server cannot be reached or refuses.
  // `named`: statements are prepared once under their names; otherwise
  // each run sends its SQL as an unnamed statement (transaction poolers)
  // and no session setting is made.
  static core::Result<std::unique_ptr<Connection>> open(const std::vector<const char*>& keywords,
                                                        const std::vector<const char*>& values,
                                                        Deadline deadline, std::string& failure,
                                                        bool named = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Whether it can take a command: open, outside any transaction, and with a
  // quiet socket. A server that shut down (or terminated this backend) has
  // sent its farewell and closed the socket, which shows up here as input.
  bool usable();
  // Set once the connection is known to be lost; it is then dropped.
  bool broken() const noexcept { return broken_; }
  bool idle_in_transaction() const noexcept;

  // Runs a prepared statement; rows come back in binary format.
  core::Result<ResultPtr> exec(const Statement& statement, const Params& params);
  // Simple query protocol, for transaction control and migration scripts.
  core::Result<ResultPtr> exec_script(const char* sql);
  // A "SELECT 1" round trip that gives up at `deadline` (the connection is
  // then marked broken, since a reply may still be on its way).
  bool ping(Deadline deadline);

  // Prepares `statement` now unless it already is (exec() does this on
  // first use); for connections about to enter pipeline mode.
  core::Result<void> prepare(const Statement& statement);
  // Takes ownership of a result and maps a failure to a core error, as
  // exec() does (marking the connection broken when it was lost).
  core::Result<ResultPtr> check(PGresult* raw);
  void mark_broken() noexcept { broken_ = true; }
  // For the pipeline (pipeline.cpp), which drives libpq's asynchronous API.
  PGconn* native() const noexcept { return conn_; }
  bool named() const noexcept { return named_; }
  // Queues `statement` in pipeline mode (PQsendQueryPrepared, or
  // PQsendQueryParams when unnamed); false when libpq refused it.
  bool send(const Statement& statement, const Params& params);

 private:
  Connection(PGconn* conn, bool named) noexcept : conn_(conn), named_(named) {}
  // One simple-protocol command that gives up at `deadline` (the connection
  // is then marked broken): true when it succeeded.
  bool simple_command(const char* sql, Deadline deadline);

  PGconn* conn_;
  std::unordered_set<std::string_view> prepared_;
  bool broken_ = false;
  bool named_ = true;
};

// Rolls back unless committed (the connection is then marked broken if even
// the rollback fails, so the pool drops it).
class Transaction {
 public:
  explicit Transaction(Connection& connection) noexcept : connection_(connection) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  core::Result<void> begin();
  core::Result<void> commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

// The constraint name of a unique violation (SQLSTATE 23505) is carried in
// the AlreadyExists error's message, for the repository to translate.
inline constexpr std::string_view kUniqueViolationPrefix = "unique violation: ";

}  // namespace todo::pg
