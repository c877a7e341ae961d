#pragma once
// Converts an object read from storage to the version it is served as, for resources whose
// versions share storage (autoscaling/v1 and v2 HorizontalPodAutoscalers). Objects already
// in the requested version only get apiVersion set.

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

void ConvertToServedVersion(const api::ResourceInfo& r, api::Json& obj);

}  // namespace sampan::apiserver
