#pragma once
// The node agent's flags, the same for `sampan server` (its local agent) and `sampan agent`:
// their definitions, their checks, and the node settings they give, defaults resolved.

#include <string>
#include <vector>

#include "cmd/sampan/node_components.h"
#include "pkg/kubelet/kubelet_args.h"
#include "pkg/util/flags.h"
#include "pkg/util/status.h"

namespace sampan::cmd {

struct NodeFlags {
  std::string private_registry;
  std::string cgroup_root;
  std::string pod_log_dir;
  std::string pod_manifest_path;
  int kubelet_port = 10250;
  std::vector<std::string> kubelet_arg;
};

void AddNodeFlags(flags::FlagSet& set, NodeFlags* f);

// The first invalid flag, named as the user wrote it.
Status ValidateNodeFlags(const NodeFlags& f);

// Fills the node settings of `config` from validated flags; the log and manifest folders
// default under `data_dir`.
inline void ApplyNodeFlags(const NodeFlags& f, const std::string& data_dir, NodeConfig* config) {
  config->private_registry = f.private_registry;
  config->cgroup_root = f.cgroup_root;
  config->pod_log_dir = !f.pod_log_dir.empty()          ? f.pod_log_dir
                        : data_dir == "/var/lib/sampan" ? "/var/log/pods"
                                                        : data_dir + "/logs/pods";
  config->static_pod_dir =
      !f.pod_manifest_path.empty() ? f.pod_manifest_path : data_dir + "/agent/pod-manifests";
  config->kubelet_port = f.kubelet_port;
  if (Result<kubelet::KubeletArgs> args = kubelet::ParseKubeletArgs(f.kubelet_arg); args.ok()) {
    config->eviction_hard = args->eviction_hard;
  }
}

}  // namespace sampan::cmd
