#pragma once
// EvictionManager: the kubelet's hard eviction under pressure (upstream pkg/kubelet/eviction).
// Every interval it takes the stats Summary, observes the signals (memory.available,
// nodefs/imagefs.available and inodesFree), reports MemoryPressure/DiskPressure for the node
// status (a pressure stays reported for `pressure_transition_period` after the signal
// recovered, as upstream), and while a threshold is crossed evicts one pod per pass, ranked
// by ranking.h. The evict callback kills the pod's containers and marks it Failed/Evicted;
// the next pass comes an interval later, when the freed resources show in the stats.
//
// Signals and pods come from callbacks, so tests drive the manager with fake stats and a
// fake clock by calling Synchronize() directly.
//
// Threading: Start()/Stop() from one controlling thread; passes run on the manager's own
// dispatcher thread (or the caller's for Synchronize()). memory_pressure()/disk_pressure()
// may be called from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pkg/client/informer.h"
#include "pkg/kubelet/eviction/thresholds.h"
#include "pkg/kubelet/stats/summary.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::kubelet::eviction {

struct EvictionOptions {
  std::vector<Threshold> thresholds = DefaultThresholds();
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds pressure_transition_period{std::chrono::minutes(5)};
};

class EvictionManager {
 public:
  // The stats; pods may be left out unless `with_pods` (observing needs the node only).
  using SummaryFn = std::function<Result<stats::Summary>(bool with_pods)>;
  // Pods that run on the node and may be evicted (not finished, not being deleted).
  using ActivePodsFn = std::function<std::vector<client::ObjectPtr>()>;
  using EvictFn = std::function<void(const api::Json& pod, const std::string& message)>;

  EvictionManager(const Clock& clock, EvictionOptions options, SummaryFn summary,
                  ActivePodsFn active_pods, EvictFn evict);
  ~EvictionManager();  // Stop()

  void Start();
  void Stop();

  // One pass. Returns the key (namespace/name) of the pod it evicted, if any.
  std::optional<std::string> Synchronize();

  bool memory_pressure() const { return memory_pressure_.load(); }
  bool disk_pressure() const { return disk_pressure_.load(); }

 private:
  void UpdatePressure(Resource resource, bool crossed_now);

  const Clock& clock_;
  const EvictionOptions options_;
  SummaryFn summary_;
  ActivePodsFn active_pods_;
  EvictFn evict_;
  DispatcherThread thread_;
  std::atomic<bool> memory_pressure_{false};
  std::atomic<bool> disk_pressure_{false};
  // When each pressure was last observed (for the transition period); passes are serial.
  std::optional<Clock::MonoTime> memory_seen_;
  std::optional<Clock::MonoTime> disk_seen_;
};

}  // namespace sampan::kubelet::eviction
