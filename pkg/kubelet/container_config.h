#pragma once
// Translates one container of a pod into the runtime's ContainerSpec (runtime/spec.h):
// command and args over the image's entrypoint and cmd with $(VAR) expansion, working
// directory, user and groups, security context (privileged, capabilities, no_new_privs,
// seccomp, read-only root), resources (cgroup shares/quota/memory by the QoS formulas),
// oom_score_adj, the pod's /etc files and volumes as bind mounts, and the labels by which the
// kubelet finds the container again. Pure function: no I/O.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubelet/pod_files.h"
#include "pkg/util/status.h"
#include "runtime/cgroups/kube_layout.h"
#include "runtime/images/oci.h"
#include "runtime/spec.h"

namespace sampan::kubelet {

// Labels on sandboxes and containers (the names CRI runtimes use).
inline constexpr char kPodUidLabel[] = "io.kubernetes.pod.uid";
inline constexpr char kPodNameLabel[] = "io.kubernetes.pod.name";
inline constexpr char kPodNamespaceLabel[] = "io.kubernetes.pod.namespace";
inline constexpr char kContainerNameLabel[] = "io.kubernetes.container.name";
// labels[key], or "" when it is not there.
std::string LabelValue(const std::map<std::string, std::string>& labels, const char* key);
// Annotations on containers.
inline constexpr char kRestartCountAnnotation[] = "io.kubernetes.container.restartCount";
inline constexpr char kContainerHashAnnotation[] = "io.kubernetes.container.hash";
inline constexpr char kTerminationMessagePathAnnotation[] =
    "io.kubernetes.container.terminationMessagePath";
inline constexpr char kInitContainerAnnotation[] = "sampan.io/init-container";

// The image as the container starts from it: its layers and its process defaults
// (entrypoint, cmd, env, working_dir, user, stop_signal).
struct ImageDefaults {
  std::vector<std::string> lower_dirs;  // top-most first
  images::ImageConfig config;
};

struct ContainerContext {
  std::string id;  // the container id to use
  std::string sandbox_id;
  std::string pod_dir;  // <data-dir>/pods/<uid>
  std::string log_path;
  std::string seccomp_dir;  // localhost profiles are relative to it
  PodFiles files;
  std::vector<std::string> env;  // from ContainerEnv()
  ImageDefaults image;
  runtime::QosClass qos = runtime::QosClass::kBestEffort;
  int64_t node_memory = 0;  // for the Burstable oom_score_adj formula
  int restart_count = 0;
  bool init_container = false;
};

// The hash that tells whether a running container still matches the pod's spec for it
// (an image change restarts the container, as upstream).
std::string ContainerHash(const api::Json& container);

// runtime::QosClass from status.qosClass ("Guaranteed", "Burstable", "BestEffort").
runtime::QosClass PodQos(const api::Json& pod);

// Limits of the pod cgroup (upstream ResourceConfigForPod): CPU shares from the summed
// requests; CPU quota and memory limit only when every container has that limit (else the
// pod is unbounded in it), summed over the app containers or the largest init container.
runtime::ResourceSpec PodResources(const api::Json& pod);

// The argv the container runs: Kubernetes' command/args rules over the image's.
std::vector<std::string> ContainerArgs(const api::Json& container, const ImageDefaults& image,
                                       const std::vector<std::string>& env);

// Invalid errors carry the text shown as CreateContainerConfigError ("container has
// runAsNonRoot and image will run as root ...").
Result<runtime::ContainerSpec> BuildContainerSpec(const api::Json& pod, const api::Json& container,
                                                  const ContainerContext& context);

}  // namespace sampan::kubelet
