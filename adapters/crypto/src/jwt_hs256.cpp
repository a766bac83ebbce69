#include "todo/crypto/jwt_hs256.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <utility>

#include "json_reader.hpp"
#include "todo/core/json_text.hpp"
#include "todo/core/error.hpp"
#include "todo/core/time.hpp"
#include "todo/crypto/base64url.hpp"

namespace todo::crypto {
namespace {

using detail::JsonKind;
using detail::JsonMember;

// base64url('{"alg":"HS256","typ":"JWT"}'): the header python-jose writes too.
constexpr std::string_view kHeaderSegment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr std::size_t kSignatureChars = 43;  // 32 bytes, unpadded

// Header and payload are decoded side by side into one stack buffer: a token
// is at most kMaxTokenBytes, so together they decode to no more than this.
using SegmentBuffer = std::array<char, base64url_max_decoded_size(JwtHs256::kMaxTokenBytes) + 2>;

JsonMember* find_member(std::vector<JsonMember>& members, std::string_view key) {
  for (auto& m : members) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

bool check_header(std::vector<JsonMember>& members) {
  const JsonMember* alg = find_member(members, "alg");
  if (alg == nullptr || alg->kind != JsonKind::String || alg->string != "HS256") return false;
  const JsonMember* typ = find_member(members, "typ");
  if (typ != nullptr && (typ->kind != JsonKind::String || typ->string != "JWT")) return false;
  // We implement no critical extension, so any `crit` must be refused (RFC 7515 §4.1.11).
  return find_member(members, "crit") == nullptr;
}

// A positive decimal id without sign, leading zero or overflow.
bool parse_subject(std::string_view s, core::UserId& out) {
  if (s.empty() || s.size() > 19 || s.front() == '0') return false;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || end != s.data() + s.size() || id <= 0) return false;
  out = core::UserId(id);
  return true;
}

// NumericDate (RFC 7519 §2): seconds, possibly with a fraction (python-jose
// accepts `int(value)`). Exponents and values beyond int64 are refused.
// A fraction is dropped: for exp that is the stricter reading; for nbf it is
// lenient by under a second, well inside the leeway.
bool read_numeric_date(const JsonMember& m, std::int64_t& out) {
  if (m.kind != JsonKind::Number || m.number.has_exponent || !m.number.integer_part_fits) return false;
  out = m.number.integer_part;
  return true;
}


void append_int(std::string& out, std::int64_t v) {
  std::array<char, 24> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), end);
}

long long now_seconds(const core::Clock& clock) {
  // Floor, so a clock at 99.9 s reads 99 (to_unix_seconds may truncate toward zero).
  return std::chrono::floor<std::chrono::seconds>(clock.now()).time_since_epoch().count();
}

}  // namespace

const char* to_string(TokenRejection r) noexcept {
  switch (r) {
    case TokenRejection::TooLong: return "too long";
    case TokenRejection::Malformed: return "malformed";
    case TokenRejection::BadSignature: return "bad signature";
    case TokenRejection::BadHeader: return "bad header";
    case TokenRejection::BadClaims: return "bad claims";
    case TokenRejection::Expired: return "expired";
    case TokenRejection::NotYetValid: return "not yet valid";
  }
  return "unknown";
}

JwtHs256::JwtHs256(const core::Clock& clock, std::string_view secret,
                   const std::vector<std::string>& previous_secrets, std::chrono::seconds leeway)
    : clock_(clock), leeway_s_(leeway.count()) {
  if (leeway < std::chrono::seconds::zero() || leeway > kMaxLeeway) {
    throw std::invalid_argument("JWT leeway must be between 0 and 60 seconds");
  }
  if (secret.size() < kMinSecretBytes) {
    throw std::invalid_argument("JWT_SECRET must be at least 32 bytes");
  }
  for (const auto& previous : previous_secrets) {
    if (previous.size() < kMinSecretBytes) {
      throw std::invalid_argument("every JWT_PREVIOUS_SECRETS entry must be at least 32 bytes");
    }
  }
  keys_.reserve(1 + previous_secrets.size());
  keys_.emplace_back(secret);
  for (const auto& previous : previous_secrets) keys_.emplace_back(previous);
}

