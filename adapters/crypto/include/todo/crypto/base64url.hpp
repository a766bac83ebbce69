#pragma once
// Base64url without padding (RFC 4648 §5), as JWS uses it. Decoding is strict:
// no '=', nothing outside the alphabet, no non-zero trailing bits, so every
// byte string has exactly one accepted spelling.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace todo::crypto {

// Appends the encoding of `bytes` to `out`.
void base64url_append(std::string& out, std::string_view bytes);
std::string base64url_encode(std::string_view bytes);

// Upper bound of the decoded size of `encoded_length` characters.
constexpr std::size_t base64url_max_decoded_size(std::size_t encoded_length) noexcept {
  return encoded_length / 4 * 3 + 2;
}

// Decodes into `out` and returns the number of bytes written; nullopt when
// `text` is not canonical base64url or `out` is too small.
std::optional<std::size_t> base64url_decode(std::string_view text, std::span<char> out) noexcept;
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace todo::crypto
