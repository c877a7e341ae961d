#pragma once
// Converts an object read from storage to the version it is served as, for resources whose
// versions share storage (autoscaling/v1 and v2 HorizontalPodAutoscalers). Objects already
// in the requested version only get apiVersion set.

#include <cstdint>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

void ConvertToServedVersion(const api::ResourceInfo& r, api::Json& obj);
// Stored bytes -> the object as served by r: resourceVersion set, version converted.
Result<api::Json> DecodeServed(const api::ResourceInfo& r, std::string_view stored, int64_t rv);

}  // namespace sampan::apiserver
