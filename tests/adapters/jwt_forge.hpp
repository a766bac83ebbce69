#pragma once
// Builds arbitrary HS256-signed tokens for the JWT tests, from raw header
// and payload text, with HmacSha256 and base64url (both checked against
// RFC vectors in their own tests).

#include <stdexcept>
#include <string>
#include <string_view>

#include "todo/crypto/base64url.hpp"
#include "todo/crypto/hmac_sha256.hpp"

namespace todo::test {

inline std::string sign_segments(std::string_view signing_input, std::string_view key) {
  const auto tag = crypto::HmacSha256(key).sign(signing_input);
  if (!tag) throw std::runtime_error("HMAC failed");
  return crypto::base64url_encode(std::string_view(reinterpret_cast<const char*>(tag->data()), tag->size()));
}

inline std::string forge_token(std::string_view header_json, std::string_view payload_json, std::string_view key) {
  std::string input = crypto::base64url_encode(header_json) + "." + crypto::base64url_encode(payload_json);
  return input + "." + sign_segments(input, key);
}

}  // namespace todo::test
