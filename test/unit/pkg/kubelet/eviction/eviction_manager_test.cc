#include "pkg/kubelet/eviction/eviction_manager.h"

#include <gtest/gtest.h>

#include "test/fakes/fake_clock.h"

namespace sampan::kubelet::eviction {
namespace {

using api::Json;
using std::chrono::minutes;

client::ObjectPtr Pod(const std::string& name, const std::string& memory_request = "") {
  Json container = {{"name", "c"}};
  if (!memory_request.empty()) {
    container["resources"] = {{"requests", {{"memory", memory_request}}}};
  }
  return std::make_shared<const Json>(
      Json{{"metadata", {{"name", name}, {"namespace", "ns"}, {"uid", name}}},
           {"spec", {{"containers", Json::array({container})}}}});
}

class EvictionManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    summary_.node.memory.available_bytes = 1ll << 30;
    summary_.node.memory.working_set_bytes = 1ll << 30;
    summary_.node.fs.capacity_bytes = 1000;
    summary_.node.fs.available_bytes = 500;
    summary_.node.image_fs = summary_.node.fs;
    pods_ = {Pod("guaranteed", "500Mi"), Pod("hog")};
    SetUsage("guaranteed", 100 << 20);
    SetUsage("hog", 300 << 20);
  }

  void SetUsage(const std::string& uid, int64_t bytes) {
    stats::PodStats p;
    p.uid = uid;
    p.memory.working_set_bytes = bytes;
    stats::ContainerStats c;
    c.name = "c";
    c.memory.working_set_bytes = bytes;
    p.containers.push_back(c);
    std::erase_if(summary_.pods, [&](const stats::PodStats& s) { return s.uid == uid; });
    summary_.pods.push_back(p);
  }

  std::unique_ptr<EvictionManager> Manager(const std::string& thresholds = "") {
    EvictionOptions options;
    if (!thresholds.empty()) options.thresholds = *ParseThresholds(thresholds);
    return std::make_unique<EvictionManager>(
        clock_, options,
        [this](bool with_pods) -> Result<stats::Summary> {
          stats::Summary s = summary_;
          if (!with_pods) s.pods.clear();
          return s;
        },
        [this] { return pods_; },
        [this](const Json& pod, const std::string& message) {
          evicted_.push_back(api::GetString(api::ObjectField(pod, "metadata"), "name"));
          messages_.push_back(message);
          std::erase_if(pods_, [&](const client::ObjectPtr& p) { return p.get() == &pod; });
        });
  }

  testing::FakeClock clock_;
  stats::Summary summary_;
  std::vector<client::ObjectPtr> pods_;
  std::vector<std::string> evicted_;
  std::vector<std::string> messages_;
};

TEST_F(EvictionManagerTest, NoPressureNoEviction) {
  auto m = Manager();
  EXPECT_FALSE(m->Synchronize().has_value());
  EXPECT_FALSE(m->memory_pressure());
  EXPECT_FALSE(m->disk_pressure());
  EXPECT_TRUE(evicted_.empty());
}

TEST_F(EvictionManagerTest, MemoryPressureEvictsTheRankedFirstPodOnePerPass) {
  auto m = Manager();
  summary_.node.memory.available_bytes = 50 << 20;  // below the default 100Mi
  EXPECT_EQ(m->Synchronize(), "ns/hog");
  EXPECT_TRUE(m->memory_pressure());
  EXPECT_FALSE(m->disk_pressure());
  ASSERT_EQ(evicted_, (std::vector<std::string>{"hog"}));
  EXPECT_EQ(messages_[0].rfind("The node was low on resource: memory. Threshold quantity: 100Mi, "
                               "available: 50Mi. Container c was using 300Mi",
                               0),
            0u)
      << messages_[0];
  // Still short: the next pass takes the next pod (under its request, but the only one).
  EXPECT_EQ(m->Synchronize(), "ns/guaranteed");
  EXPECT_FALSE(m->Synchronize().has_value());  // nothing left
}

TEST_F(EvictionManagerTest, PressureOutlastsTheSignalForTheTransitionPeriod) {
  auto m = Manager("nodefs.available<60%");
  EXPECT_TRUE(m->Synchronize().has_value());
  EXPECT_TRUE(m->disk_pressure());
  EXPECT_FALSE(m->memory_pressure());
  summary_.node.fs.available_bytes = 900;  // recovered
  clock_.Advance(minutes(4));
  EXPECT_FALSE(m->Synchronize().has_value());
  EXPECT_TRUE(m->disk_pressure());
  clock_.Advance(minutes(2));
  EXPECT_FALSE(m->Synchronize().has_value());
  EXPECT_FALSE(m->disk_pressure());
}

TEST_F(EvictionManagerTest, DiskPressureEvictsBestEffortBeforeBurstable) {
  auto m = Manager("nodefs.available<100%");
  EXPECT_EQ(m->Synchronize(), "ns/hog");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].rfind("The node was low on resource: ephemeral-storage. ", 0), 0u);
}

TEST_F(EvictionManagerTest, NoStatsNoDecision) {
  EvictionOptions options;
  EvictionManager m(
      clock_, options, [](bool) -> Result<stats::Summary> { return Status::Unavailable("no"); },
      [this] { return pods_; },
      [this](const Json&, const std::string&) { evicted_.push_back("x"); });
  EXPECT_FALSE(m.Synchronize().has_value());
  EXPECT_TRUE(evicted_.empty());
}

}  // namespace
}  // namespace sampan::kubelet::eviction
