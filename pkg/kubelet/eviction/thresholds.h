#pragma once
// Hard eviction thresholds (upstream's --eviction-hard): parsing "memory.available<100Mi,
// nodefs.available<10%", the signals observed from a stats Summary, and which thresholds
// are crossed. Pure functions; no state.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/kubelet/stats/summary.h"
#include "pkg/util/status.h"

namespace sampan::kubelet::eviction {

enum class Signal {
  kMemoryAvailable,    // memory.available = capacity - working set
  kNodeFsAvailable,    // nodefs.available: the data dir's file system
  kNodeFsInodesFree,   // nodefs.inodesFree
  kImageFsAvailable,   // imagefs.available: the image store's file system
  kImageFsInodesFree,  // imagefs.inodesFree
};
std::string_view SignalName(Signal signal);

// What a signal is short of: "memory" or "ephemeral-storage" (upstream's resource names),
// and the node condition it raises.
enum class Resource { kMemory, kDisk };
Resource ResourceOf(Signal signal);
std::string_view ResourceName(Resource resource);

struct Threshold {
  Signal signal;
  std::optional<int64_t> quantity;  // absolute (bytes or inodes), or
  double percentage = 0;            // a fraction of the capacity (0.1 for "10%")
  std::string value_text;           // as written: "100Mi", "10%"

  // The threshold in absolute terms for a resource of `capacity`.
  int64_t Value(int64_t capacity) const;
};

// "signal<value" joined by commas; values are quantities or percentages (0-100%). Only "<"
// exists for hard eviction. Errors name the bad entry.
Result<std::vector<Threshold>> ParseThresholds(std::string_view spec);
// Upstream's defaults: memory.available<100Mi, nodefs.available<10%, nodefs.inodesFree<5%,
// imagefs.available<15%.
std::vector<Threshold> DefaultThresholds();

struct Observation {
  int64_t available = 0;
  int64_t capacity = 0;
};
using Observations = std::map<Signal, Observation>;

Observations Observe(const stats::Summary& summary);

// The thresholds whose signal is below its value (signals not observed never cross).
std::vector<Threshold> Crossed(const std::vector<Threshold>& thresholds,
                               const Observations& observations);

}  // namespace sampan::kubelet::eviction
