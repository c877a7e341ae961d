#pragma once
// ResourceList (core/v1): resource name -> quantity, as in container resources, LimitRanges
// and ResourceQuotas, with the arithmetic upstream's quota and LimitRanger code uses, and
// the effective requests/limits of a pod. Plain values; no shared state.

#include <map>
#include <set>
#include <string>

#include "pkg/api/json.h"
#include "pkg/api/quantity.h"

namespace sampan::api {

using ResourceList = std::map<std::string, Quantity>;

// A JSON object of quantities (null or not an object: empty). Entries that do not parse
// are left out (validation reports them).
ResourceList ParseResourceList(const Json* value);
// {"cpu":"100m",...} in canonical quantity form.
Json ResourceListToJson(const ResourceList& list);

// a + b per key (keys of both).
ResourceList AddResources(const ResourceList& a, const ResourceList& b);
// a - b per key of a, never below zero.
ResourceList SubtractNonNegative(const ResourceList& a, const ResourceList& b);
// Only the keys in `names`.
ResourceList MaskResources(const ResourceList& list, const std::set<std::string>& names);
std::set<std::string> ResourceNames(const ResourceList& list);
bool AllZero(const ResourceList& list);
// Equal keys and values (formats ignored).
bool ResourcesEqual(const ResourceList& a, const ResourceList& b);

// The pod's effective requests (or limits): the sum over its containers, or the largest
// init container where that is more, per resource, plus spec.overhead (upstream's
// resourcehelper.PodRequests/PodLimits, without sidecar and in-place resize details).
ResourceList PodRequests(const Json& pod);
ResourceList PodLimits(const Json& pod);

}  // namespace sampan::api
