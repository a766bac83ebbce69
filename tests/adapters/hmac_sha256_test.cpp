// HMAC-SHA256 against RFC 4231 §4.2-4.8, and the reuse of keyed contexts.

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "todo/crypto/hmac_sha256.hpp"

using todo::crypto::HmacSha256;

namespace {

std::string hex(const HmacSha256::Tag& tag) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : tag) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

std::string mac_hex(const std::string& key, const std::string& data) {
  const auto tag = HmacSha256(key).sign(data);
  REQUIRE(tag.has_value());
  return hex(*tag);
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vectors", "[crypto][hmac]") {
  SECTION("test case 1") {
    CHECK(mac_hex(repeat('\x0b', 20), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("test case 2: key shorter than the output") {
    CHECK(mac_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("test case 3") {
    CHECK(mac_hex(repeat('\xaa', 20), repeat('\xdd', 50)) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  }
  SECTION("test case 4") {
    std::string key;
    for (char c = 1; c <= 25; ++c) key.push_back(c);
    CHECK(mac_hex(key, repeat('\xcd', 50)) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  }
  SECTION("test case 5: output truncated to 128 bits") {
    CHECK(mac_hex(repeat('\x0c', 20), "Test With Truncation").substr(0, 32) ==
          "a3b6167473100ee06e0c796c2955552b");
  }
  SECTION("test case 6: key larger than the block size") {
    CHECK(mac_hex(repeat('\xaa', 131), "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
  SECTION("test case 7: key and data larger than the block size") {
    CHECK(mac_hex(repeat('\xaa', 131),
                  "This is a test using a larger than block-size key and a larger than block-size "
                  "data. The key needs to be hashed before being used by the HMAC algorithm.") ==
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  }
}

TEST_CASE("HMAC-SHA256 accepts an empty key", "[crypto][hmac]") {
  // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
  CHECK(mac_hex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  const auto from_null_view = HmacSha256(std::string_view{}).sign("");  // data() == nullptr
  REQUIRE(from_null_view.has_value());
  CHECK(hex(*from_null_view) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("HMAC-SHA256 gives the same tag on every call with a reused key", "[crypto][hmac]") {
  const HmacSha256 mac("Jefe");
  for (int i = 0; i < 5; ++i) {
    const auto tag = mac.sign("what do ya want for nothing?");
    REQUIRE(tag.has_value());
    CHECK(hex(*tag) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    const auto other = mac.sign("something else");
    REQUIRE(other.has_value());
    CHECK(hex(*other) != hex(*tag));
  }
}

TEST_CASE("HMAC-SHA256 verify accepts only the exact tag", "[crypto][hmac]") {
  const HmacSha256 mac("Jefe");
  const auto tag = mac.sign("message");
  REQUIRE(tag.has_value());
  CHECK(mac.verify("message", *tag));
  CHECK_FALSE(mac.verify("messagE", *tag));
  for (std::size_t i = 0; i < tag->size(); ++i) {
    auto flipped = *tag;
    flipped[i] ^= 0x01;
    CHECK_FALSE(mac.verify("message", flipped));
  }
  CHECK_FALSE(mac.verify("message", std::span<const unsigned char>(tag->data(), 31)));
  CHECK_FALSE(mac.verify("message", std::span<const unsigned char>()));
}

TEST_CASE("HMAC-SHA256 is safe to share between threads", "[crypto][hmac]") {
  const HmacSha256 mac(repeat('\x0b', 20));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const auto tag = mac.sign("Hi There");
        if (!tag || hex(*tag) != "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7") {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const int m : mismatches) CHECK(m == 0);
}
