#pragma once
// Schema-driven walks over objects for server-side apply (upstream structured-merge-diff's
// typed values): the field set an applied configuration mentions, the comparison of two
// versions of an object, the merge of an applied configuration into a live object and the
// pruning of fields a manager stopped applying.
//
// The list semantics come from the schema (pkg/api/schema.h): a list with listType=map (or,
// without a listType, patch strategy "merge" with a merge key) is associative, keyed by its
// map keys; listType=set (or "merge" on scalars) is a set; other lists are atomic. Maps
// with mapType=atomic and structs marked atomic are leaves. A null `type` (custom resources
// without a schema) gives upstream's deduced type: objects are maps, lists are atomic.
//
// Pure functions; thread-safe.

#include "pkg/api/field_set.h"
#include "pkg/api/json.h"
#include "pkg/api/schema.h"

namespace sampan::api {

// Every leaf and list item an object mentions (upstream's ToFieldSet), for an applied
// configuration.
FieldSet ToFieldSet(const Json& object, const SchemaType* type);

struct Comparison {
  FieldSet added, modified, removed;
  bool same() const { return added.empty() && modified.empty() && removed.empty(); }
};

struct CompareOptions {
  // Restricts the walk at the top level: skip this field / look only at this field
  // (the fields a subresource's strategy resets). Empty: no restriction.
  std::string skip_root_field;
  std::string only_root_field;
};

// What changed from `before` to `after` (either may be null: a create or a delete). Both
// sides are read with Go's zero values (a missing non-pointer struct is `{}`, a missing
// non-omitempty scalar is its zero), as upstream compares decoded typed objects.
// metadata.managedFields is never compared.
Comparison CompareObjects(const Json* before, const Json* after, const SchemaType* type,
                          const CompareOptions& options = {});

// `live` with `config` merged in: config's values win, associative lists and sets merge by
// item, maps and structs merge by key; an explicit null in config removes the field.
Json MergeApplied(const Json& live, const Json& config, const SchemaType* type);

// Removes from `object` what `previous` (a manager's earlier applied set) contained and
// no manager (`owned`, the union of all current sets) owns any more; structs and lists
// emptied that way go too.
void PruneFields(Json& object, const FieldSet& previous, const FieldSet& owned,
                 const SchemaType* type);

}  // namespace sampan::api
