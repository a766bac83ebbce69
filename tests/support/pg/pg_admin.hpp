#pragma once
// Small helpers for tests that need to look at or reset a database directly,
// beside the adapter under test. Throw std::runtime_error on any failure.

#include <cstdint>
#include <string>
#include <vector>

namespace todo::test {

// Runs `sql` (one or more statements, no parameters).
void execute_sql(const std::string& url, const std::string& sql);
// Runs `sql` and returns the first column of the first row as an integer.
std::int64_t query_int(const std::string& url, const std::string& sql);
// Runs `sql` and returns the first column of every row (NULL as "").
std::vector<std::string> query_strings(const std::string& url, const std::string& sql);

// A transaction kept open on its own connection: BEGIN, then `sql` (e.g. a
// row lock other sessions must wait for), rolled back on destruction.
class HeldTransaction {
 public:
  HeldTransaction(const std::string& url, const std::string& sql);
  ~HeldTransaction();
  HeldTransaction(const HeldTransaction&) = delete;
  HeldTransaction& operator=(const HeldTransaction&) = delete;

 private:
  void* connection_;  // PGconn
};

}  // namespace todo::test
