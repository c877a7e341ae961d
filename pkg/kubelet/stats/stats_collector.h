#pragma once
// StatsCollector: builds the kubelet's Summary (summary.h) from the container runtime (pod
// sandbox and container cgroups, mapped to pods by their io.kubernetes.pod.* labels) and
// from the node (/proc, statvfs of the data dir and the image store). CPU rates
// (usageNanoCores) come from the difference to an earlier sample of the same cgroup at least
// kMinRateWindow old; before such a sample exists, from the average since the cgroup's
// start. Requests of the kubelet API collect on demand (Collect). The eviction manager's
// periodic pass (CollectInBackground, every ~10 s) reads only the node's few files unless
// it needs pods or someone asked for stats within kDemandWindow: then it samples pods too,
// which keeps the rates of metrics-server/`kubectl top` users fresh, while a node nobody
// watches parses no container state at all.
//
// Threading: thread-safe (one collection at a time). The runtime must outlive the
// collector.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "pkg/kubelet/stats/summary.h"
#include "pkg/util/clock.h"
#include "pkg/util/status.h"
#include "runtime/node_usage.h"
#include "runtime/runtime.h"

namespace sampan::kubelet::stats {

struct StatsCollectorOptions {
  std::string node_name;
  std::string nodefs_path;   // the data dir
  std::string imagefs_path;  // the image store
  // Node readers; tests replace them.
  std::function<Result<runtime::NodeUsage>()> read_node = runtime::ReadNodeUsage;
  std::function<Result<runtime::FsUsage>(const std::string&)> read_fs = runtime::ReadFsUsage;
  // Boot time of the node (NodeStats.start_time); default from CLOCK_BOOTTIME.
  std::function<WallTime()> boot_time;
};

class StatsCollector {
 public:
  static constexpr std::chrono::seconds kMinRateWindow{1};

  StatsCollector(runtime::Runtime& runtime, const Clock& clock, StatsCollectorOptions options);

  static constexpr std::chrono::minutes kDemandWindow{10};

  // Node and pods; counts as demand.
  Result<Summary> Collect();
  // Node only (no pods) unless `need_pods` or there was demand within kDemandWindow.
  Result<Summary> CollectInBackground(bool need_pods);

 private:
  // usageNanoCores for `key` now that its counter reads `cpu_ns`; remembers the sample.
  std::optional<uint64_t> Rate(const std::string& key, uint64_t cpu_ns, Clock::MonoTime now,
                               WallTime wall_now, WallTime started);

  Result<Summary> CollectLocked(bool with_pods);

  struct Sample {
    Clock::MonoTime at;
    uint64_t cpu_ns = 0;
  };
  struct Samples {
    std::optional<Sample> older;
    std::optional<Sample> newer;
    bool seen = false;  // in the current collection
  };

  runtime::Runtime& runtime_;
  const Clock& clock_;
  const StatsCollectorOptions options_;
  std::mutex mu_;
  std::map<std::string, Samples> samples_;  // "node", pod uid, container id
  std::optional<Clock::MonoTime> last_demand_;
};

}  // namespace sampan::kubelet::stats
