#include "pkg/kubelet/node_status.h"

#include <gtest/gtest.h>

#include <thread>

#include "pkg/util/time_format.h"
#include "test/fakes/fake_clock.h"
#include "test/unit/test_api_server.h"

namespace sampan::kubelet {
namespace {

using api::Json;
using namespace std::chrono_literals;

const api::ResourceInfo& Nodes() { return *api::Registry::Builtin().Find("", "v1", "nodes"); }
const api::ResourceInfo& Leases() {
  return *api::Registry::Builtin().Find("coordination.k8s.io", "v1", "leases");
}

class NodeStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    client_ = api_.NewClient();
    facts_.cpus = 4;
    facts_.memory_bytes = int64_t{8} << 30;
    facts_.memory_available_bytes = int64_t{6} << 30;
    facts_.fs_bytes = int64_t{100} << 30;
    facts_.fs_available_bytes = int64_t{50} << 30;
    facts_.pids_max = 32768;
    facts_.pids_used = 100;
    facts_.kernel_version = "6.1.0";
    facts_.os_image = "Test OS";
    facts_.architecture = "arm64";
    facts_.hostname = "edge";
    NodeStatusOptions options;
    options.node_name = "edge";
    options.internal_ips = {"10.0.0.5"};
    options.version = "v9.9.9";
    manager_ = std::make_unique<NodeStatusManager>(*client_, clock_, options,
                                                   [this] { return Result<MachineFacts>(facts_); });
  }

  Json Node() { return client_->Get(Nodes(), "", "edge").value(); }
  std::string Condition(const Json& node, const std::string& type, const char* field = "status") {
    for (const Json& c : node["status"]["conditions"]) {
      if (c["type"] == type) return c[field];
    }
    return "";
  }

  sampan::testing::TestApiServer api_;
  std::unique_ptr<client::Client> client_;
  sampan::testing::FakeClock clock_;
  MachineFacts facts_;
  std::unique_ptr<NodeStatusManager> manager_;
};

TEST_F(NodeStatusTest, RegistersAReadyNode) {
  ASSERT_EQ(manager_->SyncStatus().value(), true);
  Json node = Node();
  EXPECT_EQ(Condition(node, "Ready"), "True");
  EXPECT_EQ(Condition(node, "MemoryPressure"), "False");
  EXPECT_EQ(node["status"]["capacity"]["cpu"], "4");
  EXPECT_EQ(node["status"]["capacity"]["memory"], "8388608Ki");
  EXPECT_EQ(node["status"]["allocatable"]["memory"], "8286208Ki");  // minus 100Mi
  EXPECT_EQ(node["status"]["nodeInfo"]["containerRuntimeVersion"], "sampan://v9.9.9");
  EXPECT_EQ(node["status"]["nodeInfo"]["architecture"], "arm64");
  EXPECT_EQ(node["status"]["addresses"][0],
            Json::parse(R"({"type":"InternalIP","address":"10.0.0.5"})"));
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/arch"], "arm64");
}

TEST_F(NodeStatusTest, WritesOnlyOnChangeOrWhenOld) {
  ASSERT_TRUE(manager_->SyncStatus().value());
  std::string rv = Node()["metadata"]["resourceVersion"];
  clock_.Advance(10s);
  EXPECT_FALSE(manager_->SyncStatus().value());  // nothing changed: no write
  EXPECT_EQ(Node()["metadata"]["resourceVersion"], rv);

  facts_.memory_available_bytes = 50 << 20;  // below the 100Mi eviction threshold
  clock_.Advance(10s);
  ASSERT_TRUE(manager_->SyncStatus().value());
  Json node = Node();
  EXPECT_EQ(Condition(node, "MemoryPressure"), "True");
  EXPECT_EQ(Condition(node, "MemoryPressure", "reason"), "KubeletHasInsufficientMemory");
  std::string ready_since = Condition(node, "Ready", "lastTransitionTime");

  clock_.Advance(61s);  // unchanged but old: a heartbeat write
  EXPECT_TRUE(manager_->SyncStatus().value());
  EXPECT_EQ(Condition(Node(), "Ready", "lastTransitionTime"), ready_since);
}

TEST_F(NodeStatusTest, ConditionsMarkedUnknownByTheControllerGoBackAtOnce) {
  ASSERT_TRUE(manager_->SyncStatus().value());
  // The node lifecycle controller did not hear from us and marked the node Unknown.
  Json node = Node();
  for (Json& c : node["status"]["conditions"]) {
    if (c["type"] == "Ready") c["status"] = "Unknown";
  }
  ASSERT_TRUE(client_->Update(Nodes(), node, "status").ok());
  clock_.Advance(10s);  // far from status_max_age: only the difference makes it write
  EXPECT_TRUE(manager_->SyncStatus().value());
  EXPECT_EQ(Condition(Node(), "Ready"), "True");
  EXPECT_EQ(Condition(Node(), "Ready", "lastTransitionTime"),
            FormatRfc3339(clock_.WallNow()));  // a new transition
  clock_.Advance(10s);
  EXPECT_FALSE(manager_->SyncStatus().value());  // and then quiet again
}

TEST_F(NodeStatusTest, LeaseIsCreatedThenRenewed) {
  ASSERT_TRUE(manager_->SyncStatus().ok());
  ASSERT_TRUE(manager_->RenewLease().ok());
  Json lease = client_->Get(Leases(), "kube-node-lease", "edge").value();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "edge");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 40);
  EXPECT_EQ(lease["metadata"]["ownerReferences"][0]["kind"], "Node");
  std::string first = lease["spec"]["renewTime"];
  clock_.Advance(10s);
  ASSERT_TRUE(manager_->RenewLease().ok());
  EXPECT_NE(client_->Get(Leases(), "kube-node-lease", "edge").value()["spec"]["renewTime"], first);
}

TEST_F(NodeStatusTest, ReRegistersADeletedNode) {
  ASSERT_TRUE(manager_->SyncStatus().ok());
  ASSERT_TRUE(client_->Delete(Nodes(), "", "edge").ok());
  facts_.cpus = 8;                            // a change, so the next sync writes
  EXPECT_FALSE(manager_->SyncStatus().ok());  // the write finds the node gone
  ASSERT_TRUE(manager_->SyncStatus().ok());
  EXPECT_EQ(Node()["status"]["capacity"]["cpu"], "8");
}

TEST_F(NodeStatusTest, SyncNowDoesNotWaitForThePeriod) {
  manager_->Start();  // writes at once, then every 10 s
  auto lease_exists = [&] { return client_->Get(Leases(), "kube-node-lease", "edge").ok(); };
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!lease_exists() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(lease_exists());
  ASSERT_TRUE(client_->Delete(Leases(), "kube-node-lease", "edge").ok());
  manager_->SyncNow();
  deadline = std::chrono::steady_clock::now() + 5s;  // half the period
  while (!lease_exists() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(lease_exists());
  manager_->Stop();
}

}  // namespace
}  // namespace sampan::kubelet
