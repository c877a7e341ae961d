#include <gtest/gtest.h>

#include "runtime/cgroups/cgroups.h"
#include "test/fakes/fake_cgroup_fs.h"

namespace sampan::runtime {
namespace {

class CgroupV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "pids", "devices"}) {
      std::string mount = std::string("/cg/") + c;
      fs_.AddDir("/cg");
      fs_.AddDir(mount);
      mounts_.push_back({c, mount});
    }
    fs_.SetFile("/cg/cpuset/cpuset.cpus", "0-1\n");
    fs_.SetFile("/cg/cpuset/cpuset.mems", "0\n");
    cgroups_ = NewCgroupV1(fs_, mounts_, "test-root");
  }

  testing::FakeCgroupFs fs_;
  std::vector<V1Mount> mounts_;
  std::unique_ptr<Cgroups> cgroups_;
};

TEST_F(CgroupV1Test, CreateMakesEveryLevelInEveryHierarchyAndSeedsCpuset) {
  ASSERT_TRUE(cgroups_->Create("kubepods/burstable/pod1/c1").ok());
  for (const V1Mount& m : mounts_) {
    EXPECT_TRUE(fs_.HasDir(m.mount_point + "/test-root/kubepods/burstable/pod1/c1"))
        << m.controller;
  }
  EXPECT_EQ(fs_.File("/cg/cpuset/test-root/cpuset.cpus"), "0-1");
  EXPECT_EQ(fs_.File("/cg/cpuset/test-root/kubepods/burstable/pod1/c1/cpuset.mems"), "0");
  EXPECT_TRUE(cgroups_->Exists("kubepods/burstable/pod1/c1"));
  EXPECT_EQ(cgroups_->version(), CgroupVersion::kV1);
}

TEST_F(CgroupV1Test, CreateSeedsCpusetsAnotherCreatorLeftEmpty) {
  // A concurrent creator made these levels but has not written cpus/mems yet.
  fs_.AddDir("/cg/cpuset/test-root");
  fs_.AddDir("/cg/cpuset/test-root/kubepods");
  fs_.SetFile("/cg/cpuset/test-root/cpuset.cpus", "");
  fs_.SetFile("/cg/cpuset/test-root/kubepods/cpuset.cpus", "\n");
  ASSERT_TRUE(cgroups_->Create("kubepods/pod2").ok());
  EXPECT_EQ(fs_.File("/cg/cpuset/test-root/cpuset.cpus"), "0-1");
  EXPECT_EQ(fs_.File("/cg/cpuset/test-root/kubepods/cpuset.cpus"), "0-1");
  EXPECT_EQ(fs_.File("/cg/cpuset/test-root/kubepods/pod2/cpuset.cpus"), "0-1");
  EXPECT_EQ(fs_.File("/cg/cpuset/test-root/kubepods/pod2/cpuset.mems"), "0");
}

