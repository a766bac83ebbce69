#include "todo/crypto/hmac_sha256.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace todo::crypto {
namespace {

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

// A keyed template context plus a pool of idle copies. Re-initialising a
// keyed copy with a null key restarts it from the precomputed inner/outer
// states, about half the cost of duplicating the template per call; the pool
// lets concurrent callers each take their own copy (the lock is held only to
// pop or push a pointer).
struct HmacSha256::Impl {
  MacCtxPtr keyed;
  std::mutex mutex;
  std::vector<MacCtxPtr> idle;

  MacCtxPtr acquire() {
    {
      const std::lock_guard lock(mutex);
      if (!idle.empty()) {
        MacCtxPtr ctx = std::move(idle.back());
        idle.pop_back();
        return ctx;
      }
    }
    return MacCtxPtr(EVP_MAC_CTX_dup(keyed.get()));
  }

  void release(MacCtxPtr ctx) {
    const std::lock_guard lock(mutex);
    idle.push_back(std::move(ctx));
  }
};

HmacSha256::HmacSha256(std::string_view key) : impl_(std::make_unique<Impl>()) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL: HMAC is not available");
  impl_->keyed.reset(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context keeps its own reference
  if (!impl_->keyed) throw std::runtime_error("OpenSSL: cannot allocate an HMAC context");

  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL refuses a null key pointer even when the length is zero.
  static constexpr unsigned char kEmpty[1] = {0};
  const unsigned char* key_bytes = key.empty() ? kEmpty : bytes_of(key);
  if (EVP_MAC_init(impl_->keyed.get(), key_bytes, key.size(), params) != 1) {
    throw std::runtime_error("OpenSSL: cannot key HMAC-SHA256");
  }
}

HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

std::optional<HmacSha256::Tag> HmacSha256::sign(std::string_view message) const {
  MacCtxPtr ctx = impl_->acquire();
  if (!ctx) return std::nullopt;
  Tag tag{};
  std::size_t written = 0;
  const bool ok = EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) == 1 &&
                  EVP_MAC_update(ctx.get(), bytes_of(message), message.size()) == 1 &&
                  EVP_MAC_final(ctx.get(), tag.data(), &written, tag.size()) == 1 &&
                  written == tag.size();
  // A context that failed midway is dropped rather than reused.
  if (ok) impl_->release(std::move(ctx));
  if (!ok) return std::nullopt;
  return tag;
}

bool HmacSha256::verify(std::string_view message, std::span<const unsigned char> tag) const {
  if (tag.size() != kTagSize) return false;
  const auto expected = sign(message);
  return expected && CRYPTO_memcmp(expected->data(), tag.data(), kTagSize) == 0;
}

}  // namespace todo::crypto
