// FairGate (adapters/postgres/src): admission of costly statements in turn
// per user. Pure logic: the pieces of work here are plain callables.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "fair_gate.hpp"

using todo::pg::FairGate;

namespace {

// Records which pieces started, in order.
struct Log {
  std::vector<std::string> started;
  FairGate::Start piece(const std::string& name) {
    return [this, name] { started.push_back(name); };
  }
};

}  // namespace

TEST_CASE("FairGate runs at most per_key pieces of one key and total pieces at once", "[fairness]") {
  FairGate gate(2, 1, 10);
  Log log;
  REQUIRE(gate.enter(1, log.piece("a1")));
  REQUIRE(gate.enter(1, log.piece("a2")));
  REQUIRE(gate.enter(1, log.piece("a3")));
  CHECK(log.started == std::vector<std::string>{"a1"});
  CHECK(gate.running() == 1);
  CHECK(gate.waiting() == 2);
  REQUIRE(gate.enter(2, log.piece("b1")));
  CHECK(log.started == std::vector<std::string>{"a1", "b1"});
  REQUIRE(gate.enter(3, log.piece("c1")));  // total reached: waits
  CHECK(log.started.size() == 2);
  // Key 1's next piece waits for key 3's turn: c1 first, although a2 came
  // earlier.
  gate.leave(1);
  CHECK(log.started == std::vector<std::string>{"a1", "b1", "c1"});
  gate.leave(2);
  CHECK(log.started == std::vector<std::string>{"a1", "b1", "c1", "a2"});
  gate.leave(3);
  gate.leave(1);
  CHECK(log.started == std::vector<std::string>{"a1", "b1", "c1", "a2", "a3"});
  gate.leave(1);
  CHECK(gate.running() == 0);
  CHECK(gate.waiting() == 0);
}

TEST_CASE("FairGate takes keys in turn, whatever their backlogs", "[fairness]") {
  FairGate gate(1, 1, 100);
  Log log;
  REQUIRE(gate.enter(7, log.piece("x0")));
  for (int i = 1; i <= 5; ++i) REQUIRE(gate.enter(7, log.piece("x" + std::to_string(i))));
  REQUIRE(gate.enter(3, log.piece("y1")));
  REQUIRE(gate.enter(9, log.piece("z1")));
  REQUIRE(gate.enter(3, log.piece("y2")));
  for (int i = 0; i < 9; ++i) {
    const std::string& last = log.started.back();
    gate.leave(last[0] == 'x' ? 7 : last[0] == 'y' ? 3 : 9);
  }
  CHECK(log.started == std::vector<std::string>{"x0", "z1", "y1", "x1", "y2", "x2", "x3", "x4", "x5"});
}

TEST_CASE("FairGate refuses a key that already has queue_limit pieces waiting, and only that key", "[fairness]") {
  FairGate gate(1, 1, 2);
  Log log;
  REQUIRE(gate.enter(1, log.piece("run")));
  REQUIRE(gate.enter(1, log.piece("w1")));
  REQUIRE(gate.enter(1, log.piece("w2")));
  CHECK_FALSE(gate.enter(1, log.piece("refused")));
  CHECK(gate.refused() == 1);
  CHECK(gate.enter(2, log.piece("other")));
  gate.leave(1);
  CHECK(log.started.back() == "other");
  CHECK(std::find(log.started.begin(), log.started.end(), "refused") == log.started.end());
}

TEST_CASE("FairGate: a piece that finishes inside its start lets the next one start", "[fairness]") {
  FairGate gate(1, 1, 100);
  std::vector<int> order;
  std::function<FairGate::Start(int)> piece = [&](int n) -> FairGate::Start {
    return [&, n] {
      order.push_back(n);
      gate.leave(1);  // done at once (an answer before submit returned)
    };
  };
  for (int i = 0; i < 50; ++i) REQUIRE(gate.enter(1, piece(i)));
  CHECK(order.size() == 50);
  CHECK(gate.running() == 0);
  CHECK(gate.waiting() == 0);
}
