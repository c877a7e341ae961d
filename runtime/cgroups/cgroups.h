#pragma once
// Cgroups: the runtime's view of one cgroup hierarchy, with two implementations behind this
// interface: cgroup v1 (one hierarchy per controller; used on legacy and hybrid hosts) and
// cgroup v2 (the unified hierarchy). Detect() picks the one the host runs. The per-version
// file names sit in one table (knobs.h).
//
// Paths given to the methods are relative to the runtime's cgroup root (e.g.
// "kubepods/burstable/pod<uid>/<container>"); the driver maps them into every controller
// hierarchy. Not thread-safe; cheap to create.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/cgroups/cgroup_fs.h"

namespace sampan::runtime {

enum class CgroupVersion { kV1, kV2 };

struct CgroupResources {
  int64_t cpu_shares = 0;    // v1 shares (2..262144); v2 gets the converted weight. 0 = unset
  int64_t cpu_quota_us = 0;  // 0 = unlimited
  int64_t cpu_period_us = 100000;
  int64_t memory_limit = 0;  // bytes; 0 = unlimited
  int64_t pids_limit = 0;    // 0 = unlimited
  // Containers (not privileged): only the default devices may be opened (v1: the devices
  // controller; v2: a BPF device filter, device_filter.h).
  bool restrict_devices = false;
};

// The device rules of an unprivileged container (v1 devices.allow syntax).
const std::vector<std::string>& DefaultDeviceRules();

struct CgroupStats {
  uint64_t cpu_usage_ns = 0;
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_working_set_bytes = 0;  // usage minus inactive file pages (kubelet's metric)
  uint64_t memory_rss_bytes = 0;          // anonymous memory (v1 total_rss, v2 anon)
  uint64_t memory_page_faults = 0;        // v1 total_pgfault, v2 pgfault
  uint64_t memory_major_page_faults = 0;  // v1 total_pgmajfault, v2 pgmajfault
  uint64_t oom_kills = 0;
  uint64_t pids_current = 0;
  uint64_t cpu_throttled_periods = 0;
};

class Cgroups {
 public:
  virtual ~Cgroups() = default;
  virtual CgroupVersion version() const = 0;
  // Creates `path` and its missing parents in every hierarchy (v1: cpuset initialised from
  // the parent; v2: controllers enabled in the parents' subtree_control).
  virtual Status Create(const std::string& path) = 0;
  virtual Status Apply(const std::string& path, const CgroupResources& resources) = 0;
  // Moves `pid` into `path` in every hierarchy.
  virtual Status AddProcess(const std::string& path, pid_t pid) = 0;
  // The files a single-threaded process writes "0" to, to move itself into `path` (see
  // self_join.h): v1 `tasks` of every hierarchy, v2 `cgroup.procs`.
  virtual std::vector<std::string> SelfJoinFiles(const std::string& path) = 0;
  virtual Result<CgroupStats> Stats(const std::string& path) = 0;
  // Pids in `path` (v1: from the memory hierarchy).
  virtual Result<std::vector<pid_t>> Pids(const std::string& path) = 0;
  // Removes `path` (must hold no processes) in every hierarchy; missing is OK.
  virtual Status Remove(const std::string& path) = 0;
  // True if `path` exists.
  virtual bool Exists(const std::string& path) = 0;
  // v1: the controllers with a hierarchy (mounted again inside containers); v2: empty.
  virtual std::vector<std::string> Controllers() const = 0;
  // Absolute directories of `path`, one per hierarchy (for tests and diagnostics).
  virtual std::vector<std::string> Dirs(const std::string& path) = 0;
};

// A v1 hierarchy: controller name and where it is mounted.
struct V1Mount {
  std::string controller;  // "cpu", "memory", ...
  std::string mount_point;
};

// Controllers the v1 driver manages (others are left alone).
const std::vector<std::string>& V1Controllers();

std::unique_ptr<Cgroups> NewCgroupV1(CgroupFs& fs, std::vector<V1Mount> mounts, std::string root);
std::unique_ptr<Cgroups> NewCgroupV2(CgroupFs& fs, std::string mount_point, std::string root);

// Looks at the host's mounts: a cgroup2 file system on /sys/fs/cgroup means unified (v2);
// otherwise the v1 controllers' mounts are used (legacy, or hybrid with an empty v2
// hierarchy). `root` is the runtime's cgroup root inside each hierarchy ("sampan").
Result<std::unique_ptr<Cgroups>> DetectCgroups(CgroupFs& fs, const std::string& root);

}  // namespace sampan::runtime
