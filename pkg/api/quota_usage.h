#pragma once
// What objects count against a ResourceQuota (core/v1), as upstream's quota evaluators
// compute it; shared by the ResourceQuota admission plugin (charges a write) and the
// resource quota controller (recounts a namespace). Pure functions; thread-safe.
//
// Quota resource names understood:
//   pods: pods, count/pods, cpu, requests.cpu, memory, requests.memory, limits.cpu,
//     limits.memory, ephemeral-storage, requests.ephemeral-storage, limits.ephemeral-storage,
//     requests.<extended or hugepages-*> (a pod in phase Succeeded or Failed counts only for
//     count/pods);
//   services: services, count/services, services.nodeports, services.loadbalancers;
//   persistentvolumeclaims: persistentvolumeclaims, count/persistentvolumeclaims,
//     requests.storage, <class>.storageclass.storage.k8s.io/requests.storage and
//     .../persistentvolumeclaims;
//   configmaps, secrets, replicationcontrollers, resourcequotas (and their count/ names);
//   count/<resource>.<group> (count/<resource> for the core group) for any resource.
// Scopes (spec.scopes, spec.scopeSelector with In/NotIn/Exists/DoesNotExist): Terminating,
// NotTerminating, BestEffort, NotBestEffort, PriorityClass; they select pods only.

#include <set>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/api/resource_list.h"

namespace sampan::api::quota {

// "count/deployments.apps", "count/pods".
std::string CountName(const ResourceInfo& r);

// The usage one object of resource `r` charges.
ResourceList Usage(const ResourceInfo& r, const Json& object);

// Of the quota resource names in `names`, those objects of `r` charge (upstream's
// evaluator.MatchingResources).
std::set<std::string> MatchingResources(const ResourceInfo& r, const std::set<std::string>& names);

// The resource whose objects a quota resource name counts (nullptr: none known).
const ResourceInfo* CountedResource(const std::string& quota_resource);

// Whether the quota's scopes select `object` of resource `r` (no scopes: every object).
bool MatchesScopes(const Json& quota, const ResourceInfo& r, const Json& object);

// Pods only: a quota that tracks cpu or memory (requests or limits) requires every container
// to state them. "" when satisfied, else upstream's
// "must specify limits.cpu for: a,b; requests.memory for: a".
std::string MissingPodResources(const Json& pod, const std::set<std::string>& required);

// "pods=1,requests.cpu=500m" (keys sorted).
std::string PrettyPrint(const ResourceList& list);

}  // namespace sampan::api::quota
