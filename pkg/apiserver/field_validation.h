#pragma once
// fieldValidation on writes (create, update, patch): unknown fields of built-in kinds are
// an error with Strict, a `Warning` header with Warn (the default, as upstream) and
// silently dropped with Ignore; in every mode they are not stored, as upstream's typed
// decoding drops them. A value of the wrong JSON type in a built-in kind is a BadRequest in
// every mode, as upstream's typed decoding fails on it. Custom resources are checked against
// their CRD's structural schema; kinds without any schema pass untouched.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/request_info.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };

// From the `fieldValidation` query parameter; an unknown value is a BadRequest.
Result<FieldValidation> ParseFieldValidation(const Query& query);

// Checks and prunes `object` of resource `r`. Strict + unknown fields -> BadRequest
// "<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown
// field "spec.foo", ..."; Warn appends one warning per field to `warnings`.
Status ValidateFields(api::Json& object, const api::ResourceInfo& r, FieldValidation mode,
                      std::vector<std::string>* warnings);

// Drops what upstream's typed decoding of `object` would (api/typed_round_trip.h: empty
// omitempty fields, nil pointers). Custom resources keep everything, as upstream's
// unstructured objects do. For objects a write will store, not for apply configurations
// (whose explicit empty values are fields their manager sets).
void RoundTripAsTyped(api::Json& object, const api::ResourceInfo& r);

// `299 - "text"`: the Warning header value kubectl prints as "Warning: text".
std::string WarningHeaderValue(const std::string& text);

}  // namespace sampan::apiserver
