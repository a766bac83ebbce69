#include "todo/http/request_id.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace todo::http {

bool is_valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
  });
}

std::string new_request_id() {
  std::string id;
  assign_new_request_id(id);
  return id;
}

void assign_new_request_id(std::string& out) {
  // mt19937_64 per thread: no lock, and seeding costs one random_device
  // read per thread, not per request.
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  constexpr char kHex[] = "0123456789abcdef";
  out.resize(32);
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = generator();
    for (std::size_t i = 0; i < 16; ++i) {
      out[half * 16 + i] = kHex[bits & 0xFU];
      bits >>= 4;
    }
  }
}

}  // namespace todo::http
