#include "pkg/controllers/podgc/pod_gc_controller.h"

#include <gtest/gtest.h>

#include "test/unit/pkg/controllers/node_test_objects.h"

namespace sampan::controllers {
namespace {

using api::Json;
using sampan::testing::WaitFor;
using namespace std::chrono_literals;
using namespace sampan::controllers::testing;

class PodGcTest : public ControllerTest<PodGcController> {
 protected:
  void StartGc() {
    PodGcOptions options;
    options.period = 1h;  // passes only when the test runs them
    options.quarantine = 40s;
    controller_ = std::make_unique<PodGcController>(*client_, clock_, options);
    controller_->Start();
    ASSERT_TRUE(WaitFor([&] { return controller_->HasSynced(); }));
  }
  bool Exists(const std::string& pod) { return client_->Get(Pods(), "default", pod).ok(); }
};

TEST_F(PodGcTest, PodsOfAMissingNodeGoAfterTheQuarantine) {
  ASSERT_TRUE(CreateNode(*client_, "here", "True", clock_).ok());
  ASSERT_TRUE(CreatePod(*client_, "orphan", "gone", nullptr, true).ok());
  ASSERT_TRUE(CreatePod(*client_, "kept", "here", nullptr, true).ok());
  StartGc();
  ASSERT_TRUE(controller_->Collect().ok());
  EXPECT_TRUE(Exists("orphan"));  // the node may be about to register
  clock_.Advance(39s);
  ASSERT_TRUE(controller_->Collect().ok());
  EXPECT_TRUE(Exists("orphan"));
  clock_.Advance(1s);
  ASSERT_TRUE(controller_->Collect().ok());
  EXPECT_FALSE(Exists("orphan"));
  EXPECT_TRUE(Exists("kept"));
}

TEST_F(PodGcTest, ANodeThatAppearsWithinTheQuarantineKeepsItsPods) {
  ASSERT_TRUE(CreatePod(*client_, "early", "late-node").ok());
  StartGc();
  ASSERT_TRUE(controller_->Collect().ok());
  ASSERT_TRUE(CreateNode(*client_, "late-node", "True", clock_).ok());
  clock_.Advance(41s);
  // Whether or not the cache has the node yet, a live read confirms it exists.
  ASSERT_TRUE(controller_->Collect().ok());
  EXPECT_TRUE(Exists("early"));
}

TEST_F(PodGcTest, TerminatingPodsGoOnlyFromOutOfServiceNodes) {
  ASSERT_TRUE(CreateNode(*client_, "unreachable", "Unknown", clock_,
                         Json::array({{{"key", "node.kubernetes.io/unreachable"},
                                       {"effect", "NoExecute"}}}))
                  .ok());
  ASSERT_TRUE(CreateNode(*client_, "shut-down", "Unknown", clock_,
                         Json::array({{{"key", "node.kubernetes.io/out-of-service"},
                                       {"value", "nodeshutdown"},
                                       {"effect", "NoExecute"}}}))
                  .ok());
  ASSERT_TRUE(CreatePod(*client_, "waiting", "unreachable", nullptr, true).ok());
  ASSERT_TRUE(CreatePod(*client_, "stuck", "shut-down", nullptr, true).ok());
  ASSERT_TRUE(client_->Delete(Pods(), "default", "waiting").ok());
  ASSERT_TRUE(client_->Delete(Pods(), "default", "stuck").ok());
  ASSERT_TRUE(Exists("stuck"));  // graceful: waiting for a kubelet
  StartGc();
  ASSERT_TRUE(WaitFor([&] {
    EXPECT_TRUE(controller_->Collect().ok());
    return !Exists("stuck");
  }));
  EXPECT_TRUE(Exists("waiting"));  // its kubelet may come back and stop it
}

}  // namespace
}  // namespace sampan::controllers
