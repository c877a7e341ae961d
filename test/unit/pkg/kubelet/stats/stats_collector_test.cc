#include "pkg/kubelet/stats/stats_collector.h"

#include <gtest/gtest.h>

#include "pkg/kubelet/container_config.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/fake_runtime.h"

namespace sampan::kubelet::stats {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class StatsCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime::SandboxConfig sandbox;
    sandbox.labels = {
        {kPodUidLabel, "uid-1"}, {kPodNameLabel, "web"}, {kPodNamespaceLabel, "default"}};
    Result<std::string> sb = runtime_.RunPodSandbox(sandbox);
    ASSERT_TRUE(sb.ok());
    sandbox_ = *sb;
    runtime::ContainerSpec spec;
    spec.id = "c1";
    spec.name = "default_web_app";
    spec.labels = {{kPodUidLabel, "uid-1"}, {kContainerNameLabel, "app"}};
    ASSERT_TRUE(runtime_.CreateContainer(sandbox_, spec).ok());
    ASSERT_TRUE(runtime_.StartContainer("c1", {}).ok());
    // A container of `sampan ctr` (no pod labels, no sandbox) is not reported.
    runtime::SandboxConfig bare;
    ASSERT_TRUE(runtime_.RunPodSandbox(bare).ok());

    StatsCollectorOptions options;
    options.node_name = "n1";
    options.nodefs_path = "/data";
    options.imagefs_path = "/data/agent/images";
    options.read_node = [this]() -> Result<runtime::NodeUsage> { return node_; };
    options.read_fs = [](const std::string& path) -> Result<runtime::FsUsage> {
      if (path != "/data") return Status::NotFound(path);
      runtime::FsUsage fs;
      fs.capacity_bytes = 1000;
      fs.available_bytes = 400;
      return fs;
    };
    options.boot_time = [] { return WallTime(); };
    collector_ = std::make_unique<StatsCollector>(runtime_, clock_, options);
  }

  void SetCpu(uint64_t container_ns, uint64_t pod_ns, uint64_t node_ns) {
    runtime::CgroupStats c;
    c.cpu_usage_ns = container_ns;
    c.memory_usage_bytes = 10000;
    c.memory_working_set_bytes = 6000;
    c.memory_rss_bytes = 5000;
    runtime_.SetStats("c1", c);
    runtime::CgroupStats p = c;
    p.cpu_usage_ns = pod_ns;
    p.memory_working_set_bytes = 7000;
    runtime_.SetStats(sandbox_, p);
    node_.cpu_usage_ns = node_ns;
  }

  testing::FakeRuntime runtime_;
  testing::FakeClock clock_;
  runtime::NodeUsage node_;
  std::string sandbox_;
  std::unique_ptr<StatsCollector> collector_;
};

TEST_F(StatsCollectorTest, MapsCgroupsToPodsAndContainers) {
  node_.memory_total_bytes = 100000;
  node_.memory_working_set_bytes = 30000;
  node_.memory_available_bytes = 70000;
  SetCpu(1000, 2000, 3000);
  Result<Summary> s = collector_->Collect();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->node.node_name, "n1");
  EXPECT_EQ(s->node.memory.available_bytes, 70000u);
  EXPECT_EQ(s->node.fs.capacity_bytes, 1000u);
  EXPECT_EQ(s->node.image_fs.available_bytes, 400u);  // image store on the data dir's fs
  ASSERT_EQ(s->pods.size(), 1u);
  const PodStats& pod = s->pods[0];
  EXPECT_EQ(pod.name, "web");
  EXPECT_EQ(pod.namespace_, "default");
  EXPECT_EQ(pod.uid, "uid-1");
  EXPECT_EQ(pod.cpu.usage_core_nano_seconds, 2000u);
  EXPECT_EQ(pod.memory.working_set_bytes, 7000u);
  ASSERT_EQ(pod.containers.size(), 1u);
  EXPECT_EQ(pod.containers[0].name, "app");
  EXPECT_EQ(pod.containers[0].memory.working_set_bytes, 6000u);
  EXPECT_EQ(pod.containers[0].memory.rss_bytes, 5000u);
  EXPECT_FALSE(s->scrape_error);
}

