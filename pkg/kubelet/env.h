#pragma once
// A container's environment as the kubelet computes it (upstream makeEnvironmentVariables):
// the service variables of the cluster (KUBERNETES_SERVICE_HOST, ...), then envFrom
// sources in order, then env entries, each later one replacing an earlier one of the same
// name; env values expand $(VAR) over what is defined before them. Values come from
// ConfigMaps and Secrets (through `lookup`), the pod's own fields (fieldRef) and its
// resources (resourceFieldRef).
//
// Errors are what the pod's status shows as CreateContainerConfigError:
//   configmap "cfg" not found / couldn't find key K in ConfigMap ns/cfg

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

// Fetches a ConfigMap or Secret: `resource` is "configmaps" or "secrets". NotFound when it
// does not exist.
using ObjectLookup = std::function<Result<api::Json>(
    const std::string& resource, const std::string& ns, const std::string& name)>;

struct EnvContext {
  std::string node_name;
  std::string host_ip;
  std::string pod_ip;
  // For limits a container does not set (resourceFieldRef falls back to allocatable).
  int64_t node_milli_cpu = 0;
  int64_t node_memory = 0;
  int64_t node_ephemeral_storage = 0;
  // Variables every container gets (service links), lowest precedence.
  std::vector<std::pair<std::string, std::string>> service_env;
};

// "K=V" entries, in order of first definition.
Result<std::vector<std::string>> ContainerEnv(const api::Json& pod, const api::Json& container,
                                              const EnvContext& context,
                                              const ObjectLookup& lookup);

// The value of a downward-API field path of the pod ("metadata.name",
// "metadata.labels['app']", "status.podIP", ...).
Result<std::string> PodFieldValue(const api::Json& pod, const std::string& path,
                                  const EnvContext& context);

// The value of a resourceFieldRef ("limits.cpu", "requests.memory", ...) with its divisor.
Result<std::string> ResourceFieldValue(const api::Json& container, const api::Json& ref,
                                       const EnvContext& context);

// Service-link variables for the cluster's `kubernetes` service at `ip`:443.
std::vector<std::pair<std::string, std::string>> KubernetesServiceEnv(const std::string& ip);

}  // namespace sampan::kubelet
