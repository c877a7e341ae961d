#include "cmd/sampan/node_flags.h"

#include <fmt/core.h>

namespace sampan::cmd {

void AddNodeFlags(flags::FlagSet& set, NodeFlags* f) {
  set.String(&f->private_registry, "private-registry", "/etc/sampan/registries.yaml",
             "Private registry configuration file (mirrors, auth, TLS)");
  set.String(&f->cgroup_root, "cgroup-root", "",
             "Parent of the kubepods cgroups, relative to each cgroup hierarchy's root");
  set.String(&f->pod_log_dir, "pod-log-dir", "",
             "Folder of pod logs (default: /var/log/pods, or <data-dir>/logs/pods when "
             "--data-dir is not the default)");
  set.String(&f->pod_manifest_path, "pod-manifest-path", "",
             "Folder of static pod manifests (default: <data-dir>/agent/pod-manifests)");
  set.Int(&f->kubelet_port, "kubelet-port", 10250,
          "HTTPS port of the node agent's API (logs, exec)");
  set.StringList(&f->kubelet_arg, "kubelet-arg", {},
                 "Node agent settings as KEY=VALUE (repeatable), as k3s: "
                 "eviction-hard=memory.available<100Mi,nodefs.available<10%,... sets the hard "
                 "eviction thresholds (signals memory.available, nodefs.available, "
                 "nodefs.inodesFree, imagefs.available, imagefs.inodesFree; the list replaces "
                 "the defaults memory.available<100Mi,nodefs.available<10%,"
                 "nodefs.inodesFree<5%,imagefs.available<15%)");
}

Status ValidateNodeFlags(const NodeFlags& f) {
  if (f.kubelet_port < 1 || f.kubelet_port > 65535) {
    return Status::Invalid(
        fmt::format("invalid --kubelet-port \"{}\": want 1-65535", f.kubelet_port));
  }
  return kubelet::ParseKubeletArgs(f.kubelet_arg).status();
}

}  // namespace sampan::cmd
