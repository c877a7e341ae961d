#pragma once
// Strategic merge patch (`application/strategic-merge-patch+json`) for the built-in types,
// with upstream's semantics: objects merge as in a merge patch (null deletes); lists whose
// field has patch strategy "merge" merge by their merge key (containers by name, ports by
// containerPort, ...) or, for lists of scalars, as a union; other lists are replaced.
// Directives: `$patch: replace|delete|merge` (in maps and list elements),
// `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
// The patch metadata comes from the schema (pkg/api/schema.h).

#include "pkg/api/json.h"
#include "pkg/api/schema.h"
#include "pkg/util/status.h"

namespace sampan::api {

// Applies `patch` to `object` of type `type`. Malformed directives -> BadRequest. Pass an
// object you no longer need with std::move: the merge then copies nothing of it.
Result<Json> StrategicMergePatch(Json object, const Json& patch, const SchemaType& type);

}  // namespace sampan::api
