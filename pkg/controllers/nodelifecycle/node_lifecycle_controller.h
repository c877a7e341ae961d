#pragma once
// The node lifecycle controller (upstream's pkg/controller/nodelifecycle):
// - a health monitor, every monitor_period, notes each node's heartbeats (its Ready
//   condition's lastHeartbeatTime and its kube-node-lease Lease's spec.renewTime) by the
//   controller's own clock; a node with no heartbeat for grace_period (startup_grace_period
//   while it has never posted a Ready condition) gets Ready, MemoryPressure, DiskPressure and
//   PIDPressure set to Unknown ("NodeStatusUnknown", "Kubelet stopped posting node status.");
// - Sync(node) keeps the node's taints in step with its Ready condition: Ready=False gets
//   node.kubernetes.io/not-ready NoSchedule and NoExecute (timeAdded on the NoExecute one),
//   Ready=Unknown node.kubernetes.io/unreachable likewise, Ready=True neither; and marks the
//   node's pods Ready=False once per transition of the node out of Ready.
// The controller flips nothing back to True: the kubelet does, when it posts Ready again.
// Upstream's zone-based eviction rate limits are not implemented (taints are set at once).
//
// Threading: informers on one shared thread, the monitor on a thread of its own, Sync on
// the runner's worker. Heartbeat bookkeeping is guarded by mu_.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::controllers {

struct NodeLifecycleOptions {
  // Upstream's kube-controller-manager flags of the same names.
  Clock::Duration monitor_period = std::chrono::seconds(5);
  Clock::Duration grace_period = std::chrono::seconds(40);
  Clock::Duration startup_grace_period = std::chrono::seconds(60);
};

class NodeLifecycleController {
 public:
  // `client` and `clock` must outlive the controller.
  NodeLifecycleController(client::Client& client, const Clock& clock,
                          NodeLifecycleOptions options = {});
  ~NodeLifecycleController();  // Stop()
  // Starts the informers, waits for their first lists, then the worker and the monitor.
  void Start();
  void Stop();

  // One pass of the health monitor over the cached nodes. Called by the monitor timer;
  // tests call it directly after advancing a FakeClock.
  void MonitorNodeHealth();
  // Taints and pod readiness of one node from its cached Ready condition.
  Status Sync(const std::string& node_name);

  // When the monitor last saw a heartbeat of `node` (nullopt: it has not looked at it yet).
  std::optional<Clock::MonoTime> LastHeartbeatSeen(const std::string& node) const;

 private:
  struct Health {
    Clock::MonoTime probe;        // when a heartbeat was last seen
    std::string ready_heartbeat;  // Ready's lastHeartbeatTime then
    std::string lease_renew;      // the Lease's spec.renewTime then
  };
  Status MarkUnknown(const api::Json& node);
  Status SyncTaints(const api::Json& node);
  Status MarkPodsNotReady(const std::string& node_name);

  client::Client& client_;
  const Clock& clock_;
  const NodeLifecycleOptions options_;
  DispatcherThread informer_thread_;
  client::Informer nodes_;
  client::Informer leases_;
  client::Informer pods_;
  Runner runner_;
  DispatcherThread monitor_;

  mutable std::mutex mu_;
  std::map<std::string, Health> health_;
  // node -> the Ready lastTransitionTime whose pods were already marked not ready.
  std::map<std::string, std::string> pods_marked_;
};

}  // namespace sampan::controllers
