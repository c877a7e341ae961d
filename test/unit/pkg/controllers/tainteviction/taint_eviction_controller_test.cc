#include "pkg/controllers/tainteviction/taint_eviction_controller.h"

#include <gtest/gtest.h>

#include "pkg/util/time_format.h"
#include "test/unit/pkg/controllers/node_test_objects.h"

namespace sampan::controllers {
namespace {

using api::Json;
using sampan::testing::WaitFor;
using namespace std::chrono_literals;
using namespace sampan::controllers::testing;

Json Taint(const std::string& key, const std::string& added) {
  Json t = {{"key", key}, {"effect", "NoExecute"}};
  if (!added.empty()) t["timeAdded"] = added;
  return t;
}

class TaintEvictionTest : public ControllerTest<TaintEvictionController> {
 protected:
  void StartController() {
    controller_ = std::make_unique<TaintEvictionController>(*client_, clock_);
    controller_->Start();
  }
  // "gone: ..." = gone, "Terminating" = has a deletionTimestamp, "Live" otherwise.
  std::string State(const std::string& pod) {
    Result<Json> p = client_->Get(Pods(), "default", pod);
    if (!p.ok()) return "gone: " + p.status().ToString();
    return (*p)["metadata"].contains("deletionTimestamp") ? "Terminating" : "Live";
  }
  // Syncs the pod (as the worker would when its time comes) and reports its state.
  std::string SyncedState(const std::string& pod) {
    EXPECT_TRUE(controller_->Sync("default/" + pod).ok());
    return State(pod);
  }
  Json Condition(const std::string& pod, const std::string& type) {
    Json p = client_->Get(Pods(), "default", pod).value();
    for (const Json& c : p["status"].value("conditions", Json::array())) {
      if (c["type"] == type) return c;
    }
    return Json();
  }
};

TEST_F(TaintEvictionTest, EvictsAfterTheTolerationSecondsFromTheTaintsTimeAdded) {
  std::string added = FormatRfc3339(clock_.WallNow());
  ASSERT_TRUE(CreateNode(*client_, "lost", "Unknown", clock_,
                         Json::array({Taint("node.kubernetes.io/unreachable", added)}))
                  .ok());
  ASSERT_TRUE(CreateNode(*client_, "fine", "True", clock_).ok());
  ASSERT_TRUE(CreatePod(*client_, "short", "lost",
                        Json::array({Toleration("node.kubernetes.io/unreachable", 30)}))
                  .ok());
  ASSERT_TRUE(CreatePod(*client_, "defaulted", "lost").ok());  // admission: 300 s
  ASSERT_TRUE(CreatePod(*client_, "forever", "lost",
                        Json::array({Toleration("node.kubernetes.io/unreachable", std::nullopt)}))
                  .ok());
  ASSERT_TRUE(CreatePod(*client_, "elsewhere", "fine").ok());
  StartController();

  EXPECT_EQ(SyncedState("short"), "Live");
  clock_.Advance(29s);
  EXPECT_EQ(SyncedState("short"), "Live");
  clock_.Advance(1s);
  EXPECT_EQ(SyncedState("short"), "Terminating");  // the kubelet is gone: it stays so
  Json target = Condition("short", "DisruptionTarget");
  EXPECT_EQ(target["status"], "True");
  EXPECT_EQ(target["reason"], "DeletionByTaintManager");
  EXPECT_EQ(target["message"], "Taint manager: deleting due to NoExecute taint");

  EXPECT_EQ(SyncedState("defaulted"), "Live");
  clock_.Advance(269s);
  EXPECT_EQ(SyncedState("defaulted"), "Live");
  clock_.Advance(1s);
  EXPECT_EQ(SyncedState("defaulted"), "Terminating");
  clock_.Advance(1h);
  EXPECT_EQ(SyncedState("forever"), "Live");
  EXPECT_EQ(SyncedState("elsewhere"), "Live");
}

TEST_F(TaintEvictionTest, PodNotToleratingATaintIsEvictedAtOnce) {
  ASSERT_TRUE(CreateNode(*client_, "n1", "True", clock_).ok());
  ASSERT_TRUE(CreatePod(*client_, "plain", "n1").ok());
  ASSERT_TRUE(CreatePod(*client_, "tolerant", "n1",
                        Json::array({{{"key", "example.com/maintenance"},
                                      {"operator", "Equal"},
                                      {"value", "yes"},
                                      {"effect", "NoExecute"}}}))
                  .ok());
  StartController();
  // An administrator's NoExecute taint, added while the controller runs: its informer
  // queues the node's pods, and the worker evicts the one not tolerating it.
  Json node = client_->Get(Nodes(), "", "n1").value();
  node["spec"]["taints"] = {
      {{"key", "example.com/maintenance"}, {"value", "yes"}, {"effect", "NoExecute"}}};
  ASSERT_TRUE(client_->Update(Nodes(), node).ok());
  EXPECT_TRUE(WaitFor([&] { return State("plain") == "Terminating"; }));
  EXPECT_EQ(SyncedState("tolerant"), "Live");
}

TEST_F(TaintEvictionTest, EvictionTimeTakesTheEarliestTaintAndFirstSightWithoutTimeAdded) {
  StartController();
  Clock::WallTime t0 = clock_.WallNow();
  Json node = {{"metadata", {{"name", "n"}}},
               {"spec",
                {{"taints",
                  {Taint("node.kubernetes.io/unreachable", FormatRfc3339(t0 - 100s)),
                   Taint("node.kubernetes.io/not-ready", "")}}}}};
  Json pod = {{"spec",
               {{"tolerations",
                 {Toleration("node.kubernetes.io/unreachable", 300),
                  Toleration("node.kubernetes.io/not-ready", 60),
                  Toleration("node.kubernetes.io/not-ready", 5)}}}}};  // the first match counts
  // not-ready: first seen now, + 60 s; unreachable: added 100 s ago, + 300 s.
  EXPECT_EQ(controller_->EvictionTime(pod, node), t0 + 60s);
  clock_.Advance(10s);  // the first sight is remembered
  EXPECT_EQ(controller_->EvictionTime(pod, node), t0 + 60s);
  // A toleration without seconds tolerates for ever; no NoExecute taint, no eviction.
  Json forever = {{"spec", {{"tolerations", {{{"operator", "Exists"}}}}}}};
  EXPECT_EQ(controller_->EvictionTime(forever, node), std::nullopt);
  Json untainted = {{"metadata", {{"name", "m"}}},
                    {"spec", {{"taints", {{{"key", "k"}, {"effect", "NoSchedule"}}}}}}};
  EXPECT_EQ(controller_->EvictionTime(Json::object(), untainted), std::nullopt);
  // Negative seconds count as zero.
  Json negative = {
      {"spec", {{"tolerations", {{{"operator", "Exists"}, {"tolerationSeconds", -5}}}}}}};
  EXPECT_EQ(controller_->EvictionTime(negative, node), t0 - 100s);
}

}  // namespace
}  // namespace sampan::controllers
