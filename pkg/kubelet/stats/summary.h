#pragma once
// The kubelet's resource usage report (upstream statsapi v1alpha1 "Summary"): node, pods and
// their containers, as plain structs, and its two renderings:
//   SummaryJson          GET /stats/summary (what metrics-server and `kubectl get --raw` read)
//   ResourceMetricsText  GET /metrics/resource (Prometheus text, upstream's metric names)
// Pure data and pure functions; no locking needed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::kubelet::stats {

using WallTime = std::chrono::system_clock::time_point;

struct CpuStats {
  WallTime time;
  uint64_t usage_core_nano_seconds = 0;      // cumulative
  std::optional<uint64_t> usage_nano_cores;  // rate over the last sample window; unknown
                                             // until two samples exist
};

struct MemoryStats {
  WallTime time;
  std::optional<uint64_t> available_bytes;  // node, and containers/pods with a limit
  uint64_t usage_bytes = 0;
  uint64_t working_set_bytes = 0;
  uint64_t rss_bytes = 0;
  uint64_t page_faults = 0;
  uint64_t major_page_faults = 0;
};

struct FsStats {
  WallTime time;
  uint64_t available_bytes = 0;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t inodes_free = 0;
  uint64_t inodes = 0;
  uint64_t inodes_used = 0;
};

struct ContainerStats {
  std::string name;
  WallTime start_time;
  CpuStats cpu;
  MemoryStats memory;
};

struct PodStats {
  std::string name;
  std::string namespace_;
  std::string uid;
  WallTime start_time;
  std::vector<ContainerStats> containers;
  CpuStats cpu;  // the pod cgroup (containers and the sandbox)
  MemoryStats memory;
};

struct NodeStats {
  std::string node_name;
  WallTime start_time;  // boot time
  CpuStats cpu;
  MemoryStats memory;
  FsStats fs;        // nodefs: the file system of the data dir
  FsStats image_fs;  // imagefs: the file system of the image store
};

struct Summary {
  NodeStats node;
  std::vector<PodStats> pods;
  // A pod or container whose cgroup could not be read (reported as resource_scrape_error).
  bool scrape_error = false;
};

api::Json SummaryJson(const Summary& summary);
std::string ResourceMetricsText(const Summary& summary);

}  // namespace sampan::kubelet::stats
