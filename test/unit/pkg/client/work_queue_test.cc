#include "pkg/client/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

#include "test/fakes/fake_clock.h"

namespace sampan::client {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, DuplicateAddsAreProcessedOnce) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.TryGet(), "a");
  EXPECT_EQ(q.TryGet(), "b");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, AKeyIsNeverHandedOutTwiceAtOnce) {
  WorkQueue q;
  q.Add("a");
  ASSERT_EQ(q.TryGet(), "a");
  q.Add("a");  // changed while being processed
  EXPECT_EQ(q.TryGet(), std::nullopt);
  q.Done("a");
  EXPECT_EQ(q.TryGet(), "a");  // handed out again after Done
  q.Done("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, RateLimitedKeysComeBackAfterExponentialBackoff) {
  sampan::testing::FakeClock clock;
  WorkQueue q(clock);
  q.AddRateLimited("k");  // 5 ms
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(4ms);
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(1ms);
  ASSERT_EQ(q.TryGet(), "k");
  q.Done("k");
  q.AddRateLimited("k");  // 10 ms
  clock.Advance(9ms);
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(1ms);
  ASSERT_EQ(q.TryGet(), "k");
  EXPECT_EQ(q.NumRequeues("k"), 2);
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
  q.Done("k");
  for (int i = 0; i < 40; ++i) q.AddRateLimited("big");  // capped, no overflow
  clock.Advance(1000s);
  EXPECT_EQ(q.TryGet(), "big");
}

TEST(WorkQueueTest, GetBlocksUntilAKeyOrShutDown) {
  WorkQueue q;
  std::optional<std::string> got;
  std::thread worker([&] { got = q.Get(); });
  q.Add("x");
  worker.join();
  EXPECT_EQ(got, "x");
  std::thread waiter([&] { got = q.Get(); });
  q.ShutDown();
  waiter.join();
  EXPECT_EQ(got, std::nullopt);
  q.Add("after");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, GetWakesForADelayedKey) {
  WorkQueue q;  // real clock
  q.AddAfter("soon", 20ms);
  EXPECT_EQ(q.Get(), "soon");
}

}  // namespace
}  // namespace sampan::client
