#include "pg_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "pg_admin.hpp"

extern char** environ;

namespace todo::test {
namespace {

struct ConnDeleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

ConnPtr connect(const std::string& url) {
  ConnPtr conn(PQconnectdb(url.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to test database: " +
                             std::string(conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  return conn;
}

ResultPtr run(PGconn* conn, const std::string& sql) {
  ResultPtr result(PQexec(conn, sql.c_str()));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("SQL failed: " + sql + ": " + PQerrorMessage(conn));
  }
  return result;
}

// Runs argv[0] with arguments; returns its exit status (-1 when it did not
// exit normally). stdio is inherited so pg-local's diagnostics reach the log.
int spawn_and_wait(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// `url` with its dbname replaced, as a key=value connection string (works
// for URIs and key=value input alike).
std::string with_database(const std::string& url, const std::string& database) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error ? error : "out of memory";
    PQfreemem(error);
    throw std::runtime_error("TEST_DATABASE_URL is not a valid connection string: " + reason);
  }
  const auto quote = [](const std::string& v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string result = "dbname=" + quote(database);
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    result += " " + std::string(o->keyword) + "=" + quote(o->val);
  }
  PQconninfoFree(options);
  return result;
}

}  // namespace

void execute_sql(const std::string& url, const std::string& sql) {
  auto conn = connect(url);
  run(conn.get(), sql);
}

std::int64_t query_int(const std::string& url, const std::string& sql) {
  auto conn = connect(url);
  auto result = run(conn.get(), sql);
  if (PQntuples(result.get()) < 1 || PQgetisnull(result.get(), 0, 0)) {
    throw std::runtime_error("no value from: " + sql);
  }
  return std::stoll(PQgetvalue(result.get(), 0, 0));
}

std::vector<std::string> query_strings(const std::string& url, const std::string& sql) {
  auto conn = connect(url);
  auto result = run(conn.get(), sql);
  std::vector<std::string> values;
  for (int row = 0; row < PQntuples(result.get()); ++row) values.emplace_back(PQgetvalue(result.get(), row, 0));
  return values;
}

HeldTransaction::HeldTransaction(const std::string& url, const std::string& sql) {
  auto conn = connect(url);
  run(conn.get(), "BEGIN");
  run(conn.get(), sql);
  connection_ = conn.release();
}

HeldTransaction::~HeldTransaction() {
  auto* conn = static_cast<PGconn*>(connection_);
  PQclear(PQexec(conn, "ROLLBACK"));
  PQfinish(conn);
}

struct PgCluster::Impl {
  std::string external_url;  // TEST_DATABASE_URL, when set
  std::string dir;           // DATA_DIR given to pg-local
  int port = 0;
  int watchdog_pipe = -1;    // write end; closing it (or dying) wakes the watchdog
  pid_t watchdog = -1;
  std::mutex mutex;
  std::set<std::string> databases;
  std::atomic<int> counter{0};

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  // Wakes the watchdog and waits for it: after this the server is stopped and
  // the folder gone, whoever got there first.
  ~Impl() {
    if (watchdog_pipe >= 0) {
      close(watchdog_pipe);
      waitpid(watchdog, nullptr, 0);
    }
  }

  std::string socket_url(const std::string& database) const {
    return "postgresql:///" + database + "?host=" + dir + "/run&port=" + std::to_string(port) +
           "&user=postgres";
  }

  int pg_local(const std::string& command, bool with_port) const {
    // Socket only: the cluster trusts every connection, so no TCP port.
    std::vector<std::string> args{"/usr/bin/env", "PG_LOCAL_FAST=1", "PG_LOCAL_TIMEOUT=60",
                                  "PG_LOCAL_LISTEN=", TODO_PG_LOCAL_SCRIPT, command, dir};
    if (with_port) args.push_back(std::to_string(port));
    return spawn_and_wait(args);
  }

