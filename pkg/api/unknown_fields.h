#pragma once
// What upstream's typed decoding of a built-in object finds wrong in it, for
// fieldValidation and for the 400 a wrongly typed value gets:
// - the fields its type does not declare (Strict: 400, Warn: a Warning header). Paths are
//   written as upstream's strict decoder writes them: "spec.template.spec.containers[0].foo".
// - the first value of the wrong JSON type (a number where a string is declared, ...),
//   worded as Go's decoder words it: `json: cannot unmarshal number into Go struct field
//   ConfigMap.data of type string`; a []byte value that is not base64 as Go's decoder
//   reads it: `illegal base64 data at input byte 3`.
//
// Values the schema leaves open (embedded JSON) are not looked into; apiVersion and kind
// are allowed on every kind; null is a valid value of every type (Go decodes it to zero).

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/schema.h"

namespace sampan::api {

struct FieldCheck {
  std::vector<std::string> unknown;  // paths of undeclared fields
  std::string type_error;            // empty: every value has its declared JSON type
};

// With `prune`, also removes the undeclared fields from `object` (upstream's typed decoding
// drops them unless fieldValidation is Strict).
FieldCheck CheckFields(Json& object, const SchemaType& type, bool prune);

inline std::vector<std::string> FindUnknownFields(Json& object, const SchemaType& type,
                                                  bool prune) {
  return CheckFields(object, type, prune).unknown;
}

}  // namespace sampan::api
