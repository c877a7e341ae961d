#include "runtime/cgroups/kube_layout.h"

#include <algorithm>

namespace sampan::runtime {

std::string QosCgroupPath(QosClass qos) {
  switch (qos) {
    case QosClass::kGuaranteed: return "kubepods";
    case QosClass::kBurstable: return "kubepods/burstable";
    case QosClass::kBestEffort: return "kubepods/besteffort";
  }
  return "kubepods";
}

std::string PodCgroupPath(QosClass qos, const std::string& pod_uid) {
  return QosCgroupPath(qos) + "/pod" + pod_uid;
}

int64_t MilliCpuToShares(int64_t milli) {
  constexpr int64_t kMinShares = 2;
  constexpr int64_t kMaxShares = 262144;
  if (milli <= 0) return kMinShares;
  int64_t shares = milli * 1024 / 1000;
  return std::clamp(shares, kMinShares, kMaxShares);
}

int64_t SharesToWeight(int64_t shares) {
  if (shares <= 0) return 0;
  shares = std::clamp<int64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

int64_t MilliCpuToQuota(int64_t milli, int64_t period_us) {
  if (milli <= 0) return 0;
  int64_t quota = milli * period_us / 1000;
  return std::max<int64_t>(quota, 1000);
}

int OomScoreAdj(QosClass qos, int64_t memory_request, int64_t memory_capacity) {
  switch (qos) {
    case QosClass::kGuaranteed: return -997;
    case QosClass::kBestEffort: return 1000;
    case QosClass::kBurstable: break;
  }
  if (memory_capacity <= 0) return 999;
  int64_t adj = 1000 - (1000 * memory_request) / memory_capacity;
  return static_cast<int>(std::clamp<int64_t>(adj, 3, 999));
}

}  // namespace sampan::runtime
