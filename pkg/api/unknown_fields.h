#pragma once
// Finds the fields of an object that its type does not declare, for fieldValidation
// (Strict: 400, Warn: a Warning header). Paths are written as upstream's strict decoder
// writes them: "spec.template.spec.containers[0].foo".
//
// Values the schema leaves open (embedded JSON, map values of scalar type) are not
// looked into; apiVersion and kind are allowed on every kind.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/schema.h"

namespace sampan::api {

// Returns the paths of undeclared fields; with `prune`, also removes them from `object`
// (upstream's typed decoding drops them unless fieldValidation is Strict).
std::vector<std::string> FindUnknownFields(Json& object, const SchemaType& type, bool prune);

}  // namespace sampan::api