core::Result<std::string> JwtHs256::issue(const core::TokenClaims& claims) {
  if (claims.user_id.value() <= 0 || claims.token_version < 0) {
    return core::Error::internal("cannot issue a token for these claims");
  }
  const std::int64_t iat = claims.issued_at.value_or(now_seconds(clock_));

  std::string payload;
  payload.reserve(96 + claims.email.size());
  payload.append(R"({"sub":")");
  append_int(payload, claims.user_id.value());
  payload.append(R"(","email":)");
  core::append_json_string(payload, claims.email);
  payload.append(R"(,"iat":)");
  append_int(payload, iat);
  payload.append(R"(,"exp":)");
  append_int(payload, claims.expires_at);
  payload.append(R"(,"ver":)");
  append_int(payload, claims.token_version);
  payload.push_back('}');

  std::string token;
  token.reserve(kHeaderSegment.size() + payload.size() * 4 / 3 + kSignatureChars + 4);
  token.append(kHeaderSegment);
  token.push_back('.');
  base64url_append(token, payload);
  const auto tag = keys_.front().sign(token);
  if (!tag) return core::Error::internal("cannot sign the token");
  token.push_back('.');
  base64url_append(token, std::string_view(reinterpret_cast<const char*>(tag->data()), tag->size()));
  return token;
}

core::Result<core::TokenClaims> JwtHs256::verify(std::string_view token) const {
  auto outcome = inspect(token);
  if (auto* claims = std::get_if<core::TokenClaims>(&outcome)) return std::move(*claims);
  return core::Error::unauthenticated(kRejectedMessage);
}

std::variant<core::TokenClaims, TokenRejection> JwtHs256::inspect(std::string_view token) const {
  if (token.size() > kMaxTokenBytes) return TokenRejection::TooLong;

  // Exactly three non-empty segments.
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return TokenRejection::Malformed;
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return TokenRejection::Malformed;
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty() || signature_b64.size() != kSignatureChars) {
    return TokenRejection::Malformed;
  }

  // Every segment must be canonical base64url before anything else happens.
  std::array<unsigned char, HmacSha256::kTagSize + 2> signature{};
  const auto sig_len = base64url_decode(
      signature_b64, std::span<char>(reinterpret_cast<char*>(signature.data()), signature.size()));
  if (!sig_len || *sig_len != HmacSha256::kTagSize) return TokenRejection::Malformed;
  SegmentBuffer buffer;
  const auto header_len = base64url_decode(header_b64, buffer);
  if (!header_len) return TokenRejection::Malformed;
  const auto payload_len = base64url_decode(payload_b64, std::span<char>(buffer).subspan(*header_len));
  if (!payload_len) return TokenRejection::Malformed;
  const std::string_view header_json(buffer.data(), *header_len);
  const std::string_view payload_json(buffer.data() + *header_len, *payload_len);

  // The signature is checked before any JSON is read, so unauthenticated
  // bytes never reach the JSON reader.
  const std::string_view signing_input = token.substr(0, dot2);
  const std::span<const unsigned char> tag(signature.data(), HmacSha256::kTagSize);
  bool signed_by_us = false;
  for (const auto& key : keys_) {
    if (key.verify(signing_input, tag)) {
      signed_by_us = true;
      break;
    }
  }
  if (!signed_by_us) return TokenRejection::BadSignature;

  std::vector<JsonMember> members;
  members.reserve(8);
  if (!detail::parse_json_object(header_json, members) || !check_header(members)) {
    return TokenRejection::BadHeader;
  }
  if (!detail::parse_json_object(payload_json, members)) return TokenRejection::BadClaims;

  core::TokenClaims claims;
  const JsonMember* sub = find_member(members, "sub");
  if (sub == nullptr || sub->kind != JsonKind::String || !parse_subject(sub->string, claims.user_id)) {
    return TokenRejection::BadClaims;
  }
  const JsonMember* exp = find_member(members, "exp");
  if (exp == nullptr || !read_numeric_date(*exp, claims.expires_at)) return TokenRejection::BadClaims;
  if (JsonMember* email = find_member(members, "email")) {
    if (email->kind != JsonKind::String) return TokenRejection::BadClaims;
    claims.email = std::move(email->string);
  }
  if (const JsonMember* iat = find_member(members, "iat")) {
    std::int64_t value = 0;
    if (!read_numeric_date(*iat, value)) return TokenRejection::BadClaims;
    claims.issued_at = value;
  }
  if (const JsonMember* ver = find_member(members, "ver")) {
    if (ver->kind != JsonKind::Number || !ver->number.is_int64() || ver->number.integer_part < 0) {
      return TokenRejection::BadClaims;
    }
    claims.token_version = ver->number.integer_part;
  }
  std::int64_t not_before = 0;
  const JsonMember* nbf = find_member(members, "nbf");
  if (nbf != nullptr && !read_numeric_date(*nbf, not_before)) return TokenRejection::BadClaims;

  // Valid while now < exp (RFC 7519 §4.1.4), stretched by the leeway; written
  // as subtractions from `now` so a huge exp or nbf cannot overflow.
  const long long now = now_seconds(clock_);
  if (claims.expires_at <= now - leeway_s_) return TokenRejection::Expired;
  if (nbf != nullptr && not_before > now + leeway_s_) return TokenRejection::NotYetValid;
  return claims;
}

}  // namespace todo::crypto
