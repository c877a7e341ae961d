#pragma once
// Which pod the kubelet evicts first under pressure, as upstream's rankMemoryPressure /
// rankDiskPressure: pods whose usage exceeds their requests first, then lower priority
// first, then larger usage above requests first. sampan does not account disk usage per pod
// yet, so disk pressure ranks by priority, then by QoS (BestEffort first), then by memory
// usage. Critical pods (system priorities, static and mirror pods) are never candidates.
// Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubelet/eviction/thresholds.h"
#include "pkg/kubelet/stats/summary.h"

namespace sampan::kubelet::eviction {

struct Candidate {
  std::string uid;
  std::string key;  // namespace/name
  int32_t priority = 0;
  bool best_effort = false;
  int64_t memory_usage = 0;    // working set of the pod (0 without stats)
  int64_t memory_request = 0;  // sum of the containers' requests
  // Per container, for the eviction message: name, working set, request (bytes).
  struct ContainerUsage {
    std::string name;
    int64_t usage = 0;
    int64_t request = 0;
  };
  std::vector<ContainerUsage> containers;
};

// A candidate for a running pod, or nullopt for a critical pod. `stats` may be null.
std::optional<Candidate> MakeCandidate(const api::Json& pod, const stats::PodStats* stats);

// Sorts `candidates` so that the first one is evicted first.
void Rank(Resource resource, std::vector<Candidate>& candidates);

// Upstream's pod status message for an evicted pod: "The node was low on resource: memory.
// Threshold quantity: 100Mi, available: 51200Ki. Container c was using 204800Ki, request is
// 0, has larger consumption of memory. "
std::string EvictionMessage(const Threshold& threshold, const Observation& observed,
                            const Candidate& victim);

}  // namespace sampan::kubelet::eviction
