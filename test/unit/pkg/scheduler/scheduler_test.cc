// The scheduler against a real API server: binding, unschedulable reporting, retries when
// the cluster changes.
#include "pkg/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <set>

#include "test/unit/test_api_server.h"

namespace sampan::scheduler {
namespace {

using api::Json;
using sampan::testing::WaitFor;

const api::ResourceInfo& R(const char* resource) {
  return *api::Registry::Builtin().Find("", "v1", resource);
}

Json Node(const std::string& name, const std::string& cpu) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}}},
          {"status", {{"allocatable", {{"cpu", cpu}, {"memory", "4Gi"}, {"pods", "110"}}}}}};
}

Json Pod(const std::string& name, const std::string& cpu) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"containers", Json::array({{{"name", "c"},
                                         {"image", "busybox"},
                                         {"resources", {{"requests", {{"cpu", cpu}}}}}}})}}}};
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    client_ = api_.NewClient();
    scheduler_ = std::make_unique<Scheduler>(*client_, RealClock::Get());
    scheduler_->Start();
  }
  void TearDown() override { scheduler_->Stop(); }

  std::string NodeOf(const std::string& pod) {
    Result<Json> p = client_->Get(R("pods"), "default", pod);
    return p.ok() ? api::GetString((*p)["spec"], "nodeName") : "?";
  }

  sampan::testing::TestApiServer api_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, BindsToAFittingNodeAndReportsWhatDoesNotFit) {
  ASSERT_TRUE(client_->Create(R("nodes"), Node("small", "1")).ok());
  ASSERT_TRUE(client_->Create(R("pods"), Pod("fits", "500m")).ok());
  ASSERT_TRUE(client_->Create(R("pods"), Pod("huge", "4")).ok());
  EXPECT_TRUE(WaitFor([&] { return NodeOf("fits") == "small"; }));

  // The big pod is marked unschedulable with upstream's message and an event.
  std::string message;
  EXPECT_TRUE(WaitFor([&] {
    Result<Json> p = client_->Get(R("pods"), "default", "huge");
    const Json* conds = p.ok() ? api::FindPath(*p, "status.conditions") : nullptr;
    if (!conds) return false;
    for (const Json& c : *conds) {
      if (c["type"] == "PodScheduled" && c["status"] == "False") message = c["message"];
    }
    return !message.empty();
  }));
  EXPECT_EQ(message, "0/1 nodes are available: 1 Insufficient cpu.");
  bool failed = false, scheduled = false;
  EXPECT_TRUE(WaitFor([&] {
    Result<client::ObjectList> events = client_->List(R("events"), "default");
    if (!events.ok()) return false;
    for (const Json& e : events->items) {
      failed |= e["reason"] == "FailedScheduling" && e["involvedObject"]["name"] == "huge";
      scheduled |= e["reason"] == "Scheduled" && e["involvedObject"]["name"] == "fits";
    }
    return failed && scheduled;
  }));

  // A node that fits appears: the waiting pod is retried and bound.
  ASSERT_TRUE(client_->Create(R("nodes"), Node("large", "8")).ok());
  EXPECT_TRUE(WaitFor([&] { return NodeOf("huge") == "large"; }));
}

TEST_F(SchedulerTest, AssumedPodsCountBeforeTheInformerSeesThem) {
  ASSERT_TRUE(client_->Create(R("nodes"), Node("a", "1")).ok());
  ASSERT_TRUE(client_->Create(R("nodes"), Node("b", "1")).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client_->Create(R("pods"), Pod("p" + std::to_string(i), "600m")).ok());
  }
  // Two fit (one per node), the third cannot: it never lands on a full node.
  EXPECT_TRUE(WaitFor([&] {
    int bound = 0;
    for (int i = 0; i < 3; ++i) bound += !NodeOf("p" + std::to_string(i)).empty();
    return bound == 2;
  }));
  std::set<std::string> used;
  for (int i = 0; i < 3; ++i) used.insert(NodeOf("p" + std::to_string(i)));
  EXPECT_EQ(used, (std::set<std::string>{"", "a", "b"}));
  // Deleting a bound pod frees room for the waiting one.
  std::string freed_pod = NodeOf("p0").empty() ? "p1" : "p0";
  ASSERT_TRUE(client_->Delete(R("pods"), "default", freed_pod).ok());
  EXPECT_TRUE(WaitFor([&] {
    int bound = 0;
    for (int i = 0; i < 3; ++i) {
      std::string n = NodeOf("p" + std::to_string(i));
      bound += !n.empty() && n != "?";
    }
    return bound == 2;
  }));
}

}  // namespace
}  // namespace sampan::scheduler
