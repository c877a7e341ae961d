#include "runtime/node_usage.h"

#include <gtest/gtest.h>

namespace sampan::runtime {
namespace {

TEST(NodeUsageTest, ProcStatCpuIsBusyTimeOfAllCpusInNanoseconds) {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const char* stat =
      "cpu  100 20 30 5000 40 5 6 7 50 0\n"
      "cpu0 50 10 15 2500 20 2 3 3 25 0\n"
      "intr 12345\n";
  // busy = 100+20+30 + 5+6+7 = 168 ticks; idle, iowait and guest (inside user) excluded.
  EXPECT_EQ(ParseProcStatCpuNs(stat, 100), 168u * 10000000u);
  EXPECT_FALSE(ParseProcStatCpuNs("intr 1\n", 100).has_value());
  EXPECT_FALSE(ParseProcStatCpuNs("cpu  1 2\n", 100).has_value());
}

TEST(NodeUsageTest, ProcStatCpuDoesNotTakeAPerCpuLineForTheTotal) {
  EXPECT_EQ(ParseProcStatCpuNs("cpu0 1 0 0 9\ncpu  2 0 0 9\n", 100), 20000000u);
}

TEST(NodeUsageTest, MeminfoGivesUsageWorkingSetAvailableAndRss) {
  const char* meminfo =
      "MemTotal:        1000000 kB\n"
      "MemFree:          200000 kB\n"
      "MemAvailable:     600000 kB\n"
      "Buffers:           10000 kB\n"
      "Cached:           300000 kB\n"
      "Active(file):     100000 kB\n"
      "Inactive(file):   150000 kB\n"
      "AnonPages:        250000 kB\n";
  NodeUsage u;
  ASSERT_TRUE(ParseMeminfo(meminfo, &u));
  EXPECT_EQ(u.memory_total_bytes, 1000000u * 1024);
  EXPECT_EQ(u.memory_usage_bytes, 800000u * 1024);
  EXPECT_EQ(u.memory_working_set_bytes, 650000u * 1024);  // usage - Inactive(file)
  EXPECT_EQ(u.memory_available_bytes, 350000u * 1024);    // total - working set
  EXPECT_EQ(u.memory_rss_bytes, 250000u * 1024);
  NodeUsage missing;
  EXPECT_FALSE(ParseMeminfo("MemFree: 1 kB\n", &missing));
}

TEST(NodeUsageTest, VmstatPageFaults) {
  NodeUsage u;
  ParseVmstat("pgfree 9\npgfault 1234\npgmajfault 56\n", &u);
  EXPECT_EQ(u.page_faults, 1234u);
  EXPECT_EQ(u.major_page_faults, 56u);
}

TEST(NodeUsageTest, LiveReadsSeeThisMachine) {
  Result<NodeUsage> u = ReadNodeUsage();
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_GT(u->cpu_usage_ns, 0u);
  EXPECT_GT(u->memory_total_bytes, u->memory_working_set_bytes);
  Result<FsUsage> fs = ReadFsUsage("/");
  ASSERT_TRUE(fs.ok()) << fs.status().ToString();
  EXPECT_GT(fs->capacity_bytes, 0u);
  EXPECT_LE(fs->available_bytes, fs->capacity_bytes);
  EXPECT_FALSE(ReadFsUsage("/no/such/dir").ok());
}

}  // namespace
}  // namespace sampan::runtime
