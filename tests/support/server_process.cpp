#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>

#ifndef TODO_SERVER_PATH
#error "TODO_SERVER_PATH must name the todo-server binary"
#endif

namespace todo::test {
namespace {

constexpr std::string_view kListening = "listening on http://";
// Keeps a chatty server (access log) from growing the capture without bound.
constexpr std::size_t kMaxCapture = 4U * 1024U * 1024U;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

// E2E_SERVER_BIN runs the suites against another build (e.g. the previous
// release, to show that a new test fails there).
std::string todo_server_path() {
  if (const char* other = std::getenv("E2E_SERVER_BIN"); other != nullptr && *other != '\0') return other;
  return TODO_SERVER_PATH;
}

struct ServerProcess::Impl {
  pid_t pid = -1;
  bool reaped = false;
  int status = 0;
  int out_fd = -1;
  int err_fd = -1;

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::string out;
  std::string err;
  bool out_open = true;
  bool err_open = true;
  std::atomic<bool> quit{false};
  std::thread reader;

  std::string line;
  std::string host;
  std::uint16_t port = 0;

  ~Impl() {
    quit = true;
    if (reader.joinable()) reader.join();
    close_fd(out_fd);
    close_fd(err_fd);
  }

  void spawn(const Environment& env, const std::vector<std::string>& args = {}) {
    const std::string path = todo_server_path();
    std::vector<std::string> entries;
    for (const char* name : {"PATH", "HOME", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                             "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) entries.push_back(std::string(name) + "=" + value);
    }
    for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string arg0 = path;
    std::vector<std::string> rest(args);
    std::vector<char*> argv{arg0.data()};
    for (auto& arg : rest) argv.push_back(arg.data());
    argv.push_back(nullptr);

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      throw std::runtime_error("pipe2 failed");
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t parent = ::getpid();
    pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec. The child dies
      // with the test process, so a crashed test leaves no server behind.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::dup2(err_pipe[1], STDERR_FILENO);
      ::execve(path.c_str(), argv.data(), envp.data());
      static constexpr char kMessage[] = "e2e: execve of todo-server failed\n";
      [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
      ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (null_fd >= 0) ::close(null_fd);
    if (pid < 0) {
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      throw std::runtime_error("fork failed");
    }
    out_fd = out_pipe[0];
    err_fd = err_pipe[0];
    reader = std::thread([this] { read_loop(); });
  }

  void append(std::string& to, const char* data, std::size_t size) {
    to.append(data, size);
    if (to.size() > kMaxCapture) to.erase(0, to.size() - kMaxCapture / 2);
  }

  // Drains both pipes so the server never blocks on a full pipe.
  void read_loop() {
    char buffer[8192];
    for (;;) {
      pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
      {
        std::lock_guard lock(mutex);
        if (!out_open) fds[0].fd = -1;
        if (!err_open) fds[1].fd = -1;
        if (!out_open && !err_open) return;
      }
      if (quit) return;
      const int ready = ::poll(fds, 2, 100);
      if (ready < 0 && errno != EINTR) return;
      if (ready <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mutex);
        if (n <= 0) {
          (i == 0 ? out_open : err_open) = false;
        } else {
          append(i == 0 ? out : err, buffer, static_cast<std::size_t>(n));
        }
        changed.notify_all();
      }
    }
  }

  bool try_reap(int options) {
    if (reaped) return true;
    const pid_t r = ::waitpid(pid, &status, options);
    if (r == pid) reaped = true;
    return reaped;
  }

  std::optional<int> exit_code() const {
    if (reaped && WIFEXITED(status)) return WEXITSTATUS(status);
    return std::nullopt;
  }

  // Waits for exit until the deadline; false when still running.
  bool wait_exit(std::chrono::steady_clock::time_point deadline) {
    while (!try_reap(WNOHANG)) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return true;
  }

  void kill_now() {
    if (reaped) return;
    ::kill(pid, SIGKILL);
    try_reap(0);
  }

  std::optional<int> terminate(std::chrono::milliseconds timeout) {
    if (!reaped) {
      ::kill(pid, SIGTERM);
      if (!wait_exit(std::chrono::steady_clock::now() + timeout)) {
        kill_now();
        return std::nullopt;
      }
    }
    return exit_code();
  }

  // Waits for both pipes to close (the process is gone) until the deadline.
  bool wait_output_closed(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex);
    return changed.wait_until(lock, deadline, [this] { return !out_open && !err_open; });
  }
};

ServerProcess::ServerProcess(const Environment& env, std::chrono::milliseconds start_timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->spawn(env);
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  std::string failure;
  {
    std::unique_lock lock(impl_->mutex);
    const bool ready = impl_->changed.wait_until(lock, deadline, [this] {
      const auto at = impl_->out.find(kListening);
      if (at != std::string::npos && impl_->out.find('\n', at) != std::string::npos) return true;
      return !impl_->out_open && !impl_->err_open;
    });
    const auto at = impl_->out.find(kListening);
    const auto end = at == std::string::npos ? std::string::npos : impl_->out.find('\n', at);
    if (ready && end != std::string::npos) {
      impl_->line = impl_->out.substr(at, end - at);
      const std::string authority = impl_->line.substr(kListening.size());
      const auto colon = authority.rfind(':');
      unsigned value = 0;
      const char* first = authority.data() + (colon == std::string::npos ? 0 : colon + 1);
      const char* last = authority.data() + authority.size();
      const auto parsed = std::from_chars(first, last, value);
      if (colon == std::string::npos || parsed.ec != std::errc{} || parsed.ptr != last ||
          value == 0 || value > 65535) {
        failure = "cannot parse the port of '" + impl_->line + "'";
      } else {
        impl_->host = authority.substr(0, colon);
        impl_->port = static_cast<std::uint16_t>(value);
      }
    } else {
      failure = ready ? "todo-server exited before listening"
                      : "todo-server did not print 'listening on' in time";
    }
  }
  if (!failure.empty()) {
    impl_->kill_now();
    impl_->wait_output_closed(std::chrono::steady_clock::now() + std::chrono::seconds{2});
    const auto code = impl_->exit_code();
    throw std::runtime_error(failure + (code ? " (exit code " + std::to_string(*code) + ")" : "") +
                             "\n--- stdout ---\n" + captured_stdout() + "\n--- stderr ---\n" +
                             captured_stderr());
  }
}

ServerProcess::~ServerProcess() {
  impl_->terminate(std::chrono::seconds{10});
  impl_->wait_output_closed(std::chrono::steady_clock::now() + std::chrono::seconds{2});
}

std::uint16_t ServerProcess::port() const { return impl_->port; }
std::string ServerProcess::host() const { return impl_->host; }
std::string ServerProcess::listening_line() const { return impl_->line; }

std::optional<int> ServerProcess::stop(std::chrono::milliseconds timeout) {
  auto code = impl_->terminate(timeout);
  impl_->wait_output_closed(std::chrono::steady_clock::now() + std::chrono::seconds{2});
  return code;
}

bool ServerProcess::running() { return !impl_->try_reap(WNOHANG); }

void ServerProcess::request_stop() {
  if (!impl_->try_reap(WNOHANG)) ::kill(impl_->pid, SIGTERM);
}

int ServerProcess::pid() const { return static_cast<int>(impl_->pid); }

std::string ServerProcess::captured_stdout() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->out;
}

std::string ServerProcess::captured_stderr() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->err;
}

ExitResult ServerProcess::run_to_exit(const Environment& env, std::chrono::milliseconds timeout,
                                      const std::vector<std::string>& args) {
  Impl impl;
  impl.spawn(env, args);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ExitResult result;
  if (!impl.wait_exit(deadline)) {
    impl.kill_now();
    result.timed_out = true;
  }
  impl.wait_output_closed(std::chrono::steady_clock::now() + std::chrono::seconds{2});
  result.exit_code = impl.exit_code();
  std::lock_guard lock(impl.mutex);
  result.out = impl.out;
  result.err = impl.err;
  return result;
}

Environment with_variable(Environment env, const std::string& name, const std::string& value) {
  for (auto& entry : env) {
    if (entry.first == name) {
      entry.second = value;
      return env;
    }
  }
  env.emplace_back(name, value);
  return env;
}

}  // namespace todo::test
