// Table printers for core/v1 kinds, following upstream's pkg/printers/internalversion.
#include <fmt/core.h>

#include "pkg/apiserver/table_printers.h"

namespace sampan::apiserver {
namespace {

using api::Json;


// upstream printPod: phase, overridden by container states, init progress, Terminating.
Json PodCells(const Json& pod) {
  const Json* statuses = api::FindPath(pod, "status.containerStatuses");
  const Json* containers = api::FindPath(pod, "spec.containers");
  int total = containers && containers->is_array() ? static_cast<int>(containers->size()) : 0;
  int ready = 0;
  int64_t restarts = 0;
  std::string reason = Str(pod, "status.reason", Str(pod, "status.phase", "Pending"));
  bool initializing = false;
  if (const Json* inits = api::FindPath(pod, "status.initContainerStatuses");
      inits && inits->is_array()) {
    int n = static_cast<int>(inits->size());
    for (int i = 0; i < n; ++i) {
      const Json& s = (*inits)[i];
      restarts += api::GetInt(s, "restartCount");
      const Json* term = api::FindPath(s, "state.terminated");
      const Json* wait = api::FindPath(s, "state.waiting");
      if (term && api::GetInt(*term, "exitCode") == 0) continue;
      initializing = true;
      if (term) {
        reason = "Init:" + api::GetString(*term, "reason", "ExitCode:" + std::to_string(api::GetInt(*term, "exitCode")));
      } else if (wait && !api::GetString(*wait, "reason").empty() &&
                 api::GetString(*wait, "reason") != "PodInitializing") {
        reason = "Init:" + api::GetString(*wait, "reason");
      } else {
        reason = fmt::format("Init:{}/{}", i, n);
      }
      break;
    }
  }
  if (!initializing && statuses && statuses->is_array()) {
    bool has_running = false;
    for (auto it = statuses->rbegin(); it != statuses->rend(); ++it) {
      const Json& s = *it;
      restarts += api::GetInt(s, "restartCount");
      const Json* wait = api::FindPath(s, "state.waiting");
      const Json* term = api::FindPath(s, "state.terminated");
      if (wait && !api::GetString(*wait, "reason").empty()) {
        reason = api::GetString(*wait, "reason");
      } else if (term && !api::GetString(*term, "reason").empty()) {
        reason = api::GetString(*term, "reason");
      } else if (term) {
        reason = api::GetInt(*term, "signal") != 0
                     ? fmt::format("Signal:{}", api::GetInt(*term, "signal"))
                     : fmt::format("ExitCode:{}", api::GetInt(*term, "exitCode"));
      } else if (api::FindPath(s, "state.running") && api::GetBool(s, "ready")) {
        has_running = true;
        ++ready;
      } else if (api::FindPath(s, "state.running")) {
        has_running = true;
      }
    }
    if (reason == "Completed" && has_running) reason = "Running";
  }
  if (api::FindPath(pod, "metadata.deletionTimestamp") && Str(pod, "status.reason") != "NodeLost") {
    reason = "Terminating";
  }
  std::string ip = Str(pod, "status.podIP", "<none>");
  return Json::array({Str(pod, "metadata.name"), fmt::format("{}/{}", ready, total), reason,
                      std::to_string(restarts), Age(pod), ip, Str(pod, "spec.nodeName", "<none>"),
                      Str(pod, "status.nominatedNodeName", "<none>"), "<none>"});
}

std::string ServicePorts(const Json& svc) {
  const Json* ports = api::FindPath(svc, "spec.ports");
  if (!ports || !ports->is_array() || ports->empty()) return "<none>";
  std::string out;
  for (const auto& p : *ports) {
    if (!out.empty()) out += ",";
    out += std::to_string(api::GetInt(p, "port"));
    if (api::GetInt(p, "nodePort") != 0) out += ":" + std::to_string(api::GetInt(p, "nodePort"));
    out += "/" + api::GetString(p, "protocol", "TCP");
  }
  return out;
}

std::string ServiceExternalIp(const Json& svc) {
  std::string type = Str(svc, "spec.type", "ClusterIP");
  if (type == "ExternalName") return Str(svc, "spec.externalName");
  std::string out;
  if (const Json* ips = api::FindPath(svc, "spec.externalIPs"); ips && ips->is_array()) {
    for (const auto& ip : *ips) out += (out.empty() ? "" : ",") + ip.get<std::string>();
  }
  if (type == "LoadBalancer") {
    if (const Json* ing = api::FindPath(svc, "status.loadBalancer.ingress");
        ing && ing->is_array()) {
      for (const auto& i : *ing) {
        std::string v = api::GetString(i, "ip", api::GetString(i, "hostname"));
        if (!v.empty()) out += (out.empty() ? "" : ",") + v;
      }
    }
    if (out.empty()) return "<pending>";
  }
  return out.empty() ? "<none>" : out;
}

int DataCount(const Json& obj) {
  int n = 0;
  for (const char* f : {"data", "binaryData"}) {
    if (const Json* d = api::Find(obj, f); d && d->is_object()) n += static_cast<int>(d->size());
  }
  return n;
}

std::string NodeStatus(const Json& node) {
  std::string status = "Unknown";
  if (const Json* conds = api::FindPath(node, "status.conditions"); conds && conds->is_array()) {
    for (const auto& c : *conds) {
      if (api::GetString(c, "type") == "Ready") {
        status = api::GetString(c, "status") == "True" ? "Ready" : "NotReady";
      }
    }
  }
  if (api::GetBool(node.value("spec", Json::object()), "unschedulable")) {
    status += ",SchedulingDisabled";
  }
  return status;
}

std::string NodeRoles(const Json& node) {
  std::string roles;
  if (const Json* labels = api::FindPath(node, "metadata.labels"); labels && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      const std::string prefix = "node-role.kubernetes.io/";
      if (it.key().starts_with(prefix)) {
        roles += (roles.empty() ? "" : ",") + it.key().substr(prefix.size());
      }
    }
  }
  return roles.empty() ? "<none>" : roles;
}

std::string NodeAddress(const Json& node, const std::string& type) {
  if (const Json* addrs = api::FindPath(node, "status.addresses"); addrs && addrs->is_array()) {
    for (const auto& a : *addrs) {
      if (api::GetString(a, "type") == type) return api::GetString(a, "address");
    }
  }
  return "<none>";
}

std::string AccessModes(const Json* modes) {
  if (!modes || !modes->is_array()) return "";
  std::string out;
  for (const auto& m : *modes) {
    std::string s = m.is_string() ? m.get<std::string>() : "";
    std::string abbrev = s == "ReadWriteOnce"      ? "RWO"
                         : s == "ReadOnlyMany"     ? "ROX"
                         : s == "ReadWriteMany"    ? "RWX"
                         : s == "ReadWriteOncePod" ? "RWOP"
                                                   : s;
    out += (out.empty() ? "" : ",") + abbrev;
  }
  return out;
}

std::string EventObject(const Json& ev) {
  std::string kind = Str(ev, "involvedObject.kind");
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kind + "/" + Str(ev, "involvedObject.name");
}

std::string EventLastSeen(const Json& ev) {
  std::string t = Str(ev, "lastTimestamp");
  if (t.empty()) t = Str(ev, "eventTime");
  if (t.empty()) t = Str(ev, "metadata.creationTimestamp");
  return AgeOf(t);
}

}  // namespace

