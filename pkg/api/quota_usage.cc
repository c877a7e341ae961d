#include "pkg/api/quota_usage.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace sampan::api::quota {
namespace {

constexpr std::string_view kStorageClassSuffix = ".storageclass.storage.k8s.io/";

const std::set<std::string>& PodResourceNames() {
  static const std::set<std::string> kNames = {"count/pods",
                                               "pods",
                                               "cpu",
                                               "memory",
                                               "ephemeral-storage",
                                               "requests.cpu",
                                               "requests.memory",
                                               "requests.ephemeral-storage",
                                               "limits.cpu",
                                               "limits.memory",
                                               "limits.ephemeral-storage"};
  return kNames;
}

// The resources whose legacy quota name is the plain resource name.
const std::set<std::string>& LegacyCountedResources() {
  static const std::set<std::string> kNames = {
      "pods",          "services", "persistentvolumeclaims",
      "configmaps",    "secrets",  "replicationcontrollers",
      "resourcequotas"};
  return kNames;
}

bool IsPods(const ResourceInfo& r) { return r.storage_name == "core/pods"; }
bool IsServices(const ResourceInfo& r) { return r.storage_name == "core/services"; }
bool IsPvcs(const ResourceInfo& r) { return r.storage_name == "core/persistentvolumeclaims"; }
bool IsCore(const ResourceInfo& r) { return r.group.empty(); }

// An extended resource: a domain-prefixed name outside kubernetes.io (upstream's
// IsExtendedResourceName, without its validation).
bool IsExtended(std::string_view name) {
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view domain = name.substr(0, slash);
  if (domain == "kubernetes.io" || domain.ends_with(".kubernetes.io")) return false;
  return !name.starts_with("requests.");
}

bool IsPodExtendedQuotaName(std::string_view name) {
  if (name.starts_with("requests.hugepages-") || name.starts_with("hugepages-")) return true;
  return name.starts_with("requests.") && IsExtended(name.substr(9));
}

bool IsTerminal(const Json& pod) {
  std::string phase = GetString(ObjectField(pod, "status"), "phase");
  return phase == "Succeeded" || phase == "Failed";
}

// upstream's podComputeUsageHelper.
ResourceList ComputeUsage(const ResourceList& requests, const ResourceList& limits) {
  ResourceList out;
  out["pods"] = Quantity::FromInt64(1);
  for (const char* name : {"cpu", "memory", "ephemeral-storage"}) {
    if (auto it = requests.find(name); it != requests.end()) {
      out[name] = it->second;
      out[std::string("requests.") + name] = it->second;
    }
    if (auto it = limits.find(name); it != limits.end()) {
      out[std::string("limits.") + name] = it->second;
    }
  }
  for (const auto& [name, q] : requests) {
    if (name.starts_with("hugepages-")) {
      out[name] = q;
      out["requests." + name] = q;
    } else if (IsExtended(name)) {
      out["requests." + name] = q;
    }
  }
  return out;
}

bool IsBestEffort(const Json& pod) {
  const Json& spec = ObjectField(pod, "spec");
  for (const char* field : {"containers", "initContainers"}) {
    const Json* list = Find(spec, field);
    if (list == nullptr || !list->is_array()) continue;
    for (const Json& c : *list) {
      for (const char* which : {"resources.requests", "resources.limits"}) {
        ResourceList res = ParseResourceList(FindPath(c, which));
        for (const char* name : {"cpu", "memory"}) {
          if (auto it = res.find(name); it != res.end() && !it->second.IsZero()) return false;
        }
      }
    }
  }
  return true;
}

bool MatchesScope(const std::string& scope, const std::string& op,
                  const std::vector<std::string>& values, const Json& pod) {
  const Json& spec = ObjectField(pod, "spec");
  if (scope == "Terminating" || scope == "NotTerminating") {
    const Json* deadline = Find(spec, "activeDeadlineSeconds");
    bool terminating =
        deadline != nullptr && deadline->is_number() && deadline->get<int64_t>() >= 0;
    return terminating == (scope == "Terminating");
  }
  if (scope == "BestEffort") return IsBestEffort(pod);
  if (scope == "NotBestEffort") return !IsBestEffort(pod);
  if (scope == "PriorityClass") {
    std::string pc = GetString(spec, "priorityClassName");
    bool listed = std::find(values.begin(), values.end(), pc) != values.end();
    if (op == "In") return listed;
    if (op == "NotIn") return !listed;
    if (op == "DoesNotExist") return pc.empty();
    return !pc.empty();  // Exists
  }
  return false;  // CrossNamespacePodAffinity and unknown scopes: not supported
}

}  // namespace

