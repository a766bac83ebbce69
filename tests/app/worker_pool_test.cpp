// The server's bounded worker pool (adapters/http): it lives in app_tests
// because the composition root sizes it; see docs/decisions/0004.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <string>
#include <vector>
#include <mutex>
#include <thread>

#include "todo/http/worker_pool.hpp"

using todo::http::WorkerPool;

namespace {

// Holds every job that reaches it until released, so a test controls when
// the pool's threads are busy.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void wait_for_waiters(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds{5}, [&] { return waiting_ >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

}  // namespace

TEST_CASE("a worker pool runs submitted jobs on its threads") {
  std::atomic<int> ran{0};
  std::atomic<bool> other_thread{true};
  const auto caller = std::this_thread::get_id();
  {
    WorkerPool pool("test", 2, 100);
    for (int i = 0; i < 50; ++i) {
      REQUIRE(pool.try_submit([&] {
        if (std::this_thread::get_id() == caller) other_thread = false;
        ++ran;
      }));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    while (ran < 50 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
  }
  CHECK(ran == 50);
  CHECK(other_thread);
}

TEST_CASE("a worker pool refuses work once its queue is full") {
  Gate gate;
  WorkerPool pool("test", 1, 2);
  REQUIRE(pool.try_submit([&] { gate.wait(); }));  // occupies the only thread
  gate.wait_for_waiters(1);
  CHECK(pool.busy() == 1);
  CHECK(pool.queued() == 0);
  CHECK(pool.try_submit([&] { gate.wait(); }));  // queued 1 of 2
  CHECK(pool.try_submit([&] { gate.wait(); }));  // queued 2 of 2
  CHECK(pool.queued() == 2);
  CHECK(pool.rejected() == 0);
  CHECK_FALSE(pool.try_submit([] {}));
  CHECK(pool.rejected() == 1);
  CHECK(pool.threads() == 1);
  CHECK(pool.capacity() == 2);
  gate.open();
  pool.shutdown();
  CHECK(gate.waiting() >= 1);
}

TEST_CASE("shutdown finishes running jobs, drops queued ones and refuses new ones") {
  Gate gate;
  std::atomic<int> queued_ran{0};
  auto token = std::make_shared<int>(0);
  WorkerPool pool("test", 1, 100'000);
  REQUIRE(pool.try_submit([&] { gate.wait(); }));
  gate.wait_for_waiters(1);
  REQUIRE(pool.try_submit([&, token] { ++queued_ran; }));
  CHECK(token.use_count() == 2);

  std::thread stopper([&] { pool.shutdown(); });
  // try_submit fails once shutdown has closed the queue (and, under the
  // same lock, taken the queued jobs away); the queue is far too big to
  // fill in the meantime.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (pool.try_submit([] {}) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  gate.open();  // the running job may finish now
  stopper.join();

  CHECK(queued_ran == 0);
  CHECK(token.use_count() == 1);  // the dropped job's captures were destroyed
  CHECK_FALSE(pool.try_submit([] {}));
}

TEST_CASE("a caller never holds more than its share of the pool; others still get in") {
  Gate gate;
  WorkerPool pool("test", 1, 8);
  using Admission = WorkerPool::Admission;
  const auto flood_share = [] {
    return std::vector<WorkerPool::Share>{{"address 192.0.2.1", 4}, {"account 7", 2}};
  };
  // One running, one waiting: account 7 is at its share.
  REQUIRE(pool.submit([&] { gate.wait(); }, flood_share()) == Admission::Accepted);
  gate.wait_for_waiters(1);
  REQUIRE(gate.waiting() == 1);
  REQUIRE(pool.submit([&] { gate.wait(); }, flood_share()) == Admission::Accepted);
  for (int i = 0; i < 20; ++i) CHECK(pool.submit([] {}, flood_share()) == Admission::OverShare);
  CHECK(pool.over_share() == 20);
  CHECK(pool.rejected() == 0);
  // Other accounts from the same address, up to the address's share.
  CHECK(pool.submit([] {}, {{"address 192.0.2.1", 4}, {"account 8", 2}}) == Admission::Accepted);
  CHECK(pool.submit([] {}, {{"address 192.0.2.1", 4}, {"account 9", 2}}) == Admission::Accepted);
  CHECK(pool.submit([] {}, {{"address 192.0.2.1", 4}, {"account 10", 2}}) == Admission::OverShare);
  // Another address fills what is left of the queue, then the queue is full.
  int accepted = 0;
  for (int i = 0; i < 10; ++i) {
    const Admission a = pool.submit([] {}, {{"address 198.51.100." + std::to_string(i), 4}});
    if (a == Admission::Accepted) ++accepted;
    if (a != Admission::Accepted) CHECK(a == Admission::Full);
  }
  CHECK(accepted == 8 - 3);  // 8 queued at most: account 7's second job and accounts 8, 9 wait too
  CHECK(pool.rejected() == 10 - 5);
  gate.open();
  pool.shutdown();
}

TEST_CASE("a share is given back when its job has run") {
  WorkerPool pool("test", 1, 8);
  using Admission = WorkerPool::Admission;
  // The share is released just after the job returns, so a job of the same
  // account submitted right after may still be refused for a moment, never
  // for good: retried (bounded, no sleep) until the pool takes it.
  const auto run_as_account_1 = [&pool] {
    for (int tries = 0; tries < 1'000'000; ++tries) {
      std::promise<void> ran;
      auto done = ran.get_future();
      const Admission a = pool.submit([&ran] { ran.set_value(); }, {{"account 1", 1}});
      if (a == Admission::Accepted) {
        done.wait();
        return true;
      }
      if (a != Admission::OverShare) return false;
      std::this_thread::yield();
    }
    return false;
  };
  for (int i = 0; i < 100; ++i) REQUIRE(run_as_account_1());
  CHECK(pool.submit([] {}, {}) == Admission::Accepted);
  pool.shutdown();
  CHECK(pool.submit([] {}, {{"account 1", 1}}) == Admission::Closed);
}