TEST_F(CgroupV1Test, ApplyWritesV1Knobs) {
  ASSERT_TRUE(cgroups_->Create("c").ok());
  CgroupResources r;
  r.cpu_shares = 512;
  r.cpu_quota_us = 50000;
  r.memory_limit = 64 << 20;
  r.pids_limit = 100;
  r.restrict_devices = true;
  ASSERT_TRUE(cgroups_->Apply("c", r).ok());
  EXPECT_EQ(fs_.File("/cg/cpu/test-root/c/cpu.shares"), "512");
  EXPECT_EQ(fs_.File("/cg/cpu/test-root/c/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(fs_.File("/cg/cpu/test-root/c/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(fs_.File("/cg/memory/test-root/c/memory.limit_in_bytes"), std::to_string(64 << 20));
  EXPECT_EQ(fs_.File("/cg/pids/test-root/c/pids.max"), "100");
  EXPECT_EQ(fs_.File("/cg/devices/test-root/c/devices.deny"), "a");
  // The last allow rule written is the last of the default list.
  EXPECT_EQ(fs_.File("/cg/devices/test-root/c/devices.allow"), DefaultDeviceRules().back());
}

TEST_F(CgroupV1Test, UnsetResourcesWriteNothing) {
  ASSERT_TRUE(cgroups_->Create("c").ok());
  size_t before = fs_.writes().size();
  ASSERT_TRUE(cgroups_->Apply("c", CgroupResources{}).ok());
  EXPECT_EQ(fs_.writes().size(), before);
}

TEST_F(CgroupV1Test, AddProcessJoinsEveryHierarchy) {
  ASSERT_TRUE(cgroups_->Create("c").ok());
  ASSERT_TRUE(cgroups_->AddProcess("c", 4242).ok());
  for (const V1Mount& m : mounts_) {
    EXPECT_EQ(fs_.File(m.mount_point + "/test-root/c/cgroup.procs"), "4242") << m.controller;
  }
}

TEST_F(CgroupV1Test, SelfJoinWritesTasksOfEveryHierarchy) {
  std::vector<std::string> files = cgroups_->SelfJoinFiles("c");
  ASSERT_EQ(files.size(), mounts_.size());
  for (size_t i = 0; i < mounts_.size(); ++i) {
    EXPECT_EQ(files[i], mounts_[i].mount_point + "/test-root/c/tasks");
  }
}

TEST_F(CgroupV1Test, StatsParseUsageWorkingSetOomAndThrottling) {
  ASSERT_TRUE(cgroups_->Create("c").ok());
  fs_.SetFile("/cg/cpuacct/test-root/c/cpuacct.usage", "123456789\n");
  fs_.SetFile("/cg/memory/test-root/c/memory.usage_in_bytes", "10000\n");
  fs_.SetFile("/cg/memory/test-root/c/memory.stat",
              "cache 5\nrss 1\ntotal_rss 4000\ntotal_pgfault 55\n"
              "total_pgmajfault 6\ntotal_inactive_file 3000\n");
  fs_.SetFile("/cg/memory/test-root/c/memory.oom_control",
              "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  fs_.SetFile("/cg/pids/test-root/c/pids.current", "7\n");
  fs_.SetFile("/cg/cpu/test-root/c/cpu.stat", "nr_periods 10\nnr_throttled 4\n");
  auto s = cgroups_->Stats("c");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cpu_usage_ns, 123456789u);
  EXPECT_EQ(s->memory_usage_bytes, 10000u);
  EXPECT_EQ(s->memory_working_set_bytes, 7000u);
  EXPECT_EQ(s->memory_rss_bytes, 4000u);  // hierarchical total_rss, not the cgroup's own rss
  EXPECT_EQ(s->memory_page_faults, 55u);
  EXPECT_EQ(s->memory_major_page_faults, 6u);
  EXPECT_EQ(s->oom_kills, 2u);
  EXPECT_EQ(s->pids_current, 7u);
  EXPECT_EQ(s->cpu_throttled_periods, 4u);
}

TEST_F(CgroupV1Test, RemoveDeletesTheLeafOnly) {
  ASSERT_TRUE(cgroups_->Create("pod/c").ok());
  ASSERT_TRUE(cgroups_->Remove("pod/c").ok());
  EXPECT_FALSE(fs_.HasDir("/cg/memory/test-root/pod/c"));
  EXPECT_TRUE(fs_.HasDir("/cg/memory/test-root/pod"));
  EXPECT_FALSE(cgroups_->Exists("pod/c"));
}

TEST(DetectCgroupsTest, HybridHostUsesV1Controllers) {
  testing::FakeCgroupFs fs;
  fs.SetFile("/proc/self/mounts",
             "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
             "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n"
             "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
             "cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n"
             "cgroup /sys/fs/cgroup/systemd cgroup rw,name=systemd 0 0\n"
             "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n");
  auto cg = DetectCgroups(fs, "");
  ASSERT_TRUE(cg.ok()) << cg.status().ToString();
  EXPECT_EQ((*cg)->version(), CgroupVersion::kV1);
  std::vector<std::string> controllers = (*cg)->Controllers();
  EXPECT_EQ(controllers, (std::vector<std::string>{"cpu", "cpuacct", "memory", "pids"}));
  EXPECT_EQ((*cg)->Dirs("x").front(), "/sys/fs/cgroup/cpu,cpuacct/x");
}

TEST(DetectCgroupsTest, UnifiedHostUsesV2) {
  testing::FakeCgroupFs fs;
  fs.SetFile("/proc/self/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n");
  auto cg = DetectCgroups(fs, "");
  ASSERT_TRUE(cg.ok());
  EXPECT_EQ((*cg)->version(), CgroupVersion::kV2);
}

TEST(DetectCgroupsTest, NoUsableControllersIsAnError) {
  testing::FakeCgroupFs fs;
  fs.SetFile("/proc/self/mounts", "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n");
  auto cg = DetectCgroups(fs, "");
  ASSERT_FALSE(cg.ok());
  EXPECT_NE(cg.status().message().find("cpu"), std::string::npos);
}

}  // namespace
}  // namespace sampan::runtime
