#pragma once
// Node-wide usage for the kubelet's stats: CPU time from /proc/stat, memory from
// /proc/meminfo and /proc/vmstat, file system space and inodes from statvfs. Knows nothing
// of Kubernetes; the parsers are pure functions of the files' text (unit-tested with fixture
// strings), ReadNodeUsage/ReadFsUsage read the live files. Thread-safe (no state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::runtime {

struct NodeUsage {
  uint64_t cpu_usage_ns = 0;  // busy time of all CPUs since boot (everything but idle/iowait)
  uint64_t memory_total_bytes = 0;
  // As the kubelet reads the root cgroup: usage = total - free, working set = usage -
  // inactive file pages, available = total - working set (the memory.available signal).
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_working_set_bytes = 0;
  uint64_t memory_available_bytes = 0;
  uint64_t memory_rss_bytes = 0;  // AnonPages
  uint64_t page_faults = 0;
  uint64_t major_page_faults = 0;
};

struct FsUsage {
  uint64_t capacity_bytes = 0;
  uint64_t available_bytes = 0;  // to unprivileged users (f_bavail)
  uint64_t used_bytes = 0;
  uint64_t inodes = 0;
  uint64_t inodes_free = 0;
  uint64_t inodes_used = 0;
};

// The aggregate "cpu" line of /proc/stat in nanoseconds; `ticks_per_second` = USER_HZ.
std::optional<uint64_t> ParseProcStatCpuNs(std::string_view proc_stat, long ticks_per_second);
// Fills the memory fields from /proc/meminfo text; false if MemTotal is missing.
bool ParseMeminfo(std::string_view meminfo, NodeUsage* usage);
// Fills page_faults/major_page_faults from /proc/vmstat text (pgfault, pgmajfault).
void ParseVmstat(std::string_view vmstat, NodeUsage* usage);

Result<NodeUsage> ReadNodeUsage();
// The file system holding `path`.
Result<FsUsage> ReadFsUsage(const std::string& path);

}  // namespace sampan::runtime
