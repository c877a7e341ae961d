#pragma once
// Encodes a Swagger 2.0 document (JSON) as gnostic's openapi.v2.Document protobuf message,
// the `application/com.github.proto-openapi.spec.v2.v1.0+protobuf` body client-go decodes.
// Covers what the server's documents use: info, paths (operations with query, path and
// body parameters and responses) and definitions (schemas with $ref, type, format,
// description, required, enum, items, additionalProperties, allOf, properties, defaults and
// numeric bounds); vendor extensions (x-*) become NamedAny values holding YAML (JSON text,
// which is YAML) as client-go reads them.
//
// Thread-safety: a pure function.

#include <string>

#include "pkg/api/json.h"

namespace sampan::apiserver {

std::string EncodeOpenApiV2Protobuf(const api::Json& document);

}  // namespace sampan::apiserver
