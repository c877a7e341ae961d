#pragma once
// Field ownership (metadata.managedFields), as upstream's field manager: every create,
// update and patch records which manager set which fields (operation Update), and
// server-side apply (operation Apply) merges a manager's configuration into the live object,
// removes what it stopped applying and reports conflicts with other managers.
//
// Entries are identified like upstream: manager, operation, subresource and, for Update,
// apiVersion. Paths the server owns (apiVersion, kind, metadata.name/namespace/uid/...)
// are never recorded. Entries are sorted as upstream (operation, time, manager, apiVersion,
// subresource). Stateless functions; thread-safe.

#include <string>
#include <vector>

#include "pkg/api/field_set.h"
#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/api_error.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

struct RequestContext;

struct ManagerEntry {
  std::string manager;
  std::string operation;  // "Update" or "Apply"
  std::string api_version;
  std::string subresource;
  std::string time;  // RFC 3339; empty: none
  api::FieldSet set;
  api::Json fields_v1;  // as decoded, reused when `set` is unchanged
  bool dirty = false;
};

// The managers of an object; a missing or malformed metadata.managedFields gives none.
std::vector<ManagerEntry> DecodeManagedFields(const api::Json& object);
// Writes `managers` (sorted, empty sets dropped) to metadata.managedFields; none: removed.
void EncodeManagedFields(std::vector<ManagerEntry> managers, api::Json& object);

// The manager of a request: the fieldManager parameter, else the User-Agent up to its
// first '/' (kubectl sends fieldManager for apply, edit, label, ...).
std::string FieldManagerOf(const RequestContext& ctx);

// Records an Update by `manager`: `before` (nullptr for a create) became `after`.
// `provided` is the managedFields the client sent in `after` (null if none): when non-empty
// it replaces the live ones for the main resource (`[{}]` clears them), as upstream.
// Writes after["metadata"]["managedFields"].
void RecordUpdate(const api::Json* before, api::Json& after, api::Json provided,
                  const api::ResourceInfo& r, const std::string& subresource,
                  const std::string& manager, const std::string& now);

struct ApplyRequest {
  const api::ResourceInfo* resource = nullptr;
  std::string manager;
  bool force = false;
  std::string now;
};

// Server-side apply of `config` onto `live` (nullptr: the object does not exist yet).
// Returns the new object with its managedFields, or the 409 conflict error (upstream's
// message, one FieldManagerConflict cause per field) in `conflict`.
Result<api::Json> ApplyConfiguration(const api::Json* live, api::Json config,
                                     const ApplyRequest& request, ApiError* conflict);

}  // namespace sampan::apiserver
