// The JSON line logger: every line is one JSON object with ts, level, msg
// and the fields added, whatever bytes the fields hold; levels filter.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

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

TEST_CASE("info lines are batched; a warn line writes them and itself at once, in order", "[app][log]") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  {
    Logger log(LogLevel::Debug, file);
    log.write(LogLevel::Info, "first");
    log.write(LogLevel::Debug, "second");
    log.write(LogLevel::Warn, "third");
    // The warn line was written before the writer thread's interval ended.
    std::fflush(file);
    const std::string now = read_all(file);
    CHECK(now.find("\"first\"") < now.find("\"second\""));
    CHECK(now.find("\"second\"") < now.find("\"third\""));
    CHECK(now.find("\"third\"") != std::string::npos);
    std::fseek(file, 0, SEEK_END);
    log.write(LogLevel::Info, "fourth");
  }
  const std::string text = read_all(file);
  std::fclose(file);
  CHECK(text.find("\"fourth\"") > text.find("\"third\""));
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);
}

TEST_CASE("batched lines from many threads all arrive whole", "[app][log]") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  constexpr int kThreads = 8;
  constexpr int kLines = 2000;
  {
    Logger log(LogLevel::Info, file);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&log, t] {
        for (int i = 0; i < kLines; ++i) {
          log.write(LogLine(LogLevel::Info, "request").number("thread", t).number("i", i).field("pad", std::string(40, 'x')));
        }
      });
    }
    for (auto& w : writers) w.join();
  }
  const std::string text = read_all(file);
  std::fclose(file);
  std::vector<int> next(kThreads, 0);
  std::size_t start = 0;
  int lines = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    REQUIRE(end != std::string::npos);
    const json::object line = parse_line(text.substr(start, end - start + 1));
    const auto t = static_cast<int>(line.at("thread").as_int64());
    // Each thread's lines keep their order.
    CHECK(line.at("i").as_int64() == next[static_cast<std::size_t>(t)]++);
    ++lines;
    start = end + 1;
  }
  CHECK(lines == kThreads * kLines);
}
