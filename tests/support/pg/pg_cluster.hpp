#pragma once
// A throw-away PostgreSQL 15 cluster for tests: initdb + pg_ctl from
// /usr/lib/postgresql/15/bin, run as the `postgres` user (the server refuses
// root) in a fresh temp folder, on a private socket directory and free port;
// stopped and removed at exit even when tests fail. When TEST_DATABASE_URL
// is set, that database is used instead and start/stop are no-ops.

#include <string>

namespace todo::test {

class PgCluster {
 public:
  // The process-wide cluster, started on first use.
  static PgCluster& shared();

  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // libpq URI of a database on this cluster (created on first call).
  std::string url(const std::string& database = "todo_test");
  // Creates a new empty database and returns its URI.
  std::string fresh_database(const std::string& prefix = "t");
  // Stop/start the server (for outage tests); the data survives.
  void stop();
  void start();
  bool external() const;
  // The cluster's PGDATA (holds postmaster.pid); empty when external.
  std::string data_directory() const;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace todo::test
