#include "request_context.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

#include "todo/core/validation.hpp"
#include "url_encoding.hpp"

namespace todo::http {
namespace {

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Canonical text of an IP address, so "::FFFF:10.0.0.1", "::ffff:a00:1" and
// "10.0.0.1" (or two spellings of one IPv6 address) compare equal. Anything
// that is not an address is kept as given, trimmed.
std::string normalize_address(std::string_view address) {
  std::string text(core::trim(address));  // not const: the returns below move it
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return text;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  char buffer[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof v4);
    if (inet_ntop(AF_INET, &v4, buffer, sizeof buffer) != nullptr) return buffer;
    return text;
  }
  if (inet_ntop(AF_INET6, &v6, buffer, sizeof buffer) != nullptr) return buffer;
  return text;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

Target split_target(std::string_view target) {
  // Absolute-form ("http://host/path") is legal HTTP/1.1; keep only the path.
  if (istarts_with(target, "http://") || istarts_with(target, "https://")) {
    const std::size_t authority = target.find("//") + 2;
    const std::size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::size_t fragment = target.find('#');
  if (fragment != std::string_view::npos) target = target.substr(0, fragment);
  const std::size_t question = target.find('?');
  Target out;
  out.path = percent_decode(target.substr(0, question), false);
  if (out.path.empty() || out.path.front() != '/') out.path.insert(out.path.begin(), '/');
  if (question != std::string_view::npos) out.query = target.substr(question + 1);
  return out;
}

MediaType media_type_of(const Request& request) {
  const std::optional<std::string_view> header = request.header("Content-Type");
  if (!header) return MediaType::Json;
  std::string_view media = *header;
  media = core::trim(media.substr(0, media.find(';')));
  const std::string lower = core::ascii_lower(media);
  if (lower == "application/json") return MediaType::Json;
  if (lower.starts_with("application/") && lower.ends_with("+json")) return MediaType::Json;
  if (lower == "application/x-www-form-urlencoded") return MediaType::Form;
  return MediaType::Other;
}

std::string client_address(const Request& request, const std::vector<std::string>& trusted_proxies) {
  const auto trusted = [&](const std::string& address) {
    return std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                       [&](const std::string& proxy) { return normalize_address(proxy) == address; });
  };
  std::string peer = normalize_address(request.peer_address);
  if (!trusted(peer)) return peer;

  std::vector<std::string> hops;
  for (const Header& h : request.headers) {
    if (!iequals(h.name, "X-Forwarded-For")) continue;
    std::string_view rest = h.value;
    while (true) {
      const std::size_t comma = rest.find(',');
      std::string hop = normalize_address(rest.substr(0, comma));
      if (!hop.empty()) hops.push_back(std::move(hop));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  // Right to left: the first hop no trusted proxy vouches for is the client.
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!trusted(*it)) return *it;
  }
  return hops.empty() ? peer : hops.front();
}

core::Result<std::string_view> bearer_token(const Request& request) {
  const std::optional<std::string_view> header = request.header("Authorization");
  if (!header) return core::Error::unauthenticated("Not authenticated");
  const std::string_view value = core::trim(*header);
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "bearer")) {
    return core::Error::unauthenticated("Not authenticated");
  }
  const std::string_view token = core::trim(value.substr(space + 1));
  if (token.empty()) return core::Error::unauthenticated("Not authenticated");
  return token;
}

}  // namespace todo::http
