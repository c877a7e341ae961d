#pragma once
// The on-disk state of sandboxes and containers, shared by the runtime (any sampan process)
// and the shims:
//   <data-dir>/agent/containers/<id>/spec.json   ContainerSpec (written once, at create)
//                                   /state.json  ContainerStatus (runtime at create, then
//                                                only the shim: running, exited)
//                                   /upper /work /rootfs   overlay dirs and mount point
//                                   /control     fifo: "resize ROWS COLS" lines to the shim
//   <data-dir>/agent/sandboxes/<id>/config.json, state.json
// Writes are atomic (rename); no fsync: this state does not outlive a reboot's processes.

#include <string>

#include "pkg/util/status.h"
#include "runtime/runtime.h"

namespace sampan::runtime {

struct StateDirs {
  explicit StateDirs(const std::string& data_dir)
      : containers(data_dir + "/agent/containers"), sandboxes(data_dir + "/agent/sandboxes") {}
  std::string containers;
  std::string sandboxes;
  std::string Container(const std::string& id) const { return containers + "/" + id; }
  std::string Sandbox(const std::string& id) const { return sandboxes + "/" + id; }
};

// Container status with what only the state file needs (the process start times guard
// against pid reuse).
struct ContainerRecord {
  ContainerStatus status;
  uint64_t pid_start_time = 0;
  uint64_t shim_start_time = 0;
};

struct SandboxRecord {
  SandboxStatus status;
  uint64_t holder_start_time = 0;
  std::string cgroup_path;  // full path relative to the hierarchy roots
};

Status WriteStateFile(const std::string& path, const std::string& data);

std::string ContainerRecordToJson(const ContainerRecord& record);
Result<ContainerRecord> ContainerRecordFromJson(const std::string& text);
Result<ContainerRecord> ReadContainerRecord(const std::string& dir);
Status WriteContainerRecord(const std::string& dir, const ContainerRecord& record);

std::string SandboxRecordToJson(const SandboxRecord& record);
Result<SandboxRecord> SandboxRecordFromJson(const std::string& text);
Result<SandboxRecord> ReadSandboxRecord(const std::string& dir);
Status WriteSandboxRecord(const std::string& dir, const SandboxRecord& record);

int64_t ToUnixNanos(WallTime t);
WallTime FromUnixNanos(int64_t ns);

}  // namespace sampan::runtime
