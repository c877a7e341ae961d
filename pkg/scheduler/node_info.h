#pragma once
// What the scheduler knows about one node: the Node object and the pods assigned to it
// (bound, or assumed after a binding the informer has not shown yet), with their summed
// requests. Filters and scores (plugins.h) read it; the scheduler (scheduler.h) keeps it.

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "pkg/api/json.h"
#include "pkg/client/informer.h"

namespace sampan::scheduler {

// Requests in the units the scheduler compares: millicores, bytes, pod count.
struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
  int64_t pods = 0;

  Resources& operator+=(const Resources& o);
  Resources& operator-=(const Resources& o);
};

// A pod's effective requests as upstream computes them: the larger of the sum of its app
// containers and the largest init container (sidecar init containers with restartPolicy
// Always add to both), plus spec.overhead; pods = 1.
Resources PodRequests(const api::Json& pod);
// status.allocatable of a node (capacity if allocatable is absent).
Resources NodeAllocatable(const api::Json& node);
// hostPort entries of a pod as "protocol/hostIP/port".
std::set<std::string> PodHostPorts(const api::Json& pod);

struct NodeInfo {
  client::ObjectPtr node;
  std::string name;
  Resources allocatable;
  Resources requested;
  std::set<std::string> host_ports;               // "protocol/hostIP/port"
  std::map<std::string, client::ObjectPtr> pods;  // by pod key

  void AddPod(const std::string& key, const client::ObjectPtr& pod);
  void RemovePod(const std::string& key);
};

}  // namespace sampan::scheduler
