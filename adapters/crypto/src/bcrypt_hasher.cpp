#include "todo/crypto/bcrypt_hasher.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <array>
#include <cassert>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "todo/core/error.hpp"
#include "todo/core/validation.hpp"

namespace todo::crypto {
namespace {

constexpr std::size_t kHashLength = 60;  // "$2b$12$" + 22 salt + 31 hash characters
constexpr std::string_view kBcryptAlphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// What bcrypt can hash without silently changing the password: it reads at
// most 72 bytes, and crypt_r takes a C string.
bool representable(std::string_view password) {
  return password.size() <= core::kPasswordMaxBytes && password.find('\0') == std::string_view::npos;
}

// "$2a$" / "$2b$" / "$2y$", a two-digit cost 04..31, '$', 53 characters of
// bcrypt's base64 in canonical form. libxcrypt would refuse most other
// shapes itself; checking first makes "malformed" a clear answer instead of
// a library detail.
bool well_formed(std::string_view hash) {
  if (hash.size() != kHashLength) return false;
  if (hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < BcryptHasher::kMinCost || cost > BcryptHasher::kMaxCost) return false;
  if (hash.substr(7).find_first_not_of(kBcryptAlphabet) != std::string_view::npos) return false;
  // The salt (22 characters for 16 bytes) and the digest (31 for 23 bytes)
  // each end in a character with unused low bits, which must be zero: a
  // non-canonical spelling would never compare equal to crypt's output.
  const auto value = [](char c) { return kBcryptAlphabet.find(c); };
  return (value(hash[28]) & 0x0f) == 0 && (value(hash[59]) & 0x03) == 0;
}

// crypt_r with its own zeroed crypt_data (~32 KiB, so on the heap): no state
// is shared between calls or threads. Returns the output or an empty string.
std::string run_crypt(const std::string& password, const char* setting) {
  auto data = std::make_unique<crypt_data>();  // value-initialised = zeroed, as crypt_r requires
  const char* out = crypt_r(password.c_str(), setting, data.get());
  // libxcrypt signals failure with a string starting with '*' (or null).
  std::string result = (out == nullptr || out[0] != '$') ? std::string() : std::string(out);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));  // it held the password and the key schedule
  return result;
}

}  // namespace

core::HashStanding BcryptHasher::standing(std::string_view hash) const {
  if (!well_formed(hash)) return core::HashStanding::Outdated;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < cost_) return core::HashStanding::Cheaper;
  if (cost == cost_ && hash[2] == 'b') return core::HashStanding::Current;
  return core::HashStanding::Outdated;
}

BcryptHasher::BcryptHasher(int cost) : cost_(cost) {
  if (cost < kMinCost || cost > kMaxCost) {
    throw std::invalid_argument("bcrypt cost must be between 4 and 31");
  }
}

core::Result<std::string> BcryptHasher::hash(std::string_view password) {
  assert(representable(password) && "the core validates passwords before hashing");
  if (!representable(password)) {
    return core::Error::invalid(core::FieldError{"password", core::FieldIssue::TooLong, 72, 0});
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  // Null random bytes: libxcrypt draws the salt from the OS (getentropy).
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost_), nullptr, 0, setting.data(),
                       static_cast<int>(setting.size())) == nullptr) {
    return core::Error::internal("cannot generate a password salt");
  }
  std::string plain(password);
  std::string hashed = run_crypt(plain, setting.data());
  OPENSSL_cleanse(plain.data(), plain.size());
  if (hashed.size() != kHashLength) return core::Error::internal("cannot hash the password");
  return hashed;
}

core::Result<bool> BcryptHasher::verify(std::string_view password, std::string_view hash) {
  if (!well_formed(hash)) return core::Error::internal("stored password hash is malformed");
  // bcrypt would compare only the first 72 bytes (or up to a NUL): such a
  // password is a different password from anything we hashed.
  if (!representable(password)) return false;

  const std::string setting(hash);
  std::string plain(password);
  const std::string computed = run_crypt(plain, setting.c_str());
  OPENSSL_cleanse(plain.data(), plain.size());
  if (computed.size() != kHashLength) return core::Error::internal("stored password hash is malformed");
  return CRYPTO_memcmp(computed.data(), hash.data(), kHashLength) == 0;
}

}  // namespace todo::crypto
