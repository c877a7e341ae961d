#pragma once
// Structural schemas of custom resources (a CRD version's openAPIV3Schema): validation,
// defaulting and pruning of objects, as upstream's apiextensions-apiserver does them.
//
// Supported: type, properties, required, enum, minimum/maximum (and exclusive*),
// minLength/maxLength, pattern (ECMAScript regex), items, minItems/maxItems,
// additionalProperties, nullable, default, format int32/int64, x-kubernetes-
// preserve-unknown-fields, x-kubernetes-int-or-string, x-kubernetes-embedded-resource.
// Not supported: CEL rules (x-kubernetes-validations are ignored), allOf/anyOf/oneOf/not.
//
// Paths are written as upstream writes field paths: "spec.items[0].name". At the root
// (and in embedded resources) apiVersion, kind and metadata are always allowed and never
// validated against the schema (metadata has its own rules). Pure functions.

#include <string>
#include <vector>

#include "pkg/api/json.h"

namespace sampan::api {

struct SchemaViolation {
  std::string field;    // "spec.replicas"
  std::string reason;   // "FieldValueInvalid", "FieldValueRequired", ...
  std::string message;  // "Invalid value: \"string\": spec.replicas in body must be ..."
};

// Checks `object` (a whole custom object) against `schema`.
std::vector<SchemaViolation> ValidateAgainstSchema(const Json& object, const Json& schema);

// Sets the schema's defaults for absent fields (and null non-nullable ones), outermost first.
void ApplySchemaDefaults(Json& object, const Json& schema);

// Removes fields the schema does not declare (unless it preserves unknown fields there) and
// returns their paths.
std::vector<std::string> PruneUnknownFields(Json& object, const Json& schema);

}  // namespace sampan::api