std::string CountName(const ResourceInfo& r) {
  return IsCore(r) ? "count/" + r.resource : "count/" + r.resource + "." + r.group;
}

ResourceList Usage(const ResourceInfo& r, const Json& object) {
  ResourceList out;
  out[CountName(r)] = Quantity::FromInt64(1);
  if (IsPods(r)) {
    if (IsTerminal(object)) return out;
    return AddResources(out, ComputeUsage(PodRequests(object), PodLimits(object)));
  }
  if (IsCore(r) && LegacyCountedResources().count(r.resource)) {
    out[r.resource] = Quantity::FromInt64(1);
  }
  if (IsServices(r)) {
    const Json& spec = ObjectField(object, "spec");
    std::string type = GetString(spec, "type", "ClusterIP");
    const Json* ports = Find(spec, "ports");
    int64_t count = ports && ports->is_array() ? static_cast<int64_t>(ports->size()) : 0;
    out["services.loadbalancers"] = Quantity();
    out["services.nodeports"] = Quantity();
    if (type == "NodePort") {
      out["services.nodeports"] = Quantity::FromInt64(count);
    } else if (type == "LoadBalancer") {
      if (const Json* alloc = Find(spec, "allocateLoadBalancerNodePorts");
          alloc && alloc->is_boolean() && !alloc->get<bool>()) {
        count = 0;
        for (const Json& p : *ports) {
          if (GetInt(p, "nodePort", 0) != 0) ++count;
        }
      }
      out["services.nodeports"] = Quantity::FromInt64(count);
      out["services.loadbalancers"] = Quantity::FromInt64(1);
    }
  }
  if (IsPvcs(r)) {
    std::string cls = GetString(ObjectField(object, "spec"), "storageClassName");
    if (!cls.empty()) {
      out[cls + std::string(kStorageClassSuffix) + "persistentvolumeclaims"] =
          Quantity::FromInt64(1);
    }
    ResourceList requests = ParseResourceList(FindPath(object, "spec.resources.requests"));
    ResourceList allocated = ParseResourceList(FindPath(object, "status.allocatedResources"));
    auto req = requests.find("storage");
    auto alloc = allocated.find("storage");
    const Quantity* storage = req != requests.end() ? &req->second : nullptr;
    if (alloc != allocated.end() && (storage == nullptr || storage->Cmp(alloc->second) < 0)) {
      storage = &alloc->second;
    }
    if (storage != nullptr) {
      out["requests.storage"] = *storage;
      if (!cls.empty()) out[cls + std::string(kStorageClassSuffix) + "requests.storage"] = *storage;
    }
  }
  return out;
}

