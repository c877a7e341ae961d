#pragma once
// The node agent's side of the Node: registers the Node object (capacity, allocatable,
// addresses, nodeInfo, labels), keeps its conditions (Ready, MemoryPressure, DiskPressure,
// PIDPressure) true to the machine, and renews its Lease in kube-node-lease. Node status is
// written only when something changed or once a status_max_age (idle writes wear flash);
// the lease is renewed every lease_interval, as upstream.
//
// Threading: runs on its own dispatcher thread after Start(); SyncStatus/RenewLease may be
// called directly by tests instead.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/client/client.h"
#include "pkg/client/event_recorder.h"
#include "pkg/kubelet/machine.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::kubelet {

struct NodeStatusOptions {
  std::string node_name;
  std::vector<std::string> internal_ips;
  std::map<std::string, std::string> labels;  // added to the standard ones
  std::string version;                        // sampan's, for nodeInfo
  int kubelet_port = 10250;                   // status.daemonEndpoints.kubeletEndpoint.Port
  int max_pods = 110;
  int64_t eviction_memory_bytes = 100 * 1024 * 1024;  // memory.available < 100Mi
  int eviction_fs_percent = 10;                       // nodefs.available < 10%
  std::chrono::seconds status_interval{10};
  std::chrono::seconds status_max_age{60};
  std::chrono::seconds lease_interval{10};
  int lease_duration_seconds = 40;
};

// An image on the node, for status.images (the scheduler's image locality score).
struct NodeImage {
  std::vector<std::string> names;  // "docker.io/library/busybox:1.36", repo@digest
  int64_t size_bytes = 0;
};

class NodeStatusManager {
 public:
  using MachineReader = std::function<Result<MachineFacts>()>;
  using ImageLister = std::function<std::vector<NodeImage>()>;
  NodeStatusManager(client::Client& client, const Clock& clock, NodeStatusOptions options,
                    MachineReader machine);
  ~NodeStatusManager();  // Stop()

  // Node events (Starting, NodeReady, NodeHasSufficientMemory, ...) as `kubectl describe node`
  // shows them; optional, set before Start().
  void SetEventRecorder(client::EventRecorder* events) { events_ = events; }
  // The node's images for status.images; optional, set before Start().
  void SetImageLister(ImageLister images) { images_ = std::move(images); }
  // Memory and disk pressure as the eviction manager sees them (its thresholds); optional,
  // set before Start(). Without it, pressure is MemAvailable/fs space below the eviction_*
  // options.
  struct Pressure {
    bool memory = false;
    bool disk = false;
  };
  using PressureReader = std::function<Pressure()>;
  void SetPressureReader(PressureReader pressure) { pressure_ = std::move(pressure); }
  void Start();
  void Stop();
  // Syncs the status and renews the lease now (on the manager's thread) instead of at the
  // next period: the API just became reachable (an agent that joined).
  void SyncNow();

  // Registers the node if needed, then writes its status if it changed or is old.
  // Returns whether a status write happened.
  Result<bool> SyncStatus();
  Status RenewLease();

  // The Node object for `facts` (labels, status) as this agent reports it.
  api::Json BuildNode(const MachineFacts& facts) const;

 private:
  api::Json BuildStatus(const MachineFacts& facts) const;
  void SyncAndLog();   // SyncStatus(), failures logged
  void RenewAndLog();  // RenewLease(), failures logged
  void RecordNodeEvents(const api::Json& status);

  client::Client& client_;
  const Clock& clock_;
  const NodeStatusOptions options_;
  MachineReader machine_;
  DispatcherThread thread_;
  bool registered_ = false;
  api::Json last_written_;  // status as last written, heartbeat times removed
  Clock::MonoTime last_write_{};
  std::map<std::string, std::string> transitions_;  // condition type -> lastTransitionTime
  client::EventRecorder* events_ = nullptr;
  ImageLister images_;
  PressureReader pressure_;
  bool announced_ = false;                       // "Starting kubelet." recorded
  std::map<std::string, std::string> reported_;  // condition type -> status last reported
};

}  // namespace sampan::kubelet
