#pragma once
// ContainerSpec: everything needed to start one container, as the runtime stores it in the
// container's state directory (spec.json) and as the shim and `exec` read it back. Plain
// values; no Kubernetes types (the kubelet translates pods into this).
//
// The root file system is a list of read-only lower directories (top-most first, as for
// overlayfs `lowerdir`); the runtime adds a per-container upper/work directory and mounts the
// overlay inside the container's own mount namespace, so the host's mount table never holds
// it.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::runtime {

// Where a bind mount's later mounts propagate (CRI MountPropagation).
enum class Propagation { kPrivate, kHostToContainer, kBidirectional };

struct BindMount {
  std::string host_path;
  std::string container_path;
  bool read_only = false;
  Propagation propagation = Propagation::kPrivate;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Who the process runs as. A name (user and/or group) is resolved in the container's
// /etc/passwd and /etc/group after pivot_root; numeric ids are used as given.
struct UserSpec {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::string user_name;   // used when uid is unset
  std::string group_name;  // used when gid is unset
  std::vector<gid_t> additional_gids;
};

struct ProcessSpec {
  std::vector<std::string> args;  // args[0] is looked up in PATH if it has no '/'
  std::vector<std::string> env;   // "K=V"
  std::string cwd = "/";
  UserSpec user;
  mode_t umask = 022;
  bool tty = false;
  bool stdin_open = false;  // the container gets an input (the shim's pipe for attachers)
  bool stdin_once = false;  // that input closes when the first attacher using it ends
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;
};

enum class SeccompKind { kUnconfined, kRuntimeDefault, kLocalhost };

struct SecuritySpec {
  bool privileged = false;
  std::vector<std::string> cap_add;  // "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL" allowed
  std::vector<std::string> cap_drop;
  bool no_new_privileges = false;
  SeccompKind seccomp = SeccompKind::kUnconfined;
  std::string seccomp_profile_path;  // for kLocalhost
  bool read_only_rootfs = false;
  // Defaults (masked and read-only /proc and /sys paths) unless privileged; set to override.
  std::optional<std::vector<std::string>> masked_paths;
  std::optional<std::vector<std::string>> readonly_paths;
};

// Namespace mode per kind: the container's own, the pod sandbox's, or the host's.
enum class NamespaceMode { kContainer, kPod, kHost };

struct NamespaceSpec {
  NamespaceMode network = NamespaceMode::kContainer;
  NamespaceMode pid = NamespaceMode::kContainer;
  NamespaceMode ipc = NamespaceMode::kContainer;
  NamespaceMode uts = NamespaceMode::kContainer;
};

struct ResourceSpec {
  int64_t cpu_shares = 0;    // 0 = unset
  int64_t cpu_quota_us = 0;  // 0 = no limit
  int64_t cpu_period_us = 100000;
  int64_t memory_limit = 0;  // bytes; 0 = no limit
  int64_t pids_limit = 0;    // 0 = no limit
};

struct ContainerSpec {
  std::string id;
  std::string name;
  std::string sandbox_id;  // "" for a standalone container (sampan ctr run)
  std::string image;       // what the user asked for, informational
  std::vector<std::string> lower_dirs;
  ProcessSpec process;
  std::vector<BindMount> mounts;
  std::string hostname;  // only with its own UTS namespace
  std::map<std::string, std::string> sysctls;
  NamespaceSpec namespaces;
  SecuritySpec security;
  ResourceSpec resources;
  // Cgroup of the container, relative to the runtime's cgroup root in each hierarchy,
  // e.g. "kubepods/burstable/pod<uid>/<id>".
  std::string cgroup_path;
  // Namespaces to join before the container's own are made ("net", "ipc", "uts", "pid" ->
  // /proc/PID/ns/KIND of the sandbox holder); filled by the runtime.
  std::map<std::string, std::string> namespace_paths;
  std::string log_path;
  int64_t log_max_size = 10 * 1024 * 1024;
  int log_max_files = 5;
  int stop_signal = 15;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// Masked and read-only paths of OCI runtimes (runc/containerd defaults).
const std::vector<std::string>& DefaultMaskedPaths();
const std::vector<std::string>& DefaultReadonlyPaths();

std::string SpecToJson(const ContainerSpec& spec);
Result<ContainerSpec> SpecFromJson(const std::string& text);

// Signal names as images give them ("SIGTERM", "TERM", "15") -> number; Invalid otherwise.
Result<int> ParseSignal(const std::string& name);

}  // namespace sampan::runtime
