#pragma once
// The per-version names of every cgroup file the runtime touches, in one table.

#include <string_view>

namespace sampan::runtime {

enum class Knob {
  kCpuShares,    // v1 cpu.shares        | v2 cpu.weight (converted)
  kCpuQuota,     // v1 cpu.cfs_quota_us  | v2 cpu.max "QUOTA PERIOD"
  kCpuPeriod,    // v1 cpu.cfs_period_us | v2 (part of cpu.max)
  kCpuStat,      // v1 cpu.stat          | v2 cpu.stat
  kCpuUsage,     // v1 cpuacct.usage (ns)| v2 cpu.stat usage_usec
  kMemoryLimit,  // v1 memory.limit_in_bytes | v2 memory.max
  kMemoryUsage,  // v1 memory.usage_in_bytes | v2 memory.current
  kMemoryStat,   // memory.stat (v1 total_inactive_file | v2 inactive_file)
  kMemoryOom,    // v1 memory.oom_control "oom_kill N" | v2 memory.events "oom_kill N"
  kMemorySwap,   // v1 memory.memsw.limit_in_bytes | v2 memory.swap.max
  kPidsLimit,    // pids.max
  kPidsCurrent,  // pids.current
  kProcs,        // cgroup.procs
};

struct KnobNames {
  Knob knob;
  std::string_view v1_controller;
  std::string_view v1_file;
  std::string_view v2_file;
};

inline constexpr KnobNames kKnobTable[] = {
    {Knob::kCpuShares, "cpu", "cpu.shares", "cpu.weight"},
    {Knob::kCpuQuota, "cpu", "cpu.cfs_quota_us", "cpu.max"},
    {Knob::kCpuPeriod, "cpu", "cpu.cfs_period_us", "cpu.max"},
    {Knob::kCpuStat, "cpu", "cpu.stat", "cpu.stat"},
    {Knob::kCpuUsage, "cpuacct", "cpuacct.usage", "cpu.stat"},
    {Knob::kMemoryLimit, "memory", "memory.limit_in_bytes", "memory.max"},
    {Knob::kMemoryUsage, "memory", "memory.usage_in_bytes", "memory.current"},
    {Knob::kMemoryStat, "memory", "memory.stat", "memory.stat"},
    {Knob::kMemoryOom, "memory", "memory.oom_control", "memory.events"},
    {Knob::kMemorySwap, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max"},
    {Knob::kPidsLimit, "pids", "pids.max", "pids.max"},
    {Knob::kPidsCurrent, "pids", "pids.current", "pids.current"},
    {Knob::kProcs, "memory", "cgroup.procs", "cgroup.procs"},
};

constexpr const KnobNames& KnobInfo(Knob knob) {
  for (const KnobNames& k : kKnobTable) {
    if (k.knob == knob) return k;
  }
  return kKnobTable[0];  // unreachable: every Knob has a row
}

}  // namespace sampan::runtime
