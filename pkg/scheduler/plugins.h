#pragma once
// The scheduler's filters and scores, as pure functions of a pod and a NodeInfo (upstream's
// default plugins, simplified to what a one- to few-node edge cluster needs).
//
// Filters return "" when the node fits, else upstream's reason text, which the scheduler
// counts into "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated
// taint {k: v}." Scores are 0-100; the scheduler adds them up (all weights 1).

#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/scheduler/node_info.h"

namespace sampan::scheduler {

// Every filter: the reasons the node does not fit (empty when it does).
std::vector<std::string> FilterNode(const api::Json& pod, const NodeInfo& node);

// The sum of the scores for a node that passed the filters. `nodes` is every feasible node
// (scores such as spreading are relative).
int64_t ScoreNode(const api::Json& pod, const NodeInfo& node,
                  const std::vector<const NodeInfo*>& nodes);

// Pieces, exposed for tests.
bool MatchesNodeSelector(const api::Json& pod,
                         const api::Json& node);  // selector + required affinity
bool ToleratesTaint(const api::Json& pod, const api::Json& taint);
// Upstream's "NodeSelectorTerm" match (matchExpressions and matchFields of one term).
bool MatchesNodeSelectorTerm(const api::Json& term, const api::Json& node);

}  // namespace sampan::scheduler
