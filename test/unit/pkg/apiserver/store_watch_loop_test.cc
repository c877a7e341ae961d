#include "pkg/apiserver/store_watch_loop.h"

#include <gtest/gtest.h>

#include <atomic>

#include "storage/sqlite_store.h"
#include "test/fakes/fake_clock.h"
#include "test/unit/test_api_server.h"

namespace sampan::apiserver {
namespace {

using sampan::testing::FakeClock;
using sampan::testing::WaitFor;

class StoreWatchLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::OpenSqliteStore({.path = dir_.File("state.db")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  // A loop over "/registry/things/" whose pass reports `pending_`.
  std::unique_ptr<StoreWatchLoop> StartLoop() {
    auto loop =
        StoreWatchLoop::Start(*store_, "/registry/things/", [this] { return pending_.load(); },
                              {.period = std::chrono::seconds(1), .clock = &clock_});
    EXPECT_TRUE(loop.ok()) << loop.status().ToString();
    return loop.ok() ? std::move(*loop) : nullptr;
  }

  // Waits until the loop has slept through `n` more wake-ups without running a pass.
  static bool IdleFor(StoreWatchLoop& loop, int n) {
    int64_t start = loop.idle_wakeups();
    return WaitFor([&] { return loop.idle_wakeups() >= start + n; });
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  FakeClock clock_;
  std::atomic<bool> pending_{false};
};

TEST_F(StoreWatchLoopTest, RunsOnceAtStart) {
  auto loop = StartLoop();
  ASSERT_NE(loop, nullptr);
  EXPECT_TRUE(WaitFor([&] { return loop->passes() == 1; }));
}

// The bug this replaces: work left made the thread re-run its pass at once, in a tight loop.
TEST_F(StoreWatchLoopTest, PendingWorkWaitsThePeriodInsteadOfSpinning) {
  pending_ = true;
  auto loop = StartLoop();
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(WaitFor([&] { return loop->passes() >= 1; }));
  EXPECT_TRUE(IdleFor(*loop, 3)) << "the loop never slept; passes: " << loop->passes();
  EXPECT_EQ(loop->passes(), 1);

  clock_.Advance(std::chrono::milliseconds(999));
  ASSERT_TRUE(IdleFor(*loop, 2));
  EXPECT_EQ(loop->passes(), 1);

  clock_.Advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(WaitFor([&] { return loop->passes() == 2; }));
  ASSERT_TRUE(IdleFor(*loop, 3));
  EXPECT_EQ(loop->passes(), 2);
}

TEST_F(StoreWatchLoopTest, NoWorkLeftSleepsUntilAChange) {
  auto loop = StartLoop();
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(WaitFor([&] { return loop->passes() == 1; }));
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(store_->Create("/registry/other/a", "{}").ok());
  ASSERT_TRUE(store_->Create("/registry/things/a", "{}").ok());
  ASSERT_TRUE(WaitFor([&] { return loop->passes() >= 2; }));
  EXPECT_EQ(loop->passes(), 2);  // the write outside the prefix woke nothing
}

TEST_F(StoreWatchLoopTest, AChangeCutsThePeriodShort) {
  pending_ = true;
  auto loop = StartLoop();
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(WaitFor([&] { return loop->passes() == 1; }));
  ASSERT_TRUE(store_->Create("/registry/things/a", "{}").ok());
  EXPECT_TRUE(WaitFor([&] { return loop->passes() == 2; }));
}

TEST_F(StoreWatchLoopTest, StopEndsAWaitingLoop) {
  pending_ = true;
  auto loop = StartLoop();
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(WaitFor([&] { return loop->passes() == 1; }));
  loop->Stop();
  int64_t passes = loop->passes();
  ASSERT_TRUE(store_->Create("/registry/things/a", "{}").ok());
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(loop->passes(), passes);
}

}  // namespace
}  // namespace sampan::apiserver
