#pragma once
// Discovery documents: /api, /apis, /api/v1, /apis/GROUP/VERSION (APIVersions,
// APIGroupList, APIResourceList) and the aggregated apidiscovery.k8s.io v2/v2beta1
// APIGroupDiscoveryList that kubectl 1.33 asks for first. All generated from the registry.

#include <string>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

api::Json ApiVersions(const std::string& server_address);
api::Json ApiGroupList(const api::Registry& registry);
// nullopt-equivalent: an empty json if the group/version is not served.
api::Json ApiResourceList(const api::Registry& registry, const std::string& group,
                          const std::string& version);
// core == true: the document for /api (the legacy group), else /apis.
api::Json AggregatedDiscovery(const api::Registry& registry, bool core,
                              const std::string& api_version);

}  // namespace sampan::apiserver
