#include "pkg/apiserver/admission/resource_quota.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/api/quota_usage.h"
#include "pkg/apiserver/admission/stored_objects.h"

namespace sampan::apiserver::admission {
namespace {

using api::builtin::ResourceQuotas;

using api::Json;
using api::ResourceList;

constexpr int kMaxConflictRetries = 10;

// Whether this write can change what quotas count (upstream's evaluator.Handles).
bool Handles(const Attributes& a) {
  if (a.object == nullptr || !a.resource->namespaced || a.ns.empty()) return false;
  if (a.operation == Operation::kCreate) return true;
  if (a.operation != Operation::kUpdate) return false;
  const std::string& s = a.resource->storage_name;
  return s == "core/services" || s == "core/persistentvolumeclaims";
}

struct Tracked {
  size_t index;  // into the quota list
  ResourceList hard;
  std::set<std::string> restricted;
};

}  // namespace

std::mutex& ResourceQuota::NamespaceLock(const std::string& ns) {
  std::lock_guard<std::mutex> lock(locks_mu_);
  std::unique_ptr<std::mutex>& m = locks_[ns];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

Verdict ResourceQuota::Validate(const Attributes& a) {
  if (!Handles(a)) return std::nullopt;
  std::lock_guard<std::mutex> lock(NamespaceLock(a.ns));
  for (int attempt = 0;; ++attempt) {
    Result<Verdict> v = Charge(a);
    if (v.ok()) return std::move(*v);
    if (!v.status().IsConflict() || attempt >= kMaxConflictRetries) {
      return FromStatus(v.status());
    }
  }
}

Result<Verdict> ResourceQuota::Charge(const Attributes& a) {
  ASSIGN_OR_RETURN(std::vector<StoredObject> quotas, ListStored(store_, ResourceQuotas(), a.ns));
  if (quotas.empty()) return Verdict();
  // A create that will fail as AlreadyExists must not be charged.
  if (a.operation == Operation::kCreate && !a.name.empty() &&
      GetStored(store_, *a.resource, a.ns, a.name).ok()) {
    return Verdict();
  }
  const Json& object = *a.object;
  bool is_pod = a.resource->storage_name == "core/pods";
  std::vector<Tracked> tracked;
  for (size_t i = 0; i < quotas.size(); ++i) {
    const Json& q = quotas[i].object;
    if (!api::quota::MatchesScopes(q, *a.resource, object)) continue;
    std::string name = api::GetString(api::ObjectField(q, "metadata"), "name");
    ResourceList hard = api::ParseResourceList(api::FindPath(q, "status.hard"));
    std::set<std::string> restricted =
        api::quota::MatchingResources(*a.resource, api::ResourceNames(hard));
    if (is_pod) {
      std::string missing = api::quota::MissingPodResources(object, restricted);
      if (!missing.empty()) {
        return Verdict(ForbiddenFor(a, fmt::format("failed quota: {}: {}", name, missing)));
      }
    }
    if (restricted.empty()) continue;
    ResourceList used = api::ParseResourceList(api::FindPath(q, "status.used"));
    for (const std::string& r : restricted) {
      if (!used.count(r)) {
        return Verdict(ForbiddenFor(a, fmt::format("status unknown for quota: {}, resources: {}",
                                                   name, fmt::join(restricted, ","))));
      }
    }
    tracked.push_back({i, std::move(hard), std::move(restricted)});
  }
  if (tracked.empty()) return Verdict();

  ResourceList delta = api::quota::Usage(*a.resource, object);
  if (a.operation == Operation::kUpdate && a.old_object != nullptr) {
    delta = api::SubtractNonNegative(delta, api::quota::Usage(*a.resource, *a.old_object));
  }
  for (auto it = delta.begin(); it != delta.end();) {
    it = it->second.IsZero() ? delta.erase(it) : std::next(it);
  }
  if (delta.empty()) return Verdict();

  std::vector<std::pair<size_t, ResourceList>> new_usage;
  for (const Tracked& t : tracked) {
    const Json& q = quotas[t.index].object;
    ResourceList used = api::ParseResourceList(api::FindPath(q, "status.used"));
    ResourceList requested = api::MaskResources(delta, api::ResourceNames(t.hard));
    if (requested.empty()) continue;
    ResourceList next = api::AddResources(used, requested);
    std::set<std::string> exceeded;
    for (const auto& [resource, amount] : api::MaskResources(next, api::ResourceNames(requested))) {
      auto limit = t.hard.find(resource);
      if (limit != t.hard.end() && amount.Cmp(limit->second) > 0) exceeded.insert(resource);
    }
    if (!exceeded.empty()) {
      return Verdict(ForbiddenFor(
          a, fmt::format("exceeded quota: {}, requested: {}, used: {}, limited: {}",
                         api::GetString(api::ObjectField(q, "metadata"), "name"),
                         api::quota::PrettyPrint(api::MaskResources(requested, exceeded)),
                         api::quota::PrettyPrint(api::MaskResources(used, exceeded)),
                         api::quota::PrettyPrint(api::MaskResources(t.hard, exceeded)))));
    }
    new_usage.emplace_back(t.index, std::move(next));
  }
  if (a.dry_run) return Verdict();
  for (auto& [index, used] : new_usage) {
    Json q = quotas[index].object;
    Json& status_used = q["status"]["used"];
    if (!status_used.is_object()) status_used = Json::object();
    for (const auto& [resource, amount] : used) status_used[resource] = amount.ToString();
    RETURN_IF_ERROR(UpdateStored(store_, ResourceQuotas(), q, quotas[index].revision).status());
  }
  return Verdict();
}

}  // namespace sampan::apiserver::admission
