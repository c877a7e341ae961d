#include "runtime/cgroups/kube_layout.h"

#include <gtest/gtest.h>

#include "runtime/cgroups/cgroup_util.h"

namespace sampan::runtime {
namespace {

TEST(KubeLayoutTest, PodPathsPerQos) {
  EXPECT_EQ(PodCgroupPath(QosClass::kGuaranteed, "u1"), "kubepods/podu1");
  EXPECT_EQ(PodCgroupPath(QosClass::kBurstable, "u1"), "kubepods/burstable/podu1");
  EXPECT_EQ(PodCgroupPath(QosClass::kBestEffort, "u1"), "kubepods/besteffort/podu1");
}

TEST(KubeLayoutTest, CpuFormulas) {
  EXPECT_EQ(MilliCpuToShares(0), 2);
  EXPECT_EQ(MilliCpuToShares(1), 2);
  EXPECT_EQ(MilliCpuToShares(250), 256);
  EXPECT_EQ(MilliCpuToShares(1000), 1024);
  EXPECT_EQ(MilliCpuToShares(1000000), 262144);
  EXPECT_EQ(SharesToWeight(2), 1);
  EXPECT_EQ(SharesToWeight(262144), 10000);
  EXPECT_EQ(SharesToWeight(1024), 1 + (1022 * 9999) / 262142);
  EXPECT_EQ(MilliCpuToQuota(0), 0);
  EXPECT_EQ(MilliCpuToQuota(500), 50000);
  EXPECT_EQ(MilliCpuToQuota(5), 1000);  // minimum quota
  EXPECT_EQ(MilliCpuToQuota(2000), 200000);
}

TEST(KubeLayoutTest, OomScoreAdj) {
  EXPECT_EQ(OomScoreAdj(QosClass::kGuaranteed, 0, 0), -997);
  EXPECT_EQ(OomScoreAdj(QosClass::kBestEffort, 0, 100), 1000);
  EXPECT_EQ(OomScoreAdj(QosClass::kBurstable, 50, 100), 500);
  EXPECT_EQ(OomScoreAdj(QosClass::kBurstable, 100, 100), 3);  // at least 3
  EXPECT_EQ(OomScoreAdj(QosClass::kBurstable, 0, 100), 999);  // at most 999
}

TEST(CgroupUtilTest, JoinPrefixesAndStatValues) {
  using namespace cgroup_util;
  EXPECT_EQ(Join("/a/", "/b/c"), "/a/b/c");
  EXPECT_EQ(Join("", "b"), "b");
  EXPECT_EQ(Join("/a", ""), "/a");
  EXPECT_EQ(Prefixes("a//b/c"), (std::vector<std::string>{"a", "a/b", "a/b/c"}));
  EXPECT_EQ(StatValue("total_cache 1\ncache 2\n", "cache"), 2u);
  EXPECT_FALSE(StatValue("cache 2\n", "cach").has_value());
  EXPECT_FALSE(ParseU64("max\n").has_value());
  EXPECT_EQ(ParsePids("1\n22\n\n"), (std::vector<pid_t>{1, 22}));
}

}  // namespace
}  // namespace sampan::runtime
