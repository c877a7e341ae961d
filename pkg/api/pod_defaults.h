#pragma once
// Upstream's defaulting of pod specs (restartPolicy, dnsPolicy, pull policy, probe timings,
// requests from limits, ...). The API server applies it on every write of a pod or pod
// template; the kubelet applies it to static pods read from files, which never pass the API.

#include "pkg/api/json.h"

namespace sampan::api {

// obj[key] = value unless obj already has a non-null key.
inline void SetIfMissing(Json& obj, const char* key, Json value) {
  if (!obj.contains(key) || obj[key].is_null()) obj[key] = std::move(value);
}

// Upstream: `latest` or no tag -> Always, otherwise IfNotPresent (digests: IfNotPresent).
std::string DefaultPullPolicy(const std::string& image);
void DefaultContainer(Json& container);
void DefaultPodSpec(Json& spec);

}  // namespace sampan::api
