// Timestamps: RFC 3339 output with six fraction digits and 'Z'; the input
// forms SPEC §2 accepts for due dates; everything else refused.

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "core/core_test_support.hpp"
#include "todo/core/time.hpp"

using namespace todo::core;
using std::chrono::microseconds;

namespace {

// 2026-11-24T10:00:00Z
constexpr long long kNov24At10 = 1'795'514'400;

Timestamp at(long long unix_seconds, long long micros = 0) {
  return from_unix_seconds(unix_seconds) + microseconds(micros);
}

}  // namespace

TEST_CASE("format_timestamp prints six fraction digits and Z", "[time]") {
  CHECK(format_timestamp(at(kNov24At10, 123456)) == "2026-11-24T10:00:00.123456Z");
  CHECK(format_timestamp(at(kNov24At10)) == "2026-11-24T10:00:00.000000Z");
  CHECK(format_timestamp(at(kNov24At10, 7)) == "2026-11-24T10:00:00.000007Z");
  CHECK(format_timestamp(at(0)) == "1970-01-01T00:00:00.000000Z");
}

TEST_CASE("format_timestamp handles dates before the epoch and leap days", "[time]") {
  CHECK(format_timestamp(at(-1)) == "1969-12-31T23:59:59.000000Z");
  CHECK(format_timestamp(at(-1, 500000)) == "1969-12-31T23:59:59.500000Z");
  CHECK(format_timestamp(at(951'782'400)) == "2000-02-29T00:00:00.000000Z");
}

