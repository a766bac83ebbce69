// Strict base64url (RFC 4648 §5, unpadded) as JWS requires it.

#include <catch2/catch.hpp>

#include <string>

#include "todo/crypto/base64url.hpp"

using todo::crypto::base64url_decode;
using todo::crypto::base64url_encode;

TEST_CASE("base64url encodes the RFC 4648 test vectors without padding", "[crypto][base64url]") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("foob") == "Zm9vYg");
  CHECK(base64url_encode("fooba") == "Zm9vYmE");
  CHECK(base64url_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64url uses '-' and '_' where base64 uses '+' and '/'", "[crypto][base64url]") {
  CHECK(base64url_encode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
  CHECK(base64url_decode("-_-_") == std::string("\xfb\xff\xbf", 3));
}

TEST_CASE("base64url round-trips every byte value at every length remainder", "[crypto][base64url]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 1) {
    const std::string bytes = all.substr(all.size() - len);
    const auto decoded = base64url_decode(base64url_encode(bytes));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base64url refuses padding", "[crypto][base64url]") {
  CHECK_FALSE(base64url_decode("Zg==").has_value());
  CHECK_FALSE(base64url_decode("Zg=").has_value());
  CHECK_FALSE(base64url_decode("Zm8=").has_value());
}

TEST_CASE("base64url refuses characters outside its alphabet", "[crypto][base64url]") {
  CHECK_FALSE(base64url_decode("+_-_").has_value());
  CHECK_FALSE(base64url_decode("-/-_").has_value());
  CHECK_FALSE(base64url_decode("Zm9 v").has_value());
  CHECK_FALSE(base64url_decode("Zm9v\n").has_value());
  CHECK_FALSE(base64url_decode("Zm.v").has_value());
  CHECK_FALSE(base64url_decode(std::string("Zm9\0", 4)).has_value());
  CHECK_FALSE(base64url_decode("Zm9\xc3\xa9").has_value());
}

TEST_CASE("base64url refuses an impossible length", "[crypto][base64url]") {
  CHECK_FALSE(base64url_decode("Z").has_value());
  CHECK_FALSE(base64url_decode("Zm9vY").has_value());
}

TEST_CASE("base64url refuses non-zero trailing bits, so each value has one spelling", "[crypto][base64url]") {
  CHECK(base64url_decode("Zg") == std::string("f"));
  CHECK_FALSE(base64url_decode("Zh").has_value());
  CHECK_FALSE(base64url_decode("Zv").has_value());
  CHECK(base64url_decode("Zm8") == std::string("fo"));
  CHECK_FALSE(base64url_decode("Zm9").has_value());
  CHECK_FALSE(base64url_decode("Zm-").has_value());
}

TEST_CASE("base64url refuses to decode into a buffer that is too small", "[crypto][base64url]") {
  char out[5];
  CHECK_FALSE(base64url_decode("Zm9vYmFy", std::span<char>(out, 5)).has_value());
  char fits[6];
  const auto n = base64url_decode("Zm9vYmFy", std::span<char>(fits, 6));
  REQUIRE(n.has_value());
  CHECK(std::string(fits, *n) == "foobar");
}
