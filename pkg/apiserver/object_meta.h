#pragma once
// The generic metadata rules every kind follows (upstream's BeforeCreate/BeforeUpdate and
// ValidateObjectMeta): names and generateName, uid, timestamps, generation, immutable
// fields, label and annotation validation.

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/api_error.h"
#include "pkg/apiserver/strategy.h"
#include "pkg/util/clock.h"

namespace sampan::apiserver {

// Sets the system fields of a new object: name from generateName, uid, creationTimestamp,
// generation (objects with a spec), and clears what clients may not set.
void PrepareMetaForCreate(api::Json& obj, const Clock& clock);
// Carries the system fields of `old` over to `obj` and bumps generation if the spec changed.
void PrepareMetaForUpdate(api::Json& obj, const api::Json& old);
// Name (per NameRule), namespace, labels, annotations, finalizers, ownerReferences.
void ValidateMeta(const api::Json& obj, const api::ResourceInfo& r, NameRule rule,
                  std::vector<Cause>& causes);
// Update-only rules: immutable uid, creationTimestamp, name, namespace; deletionTimestamp
// cannot be unset; finalizers cannot be added while deleting.
void ValidateMetaUpdate(const api::Json& obj, const api::Json& old, std::vector<Cause>& causes);

}  // namespace sampan::apiserver
