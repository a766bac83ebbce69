#pragma once
// HMAC-SHA256 with a fixed key, keyed once and reused: the key schedule is
// computed at construction and each call only hashes the message. Safe to
// call from many threads at once.

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace todo::crypto {

class HmacSha256 {
 public:
  static constexpr std::size_t kTagSize = 32;
  using Tag = std::array<unsigned char, kTagSize>;

  // Throws std::runtime_error when OpenSSL cannot set up the MAC.
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // nullopt only when OpenSSL fails (out of memory).
  std::optional<Tag> sign(std::string_view message) const;
  // Constant-time comparison of the whole tag; a tag of any other length is
  // a mismatch.
  bool verify(std::string_view message, std::span<const unsigned char> tag) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace todo::crypto
