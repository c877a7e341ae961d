#include "pkg/controllers/nodelifecycle/node_lifecycle_controller.h"

#include <gtest/gtest.h>

#include "pkg/util/time_format.h"
#include "test/unit/pkg/controllers/node_test_objects.h"

namespace sampan::controllers {
namespace {

using api::Json;
using sampan::testing::WaitFor;
using namespace std::chrono_literals;
using namespace sampan::controllers::testing;

class NodeLifecycleTest : public ControllerTest<NodeLifecycleController> {
 protected:
  void StartController() {
    NodeLifecycleOptions options;
    options.monitor_period = 1h;  // passes only when the test runs them
    options.grace_period = 40s;
    options.startup_grace_period = 60s;
    controller_ = std::make_unique<NodeLifecycleController>(*client_, clock_, options);
    controller_->Start();
  }
  // Runs monitor passes until the controller has seen a heartbeat of `node` at the fake now.
  bool HeartbeatSeenNow(const std::string& node) {
    return WaitFor([&] {
      controller_->MonitorNodeHealth();
      return controller_->LastHeartbeatSeen(node) == clock_.Now();
    });
  }
  Json Node(const std::string& name) {
    Result<Json> n = client_->Get(Nodes(), "", name);
    return n.ok() ? *n : Json();
  }
  std::string Condition(const std::string& node, const std::string& type,
                        const char* field = "status") {
    const Json n = Node(node);
    const Json* conditions = api::FindPath(n, "status.conditions");
    for (const Json& c : conditions ? *conditions : Json::array()) {
      if (c["type"] == type) return c.value(field, "");
    }
    return "";
  }
  // "key:effect" of every taint, in order.
  std::vector<std::string> Taints(const std::string& node) {
    std::vector<std::string> out;
    const Json n = Node(node);
    const Json* taints = api::FindPath(n, "spec.taints");
    for (const Json& t : taints ? *taints : Json::array()) {
      out.push_back(t.value("key", "") + ":" + t.value("effect", ""));
    }
    return out;
  }
  std::string PodReady(const std::string& name) {
    Result<Json> pod = client_->Get(Pods(), "default", name);
    if (!pod.ok()) return "";
    const Json* conditions = api::FindPath(*pod, "status.conditions");
    for (const Json& c : conditions ? *conditions : Json::array()) {
      if (c["type"] == "Ready") return c.value("status", "");
    }
    return "";
  }
};

TEST_F(NodeLifecycleTest, SilentNodeBecomesUnknownAndUnreachableAfterTheGrace) {
  ASSERT_TRUE(CreateNode(*client_, "n1", "True", clock_).ok());
  ASSERT_TRUE(RenewLease(*client_, "n1", clock_).ok());
  ASSERT_TRUE(CreatePod(*client_, "web", "n1", nullptr, true).ok());
  StartController();
  ASSERT_TRUE(HeartbeatSeenNow("n1"));

  // The lease renewed within the grace keeps the node as it is.
  clock_.Advance(30s);
  ASSERT_TRUE(RenewLease(*client_, "n1", clock_).ok());
  ASSERT_TRUE(HeartbeatSeenNow("n1"));
  clock_.Advance(40s);  // exactly the grace since the renewal: not past it
  controller_->MonitorNodeHealth();
  EXPECT_EQ(Condition("n1", "Ready"), "True");
  EXPECT_TRUE(Taints("n1").empty());

  clock_.Advance(1s);
  controller_->MonitorNodeHealth();
  EXPECT_EQ(Condition("n1", "Ready"), "Unknown");
  EXPECT_EQ(Condition("n1", "Ready", "reason"), "NodeStatusUnknown");
  EXPECT_EQ(Condition("n1", "Ready", "message"), "Kubelet stopped posting node status.");
  EXPECT_EQ(Condition("n1", "Ready", "lastTransitionTime"), FormatRfc3339(clock_.WallNow()));
  // Conditions the kubelet never posted are added as never updated.
  EXPECT_EQ(Condition("n1", "MemoryPressure"), "Unknown");
  EXPECT_EQ(Condition("n1", "PIDPressure", "reason"), "NodeStatusNeverUpdated");

  ASSERT_TRUE(WaitFor([&] {
    return Taints("n1") == std::vector<std::string>{"node.kubernetes.io/unreachable:NoSchedule",
                                                    "node.kubernetes.io/unreachable:NoExecute"};
  })) << Node("n1").dump();
  Json no_execute = Node("n1")["spec"]["taints"][1];
  EXPECT_EQ(no_execute["timeAdded"], FormatRfc3339(clock_.WallNow()));
  EXPECT_FALSE(Node("n1")["spec"]["taints"][0].contains("timeAdded"));
  // Its pods are no longer ready.
  EXPECT_TRUE(WaitFor([&] { return PodReady("web") == "False"; }));

  // The lease alone does not make the node Ready: the kubelet posting Ready=True does, and
  // the taints go.
  ASSERT_TRUE(RenewLease(*client_, "n1", clock_).ok());
  ASSERT_TRUE(HeartbeatSeenNow("n1"));
  EXPECT_EQ(Condition("n1", "Ready"), "Unknown");
  ASSERT_TRUE(PostReady(*client_, "n1", "True", clock_).ok());
  EXPECT_TRUE(WaitFor([&] { return Taints("n1").empty(); })) << Node("n1").dump();
}

TEST_F(NodeLifecycleTest, NotReadyNodeGetsNotReadyTaintsInsteadOfUnreachable) {
  ASSERT_TRUE(CreateNode(*client_, "n1", "True", clock_,
                         Json::array({{{"key", "dedicated"}, {"effect", "NoSchedule"}}}))
                  .ok());
  StartController();
  ASSERT_TRUE(PostReady(*client_, "n1", "False", clock_).ok());
  ASSERT_TRUE(WaitFor([&] {
    return Taints("n1") == std::vector<std::string>{"dedicated:NoSchedule",
                                                    "node.kubernetes.io/not-ready:NoSchedule",
                                                    "node.kubernetes.io/not-ready:NoExecute"};
  })) << Node("n1").dump();
  // Silent afterwards: unreachable replaces not-ready; the admin's taint stays.
  ASSERT_TRUE(HeartbeatSeenNow("n1"));
  clock_.Advance(41s);
  controller_->MonitorNodeHealth();
  EXPECT_TRUE(WaitFor([&] {
    return Taints("n1") == std::vector<std::string>{"dedicated:NoSchedule",
                                                    "node.kubernetes.io/unreachable:NoSchedule",
                                                    "node.kubernetes.io/unreachable:NoExecute"};
  })) << Node("n1").dump();
  ASSERT_TRUE(PostReady(*client_, "n1", "True", clock_).ok());
  EXPECT_TRUE(WaitFor([&] {
    return Taints("n1") == std::vector<std::string>{"dedicated:NoSchedule"};
  })) << Node("n1").dump();
}

TEST_F(NodeLifecycleTest, NodeThatNeverPostedStatusGetsTheStartupGrace) {
  ASSERT_TRUE(CreateNode(*client_, "fresh", "", clock_).ok());
  StartController();
  ASSERT_TRUE(HeartbeatSeenNow("fresh"));
  clock_.Advance(41s);  // past the grace, not the startup grace
  controller_->MonitorNodeHealth();
  EXPECT_EQ(Condition("fresh", "Ready"), "");
  clock_.Advance(20s);
  controller_->MonitorNodeHealth();
  EXPECT_EQ(Condition("fresh", "Ready"), "Unknown");
  EXPECT_EQ(Condition("fresh", "Ready", "reason"), "NodeStatusNeverUpdated");
  EXPECT_EQ(Condition("fresh", "Ready", "message"), "Kubelet never posted node status.");
  EXPECT_TRUE(WaitFor([&] { return Taints("fresh").size() == 2; }));
}

TEST_F(NodeLifecycleTest, StatusHeartbeatAloneKeepsANodeWithoutLease) {
  ASSERT_TRUE(CreateNode(*client_, "old", "True", clock_).ok());
  StartController();
  ASSERT_TRUE(HeartbeatSeenNow("old"));
  clock_.Advance(30s);
  ASSERT_TRUE(PostReady(*client_, "old", "True", clock_).ok());  // a new lastHeartbeatTime
  ASSERT_TRUE(HeartbeatSeenNow("old"));
  clock_.Advance(30s);
  controller_->MonitorNodeHealth();
  EXPECT_EQ(Condition("old", "Ready"), "True");
}

}  // namespace
}  // namespace sampan::controllers
