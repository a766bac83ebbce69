// The JSON line logger: every line is one JSON object with ts, level, msg
// and the fields added, whatever bytes the fields hold; levels filter.

#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "logger.hpp"

using todo::app::LogLevel;
using todo::app::Logger;
using todo::app::LogLine;
namespace json = boost::json;

namespace {

json::object parse_line(const std::string& line) {
  INFO(line);
  REQUIRE_FALSE(line.empty());
  REQUIRE(line.back() == '\n');
  REQUIRE(line.find('\n') == line.size() - 1);
  std::error_code ec;
  json::value value = json::parse(line, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(value.is_object());
  return value.as_object();
}

std::string read_all(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  return text;
}

}  // namespace

TEST_CASE("a log line is one JSON object: ts, level, msg, then the fields", "[app][log]") {
  LogLine line(LogLevel::Info, "access");
  line.field("method", "GET")
      .field("path", "/api/tasks/\"1\"\\\n\x01\xff")
      .number("status", 200)
      .thousandths("duration_ms", 1234)
      .number("user_id", 42);
  const std::string text = line.text();
  const json::object o = parse_line(text);
  static const std::regex timestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  CHECK(std::regex_match(std::string(o.at("ts").as_string()), timestamp));
  CHECK(o.at("level") == "info");
  CHECK(o.at("msg") == "access");
  CHECK(o.at("method") == "GET");
  CHECK(o.at("path") == "/api/tasks/\"1\"\\\n\x01\xEF\xBF\xBD");
  CHECK(o.at("status") == 200);
  CHECK(o.at("duration_ms").as_double() == Approx(1.234));
  CHECK(o.at("user_id") == 42);
  // Keys in a fixed order, so lines read well with grep too.
  CHECK(text.find("{\"ts\":\"") == 0);
  CHECK(text.find(",\"level\":\"info\",\"msg\":\"access\",\"method\":\"GET\"") != std::string::npos);
  CHECK(text.find("\"duration_ms\":1.234,") != std::string::npos);
}

TEST_CASE("thousandths keep three decimals", "[app][log]") {
  const auto rendered = [](std::int64_t micros) {
    LogLine line(LogLevel::Info, "m");
    line.thousandths("d", micros);
    const std::string text = line.text();
    const auto at = text.find("\"d\":") + 4;
    return text.substr(at, text.find('}', at) - at);
  };
  CHECK(rendered(0) == "0.000");
  CHECK(rendered(7) == "0.007");
  CHECK(rendered(412) == "0.412");
  CHECK(rendered(1000) == "1.000");
  CHECK(rendered(12'345'678) == "12345.678");
  CHECK(rendered(-1500) == "-1.500");
}

TEST_CASE("the logger writes enabled levels only, one line each", "[app][log]") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  {
    Logger log(LogLevel::Warn, file);
    CHECK_FALSE(log.enabled(LogLevel::Info));
    CHECK(log.enabled(LogLevel::Error));
    log.write(LogLevel::Info, "hidden");
    log.write(LogLevel::Debug, "hidden too");
    log.write(LogLevel::Warn, "shown \"quoted\"");
    log.write(LogLine(LogLevel::Info, "hidden line").field("k", "v"));
    log.write(LogLine(LogLevel::Error, "failed").field("error", "boom"));
  }
  const std::string text = read_all(file);
  std::fclose(file);
  CHECK(text.find("hidden") == std::string::npos);
  const auto newline = text.find('\n');
  REQUIRE(newline != std::string::npos);
  const json::object first = parse_line(text.substr(0, newline + 1));
  CHECK(first.at("level") == "warn");
  CHECK(first.at("msg") == "shown \"quoted\"");
  const json::object second = parse_line(text.substr(newline + 1));
  CHECK(second.at("level") == "error");
  CHECK(second.at("error") == "boom");
}