TEST_F(StatsCollectorTest, CpuRateComesFromTwoSamples) {
  SetCpu(1'000'000'000, 2'000'000'000, 10'000'000'000);
  ASSERT_TRUE(collector_->Collect().ok());
  clock_.Advance(seconds(2));
  SetCpu(2'000'000'000, 4'000'000'000, 14'000'000'000);
  Result<Summary> s = collector_->Collect();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->node.cpu.usage_nano_cores, 2'000'000'000u);  // 4 s of CPU in 2 s: two cores
  EXPECT_EQ(s->pods[0].cpu.usage_nano_cores, 1'000'000'000u);
  EXPECT_EQ(s->pods[0].containers[0].cpu.usage_nano_cores, 500'000'000u);
}

TEST_F(StatsCollectorTest, RequestsInQuickSuccessionKeepAUsefulWindow) {
  SetCpu(0, 0, 0);
  ASSERT_TRUE(collector_->Collect().ok());
  clock_.Advance(seconds(10));
  SetCpu(1'000'000'000, 0, 0);
  ASSERT_TRUE(collector_->Collect().ok());
  // 100 ms later: too short a window against the last sample; the one before is used.
  clock_.Advance(milliseconds(100));
  SetCpu(1'100'000'000, 0, 0);
  Result<Summary> s = collector_->Collect();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->pods[0].containers[0].cpu.usage_nano_cores, 108'910'891u);  // 1.1 s / 10.1 s
}

TEST_F(StatsCollectorTest, ACounterThatWentBackwardsGivesNoWindowedRate) {
  SetCpu(5'000'000'000, 0, 0);
  ASSERT_TRUE(collector_->Collect().ok());
  clock_.Advance(seconds(2));
  SetCpu(1'000'000'000, 0, 0);  // a new container instance under the same id cannot be
                                // told apart; the rate must not underflow
  Result<Summary> s = collector_->Collect();
  ASSERT_TRUE(s.ok());
  std::optional<uint64_t> rate = s->pods[0].containers[0].cpu.usage_nano_cores;
  EXPECT_TRUE(!rate || *rate < 1'000'000'000u);
}

TEST_F(StatsCollectorTest, BackgroundPassesReadPodsOnlyWhenNeededOrAskedRecently) {
  SetCpu(0, 0, 0);
  Result<Summary> s = collector_->CollectInBackground(false);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->pods.empty());  // nobody asked: the node only
  s = collector_->CollectInBackground(true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->pods.size(), 1u);
  ASSERT_TRUE(collector_->Collect().ok());  // a request of the kubelet API
  clock_.Advance(seconds(10));
  SetCpu(1'000'000'000, 0, 0);
  s = collector_->CollectInBackground(false);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->pods.size(), 1u);  // sampled for the user's next request
  EXPECT_EQ(s->pods[0].containers[0].cpu.usage_nano_cores, 100'000'000u);
  clock_.Advance(StatsCollector::kDemandWindow);
  s = collector_->CollectInBackground(false);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->pods.empty());
}

TEST_F(StatsCollectorTest, StoppedContainersAndNotReadySandboxesAreLeftOut) {
  SetCpu(1, 1, 1);
  ASSERT_TRUE(runtime_.Exit("app", 0));
  Result<Summary> s = collector_->Collect();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->pods.size(), 1u);
  EXPECT_TRUE(s->pods[0].containers.empty());
  ASSERT_TRUE(runtime_.StopPodSandbox(sandbox_).ok());
  s = collector_->Collect();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->pods.empty());
}

}  // namespace
}  // namespace sampan::kubelet::stats
