// Table printers for workload and cluster kinds (apps, batch, autoscaling, storage, ...).
#include <fmt/core.h>

#include "pkg/apiserver/table_printers.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::Json;


const Json* TemplateSpec(const Json& o) { return api::FindPath(o, "spec.template.spec"); }

std::string JobDuration(const Json& job) {
  auto start = ParseRfc3339(Str(job, "status.startTime"));
  if (!start) return "";
  auto end = ParseRfc3339(Str(job, "status.completionTime"));
  auto until = end ? *end : std::chrono::system_clock::now();
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(until - *start));
}

std::string JobStatus(const Json& job) {
  if (const Json* conds = api::FindPath(job, "status.conditions"); conds && conds->is_array()) {
    for (const auto& c : *conds) {
      if (api::GetString(c, "status") != "True") continue;
      std::string type = api::GetString(c, "type");
      if (type == "Complete") return "Complete";
      if (type == "Failed") return "Failed";
      if (type == "Suspended") return "Suspended";
      if (type == "FailureTarget") return "FailureTarget";
      if (type == "SuccessCriteriaMet") return "SuccessCriteriaMet";
    }
  }
  if (api::FindPath(job, "metadata.deletionTimestamp")) return "Terminating";
  return "Running";
}

std::string HpaTargets(const Json& hpa) {
  std::string out;
  if (const Json* metrics = api::FindPath(hpa, "spec.metrics"); metrics && metrics->is_array()) {
    for (const auto& m : *metrics) {
      if (api::GetString(m, "type") != "Resource") continue;
      std::string name = Str(m, "resource.name");
      std::string target = Str(m, "resource.target.averageUtilization");
      std::string current = "<unknown>";
      if (const Json* cur = api::FindPath(hpa, "status.currentMetrics"); cur && cur->is_array()) {
        for (const auto& c : *cur) {
          if (Str(c, "resource.name") == name && api::FindPath(c, "resource.current.averageUtilization")) {
            current = Str(c, "resource.current.averageUtilization") + "%";
          }
        }
      }
      out += (out.empty() ? "" : ", ") + name + ": " + current + "/" + target + "%";
    }
  }
  if (out.empty() && api::FindPath(hpa, "spec.targetCPUUtilizationPercentage")) {
    std::string current = api::FindPath(hpa, "status.currentCPUUtilizationPercentage")
                              ? Str(hpa, "status.currentCPUUtilizationPercentage") + "%"
                              : "<unknown>";
    out = "cpu: " + current + "/" + Str(hpa, "spec.targetCPUUtilizationPercentage") + "%";
  }
  return out.empty() ? "<none>" : out;
}

}  // namespace

