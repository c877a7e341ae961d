#pragma once
// Decoding of Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) into the
// JSON object model. Typed clients (kubectl create namespace/configmap/deployment, run,
// expose, drain, auth can-i, ...) send their request bodies this way.
//
// Wire form: the magic "k8s\0", then a runtime.Unknown message {1: typeMeta {1: apiVersion,
// 2: kind}, 2: raw (the object's own message), 3: contentEncoding, 4: contentType}. Field
// numbers and types of the object come from the schema (pkg/api/schema.h). Go's JSON rules
// are applied on the way: zero values of non-pointer omitempty fields are left out, as the
// same client would have done had it sent JSON.
//
// Never crashes on any input: malformed or truncated bodies give BadRequest.

#include <string_view>

#include "pkg/api/json.h"
#include "pkg/api/schema.h"
#include "pkg/util/status.h"

namespace sampan::api {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

Result<Json> DecodeProtobufObject(std::string_view body,
                                  const Schema& schema = Schema::BuiltIn());

// Decodes one message of `type` (no envelope); for tests and nested use.
Result<Json> DecodeProtobufMessage(std::string_view bytes, const SchemaType& type);

// Go's time.Duration.String(): "1h2m3.5s", "300ms", "0s".
std::string FormatGoDuration(int64_t nanoseconds);

}  // namespace sampan::api
