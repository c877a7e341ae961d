#include <gtest/gtest.h>

#include "runtime/cgroups/cgroups.h"
#include "runtime/cgroups/kube_layout.h"
#include "test/fakes/fake_cgroup_fs.h"

namespace sampan::runtime {
namespace {

class CgroupV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_.AddDir("/cg");
    fs_.SetFile("/cg/cgroup.controllers", "cpuset cpu io memory pids\n");
    fs_.SetFile("/cg/cgroup.subtree_control", "");
    cgroups_ = NewCgroupV2(fs_, "/cg", "root");
  }
  testing::FakeCgroupFs fs_;
  std::unique_ptr<Cgroups> cgroups_;
};

TEST_F(CgroupV2Test, CreateEnablesControllersDownThePath) {
  // Children list what their parent enabled.
  fs_.SetFile("/cg/root/cgroup.controllers", "cpu memory pids\n");
  fs_.SetFile("/cg/root/pod/cgroup.controllers", "cpu memory pids\n");
  ASSERT_TRUE(cgroups_->Create("pod/c").ok());
  EXPECT_TRUE(fs_.HasDir("/cg/root/pod/c"));
  std::vector<std::string> enabled;
  for (const auto& [path, value] : fs_.writes()) {
    if (path == "/cg/cgroup.subtree_control") enabled.push_back(value);
  }
  EXPECT_EQ(enabled, (std::vector<std::string>{"+cpu", "+memory", "+pids"}));
  EXPECT_EQ(fs_.File("/cg/root/pod/cgroup.subtree_control"), "+pids");
  EXPECT_EQ(cgroups_->version(), CgroupVersion::kV2);
}

TEST_F(CgroupV2Test, ApplyWritesV2KnobsWithConvertedWeight) {
  fs_.SetFile("/cg/root/cgroup.controllers", "cpu memory pids\n");
  ASSERT_TRUE(cgroups_->Create("c").ok());
  fs_.SetFile("/cg/root/c/memory.swap.max", "max");
  CgroupResources r;
  r.cpu_shares = 1024;
  r.cpu_quota_us = 25000;
  r.memory_limit = 1 << 20;
  r.pids_limit = 5;
  ASSERT_TRUE(cgroups_->Apply("c", r).ok());
  EXPECT_EQ(fs_.File("/cg/root/c/cpu.weight"), std::to_string(SharesToWeight(1024)));
  EXPECT_EQ(fs_.File("/cg/root/c/cpu.weight"), "39");
  EXPECT_EQ(fs_.File("/cg/root/c/cpu.max"), "25000 100000");
  EXPECT_EQ(fs_.File("/cg/root/c/memory.max"), "1048576");
  EXPECT_EQ(fs_.File("/cg/root/c/memory.swap.max"), "0");
  EXPECT_EQ(fs_.File("/cg/root/c/pids.max"), "5");
  EXPECT_TRUE(cgroups_->Controllers().empty());
  EXPECT_TRUE(fs_.DeviceRules("/cg/root/c").empty());  // not asked to restrict
}

TEST_F(CgroupV2Test, RestrictedDevicesGetTheDeviceFilter) {
  fs_.SetFile("/cg/root/cgroup.controllers", "cpu memory pids\n");
  ASSERT_TRUE(cgroups_->Create("c").ok());
  CgroupResources r;
  r.restrict_devices = true;
  ASSERT_TRUE(cgroups_->Apply("c", r).ok());
  EXPECT_EQ(fs_.DeviceRules("/cg/root/c"), DefaultDeviceRules());
}

TEST_F(CgroupV2Test, StatsFromCpuStatMemoryEventsAndCurrent) {
  fs_.SetFile("/cg/root/cgroup.controllers", "cpu memory pids\n");
  ASSERT_TRUE(cgroups_->Create("c").ok());
  fs_.SetFile("/cg/root/c/cpu.stat", "usage_usec 1500\nuser_usec 1000\nnr_throttled 9\n");
  fs_.SetFile("/cg/root/c/memory.current", "8192\n");
  fs_.SetFile("/cg/root/c/memory.stat",
              "anon 100\nfile 5000\ninactive_file 4096\npgfault 31\n"
              "pgmajfault 2\n");
  fs_.SetFile("/cg/root/c/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  fs_.SetFile("/cg/root/c/pids.current", "2\n");
  auto s = cgroups_->Stats("c");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cpu_usage_ns, 1500000u);
  EXPECT_EQ(s->cpu_throttled_periods, 9u);
  EXPECT_EQ(s->memory_usage_bytes, 8192u);
  EXPECT_EQ(s->memory_working_set_bytes, 4096u);
  EXPECT_EQ(s->memory_rss_bytes, 100u);
  EXPECT_EQ(s->memory_page_faults, 31u);
  EXPECT_EQ(s->memory_major_page_faults, 2u);
  EXPECT_EQ(s->oom_kills, 1u);
  EXPECT_EQ(s->pids_current, 2u);
}

TEST_F(CgroupV2Test, SelfJoinWritesCgroupProcs) {
  EXPECT_EQ(cgroups_->SelfJoinFiles("c"), std::vector<std::string>{"/cg/root/c/cgroup.procs"});
}

TEST_F(CgroupV2Test, AddProcessAndRemove) {
  fs_.SetFile("/cg/root/cgroup.controllers", "");
  ASSERT_TRUE(cgroups_->Create("c").ok());
  ASSERT_TRUE(cgroups_->AddProcess("c", 77).ok());
  EXPECT_EQ(fs_.File("/cg/root/c/cgroup.procs"), "77");
  ASSERT_TRUE(cgroups_->Remove("c").ok());
  EXPECT_FALSE(cgroups_->Exists("c"));
}

}  // namespace
}  // namespace sampan::runtime
