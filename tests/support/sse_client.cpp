#include "support/sse_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>

namespace todo::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

SseClient::SseClient(std::uint16_t port, std::string_view target, const Headers& headers,
                     std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect failed");
  }
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = SteadyClock::now() + timeout;
  std::size_t head_end = std::string::npos;
  while ((head_end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) throw std::runtime_error("no response head within the deadline");
  }
  const std::string head = raw_.substr(0, head_end);
  raw_.erase(0, head_end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) throw std::runtime_error("bad status line: " + status_line);
  status_ = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    headers_.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  const auto encoding = header("Transfer-Encoding");
  chunked_ = encoding && iequal(*encoding, "chunked");
  if (!chunked_) {
    // An ordinary answer: read all of it.
    const auto length = header("Content-Length");
    const std::size_t wanted = length ? std::stoul(*length) : 0;
    while (raw_.size() < wanted && fill(deadline)) {
    }
    body_ = raw_.substr(0, std::min(wanted, raw_.size()));
    raw_.clear();
    ended_ = true;
    clean_end_ = true;
    return;
  }
  decode();
}

SseClient::~SseClient() { close(); }

void SseClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::optional<std::string> SseClient::header(std::string_view name) const {
  for (const auto& [n, v] : headers_) {
    if (iequal(n, name)) return v;
  }
  return std::nullopt;
}

bool SseClient::fill(SteadyClock::time_point deadline) {
  if (fd_ < 0) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd fd{fd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ended_ = true;
      return false;
    }
    raw_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
}

void SseClient::decode() {
  for (;;) {
    const std::size_t size_end = raw_.find("\r\n");
    if (size_end == std::string::npos) break;
    const std::size_t size = std::stoul(raw_.substr(0, size_end), nullptr, 16);
    if (size == 0) {
      ended_ = true;
      clean_end_ = true;
      raw_.clear();
      break;
    }
    if (raw_.size() < size_end + 2 + size + 2) break;
    text_.append(raw_, size_end + 2, size);
    raw_.erase(0, size_end + 2 + size + 2);
  }
  parse_lines();
}

void SseClient::parse_lines() {
  for (;;) {
    const std::size_t end = text_.find('\n');
    if (end == std::string::npos) return;
    std::string line = text_.substr(0, end);
    text_.erase(0, end + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (has_field_) {
        if (building_.event.empty()) building_.event = "message";
        ready_.push_back(std::move(building_));
      }
      building_ = {};
      has_field_ = false;
      continue;
    }
    if (line.front() == ':') {
      ++comments_;
      continue;
    }
    const std::size_t colon = line.find(':');
    const std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "id") {
      building_.id = value;
      has_field_ = true;
    } else if (field == "event") {
      building_.event = value;
      has_field_ = true;
    } else if (field == "data") {
      if (!building_.data.empty()) building_.data += '\n';
      building_.data += value;
      has_field_ = true;
    }
    // "retry" and unknown fields are not events.
  }
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (ready_.empty()) {
    if (ended_ && raw_.empty()) return std::nullopt;
    if (!fill(deadline)) {
      if (ended_ || SteadyClock::now() >= deadline) return std::nullopt;
      continue;
    }
    decode();
  }
  SseEvent event = std::move(ready_.front());
  ready_.erase(ready_.begin());
  return event;
}

bool SseClient::wait_comment(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  const std::size_t before = comments_;
  while (comments_ == before) {
    if (ended_ || !fill(deadline)) return false;
    decode();
  }
  return true;
}

bool SseClient::wait_end(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!ended_) {
    if (!fill(deadline)) return ended_;
    decode();
  }
  return true;
}

}  // namespace todo::test