  // A child that waits for this process to end, however it ends (normal
  // exit, failed assertion, SIGINT, SIGKILL), then stops the server and
  // removes the folder. It sits in its own session so the terminal's Ctrl-C
  // does not reach it, and it only ever sees EOF on the pipe.
  void start_watchdog() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2() failed");
    const std::string script = std::string("read -r _; \"$1\" stop \"$2\"; rm -rf -- \"$2\"");
    const std::string tool = TODO_PG_LOCAL_SCRIPT;
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork() failed");
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec.
      setsid();
      dup2(fds[0], 0);
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
      }
      close_range(3, ~0U, 0);
      execl("/bin/sh", "sh", "-c", script.c_str(), "pg-watchdog", tool.c_str(), dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[0]);
    watchdog_pipe = fds[1];
    watchdog = pid;
  }

  void create_database(const std::string& database) {
    const std::string admin = external_url.empty() ? socket_url("postgres") : external_url;
    auto conn = connect(admin);
    ResultPtr result(PQexec(conn.get(), ("CREATE DATABASE \"" + database + "\"").c_str()));
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK &&
        !(state != nullptr && std::string(state) == "42P04")) {  // duplicate_database
      throw std::runtime_error("CREATE DATABASE " + database + " failed: " +
                               PQerrorMessage(conn.get()));
    }
  }
};

PgCluster& PgCluster::shared() {
  // A cluster that failed to start is not retried by every later test case
  // (each attempt can take seconds): they all report the first failure.
  static std::mutex mutex;
  static std::string failure;
  std::lock_guard lock(mutex);
  if (!failure.empty()) throw std::runtime_error(failure);
  try {
    static PgCluster cluster;
    return cluster;
  } catch (const std::exception& e) {
    failure = e.what();
    throw;
  }
}

PgCluster::PgCluster() : impl_(new Impl) {
  if (const char* url = std::getenv("TEST_DATABASE_URL"); url != nullptr && *url != '\0') {
    impl_->external_url = url;
    return;
  }
  try {
    char pattern[] = "/tmp/todo-pg-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    impl_->dir = pattern;
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr) throw std::runtime_error("no 'postgres' user (install postgresql-15)");
      if (chown(pattern, pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown failed");
    }
    impl_->start_watchdog();
    int status = -1;
    for (int attempt = 0; attempt < 3 && status != 0; ++attempt) {
      // The port only names the socket file while TCP is off; a free one
      // keeps it usable if TCP is turned on. Retried in case it was taken.
      impl_->port = free_port();
      status = impl_->pg_local("start", true);
    }
    if (status != 0) throw std::runtime_error("could not start the test PostgreSQL cluster");
  } catch (...) {
    delete impl_;  // the watchdog stops whatever started and removes the folder
    throw;
  }
}

PgCluster::~PgCluster() {
  if (impl_->external_url.empty() && !impl_->dir.empty()) {
    impl_->pg_local("stop", false);
    std::error_code ignored;
    std::filesystem::remove_all(impl_->dir, ignored);
  }
  delete impl_;
}

std::string PgCluster::url(const std::string& database) {
  if (!impl_->external_url.empty()) return impl_->external_url;
  std::lock_guard lock(impl_->mutex);
  if (impl_->databases.insert(database).second) {
    try {
      impl_->create_database(database);
    } catch (...) {
      impl_->databases.erase(database);
      throw;
    }
  }
  return impl_->socket_url(database);
}

std::string PgCluster::fresh_database(const std::string& prefix) {
  const std::string name = prefix + "_" + std::to_string(getpid()) + "_" +
                           std::to_string(impl_->counter.fetch_add(1));
  impl_->create_database(name);
  if (!impl_->external_url.empty()) return with_database(impl_->external_url, name);
  std::lock_guard lock(impl_->mutex);
  impl_->databases.insert(name);
  return impl_->socket_url(name);
}

void PgCluster::stop() {
  if (external()) return;
  if (impl_->pg_local("stop", false) != 0) throw std::runtime_error("pg-local stop failed");
}

void PgCluster::start() {
  if (external()) return;
  if (impl_->pg_local("start", true) != 0) throw std::runtime_error("pg-local start failed");
}

bool PgCluster::external() const { return !impl_->external_url.empty(); }

std::string PgCluster::data_directory() const {
  return external() || impl_->dir.empty() ? std::string() : impl_->dir + "/pgdata";
}

}  // namespace todo::test
