#pragma once
// Kubernetes' cgroup layout and resource formulas (kubelet's cm package), as pure functions:
// QoS classes, pod cgroup paths, CPU shares/weight/quota and oom_score_adj.

#include <cstdint>
#include <string>

namespace sampan::runtime {

enum class QosClass { kGuaranteed, kBurstable, kBestEffort };

// "kubepods/pod<uid>", "kubepods/burstable/pod<uid>", "kubepods/besteffort/pod<uid>".
std::string PodCgroupPath(QosClass qos, const std::string& pod_uid);
std::string QosCgroupPath(QosClass qos);

// CPU request in millicores -> v1 cpu.shares (min 2, max 262144).
int64_t MilliCpuToShares(int64_t milli);
// v1 shares -> v2 cpu.weight (1..10000).
int64_t SharesToWeight(int64_t shares);
// CPU limit in millicores -> CFS quota in microseconds for `period_us` (min 1000); 0 if no
// limit.
int64_t MilliCpuToQuota(int64_t milli, int64_t period_us = 100000);
// oom_score_adj for a container: Guaranteed -997, BestEffort 1000, Burstable
// 1000 - 1000*memoryRequest/memoryCapacity clamped to [3, 999].
int OomScoreAdj(QosClass qos, int64_t memory_request, int64_t memory_capacity);

}  // namespace sampan::runtime
