#pragma once
// The phases of a container start, one file per kernel subsystem, each `Status SetupX(...)`.
// init.cc calls them in a fixed order inside the freshly cloned container process (single
// threaded, in its new mount and PID namespaces, already in its cgroup). Every failure names
// the phase and the system call. Nothing here runs in a multi-threaded process.

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/cgroups/cgroups.h"
#include "runtime/spec.h"
#include "pkg/util/unique_fd.h"

namespace sampan::runtime {

// What the phases share: the spec plus host-side facts the shim worked out.
struct InitContext {
  const ContainerSpec* spec = nullptr;
  std::string rootfs;     // overlay mount point (host path, in the container's mount ns)
  std::string upper_dir;  // overlay upper and work directories
  std::string work_dir;
  CgroupVersion cgroup_version = CgroupVersion::kV1;
  std::vector<std::string> v1_controllers;  // mounted under /sys/fs/cgroup in the container
  // Resolved identity (SetupUser resolves names in the container's /etc files).
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::set<std::string> capabilities;  // the final set, "CAP_..." names
  std::string executable;              // resolved path of args[0]
  // The seccomp BPF program (SeccompProgram), "" = none.
  std::string seccomp_program;
};

// namespaces.cc: clone flags for the spec; joining the cgroup namespace after the cgroup.
unsigned long CloneFlags(const ContainerSpec& spec);
Status SetupCgroupNamespace(InitContext& ctx);
Status SetupLoopback();  // brings `lo` up in a new network namespace

// rootfs.cc: make / a slave, mount the overlay, pivot_root into it.
Status SetupRootfs(InitContext& ctx);
Status SetupPivotRoot(InitContext& ctx);
Status SetupReadonlyRootfs(InitContext& ctx);

// mkdir -p of `path` (relative) under `root` ("" = /). Symlinks in the image are followed:
// this runs in the container's own mount namespace, so damage stays inside it.
Status MakeDirIn(const std::string& root, const std::string& path, std::string_view phase);

// mounts.cc: /proc, /dev (+ devices, pts, shm, mqueue), /sys, /sys/fs/cgroup; before pivot.
Status SetupProc(InitContext& ctx);
Status SetupDev(InitContext& ctx);
Status SetupSys(InitContext& ctx);
Status SetupCgroupMount(InitContext& ctx);

// volumes.cc: bind mounts from the caller, under the new root before pivot_root.
Status SetupVolumes(InitContext& ctx);
// `path` as the container will see it, as a host path under `root`: symlinks are followed
// inside `root` only; missing components are kept as they are.
Result<std::string> ResolveInRoot(const std::string& root, const std::string& path);

// masks.cc: masked and read-only paths (after pivot).
Status SetupMaskedPaths(InitContext& ctx);
Status SetupReadonlyPaths(InitContext& ctx);

// hostname_sysctl.cc
Status SetupHostname(InitContext& ctx);
Status SetupSysctls(InitContext& ctx);
// Namespaced sysctls only (net.* with own network, kernel.shm*/msg*/sem and fs.mqueue.* with
// own IPC); others are Invalid.
Status ValidateSysctl(const ContainerSpec& spec, const std::string& key);

// process.cc: oom_score_adj, rlimits, umask, working directory, executable lookup.
Status SetupOomScoreAdj(InitContext& ctx);
Status SetupRlimits(const std::vector<Rlimit>& rlimits);
Status SetupWorkingDir(InitContext& ctx);
// Resolves args[0] in PATH (from `env`, or the default). NotFound = "executable file not
// found in $PATH".
Result<std::string> LookPath(const std::string& file, const std::vector<std::string>& env);

// user.cc: resolve names in /etc/passwd and /etc/group, then setgroups/setresgid/setresuid.
Status ResolveUser(InitContext& ctx);
Status SetupUser(InitContext& ctx);

// capabilities.cc
// The container's capability set from the spec: default 14, add/drop, ALL, privileged.
Result<std::set<std::string>> ComputeCapabilities(const SecuritySpec& security);
// Drops from the bounding set what the container must not have (needs CAP_SETPCAP: before
// the uid change).
Status SetupBoundingSet(InitContext& ctx);
// Sets permitted and effective (inheritable and ambient empty) after the uid change; limited
// to what this process holds (a privileged container gets "all" that the host allows).
Status SetupCapabilities(InitContext& ctx);
Status SetupNoNewPrivileges(InitContext& ctx);
// Capability names known to this build, "CAP_CHOWN" ... (index = number).
const std::vector<std::string>& CapabilityNames();

// seccomp.cc: the spec's profile as a BPF program ("" for Unconfined), compiled with
// libseccomp on the host side and cached in `cache_dir` (compiling the default profile costs
// milliseconds; loading a program costs nothing).
Result<std::string> SeccompProgram(const SecuritySpec& security,
                                   const std::set<std::string>& capabilities,
                                   const std::string& localhost_json, const std::string& cache_dir);
// Loads ctx.seccomp_program (no-op if empty).
Status SetupSeccomp(InitContext& ctx);

}  // namespace sampan::runtime
