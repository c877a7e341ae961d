#include "pkg/apiserver/admission/limit_range_rules.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "pkg/api/resource_list.h"

namespace sampan::apiserver::admission {
namespace {

using api::Json;
using api::Quantity;
using api::ResourceList;

// resource.MaxMilliValue: the largest value whose milli-value fits in int64.
constexpr int64_t kMaxMilliValue = std::numeric_limits<int64_t>::max() / 1000;

struct Compared {
  int64_t request = 0, limit = 0, enforced = 0;
};

// Upstream's requestLimitEnforcedValues: milli precision when nothing overflows.
Compared AtCommonPrecision(const Quantity& request, const Quantity& limit,
                           const Quantity& enforced) {
  Compared c{request.Value(), limit.Value(), enforced.Value()};
  if (c.request <= kMaxMilliValue && c.limit <= kMaxMilliValue && c.enforced <= kMaxMilliValue) {
    c = {request.MilliValue(), limit.MilliValue(), enforced.MilliValue()};
  }
  return c;
}

const Quantity* Lookup(const ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? nullptr : &it->second;
}

void MinConstraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                   const ResourceList& requests, const ResourceList& limits,
                   std::vector<std::string>& out) {
  const Quantity* req = Lookup(requests, resource);
  const Quantity* lim = Lookup(limits, resource);
  Compared c = AtCommonPrecision(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  if (req == nullptr) {
    out.push_back(fmt::format("minimum {} usage per {} is {}.  No request is specified", resource,
                              type, enforced.ToString()));
  } else if (c.request < c.enforced) {
    out.push_back(fmt::format("minimum {} usage per {} is {}, but request is {}", resource, type,
                              enforced.ToString(), req->ToString()));
  } else if (lim != nullptr && c.limit < c.enforced) {
    out.push_back(fmt::format("minimum {} usage per {} is {}, but limit is {}", resource, type,
                              enforced.ToString(), lim->ToString()));
  }
}

void MaxConstraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                   const ResourceList& requests, const ResourceList& limits,
                   std::vector<std::string>& out) {
  const Quantity* req = Lookup(requests, resource);
  const Quantity* lim = Lookup(limits, resource);
  Compared c = AtCommonPrecision(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  if (lim == nullptr) {
    out.push_back(fmt::format("maximum {} usage per {} is {}.  No limit is specified", resource,
                              type, enforced.ToString()));
  } else if (c.limit > c.enforced) {
    out.push_back(fmt::format("maximum {} usage per {} is {}, but limit is {}", resource, type,
                              enforced.ToString(), lim->ToString()));
  } else if (req != nullptr && c.request > c.enforced) {
    out.push_back(fmt::format("maximum {} usage per {} is {}, but request is {}", resource, type,
                              enforced.ToString(), req->ToString()));
  }
}

// For claims: the max applies to what was requested (limits are not user input there).
void MaxRequestConstraint(const std::string& type, const std::string& resource,
                          const Quantity& enforced, const ResourceList& requests,
                          std::vector<std::string>& out) {
  const Quantity* req = Lookup(requests, resource);
  Compared c = AtCommonPrecision(req ? *req : Quantity(), Quantity(), enforced);
  if (req == nullptr) {
    out.push_back(fmt::format("maximum {} usage per {} is {}.  No request is specified", resource,
                              type, enforced.ToString()));
  } else if (c.request > c.enforced) {
    out.push_back(fmt::format("maximum {} usage per {} is {}, but request is {}", resource, type,
                              enforced.ToString(), req->ToString()));
  }
}

void RatioConstraint(const std::string& type, const std::string& resource, const Quantity& enforced,
                     const ResourceList& requests, const ResourceList& limits,
                     std::vector<std::string>& out) {
  const Quantity* req = Lookup(requests, resource);
  const Quantity* lim = Lookup(limits, resource);
  Compared c = AtCommonPrecision(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  if (req == nullptr || c.request == 0) {
    out.push_back(fmt::format(
        "{} max limit to request ratio per {} is {}, but no request is specified or request is 0",
        resource, type, enforced.ToString()));
    return;
  }
  if (lim == nullptr || c.limit == 0) {
    out.push_back(fmt::format(
        "{} max limit to request ratio per {} is {}, but no limit is specified or limit is 0",
        resource, type, enforced.ToString()));
    return;
  }
  double observed = static_cast<double>(c.limit) / static_cast<double>(c.request);
  double shown = observed;
  double max_ratio = static_cast<double>(enforced.Value());
  if (enforced.Value() <= kMaxMilliValue) {
    observed *= 1000;
    max_ratio = static_cast<double>(enforced.MilliValue());
  }
  if (observed > max_ratio) {
    out.push_back(
        fmt::format("{} max limit to request ratio per {} is {}, but provided ratio is {:f}",
                    resource, type, enforced.ToString(), shown));
  }
}

void CheckAll(const Json& item, const std::string& type, const ResourceList& requests,
              const ResourceList& limits, std::vector<std::string>& out) {
  for (const auto& [resource, q] : api::ParseResourceList(api::Find(item, "min"))) {
    MinConstraint(type, resource, q, requests, limits, out);
  }
  for (const auto& [resource, q] : api::ParseResourceList(api::Find(item, "max"))) {
    MaxConstraint(type, resource, q, requests, limits, out);
  }
  for (const auto& [resource, q] :
       api::ParseResourceList(api::Find(item, "maxLimitRequestRatio"))) {
    RatioConstraint(type, resource, q, requests, limits, out);
  }
}

template <typename Fn>
void ForEachItem(const Json& limit_range, const std::string& type, Fn fn) {
  const Json* limits = api::FindPath(limit_range, "spec.limits");
  if (limits == nullptr || !limits->is_array()) return;
  for (const Json& item : *limits) {
    if (item.is_object() && api::GetString(item, "type") == type) fn(item);
  }
}

// Sets each default the container lacks; names what it set for the annotation.
void MergeContainer(Json& container, const ResourceList& default_limits,
                    const ResourceList& default_requests, const std::string& prefix,
                    std::vector<std::string>& notes) {
  auto merge = [&](const char* field, const ResourceList& defaults) {
    std::vector<std::string> set;
    if (defaults.empty()) return set;
    Json& resources = container["resources"];
    if (!resources.is_object()) resources = Json::object();
    Json& list = resources[field];
    if (!list.is_object()) list = Json::object();
    for (const auto& [name, q] : defaults) {
      if (!list.contains(name)) {
        list[name] = q.ToString();
        set.push_back(name);
      }
    }
    return set;  // sorted: a map's keys
  };
  std::vector<std::string> limits = merge("limits", default_limits);
  std::vector<std::string> requests = merge("requests", default_requests);
  std::string name = api::GetString(container, "name");
  if (!requests.empty()) {
    notes.push_back(fmt::format("{} request for {} {}", fmt::join(requests, ", "), prefix, name));
  }
  if (!limits.empty()) {
    notes.push_back(fmt::format("{} limit for {} {}", fmt::join(limits, ", "), prefix, name));
  }
}

}  // namespace

void DefaultLimitRange(Json& limit_range) {
  Json* limits = limit_range.contains("spec") ? &limit_range["spec"] : nullptr;
  if (limits == nullptr || !limits->is_object() || !limits->contains("limits") ||
      !(*limits)["limits"].is_array()) {
    return;
  }
  for (Json& item : (*limits)["limits"]) {
    if (!item.is_object() || api::GetString(item, "type") != "Container") continue;
    auto copy_missing = [&](const char* from, const char* to) {
      const Json* found = api::Find(item, from);
      if (found == nullptr || !found->is_object() || found->empty()) return;
      const Json src = *found;  // item[to] may move item's members
      Json& dst = item[to];
      if (!dst.is_object()) dst = Json::object();
      for (auto it = src.begin(); it != src.end(); ++it) {
        if (!dst.contains(it.key())) dst[it.key()] = it.value();
      }
    };
    copy_missing("max", "default");
    copy_missing("default", "defaultRequest");
    copy_missing("min", "defaultRequest");
  }
}

bool ApplyPodDefaults(const Json& limit_range, Json& pod) {
  ResourceList default_limits, default_requests;
  ForEachItem(limit_range, "Container", [&](const Json& item) {
    for (auto& [k, v] : api::ParseResourceList(api::Find(item, "default"))) default_limits[k] = v;
    for (auto& [k, v] : api::ParseResourceList(api::Find(item, "defaultRequest")))
      default_requests[k] = v;
  });
  if (default_limits.empty() && default_requests.empty()) return false;
  if (!pod.contains("spec") || !pod["spec"].is_object()) return false;
  std::vector<std::string> notes;
  for (const auto& [field, prefix] :
       {std::pair{"containers", "container"}, std::pair{"initContainers", "init container"}}) {
    Json& spec = pod["spec"];
    if (!spec.contains(field) || !spec[field].is_array()) continue;
    for (Json& c : spec[field]) {
      if (c.is_object()) MergeContainer(c, default_limits, default_requests, prefix, notes);
    }
  }
  if (notes.empty()) return false;
  Json& annotations = pod["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = Json::object();
  annotations[kLimitRangerAnnotation] =
      fmt::format("LimitRanger plugin set: {}", fmt::join(notes, "; "));
  return true;
}

std::vector<std::string> PodViolations(const Json& limit_range, const Json& pod) {
  std::vector<std::string> out;
  const Json& spec = api::ObjectField(pod, "spec");
  ForEachItem(limit_range, "Container", [&](const Json& item) {
    for (const char* field : {"containers", "initContainers"}) {
      const Json* list = api::Find(spec, field);
      if (list == nullptr || !list->is_array()) continue;
      for (const Json& c : *list) {
        CheckAll(item, "Container", api::ParseResourceList(api::FindPath(c, "resources.requests")),
                 api::ParseResourceList(api::FindPath(c, "resources.limits")), out);
      }
    }
  });
  ForEachItem(limit_range, "Pod", [&](const Json& item) {
    CheckAll(item, "Pod", api::PodRequests(pod), api::PodLimits(pod), out);
  });
  return out;
}

std::vector<std::string> PvcViolations(const Json& limit_range, const Json& pvc) {
  std::vector<std::string> out;
  ResourceList requests = api::ParseResourceList(api::FindPath(pvc, "spec.resources.requests"));
  ForEachItem(limit_range, "PersistentVolumeClaim", [&](const Json& item) {
    for (const auto& [resource, q] : api::ParseResourceList(api::Find(item, "min"))) {
      MinConstraint("PersistentVolumeClaim", resource, q, requests, {}, out);
    }
    for (const auto& [resource, q] : api::ParseResourceList(api::Find(item, "max"))) {
      MaxRequestConstraint("PersistentVolumeClaim", resource, q, requests, out);
    }
  });
  return out;
}

}  // namespace sampan::apiserver::admission