std::set<std::string> MatchingResources(const ResourceInfo& r, const std::set<std::string>& names) {
  std::set<std::string> out;
  std::string count = CountName(r);
  for (const std::string& name : names) {
    if (name == count) {
      out.insert(name);
    } else if (IsPods(r)) {
      if (PodResourceNames().count(name) || IsPodExtendedQuotaName(name)) out.insert(name);
    } else if (IsCore(r) && name == r.resource && LegacyCountedResources().count(name)) {
      out.insert(name);
    } else if (IsServices(r)) {
      if (name == "services.nodeports" || name == "services.loadbalancers") out.insert(name);
    } else if (IsPvcs(r)) {
      if (name == "requests.storage") out.insert(name);
      size_t at = name.find(kStorageClassSuffix);
      if (at != std::string::npos) {
        std::string_view rest = std::string_view(name).substr(at + kStorageClassSuffix.size());
        if (rest == "requests.storage" || rest == "persistentvolumeclaims") out.insert(name);
      }
    }
  }
  return out;
}

const ResourceInfo* CountedResource(const std::string& name) {
  const Registry& registry = Registry::Builtin();
  auto core = [&](std::string_view resource) { return registry.Find("", "v1", resource); };
  if (name.starts_with("count/")) {
    std::string_view rest = std::string_view(name).substr(6);
    size_t dot = rest.find('.');
    std::string_view resource = rest.substr(0, dot);
    std::string_view group = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
    for (const ResourceInfo& r : registry.resources()) {
      if (r.resource == resource && r.group == group && r.Stored()) return &r;
    }
    return nullptr;
  }
  if (LegacyCountedResources().count(name)) return core(name);
  if (PodResourceNames().count(name) || IsPodExtendedQuotaName(name)) return core("pods");
  if (name.starts_with("services.")) return core("services");
  if (name == "requests.storage" || name.find(kStorageClassSuffix) != std::string::npos) {
    return core("persistentvolumeclaims");
  }
  return nullptr;
}

bool MatchesScopes(const Json& quota, const ResourceInfo& r, const Json& object) {
  const Json& spec = ObjectField(quota, "spec");
  struct Selector {
    std::string scope, op;
    std::vector<std::string> values;
  };
  std::vector<Selector> selectors;
  for (const std::string& scope : GetStrings(spec, "scopes"))
    selectors.push_back({scope, "Exists", {}});
  if (const Json* exprs = FindPath(spec, "scopeSelector.matchExpressions");
      exprs && exprs->is_array()) {
    for (const Json& e : *exprs) {
      selectors.push_back(
          {GetString(e, "scopeName"), GetString(e, "operator", "Exists"), GetStrings(e, "values")});
    }
  }
  if (selectors.empty()) return true;
  if (!IsPods(r)) return false;
  for (const Selector& s : selectors) {
    if (!MatchesScope(s.scope, s.op, s.values, object)) return false;
  }
  return true;
}

std::string MissingPodResources(const Json& pod, const std::set<std::string>& required) {
  static const std::set<std::string> kValidated = {
      "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"};
  std::set<std::string> needed;
  for (const std::string& r : required) {
    if (kValidated.count(r)) needed.insert(r);
  }
  if (needed.empty()) return "";
  std::map<std::string, std::set<std::string>> missing;  // resource -> containers
  const Json& spec = ObjectField(pod, "spec");
  for (const char* field : {"containers", "initContainers"}) {
    const Json* list = Find(spec, field);
    if (list == nullptr || !list->is_array()) continue;
    for (const Json& c : *list) {
      ResourceList usage = ComputeUsage(ParseResourceList(FindPath(c, "resources.requests")),
                                        ParseResourceList(FindPath(c, "resources.limits")));
      for (const std::string& r : needed) {
        if (!usage.count(r)) missing[r].insert(GetString(c, "name"));
      }
    }
  }
  if (missing.empty()) return "";
  std::vector<std::string> parts;
  for (const auto& [resource, containers] : missing) {
    parts.push_back(fmt::format("{} for: {}", resource, fmt::join(containers, ",")));
  }
  return fmt::format("must specify {}", fmt::join(parts, "; "));
}

std::string PrettyPrint(const ResourceList& list) {
  std::vector<std::string> parts;
  for (const auto& [name, q] : list) parts.push_back(name + "=" + q.ToString());
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace sampan::api::quota
