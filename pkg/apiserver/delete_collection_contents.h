#pragma once
// Empties a part of the store for a deletion that must wait for its contents (a terminating
// namespace, a CustomResourceDefinition being deleted): objects without finalizers are
// deleted, objects with finalizers get a deletionTimestamp and are left to their finalizers.
// Writes go straight to the store, compare-and-swap on each object's revision (a lost race
// is retried by the caller's next pass). Callable from any thread.

#include <string>

#include "storage/store.h"

namespace sampan::apiserver {

// Deletes or marks every object under `prefix`; true once nothing is left under it.
bool DeleteOrMarkAllUnder(storage::Store& store, const std::string& prefix);

}  // namespace sampan::apiserver
