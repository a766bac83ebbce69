// The attack table: tokens an attacker (or a broken client) could send, one
// case each, every one refused. Most are correctly signed with our secret,
// so the check under test is the only thing standing between them and
// acceptance; each case asserts which check refused it.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fixtures/crypto_fixtures.hpp"
#include "jwt_forge.hpp"
#include "todo/crypto/base64url.hpp"
#include "todo/crypto/jwt_hs256.hpp"
#include "todo/memory/manual_clock.hpp"

using todo::core::from_unix_seconds;
using todo::crypto::JwtHs256;
using todo::crypto::TokenRejection;
using todo::memory::ManualClock;
using todo::test::forge_token;

namespace {

constexpr long long kNow = 1'800'000'000;
const std::string kSecret(todo::test::crypto_fixtures::kSecret);
const std::string kHeader = R"({"alg":"HS256","typ":"JWT"})";
const std::string kClaims = R"({"sub":"42","email":"ada@example.com","iat":1800000000,"exp":1800604800,"ver":1})";

std::string signed_with(const std::string& header, const std::string& payload) {
  return forge_token(header, payload, kSecret);
}
std::string with_header(const std::string& header) { return signed_with(header, kClaims); }
std::string with_claims(const std::string& payload) { return signed_with(kHeader, payload); }

struct Attack {
  std::string name;
  std::string token;
  TokenRejection expected;
};

std::string segment(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  const std::size_t end = token.find('.', start);
  return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// A valid token whose signature uses both '-' and '_', so that rewriting it
// in the standard base64 alphabet really changes it.
std::string token_with_url_safe_signature() {
  for (int v = 0; v < 1000; ++v) {
    std::string token = with_claims(R"({"sub":"42","exp":1800604800,"ver":)" + std::to_string(v) + "}");
    const std::string sig = segment(token, 2);
    if (sig.find('-') != std::string::npos && sig.find('_') != std::string::npos) return token;
  }
  FAIL("no signature with both '-' and '_' in 1000 tries");
  return {};
}

std::string nested(int depth) {
  std::string open, close;
  for (int i = 0; i < depth; ++i) {
    open += "[";
    close += "]";
  }
  return open + close;
}

}  // namespace

TEST_CASE("JwtHs256 accepts the unaltered token the attacks start from", "[crypto][jwt][attack]") {
  ManualClock clock(from_unix_seconds(kNow));
  const JwtHs256 jwt(clock, kSecret);
  const auto claims = jwt.verify(with_claims(kClaims));
  REQUIRE(claims.has_value());
  CHECK(claims->user_id.value() == 42);
}

TEST_CASE("JwtHs256 refuses every attack in the table", "[crypto][jwt][attack]") {
  ManualClock clock(from_unix_seconds(kNow));
  const JwtHs256 jwt(clock, kSecret);

  const std::string good = with_claims(kClaims);
  const std::string h = segment(good, 0);
  const std::string p = segment(good, 1);
  const std::string s = segment(good, 2);
  const std::string other_payload = todo::crypto::base64url_encode(
      R"({"sub":"1","email":"admin@example.com","iat":1800000000,"exp":1800604800,"ver":1})");
  const std::string url_safe = token_with_url_safe_signature();
  std::string standard_alphabet = url_safe;
  for (std::size_t i = standard_alphabet.rfind('.'); i < standard_alphabet.size(); ++i) {
    if (standard_alphabet[i] == '-') standard_alphabet[i] = '+';
    if (standard_alphabet[i] == '_') standard_alphabet[i] = '/';
  }
  // The signature's last character carries 2 unused bits; set one of them.
  std::string non_canonical = good;
  {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const auto v = alphabet.find(non_canonical.back());
    non_canonical.back() = alphabet[v | 1];
  }

  const std::vector<Attack> attacks = {
      // alg
      {"alg none, unsigned", todo::crypto::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + p + ".",
       TokenRejection::Malformed},
      {"alg none, signed", with_header(R"({"alg":"none","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg None", with_header(R"({"alg":"None","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg NONE", with_header(R"({"alg":"NONE"})"), TokenRejection::BadHeader},
      {"alg HS384", with_header(R"({"alg":"HS384","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg HS512", with_header(R"({"alg":"HS512","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg RS256", with_header(R"({"alg":"RS256","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg hs256 (case)", with_header(R"({"alg":"hs256","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg with a trailing space", with_header(R"({"alg":"HS256 ","typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg as an array", with_header(R"({"alg":["HS256"],"typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg null", with_header(R"({"alg":null,"typ":"JWT"})"), TokenRejection::BadHeader},
      {"header without alg", with_header(R"({"typ":"JWT"})"), TokenRejection::BadHeader},
      {"alg given twice", with_header(R"({"alg":"HS256","alg":"none"})"), TokenRejection::BadHeader},
      {"typ not JWT", with_header(R"({"alg":"HS256","typ":"JWE"})"), TokenRejection::BadHeader},
      {"crit present", with_header(R"({"alg":"HS256","typ":"JWT","crit":["exp"]})"), TokenRejection::BadHeader},
      {"header not JSON", with_header("not json"), TokenRejection::BadHeader},
      {"header a JSON array", with_header(R"(["HS256"])"), TokenRejection::BadHeader},
      {"header empty JSON text", with_header(" "), TokenRejection::BadHeader},
      {"header with trailing bytes", with_header(kHeader + "x"), TokenRejection::BadHeader},
      // signature and encoding
      {"tampered payload", h + "." + other_payload + "." + s, TokenRejection::BadSignature},
      {"tampered header", todo::crypto::base64url_encode(R"({"alg":"HS256"})") + "." + p + "." + s,
       TokenRejection::BadSignature},
      {"stripped signature", h + "." + p + ".", TokenRejection::Malformed},
      {"signature segment missing", h + "." + p, TokenRejection::Malformed},
      {"signature of another secret", forge_token(kHeader, kClaims, std::string(40, 'x')),
       TokenRejection::BadSignature},
      {"signature of an empty secret", forge_token(kHeader, kClaims, ""), TokenRejection::BadSignature},
      {"signature with '=' padding", good + "=", TokenRejection::Malformed},
      {"signature with '+' and '/'", standard_alphabet, TokenRejection::Malformed},
      {"signature with non-canonical trailing bits", non_canonical, TokenRejection::Malformed},
      {"signature truncated", good.substr(0, good.size() - 1), TokenRejection::Malformed},
      {"signature one character longer", good + "A", TokenRejection::Malformed},
      {"payload with '=' padding",
       h + "." + todo::crypto::base64url_encode("{\"sub\":\"42\",\"exp\":1800604800}") + "=." + s,
       TokenRejection::Malformed},
      {"header with a '+'", "+yJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + p + "." + s,
       TokenRejection::Malformed},
      {"extra segment", good + ".e30", TokenRejection::Malformed},
      {"trailing dot", good + ".", TokenRejection::Malformed},
      {"empty header segment", "." + p + "." + s, TokenRejection::Malformed},
      {"empty payload segment", h + ".." + s, TokenRejection::Malformed},
      {"all segments empty", "..", TokenRejection::Malformed},
      {"empty token", "", TokenRejection::Malformed},
      {"no dots", h + p + s, TokenRejection::Malformed},
      {"leading space", " " + good, TokenRejection::Malformed},
      {"trailing newline", good + "\n", TokenRejection::Malformed},
      {"10 MB token", good + std::string(10 * 1024 * 1024, 'A'), TokenRejection::TooLong},
      {"8193-byte token", std::string(8193, 'A'), TokenRejection::TooLong},
      // payload
      {"payload a JSON array", with_claims(R"(["sub","42"])"), TokenRejection::BadClaims},
      {"payload a JSON string", with_claims(R"("sub")"), TokenRejection::BadClaims},
      {"payload not JSON", with_claims("sub=42"), TokenRejection::BadClaims},
      {"payload truncated JSON", with_claims(R"({"sub":"42","exp":1800604800)"), TokenRejection::BadClaims},
      {"payload with trailing bytes", with_claims(R"({"sub":"42","exp":1800604800}{})"), TokenRejection::BadClaims},
      {"sub missing", with_claims(R"({"exp":1800604800})"), TokenRejection::BadClaims},
      {"sub empty", with_claims(R"({"sub":"","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub non-numeric", with_claims(R"({"sub":"admin","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub partly numeric", with_claims(R"({"sub":"42abc","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub negative", with_claims(R"({"sub":"-42","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub with a plus sign", with_claims(R"({"sub":"+42","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub with a space", with_claims(R"({"sub":" 42","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub zero", with_claims(R"({"sub":"0","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub with a leading zero", with_claims(R"({"sub":"042","exp":1800604800})"), TokenRejection::BadClaims},
      {"sub overflowing int64", with_claims(R"({"sub":"9223372036854775808","exp":1800604800})"),
       TokenRejection::BadClaims},
      {"sub far beyond int64", with_claims(R"({"sub":"99999999999999999999999999","exp":1800604800})"),
       TokenRejection::BadClaims},
      {"sub a JSON number", with_claims(R"({"sub":42,"exp":1800604800})"), TokenRejection::BadClaims},
      {"sub given twice", with_claims(R"({"sub":"42","sub":"1","exp":1800604800})"), TokenRejection::BadClaims},
      {"exp missing", with_claims(R"({"sub":"42"})"), TokenRejection::BadClaims},
      {"exp a string", with_claims(R"({"sub":"42","exp":"1800604800"})"), TokenRejection::BadClaims},
      {"exp null", with_claims(R"({"sub":"42","exp":null})"), TokenRejection::BadClaims},
      {"exp true", with_claims(R"({"sub":"42","exp":true})"), TokenRejection::BadClaims},
      {"exp with an exponent", with_claims(R"({"sub":"42","exp":1.8e9})"), TokenRejection::BadClaims},
      {"exp huge", with_claims(R"({"sub":"42","exp":99999999999999999999999})"), TokenRejection::BadClaims},
      {"exp 1e999", with_claims(R"({"sub":"42","exp":1e999})"), TokenRejection::BadClaims},
      {"exp with a leading zero", with_claims(R"({"sub":"42","exp":01800604800})"), TokenRejection::BadClaims},
      {"exp past beyond the leeway", with_claims(R"({"sub":"42","exp":1799999970})"), TokenRejection::Expired},
      {"exp long past", with_claims(R"({"sub":"42","exp":0})"), TokenRejection::Expired},
      {"exp negative", with_claims(R"({"sub":"42","exp":-9223372036854775808})"), TokenRejection::Expired},
      {"nbf in the future", with_claims(R"({"sub":"42","exp":1800604800,"nbf":1800000031})"),
       TokenRejection::NotYetValid},
      {"nbf a string", with_claims(R"({"sub":"42","exp":1800604800,"nbf":"0"})"), TokenRejection::BadClaims},
      {"iat a string", with_claims(R"({"sub":"42","exp":1800604800,"iat":"now"})"), TokenRejection::BadClaims},
      {"ver negative", with_claims(R"({"sub":"42","exp":1800604800,"ver":-1})"), TokenRejection::BadClaims},
      {"ver a string", with_claims(R"({"sub":"42","exp":1800604800,"ver":"1"})"), TokenRejection::BadClaims},
      {"ver fractional", with_claims(R"({"sub":"42","exp":1800604800,"ver":1.5})"), TokenRejection::BadClaims},
      {"ver huge", with_claims(R"({"sub":"42","exp":1800604800,"ver":9223372036854775808})"),
       TokenRejection::BadClaims},
      {"email a number", with_claims(R"({"sub":"42","exp":1800604800,"email":7})"), TokenRejection::BadClaims},
      {"email invalid UTF-8", with_claims("{\"sub\":\"42\",\"exp\":1800604800,\"email\":\"a\xff@b.c\"}"),
       TokenRejection::BadClaims},
      {"email overlong UTF-8", with_claims("{\"sub\":\"42\",\"exp\":1800604800,\"email\":\"\xc0\xaf\"}"),
       TokenRejection::BadClaims},
      {"email with a lone surrogate", with_claims(R"({"sub":"42","exp":1800604800,"email":"\ud800"})"),
       TokenRejection::BadClaims},
      {"email with an escaped NUL", with_claims(R"({"sub":"42","exp":1800604800,"email":"a\u0000b"})"),
       TokenRejection::BadClaims},
      {"string with a raw control character", with_claims("{\"sub\":\"42\",\"exp\":1800604800,\"x\":\"\t\"}"),
       TokenRejection::BadClaims},
      {"string with an unknown escape", with_claims(R"({"sub":"42","exp":1800604800,"x":"\q"})"),
       TokenRejection::BadClaims},
      {"nesting deeper than 16", with_claims(R"({"sub":"42","exp":1800604800,"x":)" + nested(17) + "}"),
       TokenRejection::BadClaims},
      {"nesting 10000 deep", with_claims(R"({"sub":"42","exp":1800604800,"x":)" + nested(10000) + "}"),
       TokenRejection::TooLong},
      {"nesting 2000 deep", with_claims(R"({"sub":"42","exp":1800604800,"x":)" + nested(2000) + "}"),
       TokenRejection::BadClaims},
  };

  for (const auto& attack : attacks) {
    INFO("attack: " << attack.name);
    auto outcome = jwt.inspect(attack.token);
    REQUIRE(std::holds_alternative<TokenRejection>(outcome));
    CHECK(todo::crypto::to_string(std::get<TokenRejection>(outcome)) ==
          std::string(todo::crypto::to_string(attack.expected)));
    const auto result = jwt.verify(attack.token);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == todo::core::ErrorCode::Unauthenticated);
    CHECK(result.error().message == "Could not validate credentials");
  }
}

TEST_CASE("JwtHs256 accepts what the attack table's near misses must not break", "[crypto][jwt][attack]") {
  ManualClock clock(from_unix_seconds(kNow));
  const JwtHs256 jwt(clock, kSecret);
  const std::vector<std::pair<std::string, std::string>> fine = {
      {"exp within the leeway", with_claims(R"({"sub":"42","exp":1799999971})")},
      {"nbf within the leeway", with_claims(R"({"sub":"42","exp":1800604800,"nbf":1800000030})")},
      {"header without typ", with_header(R"({"alg":"HS256"})")},
      {"whitespace around JSON tokens", signed_with(" {\n\t\"alg\" : \"HS256\" } ", " {\r\n\"sub\" :\"42\", \"exp\": 1800604800 } ")},
      {"largest sub", with_claims(R"({"sub":"9223372036854775807","exp":1800604800})")},
      {"nesting 16 deep", with_claims(R"({"sub":"42","exp":1800604800,"x":)" + nested(16) + "}")},
      {"escaped email", with_claims(R"({"sub":"42","exp":1800604800,"email":"\u00e9\ud83d\udd11\/\"@x.y"})")},
  };
  for (const auto& [name, token] : fine) {
    INFO("case: " << name);
    auto outcome = jwt.inspect(token);
    if (const auto* r = std::get_if<TokenRejection>(&outcome)) {
      FAIL_CHECK("refused: " << todo::crypto::to_string(*r));
    }
  }
  const auto escaped = jwt.verify(fine.back().second);
  REQUIRE(escaped.has_value());
  CHECK(escaped->email == "\xc3\xa9\xf0\x9f\x94\x91/\"@x.y");
  CHECK(jwt.verify(fine[4].second)->user_id.value() == 9'223'372'036'854'775'807);
}

TEST_CASE("JwtHs256 accepts a token of exactly 8 KiB and refuses one byte more", "[crypto][jwt][attack]") {
  ManualClock clock(from_unix_seconds(kNow));
  const JwtHs256 jwt(clock, kSecret);
  const auto sized = [](std::size_t filler) {
    return with_claims(R"({"sub":"42","exp":1800604800,"pad":")" + std::string(filler, 'p') + "\"}");
  };
  std::size_t filler = 0;
  while (sized(filler + 3).size() <= JwtHs256::kMaxTokenBytes) filler += 3;
  std::string token = sized(filler);
  // base64 grows in steps of 4 per 3 bytes; pad the claim in steps of 1 to land exactly.
  while (token.size() < JwtHs256::kMaxTokenBytes) token = sized(++filler);
  if (token.size() > JwtHs256::kMaxTokenBytes) token = sized(--filler);
  INFO("token size " << token.size());
  REQUIRE(token.size() <= JwtHs256::kMaxTokenBytes);
  REQUIRE(token.size() >= JwtHs256::kMaxTokenBytes - 1);
  CHECK(jwt.verify(token).has_value());
  const std::string longer = sized(filler + 3);
  REQUIRE(longer.size() > JwtHs256::kMaxTokenBytes);
  CHECK(std::get<TokenRejection>(jwt.inspect(longer)) == TokenRejection::TooLong);
}

TEST_CASE("JwtHs256 refuses a valid token with any single byte altered", "[crypto][jwt][attack]") {
  ManualClock clock(from_unix_seconds(kNow));
  const JwtHs256 jwt(clock, kSecret);
  const std::string good = with_claims(kClaims);
  REQUIRE(jwt.verify(good).has_value());
  int accepted = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x02, 0x04, 0x20, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      if (jwt.verify(bad).has_value()) {
        ++accepted;
        UNSCOPED_INFO("accepted with byte " << i << " ^ " << static_cast<int>(mask));
      }
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("JwtHs256 survives random edits of valid tokens without accepting any", "[crypto][jwt][attack]") {
  // A bounded, seeded mutation run (replace, insert, delete, duplicate a
  // span); with the asan preset it doubles as a memory-safety check of the
  // decoder and the JSON reader on signed and unsigned input.
  ManualClock clock(from_unix_seconds(kNow));
  const JwtHs256 jwt(clock, kSecret);
  const std::vector<std::string> seeds = {
      with_claims(kClaims),
      with_claims(R"({"sub":"7","exp":1800604800,"x":[{"a":[1,2.5e3,"\u00e9"]},null,true]})"),
  };
  std::uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string token = seeds[static_cast<std::size_t>(round) % seeds.size()];
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !token.empty(); ++e) {
      const std::size_t at = next() % token.size();
      switch (next() % 4) {
        case 0: token[at] = static_cast<char>(next() & 0xff); break;
        case 1: token.insert(at, 1, static_cast<char>(next() & 0xff)); break;
        case 2: token.erase(at, 1 + next() % 8); break;
        default: token.insert(at, token.substr(at, 1 + next() % 16)); break;
      }
    }
    if (token == seeds[0] || token == seeds[1]) continue;
    if (jwt.verify(token).has_value()) ++accepted;
  }
  CHECK(accepted == 0);
}
