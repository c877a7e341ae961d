#include "pkg/apiserver/pod_log.h"

#include <fmt/core.h>

#include <algorithm>
#include <vector>

namespace sampan::apiserver {
namespace {

using api::Json;

std::vector<std::string> Names(const Json& pod, const char* field) {
  std::vector<std::string> names;
  const Json* list = api::FindPath(pod, field);
  if (list == nullptr || !list->is_array()) return names;
  for (const Json& c : *list) names.push_back(api::GetString(c, "name"));
  return names;
}

// Go's %v of a []string: "[a b c]".
std::string GoList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out + "]";
}

const Json* StatusOf(const Json& pod, const char* field, const std::string& container) {
  const Json* list = api::FindPath(pod, field);
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const Json& s : *list) {
    if (api::GetString(s, "name") == container) return &s;
  }
  return nullptr;
}

}  // namespace

Result<std::string> PodLogContainer(const Json& pod, const std::string& requested) {
  std::string name = api::GetString(api::ObjectField(pod, "metadata"), "name");
  std::vector<std::string> containers = Names(pod, "spec.containers");
  std::vector<std::string> init = Names(pod, "spec.initContainers");
  std::vector<std::string> ephemeral = Names(pod, "spec.ephemeralContainers");
  if (requested.empty()) {
    if (containers.size() == 1) return containers[0];
    std::string message =
        fmt::format("a container name must be specified for pod {}, choose one of: {}", name,
                    GoList(containers));
    if (!init.empty()) message += " or one of the init containers: " + GoList(init);
    if (!ephemeral.empty()) message += " or one of the ephemeral containers: " + GoList(ephemeral);
    return Status::BadRequest(message);
  }
  for (const auto* list : {&containers, &init, &ephemeral}) {
    for (const std::string& c : *list) {
      if (c == requested) return requested;
    }
  }
  return Status::BadRequest(fmt::format("container {} is not valid for pod {}", requested, name));
}

Status CheckContainerLogReady(const Json& pod, const std::string& container, bool previous) {
  if (previous) return Status::Ok();
  std::string name = api::GetString(api::ObjectField(pod, "metadata"), "name");
  const Json* status = StatusOf(pod, "status.containerStatuses", container);
  if (status == nullptr) status = StatusOf(pod, "status.initContainerStatuses", container);
  if (status == nullptr) status = StatusOf(pod, "status.ephemeralContainerStatuses", container);
  std::string reason = "ContainerCreating";
  if (status != nullptr) {
    const Json* state = api::Find(*status, "state");
    if (state != nullptr && (api::Find(*state, "running") || api::Find(*state, "terminated"))) {
      return Status::Ok();
    }
    const Json* last = api::Find(*status, "lastState");
    if (last != nullptr && api::Find(*last, "terminated")) return Status::Ok();
    if (state != nullptr) {
      if (const Json* waiting = api::Find(*state, "waiting")) {
        std::string r = api::GetString(*waiting, "reason");
        if (!r.empty()) reason = r;
      }
    }
  } else if (std::vector<std::string> init = Names(pod, "spec.initContainers");
             !init.empty() && std::find(init.begin(), init.end(), container) == init.end() &&
             api::GetString(api::ObjectField(pod, "status"), "phase") == "Pending") {
    reason = "PodInitializing";
  }
  return Status::BadRequest(fmt::format("container \"{}\" in pod \"{}\" is waiting to start: {}",
                                        container, name, reason));
}

Result<KubeletEndpoint> KubeletEndpointOf(const Json& node) {
  KubeletEndpoint endpoint;
  const Json* port = api::FindPath(node, "status.daemonEndpoints.kubeletEndpoint.Port");
  if (port != nullptr && port->is_number_integer() && port->get<int>() > 0) {
    endpoint.port = port->get<int>();
  }
  const Json* addresses = api::FindPath(node, "status.addresses");
  for (const char* type : {"InternalIP", "ExternalIP", "Hostname"}) {
    if (addresses == nullptr || !addresses->is_array()) break;
    for (const Json& a : *addresses) {
      if (api::GetString(a, "type") == type && !api::GetString(a, "address").empty()) {
        endpoint.host = api::GetString(a, "address");
        return endpoint;
      }
    }
  }
  return Status::BadRequest(
      fmt::format("node {} has no address to reach its kubelet",
                  api::GetString(api::ObjectField(node, "metadata"), "name")));
}

}  // namespace sampan::apiserver
