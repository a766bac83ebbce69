#pragma once
// Runs one repository operation on a pooled connection.

#include <type_traits>
#include <utility>

#include "connection.hpp"
#include "todo/pg/pool.hpp"

namespace todo::pg {

enum class Retry {
  // Writes: a connection lost mid-statement leaves the outcome unknown, so
  // the caller gets Unavailable rather than a possible double write. (Pooled
  // connections whose server went away are weeded out before use, see
  // Connection::usable, so a restart does not fail the first write.)
  Never,
  // Reads: a connection lost mid-statement is replaced and the read is run
  // once more, on a newly opened connection.
  OnceIfLost,
};

template <class F>
auto with_connection(Pool& pool, Retry retry, F&& operation)
    -> std::invoke_result_t<F&, Connection&> {
  for (int attempt = 0;; ++attempt) {
    // The retry takes a freshly opened connection: after a restart the
    // idle ones may be dead too, before their farewell has arrived.
    auto lease = attempt == 0 ? pool.acquire() : pool.acquire_fresh();
    if (!lease) return std::move(lease).error();
    auto result = operation(lease->connection());
    const bool lost = lease->connection().broken();
    pool.note_reachable(!lost);
    if (!lost || retry == Retry::Never || attempt > 0) return result;
  }
}

}  // namespace todo::pg