void AddCorePrinters(std::vector<std::pair<std::string, Printer>>& out) {
  // Upstream's default table convertor: the creation time itself, not an age.
  out.push_back({"apiextensions.k8s.io/customresourcedefinitions",
                 {{kName, Column{"Created At", "date", "", kAge.description, 0}},
                  [](const Json& o) {
                    return Json::array(
                        {Str(o, "metadata.name"), Str(o, "metadata.creationTimestamp")});
                  }}});
  out.push_back({"core/pods",
                 {{kName, Col("Ready"), Col("Status"), Col("Restarts"), kAge, Col("IP", 1),
                   Col("Node", 1), Col("Nominated Node", 1), Col("Readiness Gates", 1)},
                  PodCells}});
  out.push_back({"core/services",
                 {{kName, Col("Type"), Col("Cluster-IP"), Col("External-IP"), Col("Port(s)"),
                   kAge, Col("Selector", 1)},
                  [](const Json& s) {
                    return Json::array({Str(s, "metadata.name"), Str(s, "spec.type", "ClusterIP"),
                                        Str(s, "spec.clusterIP", "<none>"), ServiceExternalIp(s),
                                        ServicePorts(s), Age(s),
                                        SelectorString(api::FindPath(s, "spec.selector"))});
                  }}});
  out.push_back({"core/componentstatuses",
                 {{kName, Column{"Status", "string", "", "Status of the component conditions"},
                   Column{"Message", "string", "", "Message of the component conditions"},
                   Column{"Error", "string", "", "Error of the component conditions"}},
                  [](const Json& c) {
                    std::string status = "Unknown", message, error;
                    for (const Json& cond : c.value("conditions", Json::array())) {
                      if (Str(cond, "type") != "Healthy") continue;
                      status = Str(cond, "status") == "True" ? "Healthy" : "Unhealthy";
                      message = Str(cond, "message");
                      error = Str(cond, "error");
                      break;
                    }
                    return Json::array({Str(c, "metadata.name"), status, message, error});
                  }}});
  out.push_back({"core/namespaces",
                 {{kName, Col("Status"), kAge},
                  [](const Json& n) {
                    return Json::array({Str(n, "metadata.name"), Str(n, "status.phase"), Age(n)});
                  }}});
  out.push_back({"core/nodes",
                 {{kName, Col("Status"), Col("Roles"), kAge, Col("Version"),
                   Col("Internal-IP", 1), Col("External-IP", 1), Col("OS-Image", 1),
                   Col("Kernel-Version", 1), Col("Container-Runtime", 1)},
                  [](const Json& n) {
                    return Json::array(
                        {Str(n, "metadata.name"), NodeStatus(n), NodeRoles(n), Age(n),
                         Str(n, "status.nodeInfo.kubeletVersion"), NodeAddress(n, "InternalIP"),
                         NodeAddress(n, "ExternalIP"), Str(n, "status.nodeInfo.osImage"),
                         Str(n, "status.nodeInfo.kernelVersion"),
                         Str(n, "status.nodeInfo.containerRuntimeVersion")});
                  }}});
  out.push_back({"core/configmaps",
                 {{kName, Col("Data", 0, "integer"), kAge},
                  [](const Json& c) {
                    return Json::array({Str(c, "metadata.name"), DataCount(c), Age(c)});
                  }}});
  out.push_back({"core/secrets",
                 {{kName, Col("Type"), Col("Data", 0, "integer"), kAge},
                  [](const Json& s) {
                    return Json::array(
                        {Str(s, "metadata.name"), Str(s, "type", "Opaque"), DataCount(s), Age(s)});
                  }}});
  out.push_back({"core/serviceaccounts",
                 {{kName, Col("Secrets", 0, "integer"), kAge},
                  [](const Json& s) {
                    const Json* secrets = api::Find(s, "secrets");
                    int64_t n = secrets && secrets->is_array() ? secrets->size() : 0;
                    return Json::array({Str(s, "metadata.name"), n, Age(s)});
                  }}});
  out.push_back({"core/endpoints",
                 {{kName, Col("Endpoints"), kAge},
                  [](const Json& e) {
                    std::string eps;
                    int count = 0;
                    if (const Json* subsets = api::Find(e, "subsets"); subsets && subsets->is_array()) {
                      for (const auto& ss : *subsets) {
                        const Json* addrs = api::Find(ss, "addresses");
                        const Json* ports = api::Find(ss, "ports");
                        if (!addrs || !addrs->is_array()) continue;
                        for (const auto& a : *addrs) {
                          if (ports && ports->is_array() && !ports->empty()) {
                            for (const auto& p : *ports) {
                              if (count++ < 3) {
                                eps += (eps.empty() ? "" : ",") + api::GetString(a, "ip") + ":" +
                                       std::to_string(api::GetInt(p, "port"));
                              }
                            }
                          } else if (count++ < 3) {
                            eps += (eps.empty() ? "" : ",") + api::GetString(a, "ip");
                          }
                        }
                      }
                    }
                    if (count > 3) eps += fmt::format(" + {} more...", count - 3);
                    return Json::array({Str(e, "metadata.name"), eps.empty() ? "<none>" : eps, Age(e)});
                  }}});
  out.push_back({"core/events",
                 {{Col("Last Seen"), Col("Type"), Col("Reason"), Col("Object"),
                   Col("Subobject", 1), Col("Source", 1), Col("Message"), Col("First Seen", 1),
                   Col("Count", 1, "integer"), Col("Name", 1)},
                  [](const Json& e) {
                    return Json::array(
                        {EventLastSeen(e), Str(e, "type"), Str(e, "reason"), EventObject(e),
                         Str(e, "involvedObject.fieldPath"), Str(e, "source.component"),
                         Str(e, "message"), AgeOf(Str(e, "firstTimestamp")),
                         Int(e, "count", 1), Str(e, "metadata.name")});
                  }}});
  out.push_back({"core/persistentvolumes",
                 {{kName, Col("Capacity"), Col("Access Modes"), Col("Reclaim Policy"),
                   Col("Status"), Col("Claim"), Col("StorageClass"),
                   Col("VolumeAttributesClass"), Col("Reason"), kAge, Col("VolumeMode", 1)},
                  [](const Json& pv) {
                    std::string claim;
                    if (api::FindPath(pv, "spec.claimRef")) {
                      claim = Str(pv, "spec.claimRef.namespace") + "/" + Str(pv, "spec.claimRef.name");
                    }
                    return Json::array(
                        {Str(pv, "metadata.name"), Str(pv, "spec.capacity.storage"),
                         AccessModes(api::FindPath(pv, "spec.accessModes")),
                         Str(pv, "spec.persistentVolumeReclaimPolicy"), Str(pv, "status.phase"),
                         claim, Str(pv, "spec.storageClassName"), "<unset>",
                         Str(pv, "status.reason"), Age(pv), Str(pv, "spec.volumeMode")});
                  }}});
  out.push_back({"core/persistentvolumeclaims",
                 {{kName, Col("Status"), Col("Volume"), Col("Capacity"), Col("Access Modes"),
                   Col("StorageClass"), Col("VolumeAttributesClass"), kAge,
                   Col("VolumeMode", 1)},
                  [](const Json& c) {
                    return Json::array(
                        {Str(c, "metadata.name"), Str(c, "status.phase"),
                         Str(c, "spec.volumeName"), Str(c, "status.capacity.storage"),
                         AccessModes(api::FindPath(c, "status.accessModes")),
                         Str(c, "spec.storageClassName"), "<unset>", Age(c),
                         Str(c, "spec.volumeMode")});
                  }}});
  out.push_back({"core/replicationcontrollers",
                 {{kName, Col("Desired", 0, "integer"), Col("Current", 0, "integer"),
                   Col("Ready", 0, "integer"), kAge, Col("Containers", 1), Col("Images", 1),
                   Col("Selector", 1)},
                  [](const Json& rc) {
                    const Json* spec = api::FindPath(rc, "spec.template.spec");
                    return Json::array(
                        {Str(rc, "metadata.name"), Int(rc, "spec.replicas"),
                         Int(rc, "status.replicas"), Int(rc, "status.readyReplicas"), Age(rc),
                         ContainerNames(spec), ContainerImages(spec),
                         SelectorString(api::FindPath(rc, "spec.selector"))});
                  }}});
  out.push_back({"core/resourcequotas",
                 {{kName, kAge, Col("Request"), Col("Limit")},
                  [](const Json& q) {
                    std::string req, lim;
                    if (const Json* hard = api::FindPath(q, "status.hard"); hard && hard->is_object()) {
                      for (auto it = hard->begin(); it != hard->end(); ++it) {
                        // Resource names contain dots ("requests.cpu"): no dotted path.
                        const Json* used_json = api::FindPath(q, "status.used");
                        const Json* value =
                            used_json ? api::Find(*used_json, it.key()) : nullptr;
                        std::string used = value && value->is_string()
                                               ? value->get<std::string>()
                                               : value ? api::Dump(*value) : "0";
                        std::string entry = it.key() + ": " + used + "/" +
                                            (it.value().is_string() ? it.value().get<std::string>() : api::Dump(it.value()));
                        std::string& target = it.key().starts_with("limits.") ? lim : req;
                        target += (target.empty() ? "" : ", ") + entry;
                      }
                    }
                    return Json::array({Str(q, "metadata.name"), Age(q), req, lim});
                  }}});
}

}  // namespace sampan::apiserver
