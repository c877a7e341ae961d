#pragma once
// kubectl 1.33's describers for the kinds that have one of their own here: Pod, Node,
// Deployment, and the pod template printer that `rollout history --revision` and the
// workload describers share. Each returns the whole text, aligned as kubectl's tabwriter
// does. Pure functions of the objects given (the caller fetches them); `now` makes ages.

#include <chrono>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubectl/tab_writer.h"

namespace sampan::kubectl {

using Clock = std::chrono::system_clock;

// "Pod Template:" and what follows, at the writer's level 0.
void DescribePodTemplate(const api::Json& template_spec, PrefixWriter& w);
// Unaligned (tabs kept), as `rollout history --revision` and `rollout undo --dry-run` print it.
std::string DescribePodTemplateText(const api::Json& template_spec);

// `events` are the involved object's (core/v1 Event objects).
std::string DescribePod(const api::Json& pod, const std::vector<api::Json>& events,
                        Clock::time_point now);

// `pods`: the node's non-terminated pods; `lease`: its kube-node-lease Lease, or null with
// `lease_error` saying why it could not be read.
std::string DescribeNode(const api::Json& node, const std::vector<api::Json>& pods,
                         const api::Json* lease, const std::string& lease_error,
                         const std::vector<api::Json>& events, Clock::time_point now);

// `replica_sets`: those the deployment controls (old ones and the new one, which is the
// one whose template matches the deployment's).
std::string DescribeDeployment(const api::Json& deployment,
                               const std::vector<api::Json>& replica_sets,
                               const std::vector<api::Json>& events, Clock::time_point now);

}  // namespace sampan::kubectl
