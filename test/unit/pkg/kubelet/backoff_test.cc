#include "pkg/kubelet/backoff.h"

#include <gtest/gtest.h>

#include "test/fakes/fake_clock.h"

namespace sampan::kubelet {
namespace {

using namespace std::chrono_literals;

TEST(BackoffTest, DoublesUpToTheMaximumAndMeasuresFromTheEvent) {
  testing::FakeClock clock;
  Backoff backoff(clock, 10s, 40s);
  EXPECT_EQ(backoff.Remaining("k", clock.Now()), 0ms);  // never failed: no wait
  backoff.Next("k");
  EXPECT_EQ(backoff.Current("k"), 10s);
  Clock::MonoTime exit = clock.Now();
  clock.Advance(4s);
  EXPECT_EQ(backoff.Remaining("k", exit), 6s);
  clock.Advance(6s);
  EXPECT_EQ(backoff.Remaining("k", exit), 0ms);
  backoff.Next("k");
  EXPECT_EQ(backoff.Current("k"), 20s);
  backoff.Next("k");
  backoff.Next("k");
  EXPECT_EQ(backoff.Current("k"), 40s);  // capped
}

TEST(BackoffTest, StartsOverAfterTwiceTheMaximumWithoutFailures) {
  testing::FakeClock clock;
  Backoff backoff(clock, 10s, 40s);
  backoff.Next("k");
  backoff.Next("k");
  EXPECT_EQ(backoff.Current("k"), 20s);
  clock.Advance(81s);
  EXPECT_EQ(backoff.Remaining("k", clock.Now()), 0ms);
  backoff.Next("k");
  EXPECT_EQ(backoff.Current("k"), 10s);
}

TEST(BackoffTest, ForgetPrefixDropsOnePodsKeys) {
  testing::FakeClock clock;
  Backoff backoff(clock, 10s, 40s);
  backoff.Next("uid1/a");
  backoff.Next("uid1/b");
  backoff.Next("uid2/a");
  backoff.ForgetPrefix("uid1/");
  EXPECT_EQ(backoff.Current("uid1/a"), 0ms);
  EXPECT_EQ(backoff.Current("uid1/b"), 0ms);
  EXPECT_EQ(backoff.Current("uid2/a"), 10s);
}

}  // namespace
}  // namespace sampan::kubelet
