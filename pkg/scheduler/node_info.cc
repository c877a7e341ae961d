#include "pkg/scheduler/node_info.h"

#include <algorithm>

#include "pkg/api/quantity.h"

namespace sampan::scheduler {
namespace {

using api::Json;

int64_t Milli(const Json& list, const char* name) {
  const Json* v = api::Find(list, name);
  if (v == nullptr) return 0;
  Result<api::Quantity> q = api::Quantity::FromJson(*v);
  return q.ok() ? q->MilliValue() : 0;
}

int64_t Value(const Json& list, const char* name) {
  const Json* v = api::Find(list, name);
  if (v == nullptr) return 0;
  Result<api::Quantity> q = api::Quantity::FromJson(*v);
  return q.ok() ? q->Value() : 0;
}

Resources FromList(const Json* list) {
  Resources r;
  if (list == nullptr || !list->is_object()) return r;
  r.milli_cpu = Milli(*list, "cpu");
  r.memory = Value(*list, "memory");
  r.ephemeral_storage = Value(*list, "ephemeral-storage");
  r.pods = Value(*list, "pods");
  return r;
}

// Upstream falls back to limits when a container sets limits but no requests (defaulting
// copies them); do the same for objects created without defaulting.
Resources ContainerRequests(const Json& container) {
  const Json* requests = api::FindPath(container, "resources.requests");
  const Json* limits = api::FindPath(container, "resources.limits");
  Resources r = FromList(requests);
  Resources l = FromList(limits);
  if (requests == nullptr || !api::Find(*requests, "cpu")) r.milli_cpu = l.milli_cpu;
  if (requests == nullptr || !api::Find(*requests, "memory")) r.memory = l.memory;
  if (requests == nullptr || !api::Find(*requests, "ephemeral-storage")) {
    r.ephemeral_storage = l.ephemeral_storage;
  }
  r.pods = 0;
  return r;
}

Resources Max(const Resources& a, const Resources& b) {
  return {std::max(a.milli_cpu, b.milli_cpu), std::max(a.memory, b.memory),
          std::max(a.ephemeral_storage, b.ephemeral_storage), std::max(a.pods, b.pods)};
}

}  // namespace

Resources& Resources::operator+=(const Resources& o) {
  milli_cpu += o.milli_cpu;
  memory += o.memory;
  ephemeral_storage += o.ephemeral_storage;
  pods += o.pods;
  return *this;
}

Resources& Resources::operator-=(const Resources& o) {
  milli_cpu -= o.milli_cpu;
  memory -= o.memory;
  ephemeral_storage -= o.ephemeral_storage;
  pods -= o.pods;
  return *this;
}

Resources PodRequests(const Json& pod) {
  const Json* spec = api::Find(pod, "spec");
  Resources app;
  Resources init_max;
  Resources sidecars;  // restartable init containers run alongside the app containers
  if (spec != nullptr) {
    if (const Json* containers = api::Find(*spec, "containers");
        containers && containers->is_array()) {
      for (const Json& c : *containers) app += ContainerRequests(c);
    }
    if (const Json* inits = api::Find(*spec, "initContainers"); inits && inits->is_array()) {
      for (const Json& c : *inits) {
        Resources r = ContainerRequests(c);
        if (api::GetString(c, "restartPolicy") == "Always") {
          sidecars += r;
          continue;
        }
        Resources running = sidecars;
        running += r;
        init_max = Max(init_max, running);
      }
    }
  }
  app += sidecars;
  Resources total = Max(app, init_max);
  if (spec != nullptr) total += FromList(api::Find(*spec, "overhead"));
  total.pods = 1;
  return total;
}

Resources NodeAllocatable(const Json& node) {
  const Json* allocatable = api::FindPath(node, "status.allocatable");
  if (allocatable == nullptr) allocatable = api::FindPath(node, "status.capacity");
  return FromList(allocatable);
}

std::set<std::string> PodHostPorts(const Json& pod) {
  std::set<std::string> out;
  const Json* containers = api::FindPath(pod, "spec.containers");
  if (containers == nullptr || !containers->is_array()) return out;
  for (const Json& c : *containers) {
    const Json* ports = api::Find(c, "ports");
    if (ports == nullptr || !ports->is_array()) continue;
    for (const Json& p : *ports) {
      int64_t host_port = api::GetInt(p, "hostPort");
      if (host_port <= 0) continue;
      std::string ip = api::GetString(p, "hostIP", "0.0.0.0");
      out.insert(api::GetString(p, "protocol", "TCP") + "/" + ip + "/" + std::to_string(host_port));
    }
  }
  return out;
}

void NodeInfo::AddPod(const std::string& key, const client::ObjectPtr& pod) {
  RemovePod(key);
  pods[key] = pod;
  requested += PodRequests(*pod);
  for (const std::string& p : PodHostPorts(*pod)) host_ports.insert(p);
}

void NodeInfo::RemovePod(const std::string& key) {
  auto it = pods.find(key);
  if (it == pods.end()) return;
  requested -= PodRequests(*it->second);
  for (const std::string& p : PodHostPorts(*it->second)) host_ports.erase(p);
  pods.erase(it);
}

}  // namespace sampan::scheduler
