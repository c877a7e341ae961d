#pragma once
// JSON patches: merge patch (RFC 7386) and JSON patch (RFC 6902, including `test`).
// Strategic merge patch is in strategic_patch.h.

#include "pkg/api/json.h"

namespace sampan::api {

// RFC 7386: objects merge recursively, null deletes, anything else replaces.
Json MergePatch(const Json& target, const Json& patch);
// RFC 6902. Errors: BadRequest for malformed operations, Invalid for failed `test`s or
// paths that do not exist (upstream answers 422 for those).
Result<Json> JsonPatch(const Json& target, const Json& operations);

}  // namespace sampan::api
