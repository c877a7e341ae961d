#include "pkg/kubelet/eviction/ranking.h"

#include <fmt/format.h>

#include <algorithm>

#include "pkg/api/quantity.h"

namespace sampan::kubelet::eviction {
namespace {

using api::Json;

// Upstream's scheduling.SystemCriticalPriority: system-cluster-critical and
// system-node-critical are at or above it.
constexpr int64_t kSystemCriticalPriority = 2000000000;

int64_t MemoryRequest(const Json& container) {
  const Json* requests = api::FindPath(container, "resources.requests");
  if (requests == nullptr || !requests->is_object() || !requests->contains("memory")) return 0;
  Result<api::Quantity> q = api::Quantity::FromJson((*requests)["memory"]);
  return q.ok() ? q->Value() : 0;
}

bool BestEffort(const Json& pod) {
  std::string qos = api::GetString(api::ObjectField(pod, "status"), "qosClass");
  if (!qos.empty()) return qos == "BestEffort";
  const Json* containers = api::Find(api::ObjectField(pod, "spec"), "containers");
  if (containers == nullptr || !containers->is_array()) return true;
  for (const Json& c : *containers) {
    for (const char* kind : {"resources.requests", "resources.limits"}) {
      const Json* r = api::FindPath(c, kind);
      if (r != nullptr && r->is_object() && !r->empty()) return false;
    }
  }
  return true;
}

std::string Ki(int64_t bytes) {
  return api::Quantity::FromInt64((bytes + 1023) / 1024 * 1024, api::QuantityFormat::kBinarySI)
      .ToString();
}

bool Exceeds(const Candidate& c) { return c.memory_usage > c.memory_request; }

}  // namespace

std::optional<Candidate> MakeCandidate(const Json& pod, const stats::PodStats* stats) {
  const Json& meta = api::ObjectField(pod, "metadata");
  const Json& spec = api::ObjectField(pod, "spec");
  int64_t priority = api::GetInt(spec, "priority", 0);
  if (priority >= kSystemCriticalPriority) return std::nullopt;
  const Json& annotations = api::ObjectField(meta, "annotations");
  if (api::Find(annotations, "kubernetes.io/config.mirror") != nullptr) return std::nullopt;
  std::string source = api::GetString(annotations, "kubernetes.io/config.source");
  if (!source.empty() && source != "api") return std::nullopt;

  Candidate c;
  c.uid = api::GetString(meta, "uid");
  c.key = api::GetString(meta, "namespace") + "/" + api::GetString(meta, "name");
  c.priority = static_cast<int32_t>(priority);
  c.best_effort = BestEffort(pod);
  if (const Json* containers = api::Find(spec, "containers");
      containers != nullptr && containers->is_array()) {
    for (const Json& container : *containers) {
      Candidate::ContainerUsage u;
      u.name = api::GetString(container, "name");
      u.request = MemoryRequest(container);
      if (stats != nullptr) {
        for (const stats::ContainerStats& s : stats->containers) {
          if (s.name == u.name) u.usage = static_cast<int64_t>(s.memory.working_set_bytes);
        }
      }
      c.memory_request += u.request;
      c.containers.push_back(std::move(u));
    }
  }
  if (stats != nullptr) c.memory_usage = static_cast<int64_t>(stats->memory.working_set_bytes);
  return c;
}

void Rank(Resource resource, std::vector<Candidate>& candidates) {
  if (resource == Resource::kMemory) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                       if (Exceeds(a) != Exceeds(b)) return Exceeds(a);
                       if (a.priority != b.priority) return a.priority < b.priority;
                       return a.memory_usage - a.memory_request > b.memory_usage - b.memory_request;
                     });
    return;
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.priority != b.priority) return a.priority < b.priority;
                     if (a.best_effort != b.best_effort) return a.best_effort;
                     return a.memory_usage > b.memory_usage;
                   });
}

std::string EvictionMessage(const Threshold& threshold, const Observation& observed,
                            const Candidate& victim) {
  Resource resource = ResourceOf(threshold.signal);
  std::string name(ResourceName(resource));
  bool bytes = threshold.signal != Signal::kNodeFsInodesFree &&
               threshold.signal != Signal::kImageFsInodesFree;
  std::string message = fmt::format("The node was low on resource: {}. ", name);
  std::string threshold_text = threshold.quantity
                                   ? threshold.value_text
                                   : (bytes ? Ki(threshold.Value(observed.capacity))
                                            : std::to_string(threshold.Value(observed.capacity)));
  message += fmt::format("Threshold quantity: {}, available: {}. ", threshold_text,
                         bytes ? Ki(observed.available) : std::to_string(observed.available));
  if (resource == Resource::kMemory) {
    for (const Candidate::ContainerUsage& c : victim.containers) {
      if (c.usage <= c.request) continue;
      message += fmt::format(
          "Container {} was using {}, request is {}, has larger consumption "
          "of {}. ",
          c.name, Ki(c.usage),
          api::Quantity::FromInt64(c.request, api::QuantityFormat::kBinarySI).ToString(), name);
    }
  }
  return message;
}

}  // namespace sampan::kubelet::eviction
