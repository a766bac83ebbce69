// Holds idle live-sync streams for scripts/bench --live (issue 22):
//
//   hold --port PORT --tokens FILE --streams N
//
// Opens N streams of GET /api/tasks/events on 127.0.0.1:PORT, stream i
// with the token on line i mod lines of FILE (its first field), at most
// 200 opening at a time. Prints "READY <opened>" once every stream was
// answered (or after 180 s), then reads and drops what the streams send
// until its stdin closes or SIGTERM, and prints a BENCH_JSON line: streams
// opened, refused (not 200, or the connection failed) and dropped (ended
// by the server while held).
//
// The streams' clients share the cores with the server being measured, so
// this holder is the least a client can be: one thread, one epoll set, no
// parsing past the status line (the Node holder it replaces used 3-4 times
// the CPU). Built by scripts/bench with the C++ compiler alone.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t stop_requested = 0;

void on_term(int) { stop_requested = 1; }

enum class State { Idle, Connecting, Waiting, Open, Done };

struct Stream {
  int fd = -1;
  State state = State::Idle;
  std::string head;
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: hold --port PORT --tokens FILE --streams N\n");
  std::exit(2);
}

constexpr int kParallel = 200;
constexpr auto kOpenPatience = std::chrono::seconds(180);
constexpr std::uint64_t kStdin = ~std::uint64_t{0};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string tokens_file;
  long count = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--port") port = std::atoi(argv[i + 1]);
    else if (name == "--tokens") tokens_file = argv[i + 1];
    else if (name == "--streams") count = std::atol(argv[i + 1]);
    else usage();
  }
  if (port <= 0 || port > 65535 || tokens_file.empty() || count <= 0) usage();
  std::vector<std::string> tokens;
  {
    std::ifstream in(tokens_file);
    std::string line;
    while (std::getline(in, line)) {
      const auto space = line.find(' ');
      if (!line.empty()) tokens.push_back(line.substr(0, space));
    }
  }
  if (tokens.empty()) {
    std::fprintf(stderr, "hold: no token in %s\n", tokens_file.c_str());
    return 1;
  }
  struct sigaction term {};
  term.sa_handler = on_term;
  sigaction(SIGTERM, &term, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) {
    std::perror("hold: epoll_create1");
    return 1;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  std::vector<Stream> streams(static_cast<std::size_t>(count));
  long next = 0, opened = 0, dropped = 0, answered = 0;
  unsigned long long received = 0;
  static char buffer[65536];

  const auto close_stream = [&](Stream& s) {
    if (s.fd >= 0) close(s.fd);
    s.fd = -1;
    s.state = State::Done;
    s.head.clear();
    s.head.shrink_to_fit();
  };
  const auto start_next = [&] {
    while (next < count) {
      Stream& s = streams[static_cast<std::size_t>(next)];
      const std::uint64_t index = static_cast<std::uint64_t>(next);
      ++next;
      s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (s.fd < 0 ||
          (connect(s.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS)) {
        close_stream(s);
        ++answered;
        continue;
      }
      s.state = State::Connecting;
      epoll_event event{};
      event.events = EPOLLOUT | EPOLLIN;
      event.data.u64 = index;
      epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &event);
      return;
    }
  };
  for (int i = 0; i < kParallel; ++i) start_next();

  const auto handle = [&](std::uint64_t index, std::uint32_t events) {
    Stream& s = streams[index];
    if (s.state == State::Connecting && (events & EPOLLOUT) != 0) {
      int error = 0;
      socklen_t size = sizeof error;
      getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &size);
      const std::string request = "GET /api/tasks/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                  tokens[index % tokens.size()] + "\r\nAccept: text/event-stream\r\n\r\n";
      if (error != 0 || send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        close_stream(s);
        ++answered;
        start_next();
        return;
      }
      s.state = State::Waiting;
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = index;
      epoll_ctl(epoll, EPOLL_CTL_MOD, s.fd, &event);
      return;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) return;
    for (;;) {
      const ssize_t got = recv(s.fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        received += static_cast<unsigned long long>(got);
        if (s.state == State::Waiting) {
          s.head.append(buffer, static_cast<std::size_t>(got));
          if (s.head.find("\r\n") == std::string::npos) continue;
          const bool ok = s.head.compare(0, 13, "HTTP/1.1 200 ") == 0;
          ++answered;
          if (!ok) {
            close_stream(s);
                start_next();
            return;
          }
          ++opened;
          s.state = State::Open;
          s.head.clear();
          s.head.shrink_to_fit();
          start_next();
        }
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (got < 0 && errno == EINTR) continue;
      // The server ended it (or the connection failed).
      if (s.state == State::Open) {
        ++dropped;
      } else if (s.state == State::Waiting || s.state == State::Connecting) {
        ++answered;
        start_next();
      }
      close_stream(s);
      return;
    }
  };

  std::vector<epoll_event> ready(1024);
  const auto opening_until = std::chrono::steady_clock::now() + kOpenPatience;
  while (answered < count && !stop_requested && std::chrono::steady_clock::now() < opening_until) {
    const int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 1000);
    for (int i = 0; i < n; ++i) handle(ready[static_cast<std::size_t>(i)].data.u64, ready[static_cast<std::size_t>(i)].events);
  }
  std::printf("READY %ld\n", opened);
  std::fflush(stdout);

  epoll_event in{};
  in.events = EPOLLIN;
  in.data.u64 = kStdin;
  epoll_ctl(epoll, EPOLL_CTL_ADD, STDIN_FILENO, &in);
  bool stdin_open = true;
  while (stdin_open && !stop_requested) {
    const int n = epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 1000);
    for (int i = 0; i < n; ++i) {
      const epoll_event& event = ready[static_cast<std::size_t>(i)];
      if (event.data.u64 == kStdin) {
        char drop[256];
        if (read(STDIN_FILENO, drop, sizeof drop) <= 0) stdin_open = false;
        continue;
      }
      handle(event.data.u64, event.events);
    }
  }
  std::printf(
      "BENCH_JSON {\"scenario\":\"live_hold\",\"streams\":%ld,\"opened\":%ld,\"refused\":%ld,\"dropped\":%ld,"
      "\"received_bytes\":%llu}\n",
      count, opened, count - opened, dropped, received);
  std::fflush(stdout);
  return 0;
}
