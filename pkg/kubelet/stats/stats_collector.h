#pragma once
// StatsCollector: builds the kubelet's Summary (summary.h) from the container runtime (pod
// sandbox and container cgroups, mapped to pods by their io.kubernetes.pod.* labels) and
// from the node (/proc, statvfs of the data dir and the image store). CPU rates
// (usageNanoCores) come from the difference to an earlier sample of the same cgroup at least
// kMinRateWindow old; before such a sample exists, from the average since the cgroup's
// start. The eviction manager collects every ~10 s, which keeps the samples fresh; requests
// of the kubelet API collect on demand.
//
// Threading: Collect() is thread-safe (one collection at a time). The runtime must outlive
// the collector.

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

  Result<Summary> Collect();

 private:
  // usageNanoCores for `key` now that its counter reads `cpu_ns`; remembers the sample.
  std::optional<uint64_t> Rate(const std::string& key, uint64_t cpu_ns, Clock::MonoTime now,
                               WallTime wall_now, WallTime started);

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
};

}  // namespace sampan::kubelet::stats
