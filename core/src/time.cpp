#include "todo/core/time.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

namespace todo::core {
namespace {

// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian
// calendar, independent of the C library's time zone handling.
constexpr long long days_from_civil(long long y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

struct Civil {
  long long year;
  unsigned month;
  unsigned day;
};

constexpr Civil civil_from_days(long long z) noexcept {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(long long y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(long long y, unsigned m) noexcept {
  constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29U : kDays[m - 1];
}

long long floor_div(long long a, long long b) noexcept {
  long long q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Reads exactly `n` ASCII digits at `pos`.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  out = v;
  return true;
}

}  // namespace

std::string format_timestamp(Timestamp t) {
  std::string out;
  append_timestamp(out, t);
  return out;
}

void append_timestamp(std::string& text, Timestamp t) {
  const long long us = t.time_since_epoch().count();
  const long long secs = floor_div(us, 1'000'000);
  const long long frac = us - secs * 1'000'000;
  const long long days = floor_div(secs, 86'400);
  const long long sod = secs - days * 86'400;
  const Civil c = civil_from_days(days);
  if (c.year >= 0 && c.year <= 9999) {
    // The common case without snprintf: lists format three timestamps per
    // task, and vfprintf was a quarter of the JSON cost of a page.
    const std::size_t start = text.size();
    text.resize(start + 27);
    char* const out = text.data() + start;
    const auto put = [out](std::size_t at, long long value, std::size_t width) {
      for (std::size_t i = width; i-- > 0; value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, c.year, 4);
    out[4] = '-';
    put(5, c.month, 2);
    out[7] = '-';
    put(8, c.day, 2);
    out[10] = 'T';
    put(11, sod / 3600, 2);
    out[13] = ':';
    put(14, (sod / 60) % 60, 2);
    out[16] = ':';
    put(17, sod % 60, 2);
    out[19] = '.';
    put(20, frac, 6);
    out[26] = 'Z';
    return;
  }
  std::array<char, 96> buf{};  // room for any long long, so -Wformat-truncation stays quiet
  (void)std::snprintf(buf.data(), buf.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", c.year, c.month, c.day,
                sod / 3600, (sod / 60) % 60, sod % 60, frac);
  text += buf.data();
}

std::optional<Timestamp> parse_timestamp(std::string_view s) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0;
  if (!read_digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
  if (!read_digits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
  if (!read_digits(s, pos, 2, day)) return std::nullopt;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;

  long long days = days_from_civil(year, month, day);
  long long micros_of_day = 0;
  long long offset_s = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    unsigned hh = 0, mm = 0, ss = 0;
    if (!read_digits(s, pos, 2, hh) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
    if (!read_digits(s, pos, 2, mm)) return std::nullopt;
    long long frac_us = 0;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_digits(s, pos, 2, ss)) return std::nullopt;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t ndigits = 0;
        long long scale = 100'000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (ndigits < 6) {
            frac_us += (s[pos] - '0') * scale;
            scale /= 10;
          }
          ++ndigits;
          ++pos;
        }
        if (ndigits == 0 || ndigits > 9) return std::nullopt;
      }
    }
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
    micros_of_day = ((hh * 60LL + mm) * 60LL + ss) * 1'000'000LL + frac_us;
    if (pos < s.size()) {
      const char z = s[pos];
      if (z == 'Z' || z == 'z') {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        unsigned oh = 0, om = 0;
        if (!read_digits(s, pos, 2, oh)) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!read_digits(s, pos, 2, om)) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        offset_s = (oh * 60LL + om) * 60LL * (z == '-' ? -1 : 1);
      } else {
        return std::nullopt;
      }
    }
    if (pos != s.size()) return std::nullopt;
  }
  const long long us = days * 86'400'000'000LL + micros_of_day - offset_s * 1'000'000LL;
  // An offset can carry the instant past the calendar (0001-01-01T00:00+05:00
  // is in year 0 in UTC): neither PostgreSQL nor RFC 3339 has such a year.
  constexpr long long kFirstUs = days_from_civil(1, 1, 1) * 86'400'000'000LL;
  constexpr long long kEndUs = days_from_civil(10000, 1, 1) * 86'400'000'000LL;
  if (us < kFirstUs || us >= kEndUs) return std::nullopt;
  return Timestamp(std::chrono::microseconds(us));
}

long long to_unix_seconds(Timestamp t) {
  return floor_div(t.time_since_epoch().count(), 1'000'000);
}

Timestamp from_unix_seconds(long long seconds) {
  return Timestamp(std::chrono::microseconds(seconds * 1'000'000LL));
}

}  // namespace todo::core