TEST_CASE("append_timestamp appends format_timestamp's text after what is there", "[time]") {
  std::string text = "at ";
  append_timestamp(text, at(kNov24At10, 123456));
  CHECK(text == "at 2026-11-24T10:00:00.123456Z");
  append_timestamp(text, at(253'402'300'800));
  CHECK(text == "at 2026-11-24T10:00:00.123456Z10000-01-01T00:00:00.000000Z");
}

TEST_CASE("format_timestamp at the edges of four-digit years and beyond them", "[time]") {
  CHECK(format_timestamp(at(253'402'300'799, 999999)) == "9999-12-31T23:59:59.999999Z");
  CHECK(format_timestamp(at(-62'167'219'200)) == "0000-01-01T00:00:00.000000Z");
  // Past 9999 (unreachable through parse_timestamp) the year just grows.
  CHECK(format_timestamp(at(253'402'300'800)) == "10000-01-01T00:00:00.000000Z");
}

TEST_CASE("parse_timestamp reads back what format_timestamp prints", "[time]") {
  for (const Timestamp t : {at(kNov24At10, 123456), at(0), at(-86'399, 1), at(253'402'300'799, 999999)}) {
    const auto parsed = parse_timestamp(format_timestamp(t));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == t);
  }
}

TEST_CASE("parse_timestamp accepts RFC 3339 with Z", "[time]") {
  CHECK(parse_timestamp("2026-11-24T10:00:00Z") == at(kNov24At10));
  CHECK(parse_timestamp("2026-11-24T10:00:00.123456Z") == at(kNov24At10, 123456));
  CHECK(parse_timestamp("2026-11-24T10:00:00.5Z") == at(kNov24At10, 500000));
}

TEST_CASE("parse_timestamp converts numeric offsets to UTC", "[time]") {
  CHECK(parse_timestamp("2026-11-24T12:00:00+02:00") == at(kNov24At10));
  CHECK(parse_timestamp("2026-11-24T04:30:00-05:30") == at(kNov24At10));
  CHECK(parse_timestamp("2026-11-24T10:00:00+00:00") == at(kNov24At10));
  CHECK(parse_timestamp("2026-11-24T10:00:00.25-00:00") == at(kNov24At10, 250000));
  // An offset that crosses midnight moves the date too.
  CHECK(parse_timestamp("2026-11-25T01:00:00+15:00") == at(kNov24At10));
}

TEST_CASE("parse_timestamp reads a naive date-time as UTC", "[time]") {
  CHECK(parse_timestamp("2026-11-24T10:00") == at(kNov24At10));
  CHECK(parse_timestamp("2026-11-24T10:30") == at(kNov24At10 + 30 * 60));
  CHECK(parse_timestamp("2026-11-24T10:30:15") == at(kNov24At10 + 30 * 60 + 15));
  CHECK(parse_timestamp("2026-11-24T10:30:15.5") == at(kNov24At10 + 30 * 60 + 15, 500000));
  CHECK(parse_timestamp("2026-11-24 10:30:15") == at(kNov24At10 + 30 * 60 + 15));
}

TEST_CASE("parse_timestamp reads a plain date as midnight UTC", "[time]") {
  CHECK(parse_timestamp("2026-11-24") == at(kNov24At10 - 10 * 3600));
  CHECK(parse_timestamp("1970-01-01") == at(0));
}

TEST_CASE("parse_timestamp truncates fractions beyond microseconds", "[time]") {
  CHECK(parse_timestamp("2026-11-24T10:00:00.1234569Z") == at(kNov24At10, 123456));
  CHECK(parse_timestamp("2026-11-24T10:00:00.999999999Z") == at(kNov24At10, 999999));
}

TEST_CASE("parse_timestamp accepts 29 February only in leap years", "[time]") {
  CHECK(parse_timestamp("2028-02-29").has_value());
  CHECK(parse_timestamp("2000-02-29").has_value());
  CHECK_FALSE(parse_timestamp("2027-02-29").has_value());
  CHECK_FALSE(parse_timestamp("2100-02-29").has_value());
}

TEST_CASE("parse_timestamp accepts years 0001 to 9999 only", "[time]") {
  CHECK(parse_timestamp("0001-01-01").has_value());
  CHECK(parse_timestamp("9999-12-31T23:59:59.999999Z").has_value());
  CHECK_FALSE(parse_timestamp("0000-01-01").has_value());
  CHECK_FALSE(parse_timestamp("10000-01-01").has_value());
}

TEST_CASE("parse_timestamp refuses garbage and out-of-range fields", "[time]") {
  for (const char* bad : {
           "", "tomorrow", "null", "2026", "2026-12", "2026-1-01", "2026-12-1", "26-12-01",
           "2026/12/01", "2026-13-01", "2026-00-10", "2026-12-00", "2026-12-32", "2026-04-31",
           "2026-12-01T", "2026-12-01T10", "2026-12-01T10:", "2026-12-01T1:30", "2026-12-01T24:00",
           "2026-12-01T10:60", "2026-12-01T10:30:60", "2026-12-01T10:30:15.", "2026-12-01T10:30:15.5.5",
           "2026-12-01T10:30:15Zjunk", "2026-12-01T10:30:15+2", "2026-12-01T10:30:15+24:00",
           "2026-12-01T10:30:15+02:60", "2026-12-01T10:30:15 Z", " 2026-12-01", "2026-12-01 ",
           "2026-12-01x10:30", "2026-12-01Z", "+2026-12-01", "２０２６-12-01",
       }) {
    INFO(bad);
    CHECK_FALSE(parse_timestamp(bad).has_value());
  }
}

TEST_CASE("unix seconds convert both ways and floor sub-second times", "[time]") {
  CHECK(to_unix_seconds(from_unix_seconds(kNov24At10)) == kNov24At10);
  CHECK(to_unix_seconds(at(kNov24At10, 999999)) == kNov24At10);
  CHECK(to_unix_seconds(at(-1, 500000)) == -1);
  CHECK(from_unix_seconds(0).time_since_epoch().count() == 0);
}

TEST_CASE("parse_timestamp refuses an instant whose UTC year leaves 0001-9999", "[time]") {
  // Both were accepted before: the first was a 500 from PostgreSQL (22008),
  // the second came back as year 10000, which nobody can send back.
  CHECK_FALSE(parse_timestamp("0001-01-01T00:00:00+05:00").has_value());
  CHECK_FALSE(parse_timestamp("9999-12-31T23:59:59-05:00").has_value());
  CHECK_FALSE(parse_timestamp("9999-12-31T23:59:59.999999-00:01").has_value());
  // The edges themselves are in.
  CHECK(parse_timestamp("0001-01-01T00:00:00Z") == at(-62'135'596'800));
  CHECK(parse_timestamp("0001-01-01T05:00:00+05:00") == at(-62'135'596'800));
  CHECK(parse_timestamp("9999-12-31T23:59:59.999999Z") == at(253'402'300'799, 999999));
  CHECK(parse_timestamp("9999-12-31T18:59:59-05:00") == at(253'402'300'799));
}
