#include "pkg/kubelet/eviction/thresholds.h"

#include <gtest/gtest.h>

namespace sampan::kubelet::eviction {
namespace {

TEST(ThresholdsTest, ParsesQuantitiesAndPercentages) {
  Result<std::vector<Threshold>> t =
      ParseThresholds("memory.available<100Mi, nodefs.available<10%,imagefs.inodesFree<5");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].signal, Signal::kMemoryAvailable);
  EXPECT_EQ((*t)[0].quantity, 100 * 1024 * 1024);
  EXPECT_EQ((*t)[0].value_text, "100Mi");
  EXPECT_EQ((*t)[1].signal, Signal::kNodeFsAvailable);
  EXPECT_FALSE((*t)[1].quantity.has_value());
  EXPECT_EQ((*t)[1].Value(1000), 100);
  EXPECT_EQ((*t)[2].signal, Signal::kImageFsInodesFree);
  EXPECT_EQ((*t)[2].Value(1000), 5);
}

TEST(ThresholdsTest, RejectsBadEntriesNamingThem) {
  for (const char* bad : {"memory.available>100Mi", "memory.free<1Gi", "nodefs.available<120%",
                          "nodefs.available<x%", "memory.available<lots", "memory.available<-1Mi",
                          "memory.available<1Mi,memory.available<2Mi"}) {
    Result<std::vector<Threshold>> t = ParseThresholds(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), Code::kInvalid) << bad;
  }
  EXPECT_NE(ParseThresholds("memory.free<1Gi").status().message().find("memory.free"),
            std::string::npos);
}

TEST(ThresholdsTest, DefaultsAreUpstreams) {
  std::vector<Threshold> d = DefaultThresholds();
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].signal, Signal::kMemoryAvailable);
  EXPECT_EQ(d[0].Value(0), 100 * 1024 * 1024);
  EXPECT_EQ(d[1].Value(1000), 100);  // nodefs.available<10%
  EXPECT_EQ(d[2].Value(1000), 50);   // nodefs.inodesFree<5%
  EXPECT_EQ(d[3].Value(1000), 150);  // imagefs.available<15%
}

TEST(ThresholdsTest, ObservesSummaryAndFindsCrossedThresholds) {
  stats::Summary s;
  s.node.memory.available_bytes = 50 * 1024 * 1024;
  s.node.memory.working_set_bytes = 950 * 1024 * 1024;
  s.node.fs.capacity_bytes = 1000;
  s.node.fs.available_bytes = 200;
  s.node.fs.inodes = 100;
  s.node.fs.inodes_free = 90;
  s.node.image_fs = s.node.fs;
  Observations o = Observe(s);
  EXPECT_EQ(o[Signal::kMemoryAvailable].available, 50 * 1024 * 1024);
  EXPECT_EQ(o[Signal::kMemoryAvailable].capacity, 1000 * 1024 * 1024);
  std::vector<Threshold> crossed = Crossed(DefaultThresholds(), o);
  ASSERT_EQ(crossed.size(), 1u);
  EXPECT_EQ(crossed[0].signal, Signal::kMemoryAvailable);

  // Forced pressure as the integration test does it: below 100% of the disk is always true.
  crossed = Crossed(*ParseThresholds("nodefs.available<100%"), o);
  ASSERT_EQ(crossed.size(), 1u);
  EXPECT_EQ(ResourceOf(crossed[0].signal), Resource::kDisk);
  EXPECT_TRUE(Crossed(*ParseThresholds("nodefs.available<20%"), o).empty());  // 200 of 1000
}

TEST(ThresholdsTest, UnobservedSignalsNeverCross) {
  stats::Summary s;  // no memory.available, no file systems
  EXPECT_TRUE(Crossed(*ParseThresholds("memory.available<1000Ti,nodefs.available<100%"), Observe(s))
                  .empty());
}

}  // namespace
}  // namespace sampan::kubelet::eviction
