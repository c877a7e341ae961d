#pragma once
// Converts objects between the versions of resources that share storage: autoscaling/v1 and
// v2 HorizontalPodAutoscalers (stored as written), core/v1 and events.k8s.io/v1 Events
// (stored as core/v1, as upstream). Objects already in the requested version only get
// apiVersion set.

#include <cstdint>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

void ConvertToServedVersion(const api::ResourceInfo& r, api::Json& obj);
// An object about to be stored through r -> the form kept in storage.
void ConvertToStorageVersion(const api::ResourceInfo& r, api::Json& obj);
// Stored bytes -> the object as served by r: resourceVersion set, version converted.
Result<api::Json> DecodeServed(const api::ResourceInfo& r, std::string_view stored, int64_t rv);

}  // namespace sampan::apiserver
