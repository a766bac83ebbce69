#include "todo/crypto/base64url.hpp"

#include <array>
#include <cstdint>

namespace todo::crypto {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<std::uint8_t, 256> kDecode = make_decode_table();

std::uint32_t byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

}  // namespace

void base64url_append(std::string& out, std::string_view bytes) {
  out.reserve(out.size() + (bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = byte_at(bytes, i) << 16 | byte_at(bytes, i + 1) << 8 | byte_at(bytes, i + 2);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = byte_at(bytes, i) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const std::uint32_t v = byte_at(bytes, i) << 16 | byte_at(bytes, i + 1) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  base64url_append(out, bytes);
  return out;
}

std::optional<std::size_t> base64url_decode(std::string_view text, std::span<char> out) noexcept {
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return std::nullopt;  // 6 bits cannot make a byte
  const std::size_t decoded = text.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1);
  if (decoded > out.size()) return std::nullopt;

  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 4 <= text.size(); i += 4) {
    const std::uint32_t a = kDecode[byte_at(text, i)];
    const std::uint32_t b = kDecode[byte_at(text, i + 1)];
    const std::uint32_t c = kDecode[byte_at(text, i + 2)];
    const std::uint32_t d = kDecode[byte_at(text, i + 3)];
    if ((a | b | c | d) > 63) return std::nullopt;  // kInvalid has bits above 63
    const std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[o++] = static_cast<char>(v >> 16);
    out[o++] = static_cast<char>((v >> 8) & 0xff);
    out[o++] = static_cast<char>(v & 0xff);
  }
  if (rest == 2) {
    const std::uint32_t a = kDecode[byte_at(text, i)];
    const std::uint32_t b = kDecode[byte_at(text, i + 1)];
    // The low 4 bits of the last character carry no data and must be zero.
    if ((a | b) > 63 || (b & 0x0f) != 0) return std::nullopt;
    out[o++] = static_cast<char>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const std::uint32_t a = kDecode[byte_at(text, i)];
    const std::uint32_t b = kDecode[byte_at(text, i + 1)];
    const std::uint32_t c = kDecode[byte_at(text, i + 2)];
    // The low 2 bits of the last character carry no data and must be zero.
    if ((a | b | c) > 63 || (c & 0x03) != 0) return std::nullopt;
    const std::uint32_t v = a << 18 | b << 12 | c << 6;
    out[o++] = static_cast<char>(v >> 16);
    out[o++] = static_cast<char>((v >> 8) & 0xff);
  }
  return o;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(base64url_max_decoded_size(text.size()), '\0');
  const auto n = base64url_decode(text, std::span<char>(out));
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

}  // namespace todo::crypto
