#pragma once
// The revision logic of `kubectl rollout history` and `rollout undo` (kubectl 1.33's
// polymorphichelpers), on objects already fetched: a Deployment's revisions are its
// ReplicaSets' `deployment.kubernetes.io/revision` annotations; a DaemonSet's and a
// StatefulSet's are their ControllerRevisions (`revision`, `data` = a strategic patch that
// replaces spec.template). Pure functions; errors carry kubectl's messages.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/status.h"

namespace sampan::kubectl {

inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kChangeCauseAnnotation = "kubernetes.io/change-cause";

// The objects of `items` whose controller owner reference has `uid`.
std::vector<api::Json> ControlledBy(const std::vector<api::Json>& items, const std::string& uid);

// A ReplicaSet's revision: its annotation (0 when absent); Invalid when not an integer.
Result<int64_t> ReplicaSetRevision(const api::Json& replica_set);

// revision -> change cause ("" when none) of a deployment's ReplicaSets (those without a
// valid revision are left out) or of ControllerRevisions.
std::map<int64_t, std::string> DeploymentHistory(const std::vector<api::Json>& replica_sets);
std::map<int64_t, std::string> ControllerHistory(const std::vector<api::Json>& revisions);

// The REVISION/CHANGE-CAUSE table, or "No rollout history found." when empty.
std::string HistoryTable(const std::map<int64_t, std::string>& history);

// The ReplicaSet `rollout undo` goes back to: `to_revision` exactly, or for 0 the
// second-newest revision.
Result<api::Json> DeploymentRollbackTarget(const std::string& deployment_name,
                                           const std::vector<api::Json>& replica_sets,
                                           int64_t to_revision);

// The ControllerRevision `rollout undo` goes back to (0: the second-newest).
Result<api::Json> ControllerRollbackTarget(const std::vector<api::Json>& revisions,
                                           int64_t to_revision);

// Pod templates equal apart from the pod-template-hash label.
bool TemplatesEqualIgnoringHash(const api::Json& a, const api::Json& b);

// The JSON patch that restores `replica_set`'s template into the deployment, with the
// annotations kubectl computes (the deployment's own bookkeeping ones kept, the rest taken
// from the ReplicaSet).
api::Json DeploymentRollbackPatch(const api::Json& deployment, const api::Json& replica_set);

// The strategic patch a DaemonSet's or StatefulSet's current template would be recorded as
// ({"spec":{"template":{..., "$patch":"replace"}}}).
api::Json TemplatePatchOf(const api::Json& workload);

// Equal JSON documents, ignoring key order, nulls and empty objects.
bool SameData(const api::Json& a, const api::Json& b);

}  // namespace sampan::kubectl
