#include "pkg/client/event_correlator.h"

#include <gtest/gtest.h>

namespace sampan::client {
namespace {

using Action = EventCorrelator::Action;
using std::chrono::minutes;
using std::chrono::seconds;

const api::Json kPod = {{"kind", "Pod"}, {"namespace", "ns"}, {"name", "p"}, {"uid", "u1"}};

Clock::MonoTime At(Clock::Duration d) { return Clock::MonoTime{} + d; }

TEST(EventCorrelatorTest, RepeatsUpdateTheWrittenEventWithinTheWindow) {
  EventCorrelator c("kubelet");
  auto d = c.Observe(kPod, "Warning", "BackOff", "back-off", At(seconds(0)));
  ASSERT_EQ(d.action, Action::kCreate);
  c.Written(d.key, "ns", "p.1", 1, At(seconds(0)));
  d = c.Observe(kPod, "Warning", "BackOff", "back-off", At(seconds(10)));
  ASSERT_EQ(d.action, Action::kUpdate);
  EXPECT_EQ(d.name, "p.1");
  EXPECT_EQ(d.count, 2);
  c.Written(d.key, d.ns, d.name, d.count, At(seconds(10)));
  EXPECT_EQ(c.Observe(kPod, "Warning", "BackOff", "back-off", At(seconds(20))).count, 3);
  // Another object, reason or message is another event.
  api::Json other = kPod;
  other["uid"] = "u2";
  EXPECT_EQ(c.Observe(other, "Warning", "BackOff", "back-off", At(seconds(20))).action,
            Action::kCreate);
  EXPECT_EQ(c.Observe(kPod, "Warning", "Failed", "back-off", At(seconds(20))).action,
            Action::kCreate);
  // Past the window, or after a failed update, a new event is created.
  EXPECT_EQ(c.Observe(kPod, "Warning", "BackOff", "back-off", At(minutes(30))).action,
            Action::kCreate);
  c.Forget(d.key);
}

TEST(EventCorrelatorTest, SimilarEventsAreCombined) {
  EventCorrelator c("kubelet");
  EventCorrelator::Decision d;
  for (int i = 0; i < 9; ++i) {
    d = c.Observe(kPod, "Normal", "Pulled", "image " + std::to_string(i), At(seconds(i)));
    EXPECT_EQ(d.message, "image " + std::to_string(i));
    EXPECT_EQ(d.action, Action::kCreate);
    c.Written(d.key, "ns", "p." + std::to_string(i), 1, At(seconds(i)));
  }
  d = c.Observe(kPod, "Normal", "Pulled", "image 9", At(seconds(9)));
  EXPECT_EQ(d.message, "(combined from similar events): image 9");
  ASSERT_EQ(d.action, Action::kCreate);
  c.Written(d.key, "ns", "p.combined", 1, At(seconds(9)));
  d = c.Observe(kPod, "Normal", "Pulled", "image 10", At(seconds(10)));
  EXPECT_EQ(d.message, "(combined from similar events): image 10");
  ASSERT_EQ(d.action, Action::kUpdate);
  EXPECT_EQ(d.name, "p.combined");
  EXPECT_EQ(d.count, 2);
}

TEST(EventCorrelatorTest, SpamFilterAllowsABurstThenOnePerFiveMinutes) {
  EventCorrelator c("kubelet");
  for (int i = 0; i < 25; ++i) {
    EXPECT_NE(c.Observe(kPod, "Warning", "BackOff", "x", At(seconds(0))).action, Action::kDrop);
  }
  EXPECT_EQ(c.Observe(kPod, "Warning", "BackOff", "x", At(seconds(1))).action, Action::kDrop);
  EXPECT_NE(c.Observe(kPod, "Warning", "BackOff", "x", At(seconds(301))).action, Action::kDrop);
  EXPECT_EQ(c.Observe(kPod, "Warning", "BackOff", "x", At(seconds(302))).action, Action::kDrop);
}

}  // namespace
}  // namespace sampan::client
