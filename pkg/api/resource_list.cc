#include "pkg/api/resource_list.h"

namespace sampan::api {
namespace {

ResourceList MaxResources(const ResourceList& a, const ResourceList& b) {
  ResourceList out = a;
  for (const auto& [name, q] : b) {
    auto it = out.find(name);
    if (it == out.end() || it->second.Cmp(q) < 0) out[name] = q;
  }
  return out;
}

ResourceList PodResources(const Json& pod, const char* which) {
  const Json& spec = ObjectField(pod, "spec");
  ResourceList sum;
  if (const Json* containers = Find(spec, "containers"); containers && containers->is_array()) {
    for (const Json& c : *containers) {
      sum = AddResources(sum, ParseResourceList(FindPath(c, std::string("resources.") + which)));
    }
  }
  if (const Json* init = Find(spec, "initContainers"); init && init->is_array()) {
    for (const Json& c : *init) {
      sum = MaxResources(sum, ParseResourceList(FindPath(c, std::string("resources.") + which)));
    }
  }
  ResourceList overhead = ParseResourceList(Find(spec, "overhead"));
  if (!overhead.empty() && !sum.empty()) {
    // As upstream: overhead adds to what the pod states (a resource it does not state is
    // unbounded for limits, so only those present).
    for (const auto& [name, q] : overhead) {
      auto it = sum.find(name);
      if (it != sum.end()) it->second.Add(q);
    }
  }
  return sum;
}

}  // namespace

ResourceList ParseResourceList(const Json* value) {
  ResourceList out;
  if (value == nullptr || !value->is_object()) return out;
  for (auto it = value->begin(); it != value->end(); ++it) {
    Result<Quantity> q = Quantity::FromJson(it.value());
    if (q.ok()) out[it.key()] = std::move(*q);
  }
  return out;
}

Json ResourceListToJson(const ResourceList& list) {
  Json out = Json::object();
  for (const auto& [name, q] : list) out[name] = q.ToString();
  return out;
}

ResourceList AddResources(const ResourceList& a, const ResourceList& b) {
  ResourceList out = a;
  for (const auto& [name, q] : b) out[name].Add(q);
  return out;
}

ResourceList SubtractNonNegative(const ResourceList& a, const ResourceList& b) {
  ResourceList out = a;
  for (auto& [name, q] : out) {
    auto it = b.find(name);
    if (it == b.end()) continue;
    q.Sub(it->second);
    if (q.Sign() < 0) q = Quantity();
  }
  return out;
}

ResourceList MaskResources(const ResourceList& list, const std::set<std::string>& names) {
  ResourceList out;
  for (const auto& [name, q] : list) {
    if (names.count(name)) out[name] = q;
  }
  return out;
}

std::set<std::string> ResourceNames(const ResourceList& list) {
  std::set<std::string> out;
  for (const auto& [name, q] : list) out.insert(name);
  return out;
}

bool AllZero(const ResourceList& list) {
  for (const auto& [name, q] : list) {
    if (!q.IsZero()) return false;
  }
  return true;
}

bool ResourcesEqual(const ResourceList& a, const ResourceList& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, q] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.Cmp(q) != 0) return false;
  }
  return true;
}

ResourceList PodRequests(const Json& pod) { return PodResources(pod, "requests"); }
ResourceList PodLimits(const Json& pod) { return PodResources(pod, "limits"); }

}  // namespace sampan::api
