#pragma once
// Runs the real todo-server binary as a child process for end-to-end tests:
// a chosen environment (nothing inherited but PATH/HOME/TMPDIR and sanitizer
// options), stdout and stderr captured by a background thread, start-up
// complete when the server prints `listening on http://HOST:PORT`.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace todo::test {

using Environment = std::vector<std::pair<std::string, std::string>>;

// `env` with `name` set to `value`: replaced in place, not appended, since
// getenv would return the first of two entries.
Environment with_variable(Environment env, const std::string& name, const std::string& value);

// Path of the todo-server binary this test executable was built with.
std::string todo_server_path();

struct ExitResult {
  std::optional<int> exit_code;  // nullopt when killed by a signal or timed out
  bool timed_out = false;
  std::string out;  // everything written to stdout
  std::string err;  // everything written to stderr
};

class ServerProcess {
 public:
  static constexpr std::chrono::seconds kStartTimeout{30};

  // Spawns the server and waits for its `listening on` line. Throws
  // std::runtime_error (with the captured stderr) when the server exits or
  // the deadline passes first; the child is killed then.
  explicit ServerProcess(const Environment& env,
                         std::chrono::milliseconds start_timeout = kStartTimeout);
  // SIGTERM, then SIGKILL if it has not exited within 10 s.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const;
  std::string host() const;
  // The exact line printed at start-up, without the newline.
  std::string listening_line() const;

  // SIGTERM and wait (bounded); the exit code, or nullopt when it died by a
  // signal or had to be killed.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  bool running();
  // Sends SIGTERM and returns at once (to test a graceful shutdown).
  void request_stop();
  // The child's process id (fault tests send it SIGKILL).
  int pid() const;

  // Everything the process has written so far.
  std::string captured_stdout() const;
  std::string captured_stderr() const;

  // Runs the server to completion (e.g. with an invalid configuration).
  // `args` follow the program name (e.g. {"migrate", "--status"}).
  static ExitResult run_to_exit(const Environment& env,
                                std::chrono::milliseconds timeout = kStartTimeout,
                                const std::vector<std::string>& args = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace todo::test
