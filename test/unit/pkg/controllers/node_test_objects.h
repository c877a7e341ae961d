#pragma once
// The fixture of the node lifecycle, taint eviction and pod GC tests, and the nodes, leases
// and pods they write straight to a test API server (status through the status subresource,
// as a kubelet would).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pkg/api/builtin_resources.h"
#include "pkg/api/json.h"
#include "pkg/client/client.h"
#include "pkg/util/clock.h"
#include "pkg/util/time_format.h"
#include "test/fakes/fake_clock.h"
#include "test/unit/test_api_server.h"

namespace sampan::controllers::testing {

using api::builtin::Leases;
using api::builtin::Nodes;
using api::builtin::Pods;

// A test API server, an admin client of it and a fake clock; `controller_`, made by the
// test, is stopped after it.
template <typename Controller>
class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    client_ = api_.NewClient();
  }
  void TearDown() override {
    if (controller_) controller_->Stop();
  }

  sampan::testing::TestApiServer api_;
  std::unique_ptr<client::Client> client_;
  sampan::testing::FakeClock clock_;
  std::unique_ptr<Controller> controller_;
};

// The Ready condition a kubelet posts, with heartbeat and transition at `now`.
inline api::Json ReadyConditions(const std::string& ready, const std::string& now) {
  return {{{"type", "Ready"},
           {"status", ready},
           {"reason", "KubeletReady"},
           {"lastHeartbeatTime", now},
           {"lastTransitionTime", now}}};
}

// Creates a node with `taints`; with `ready` ("True", "False", "Unknown") it also posts a
// Ready condition with heartbeat `now`.
inline Status CreateNode(client::Client& c, const std::string& name, const std::string& ready,
                         const Clock& clock, api::Json taints = api::Json::array()) {
  api::Json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
  if (!taints.empty()) node["spec"] = {{"taints", taints}};
  ASSIGN_OR_RETURN(api::Json created, c.Create(Nodes(), node));
  if (ready.empty()) return Status::Ok();
  created["status"]["conditions"] = ReadyConditions(ready, FormatRfc3339(clock.WallNow()));
  return c.Update(Nodes(), created, "status").status();
}

// Posts the node's Ready condition as a kubelet does (a new heartbeat).
inline Status PostReady(client::Client& c, const std::string& name, const std::string& ready,
                        const Clock& clock) {
  ASSIGN_OR_RETURN(api::Json node, c.Get(Nodes(), "", name));
  node["status"]["conditions"] = ReadyConditions(ready, FormatRfc3339(clock.WallNow()));
  return c.Update(Nodes(), node, "status").status();
}

// Creates or renews the node's lease in kube-node-lease with renewTime `now`.
inline Status RenewLease(client::Client& c, const std::string& name, const Clock& clock) {
  std::string now = FormatRfc3339Micro(clock.WallNow());
  Result<api::Json> lease = c.Get(Leases(), "kube-node-lease", name);
  if (lease.status().IsNotFound()) {
    api::Json fresh = {{"apiVersion", "coordination.k8s.io/v1"},
                       {"kind", "Lease"},
                       {"metadata", {{"name", name}, {"namespace", "kube-node-lease"}}},
                       {"spec", {{"holderIdentity", name}, {"renewTime", now}}}};
    return c.Create(Leases(), fresh).status();
  }
  if (!lease.ok()) return lease.status();
  (*lease)["spec"]["renewTime"] = now;
  return c.Update(Leases(), *lease).status();
}

// Creates a pod bound to `node` (spec.nodeName) with `tolerations`; with `ready` its status
// says Running and Ready.
inline Status CreatePod(client::Client& c, const std::string& name, const std::string& node,
                        api::Json tolerations = nullptr, bool ready = false) {
  api::Json pod = {{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", {{"name", name}, {"namespace", "default"}}},
                   {"spec", {{"containers", {{{"name", "main"}, {"image", "busybox"}}}}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  if (!tolerations.is_null()) pod["spec"]["tolerations"] = tolerations;
  ASSIGN_OR_RETURN(api::Json created, c.Create(Pods(), pod));
  if (!ready) return Status::Ok();
  created["status"]["phase"] = "Running";
  created["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}},
                                     {{"type", "PodScheduled"}, {"status", "True"}}};
  return c.Update(Pods(), created, "status").status();
}

inline api::Json Toleration(const std::string& key, std::optional<int64_t> seconds) {
  api::Json t = {{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}};
  if (seconds) t["tolerationSeconds"] = *seconds;
  return t;
}

}  // namespace sampan::controllers::testing