void AddWorkloadPrinters(std::vector<std::pair<std::string, Printer>>& out) {
  // The scale subresource (upstream's Name column here carries no "name" format).
  out.push_back({"autoscaling/scales",
                 {{{"Name", "string", "", kName.description},
                   Col("Desired", 0, "integer"),
                   Col("Available", 0, "integer"),
                   kAge},
                  [](const Json& s) {
                    return Json::array({Str(s, "metadata.name"), Int(s, "spec.replicas"),
                                        Int(s, "status.replicas"), Age(s)});
                  }}});
  out.push_back({"apps/deployments",
                 {{kName, Col("Ready"), Col("Up-to-date", 0, "integer"),
                   Col("Available", 0, "integer"), kAge, Col("Containers", 1), Col("Images", 1),
                   Col("Selector", 1)},
                  [](const Json& d) {
                    return Json::array(
                        {Str(d, "metadata.name"),
                         fmt::format("{}/{}", Int(d, "status.readyReplicas"), Int(d, "spec.replicas")),
                         Int(d, "status.updatedReplicas"), Int(d, "status.availableReplicas"),
                         Age(d), ContainerNames(TemplateSpec(d)), ContainerImages(TemplateSpec(d)),
                         SelectorString(api::FindPath(d, "spec.selector"))});
                  }}});
  out.push_back({"apps/replicasets",
                 {{kName, Col("Desired", 0, "integer"), Col("Current", 0, "integer"),
                   Col("Ready", 0, "integer"), kAge, Col("Containers", 1), Col("Images", 1),
                   Col("Selector", 1)},
                  [](const Json& rs) {
                    return Json::array(
                        {Str(rs, "metadata.name"), Int(rs, "spec.replicas"),
                         Int(rs, "status.replicas"), Int(rs, "status.readyReplicas"), Age(rs),
                         ContainerNames(TemplateSpec(rs)), ContainerImages(TemplateSpec(rs)),
                         SelectorString(api::FindPath(rs, "spec.selector"))});
                  }}});
  out.push_back({"apps/statefulsets",
                 {{kName, Col("Ready"), kAge, Col("Containers", 1), Col("Images", 1)},
                  [](const Json& s) {
                    return Json::array(
                        {Str(s, "metadata.name"),
                         fmt::format("{}/{}", Int(s, "status.readyReplicas"), Int(s, "spec.replicas")),
                         Age(s), ContainerNames(TemplateSpec(s)), ContainerImages(TemplateSpec(s))});
                  }}});
  out.push_back({"apps/daemonsets",
                 {{kName, Col("Desired", 0, "integer"), Col("Current", 0, "integer"),
                   Col("Ready", 0, "integer"), Col("Up-to-date", 0, "integer"),
                   Col("Available", 0, "integer"), Col("Node Selector"), kAge,
                   Col("Containers", 1), Col("Images", 1), Col("Selector", 1)},
                  [](const Json& d) {
                    std::string node_selector =
                        SelectorString(api::FindPath(d, "spec.template.spec.nodeSelector"));
                    return Json::array(
                        {Str(d, "metadata.name"), Int(d, "status.desiredNumberScheduled"),
                         Int(d, "status.currentNumberScheduled"), Int(d, "status.numberReady"),
                         Int(d, "status.updatedNumberScheduled"), Int(d, "status.numberAvailable"),
                         node_selector, Age(d), ContainerNames(TemplateSpec(d)),
                         ContainerImages(TemplateSpec(d)),
                         SelectorString(api::FindPath(d, "spec.selector"))});
                  }}});
  out.push_back({"apps/controllerrevisions",
                 {{kName, Col("Controller"), Col("Revision", 0, "integer"), kAge},
                  [](const Json& c) {
                    std::string controller;
                    if (const Json* refs = api::FindPath(c, "metadata.ownerReferences");
                        refs && refs->is_array() && !refs->empty()) {
                      std::string kind = api::GetString((*refs)[0], "kind");
                      std::string api_version = api::GetString((*refs)[0], "apiVersion");
                      std::string group = api_version.find('/') == std::string::npos
                                              ? ""
                                              : api_version.substr(0, api_version.find('/'));
                      for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                      controller = kind + (group.empty() ? "" : "." + group) + "/" +
                                   api::GetString((*refs)[0], "name");
                    }
                    return Json::array({Str(c, "metadata.name"), controller, Int(c, "revision"), Age(c)});
                  }}});
  out.push_back({"batch/jobs",
                 {{kName, Col("Status"), Col("Completions"), Col("Duration"), kAge,
                   Col("Containers", 1), Col("Images", 1), Col("Selector", 1)},
                  [](const Json& j) {
                    std::string completions =
                        api::FindPath(j, "spec.completions")
                            ? fmt::format("{}/{}", Int(j, "status.succeeded"), Int(j, "spec.completions"))
                            : fmt::format("{}/1 of {}", Int(j, "status.succeeded"), Int(j, "spec.parallelism", 1));
                    return Json::array({Str(j, "metadata.name"), JobStatus(j), completions,
                                        JobDuration(j), Age(j), ContainerNames(TemplateSpec(j)),
                                        ContainerImages(TemplateSpec(j)),
                                        SelectorString(api::FindPath(j, "spec.selector"))});
                  }}});
  out.push_back({"batch/cronjobs",
                 {{kName, Col("Schedule"), Col("Timezone"), Col("Suspend", 0, "boolean"),
                   Col("Active", 0, "integer"), Col("Last Schedule"), kAge, Col("Containers", 1),
                   Col("Images", 1), Col("Selector", 1)},
                  [](const Json& c) {
                    const Json* active = api::FindPath(c, "status.active");
                    std::string last = Str(c, "status.lastScheduleTime");
                    const Json* tpl = api::FindPath(c, "spec.jobTemplate.spec.template.spec");
                    return Json::array(
                        {Str(c, "metadata.name"), Str(c, "spec.schedule"),
                         Str(c, "spec.timeZone", "<none>"),
                         api::GetBool(c.value("spec", Json::object()), "suspend"),
                         active && active->is_array() ? static_cast<int64_t>(active->size()) : 0,
                         last.empty() ? "<none>" : AgeOf(last), Age(c), ContainerNames(tpl),
                         ContainerImages(tpl),
                         SelectorString(api::FindPath(c, "spec.jobTemplate.spec.selector"))});
                  }}});
  Printer hpa{{kName, Col("Reference"), Col("Targets"), Col("MinPods", 0, "integer"),
               Col("MaxPods", 0, "integer"), Col("Replicas", 0, "integer"), kAge},
              [](const Json& h) {
                return Json::array({Str(h, "metadata.name"),
                                    Str(h, "spec.scaleTargetRef.kind") + "/" +
                                        Str(h, "spec.scaleTargetRef.name"),
                                    HpaTargets(h), Int(h, "spec.minReplicas", 1),
                                    Int(h, "spec.maxReplicas"), Int(h, "status.currentReplicas"),
                                    Age(h)});
              }};
  out.push_back({"autoscaling/horizontalpodautoscalers", hpa});
  out.push_back({"coordination.k8s.io/leases",
                 {{kName, Col("Holder"), kAge},
                  [](const Json& l) {
                    return Json::array({Str(l, "metadata.name"), Str(l, "spec.holderIdentity"), Age(l)});
                  }}});
  out.push_back({"storage.k8s.io/storageclasses",
                 {{kName, Col("Provisioner"), Col("ReclaimPolicy"), Col("VolumeBindingMode"),
                   Col("AllowVolumeExpansion", 0, "boolean"), kAge},
                  [](const Json& s) {
                    std::string name = Str(s, "metadata.name");
                    const Json* ann = api::FindPath(s, "metadata.annotations");
                    if (ann && ann->is_object() &&
                        api::GetString(*ann, "storageclass.kubernetes.io/is-default-class") == "true") {
                      name = Str(s, "metadata.name") + " (default)";
                    }
                    return Json::array({name, Str(s, "provisioner"),
                                        Str(s, "reclaimPolicy", "Delete"),
                                        Str(s, "volumeBindingMode", "Immediate"),
                                        api::GetBool(s, "allowVolumeExpansion"), Age(s)});
                  }}});
  out.push_back({"policy/poddisruptionbudgets",
                 {{kName, Col("Min Available"), Col("Max Unavailable"),
                   Col("Allowed Disruptions", 0, "integer"), kAge},
                  [](const Json& p) {
                    return Json::array({Str(p, "metadata.name"), Str(p, "spec.minAvailable", "N/A"),
                                        Str(p, "spec.maxUnavailable", "N/A"),
                                        Int(p, "status.disruptionsAllowed"), Age(p)});
                  }}});
  out.push_back({"networking.k8s.io/ingresses",
                 {{kName, Col("Class"), Col("Hosts"), Col("Address"), Col("Ports"), kAge},
                  [](const Json& i) {
                    std::string hosts;
                    if (const Json* rules = api::FindPath(i, "spec.rules"); rules && rules->is_array()) {
                      for (const auto& r : *rules) {
                        hosts += (hosts.empty() ? "" : ",") + api::GetString(r, "host", "*");
                      }
                    }
                    return Json::array({Str(i, "metadata.name"), Str(i, "spec.ingressClassName", "<none>"),
                                        hosts.empty() ? "*" : hosts, "", api::FindPath(i, "spec.tls") ? "80, 443" : "80",
                                        Age(i)});
                  }}});
  out.push_back({"rbac.authorization.k8s.io/rolebindings",
                 {{kName, Col("Role"), kAge},
                  [](const Json& b) {
                    return Json::array({Str(b, "metadata.name"),
                                        Str(b, "roleRef.kind") + "/" + Str(b, "roleRef.name"), Age(b)});
                  }}});
  out.push_back({"rbac.authorization.k8s.io/clusterrolebindings",
                 {{kName, Col("Role"), kAge},
                  [](const Json& b) {
                    return Json::array({Str(b, "metadata.name"),
                                        Str(b, "roleRef.kind") + "/" + Str(b, "roleRef.name"), Age(b)});
                  }}});
  out.push_back({"rbac.authorization.k8s.io/clusterroles",
                 {{kName, Col("Created At", 0, "date")},
                  [](const Json& r) {
                    return Json::array({Str(r, "metadata.name"), Str(r, "metadata.creationTimestamp")});
                  }}});
  out.push_back({"rbac.authorization.k8s.io/roles",
                 {{kName, Col("Created At", 0, "date")},
                  [](const Json& r) {
                    return Json::array({Str(r, "metadata.name"), Str(r, "metadata.creationTimestamp")});
                  }}});
}

}  // namespace sampan::apiserver
