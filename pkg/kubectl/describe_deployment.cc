// The Deployment describer in kubectl 1.33's layout.
#include <fmt/format.h>

#include <algorithm>

#include "pkg/api/label_selector.h"
#include "pkg/kubectl/describe_util.h"
#include "pkg/kubectl/describers.h"
#include "pkg/kubectl/rollout_history.h"

namespace sampan::kubectl {
namespace {

using api::GetString;
using api::Json;
using api::ObjectField;

std::string IntOrString(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return std::to_string(v.get<int64_t>());
  return "0";
}

std::string ReplicaSets(const std::vector<const Json*>& list) {
  std::string out;
  for (const Json* rs : list) {
    out +=
        (out.empty() ? "" : ", ") +
        fmt::format("{} ({}/{} replicas created)", GetString(ObjectField(*rs, "metadata"), "name"),
                    api::GetInt(ObjectField(*rs, "status"), "replicas"),
                    api::GetInt(ObjectField(*rs, "spec"), "replicas", 1));
  }
  return out.empty() ? "<none>" : out;
}

}  // namespace

std::string DescribeDeployment(const Json& d, const std::vector<Json>& replica_sets,
                               const std::vector<Json>& events, Clock::time_point now) {
  TabWriter out;
  PrefixWriter w(out);
  const Json& meta = ObjectField(d, "metadata");
  const Json& spec = ObjectField(d, "spec");
  const Json& status = ObjectField(d, "status");
  w.Write(0, "Name:\t" + GetString(meta, "name") + "\n");
  w.Write(0, "Namespace:\t" + GetString(meta, "namespace") + "\n");
  w.Write(0, "CreationTimestamp:\t" + Rfc1123z(GetString(meta, "creationTimestamp")) + "\n");
  PrintLabels(w, "Labels", ObjectField(meta, "labels"));
  PrintAnnotations(w, "Annotations", ObjectField(meta, "annotations"));
  Result<api::LabelSelector> selector = api::LabelSelector::FromJson(ObjectField(spec, "selector"));
  w.Write(0, "Selector:\t" + (selector.ok() ? selector->ToString() : "") + "\n");
  w.Write(0, fmt::format("Replicas:\t{} desired | {} updated | {} total | {} available | {} "
                         "unavailable\n",
                         api::GetInt(spec, "replicas", 1), api::GetInt(status, "updatedReplicas"),
                         api::GetInt(status, "replicas"), api::GetInt(status, "availableReplicas"),
                         api::GetInt(status, "unavailableReplicas")));
  const Json& strategy = ObjectField(spec, "strategy");
  w.Write(0, "StrategyType:\t" + GetString(strategy, "type") + "\n");
  w.Write(0, fmt::format("MinReadySeconds:\t{}\n", api::GetInt(spec, "minReadySeconds")));
  if (const Json* ru = api::Find(strategy, "rollingUpdate"); ru != nullptr && ru->is_object()) {
    w.Write(0, "RollingUpdateStrategy:\t" + IntOrString(ru->value("maxUnavailable", Json())) +
                   " max unavailable, " + IntOrString(ru->value("maxSurge", Json())) +
                   " max surge\n");
  }
  DescribePodTemplate(ObjectField(spec, "template"), w);
  if (!ArrayField(status, "conditions").empty()) {
    w.Write(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.Write(1, "----\t------\t------\n");
    for (const Json& c : ArrayField(status, "conditions")) {
      w.Write(1, GetString(c, "type") + " \t" + GetString(c, "status") + "\t" +
                     GetString(c, "reason") + "\n");
    }
  }
  if (!replica_sets.empty()) {
    // The new one: the oldest whose template is the deployment's; the others are old.
    std::vector<const Json*> by_age;
    for (const Json& rs : replica_sets) by_age.push_back(&rs);
    std::stable_sort(by_age.begin(), by_age.end(), [](const Json* a, const Json* b) {
      const Json& ma = ObjectField(*a, "metadata");
      const Json& mb = ObjectField(*b, "metadata");
      std::string ta = GetString(ma, "creationTimestamp"), tb = GetString(mb, "creationTimestamp");
      return ta != tb ? ta < tb : GetString(ma, "name") < GetString(mb, "name");
    });
    const Json* newest = nullptr;
    for (const Json* rs : by_age) {
      if (TemplatesEqualIgnoringHash(ObjectField(ObjectField(*rs, "spec"), "template"),
                                     ObjectField(spec, "template"))) {
        newest = rs;
        break;
      }
    }
    std::vector<const Json*> old, fresh;
    for (const Json& rs : replica_sets) {
      if (&rs != newest) old.push_back(&rs);
    }
    if (newest != nullptr) fresh.push_back(newest);
    w.Write(0, "OldReplicaSets:\t" + ReplicaSets(old) + "\n");
    w.Write(0, "NewReplicaSet:\t" + ReplicaSets(fresh) + "\n");
  }
  PrintEvents(w, events, now);
  return out.Flush();
}

}  // namespace sampan::kubectl
