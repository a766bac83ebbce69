#include "support/fake_tokens.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace todo::test {
namespace {

constexpr std::string_view kTokenPrefix = "tok.";

std::string checksum(std::string_view payload) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : payload) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    out[15 - i] = kHex[h & 0xFU];
    h >>= 4U;
  }
  return out;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits off the last '.'-separated field of `s`.
std::optional<std::string_view> pop_back_field(std::string_view& s) {
  const auto dot = s.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view field = s.substr(dot + 1);
  s = s.substr(0, dot);
  return field;
}

core::Error bad_token() { return core::Error::unauthenticated("Could not validate credentials"); }

}  // namespace

std::string FakeTokens::encode(const core::TokenClaims& claims) {
  std::string payload(kTokenPrefix);
  payload += std::to_string(claims.user_id.value());
  payload += '.';
  payload += claims.email;
  payload += '.';
  payload += std::to_string(claims.token_version);
  payload += '.';
  if (claims.issued_at) payload += std::to_string(*claims.issued_at);
  payload += '.';
  payload += std::to_string(claims.expires_at);
  const std::string sum = checksum(payload);
  payload += '.';
  payload += sum;
  return payload;
}

core::Result<std::string> FakeTokens::issue(const core::TokenClaims& claims) {
  issued_.fetch_add(1);
  return encode(claims);
}

core::Result<core::TokenClaims> FakeTokens::verify(std::string_view token) const {
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return bad_token();
  std::string_view rest = token;
  const auto sum = pop_back_field(rest);
  if (!sum || *sum != checksum(rest)) return bad_token();

  rest.remove_prefix(kTokenPrefix.size());
  const auto exp = pop_back_field(rest);
  const auto iat = pop_back_field(rest);
  const auto ver = pop_back_field(rest);
  const auto sub_end = rest.find('.');
  if (!exp || !iat || !ver || sub_end == std::string_view::npos) return bad_token();

  core::TokenClaims claims;
  const auto sub = to_int(rest.substr(0, sub_end));
  const auto version = to_int(*ver);
  const auto expires = to_int(*exp);
  if (!sub || !version || !expires) return bad_token();
  claims.user_id = core::UserId(*sub);
  claims.email = std::string(rest.substr(sub_end + 1));
  claims.token_version = *version;
  claims.expires_at = *expires;
  if (!iat->empty()) {
    const auto issued = to_int(*iat);
    if (!issued) return bad_token();
    claims.issued_at = *issued;
  }
  if (core::to_unix_seconds(clock_.now()) >= claims.expires_at) {
    return core::Error::unauthenticated("Token has expired");
  }
  return claims;
}

}  // namespace todo::test
