// Strategies for core/v1 kinds: defaulting and validation as upstream does it for the
// fields users and kubectl commonly exercise.
#include <set>

#include "pkg/api/pod_defaults.h"
#include "pkg/api/validation.h"
#include "pkg/apiserver/admission/limit_range_rules.h"
#include "pkg/apiserver/strategy_kinds.h"

namespace sampan::apiserver {
namespace {

using api::Json;


std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void ValidateContainers(const Json& list, const std::string& path, bool required,
                        std::set<std::string>& names, std::vector<Cause>& causes) {
  if (!list.is_array() || list.empty()) {
    if (required) causes.push_back(Required(path));
    return;
  }
  static const std::vector<std::string> kPullPolicies = {"Always", "IfNotPresent", "Never"};
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& c = list[i];
    std::string p = Index(path, i);
    std::string name = api::GetString(c, "name");
    std::vector<std::string> name_problems = api::IsDNS1123Label(name);
    if (name.empty()) {
      causes.push_back(Required(p + ".name"));
    } else if (!name_problems.empty()) {
      for (const auto& problem : name_problems) {
        causes.push_back(InvalidValue(p + ".name", name, problem));
      }
    } else if (!names.insert(name).second) {
      causes.push_back(Duplicate(p + ".name", name));
    }
    if (api::GetString(c, "image").empty()) causes.push_back(Required(p + ".image"));
    std::string policy = api::GetString(c, "imagePullPolicy");
    if (!policy.empty() &&
        std::find(kPullPolicies.begin(), kPullPolicies.end(), policy) == kPullPolicies.end()) {
      causes.push_back(NotSupported(p + ".imagePullPolicy", policy, kPullPolicies));
    }
    if (const Json* ports = api::Find(c, "ports"); ports && ports->is_array()) {
      for (size_t j = 0; j < ports->size(); ++j) {
        const Json& port = (*ports)[j];
        int64_t n = api::GetInt(port, "containerPort", 0);
        if (n < 1 || n > 65535) {
          causes.push_back(InvalidValue(Index(p + ".ports", j) + ".containerPort",
                                        port.contains("containerPort") ? port["containerPort"]
                                                                       : Json(0),
                                        "must be between 1 and 65535, inclusive"));
        }
      }
    }
  }
}

// Whether objects a and b hold the same fields in the same order (as Json's == compares
// them), leaving out the fields `skip` names; `same(key, x, y)` compares the values.
template <typename Skip, typename Same>
bool SameFieldsExcept(const Json& a, const Json& b, const Skip& skip, const Same& same) {
  auto ia = a.begin(), ib = b.begin();
  for (;;) {
    while (ia != a.end() && skip(ia.key())) ++ia;
    while (ib != b.end() && skip(ib.key())) ++ib;
    if (ia == a.end() || ib == b.end()) return ia == a.end() && ib == b.end();
    if (ia.key() != ib.key() || !same(ia.key(), ia.value(), ib.value())) return false;
    ++ia;
    ++ib;
  }
}

// Two container lists that differ at most in their images.
bool ContainersEqualExceptImages(const Json& a, const Json& b) {
  if (!a.is_array() || !b.is_array() || a.size() != b.size()) return a == b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_object() || !b[i].is_object()) {
      if (a[i] != b[i]) return false;
      continue;
    }
    bool same = SameFieldsExcept(
        a[i], b[i], [](const std::string& k) { return k == "image"; },
        [](const std::string&, const Json& x, const Json& y) { return x == y; });
    if (!same) return false;
  }
  return true;
}

// Two pod specs that differ only where an update may change a pod: images, the active
// deadline, tolerations and the grace period. Compared in place: copying both specs to
// strip those fields cost more than the rest of a pod's validation.
bool SpecsEqualExceptMutable(const Json& a, const Json& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  auto mutable_field = [](const std::string& k) {
    return k == "activeDeadlineSeconds" || k == "tolerations" ||
           k == "terminationGracePeriodSeconds";
  };
  auto same = [](const std::string& k, const Json& x, const Json& y) {
    if (k == "containers" || k == "initContainers") return ContainersEqualExceptImages(x, y);
    return x == y;
  };
  return SameFieldsExcept(a, b, mutable_field, same);
}

const Json& EmptyObject() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}

class PodStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (obj.contains("spec") && obj["spec"].is_object()) DefaultPodSpec(obj["spec"]);
  }
  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    const Json* spec = api::Find(obj, "spec");
    if (!spec || !spec->is_object()) {
      causes.push_back(Required("spec"));
      return;
    }
    ValidatePodSpec(*spec, "spec", causes);
    if (old) {
      // Pod specs are immutable except for a few fields (upstream lists them in the message).
      const Json* before = api::Find(*old, "spec");
      if (!SpecsEqualExceptMutable(*spec, before ? *before : EmptyObject())) {
        causes.push_back(ForbiddenField(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,"
            "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
            "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
            "(allow it to be set to 1 if it was previously negative)"));
      }
    }
  }
  void PrepareForCreate(Json& obj) const override {
    obj["status"] = Json{{"phase", "Pending"}, {"qosClass", QosClass(obj)}};
  }

 private:
  static std::string QosClass(const Json& pod) {
    const Json* containers = api::FindPath(pod, "spec.containers");
    if (!containers || !containers->is_array()) return "BestEffort";
    bool any = false, guaranteed = true;
    for (const auto& c : *containers) {
      const Json* req = api::FindPath(c, "resources.requests");
      const Json* lim = api::FindPath(c, "resources.limits");
      if ((req && !req->empty()) || (lim && !lim->empty())) any = true;
      for (const char* r : {"cpu", "memory"}) {
        if (!lim || !lim->contains(r) || !req || !req->contains(r) || (*req)[r] != (*lim)[r]) {
          guaranteed = false;
        }
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }
};

class NamespaceStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    std::string name = api::GetString(obj["metadata"], "name");
    if (!name.empty()) obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
  }
  void PrepareForCreate(Json& obj) const override {
    obj["spec"] = Json{{"finalizers", Json::array({"kubernetes"})}};
    obj["status"] = Json{{"phase", "Active"}};
  }
  void PrepareForUpdate(Json& obj, const Json& old, const api::ResourceInfo& r) const override {
    Strategy::PrepareForUpdate(obj, old, r);
    if (old.contains("spec")) obj["spec"] = old["spec"];  // finalizers change via /finalize
  }
  NameRule name_rule() const override { return NameRule::kDnsLabel; }
};

class ServiceStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) obj["spec"] = Json::object();
    Json& spec = obj["spec"];
    SetIfMissing(spec, "type", "ClusterIP");
    std::string type = spec["type"].is_string() ? spec["type"].get<std::string>() : "";
    SetIfMissing(spec, "sessionAffinity", "None");
    if (type != "ExternalName") {
      SetIfMissing(spec, "internalTrafficPolicy", "Cluster");
      SetIfMissing(spec, "ipFamilyPolicy", "SingleStack");
      SetIfMissing(spec, "ipFamilies", Json::array({"IPv4"}));
    }
    if (type == "NodePort" || type == "LoadBalancer") {
      SetIfMissing(spec, "externalTrafficPolicy", "Cluster");
    }
    if (spec.contains("ports") && spec["ports"].is_array()) {
      for (auto& p : spec["ports"]) {
        if (!p.is_object()) continue;
        SetIfMissing(p, "protocol", "TCP");
        if (!p.contains("targetPort") && p.contains("port")) p["targetPort"] = p["port"];
      }
    }
  }
  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    const Json spec = obj.contains("spec") ? obj["spec"] : Json::object();
    static const std::vector<std::string> kTypes = {"ClusterIP", "ExternalName", "LoadBalancer",
                                                    "NodePort"};
    std::string type = api::GetString(spec, "type");
    if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
      causes.push_back(NotSupported("spec.type", spec.contains("type") ? spec["type"] : Json(""),
                                    kTypes));
      return;
    }
    bool headless = api::GetString(spec, "clusterIP") == "None";
    const Json* ports = api::Find(spec, "ports");
    if (type != "ExternalName" && !headless && (!ports || !ports->is_array() || ports->empty())) {
      causes.push_back(Required("spec.ports"));
    }
    if (type == "ExternalName" && api::GetString(spec, "externalName").empty()) {
      causes.push_back(Required("spec.externalName"));
    }
    if (ports && ports->is_array()) {
      std::set<std::string> names;
      for (size_t i = 0; i < ports->size(); ++i) {
        const Json& p = (*ports)[i];
        std::string path = Index("spec.ports", i);
        int64_t port = api::GetInt(p, "port", 0);
        if (port < 1 || port > 65535) {
          causes.push_back(InvalidValue(path + ".port", p.contains("port") ? p["port"] : Json(0),
                                        "must be between 1 and 65535, inclusive"));
        }
        std::string name = api::GetString(p, "name");
        if (ports->size() > 1 && name.empty()) causes.push_back(Required(path + ".name"));
        if (!name.empty() && !names.insert(name).second) {
          causes.push_back(Duplicate(path + ".name", name));
        }
        if (p.contains("nodePort") && type != "NodePort" && type != "LoadBalancer") {
          int64_t np = api::GetInt(p, "nodePort", 0);
          if (np != 0) {
            causes.push_back(ForbiddenField(path + ".nodePort",
                                            "may not be used when `type` is 'ClusterIP'"));
          }
        }
        static const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};
        std::string proto = api::GetString(p, "protocol", "TCP");
        if (std::find(kProtocols.begin(), kProtocols.end(), proto) == kProtocols.end()) {
          causes.push_back(NotSupported(path + ".protocol", proto, kProtocols));
        }
      }
    }
    if (old) {
      std::string old_ip = api::GetString(api::Find(*old, "spec") ? (*old)["spec"] : Json(),
                                          "clusterIP");
      std::string new_ip = api::GetString(spec, "clusterIP");
      if (!old_ip.empty() && !new_ip.empty() && old_ip != new_ip && type != "ExternalName") {
        causes.push_back(InvalidValue("spec.clusterIPs[0]", new_ip, "may not change once set"));
      }
    }
  }
  NameRule name_rule() const override { return NameRule::kDnsLabel; }
};

class SecretStrategy : public Strategy {
 public:
  void Default(Json& obj) const override { SetIfMissing(obj, "type", "Opaque"); }
  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    if (old && api::GetString(obj, "type") != api::GetString(*old, "type")) {
      causes.push_back(InvalidValue("type", obj.contains("type") ? obj["type"] : Json(""),
                                    "field is immutable"));
    }
    if (const Json* data = api::Find(obj, "data"); data && data->is_object()) {
      for (auto it = data->begin(); it != data->end(); ++it) {
        if (!it.value().is_string() && !it.value().is_null()) {
          causes.push_back(InvalidValue("data[" + it.key() + "]", it.value(),
                                        "must be a base64-encoded string"));
        }
      }
    }
  }
};

class ReplicationControllerStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    SetIfMissing(spec, "replicas", 1);
    SetIfMissing(spec, "minReadySeconds", 0);
    const Json* labels = api::FindPath(spec, "template.metadata.labels");
    if ((!spec.contains("selector") || spec["selector"].empty()) && labels) {
      spec["selector"] = *labels;
    }
    if (spec.contains("template") && spec["template"].contains("spec")) {
      DefaultPodSpec(spec["template"]["spec"]);
    }
  }
  void Validate(const Json& obj, const Json*, std::vector<Cause>& causes) const override {
    const Json* spec = api::Find(obj, "spec");
    if (!spec) {
      causes.push_back(Required("spec"));
      return;
    }
    if (api::GetInt(*spec, "replicas", 0) < 0) {
      causes.push_back(InvalidValue("spec.replicas", (*spec)["replicas"],
                                    "must be greater than or equal to 0"));
    }
    const Json* tpl = api::FindPath(*spec, "template.spec");
    if (!tpl) {
      causes.push_back(Required("spec.template"));
      return;
    }
    ValidatePodSpec(*tpl, "spec.template.spec", causes);
  }
  void PrepareForCreate(Json& obj) const override {
    obj["status"] = Json{{"replicas", 0}};
    obj["metadata"]["generation"] = 1;
  }
};

class PersistentVolumeStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec")) return;
    SetIfMissing(obj["spec"], "persistentVolumeReclaimPolicy", "Retain");
    SetIfMissing(obj["spec"], "volumeMode", "Filesystem");
  }
  void PrepareForCreate(Json& obj) const override { obj["status"] = Json{{"phase", "Pending"}}; }
};

class PersistentVolumeClaimStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec")) return;
    SetIfMissing(obj["spec"], "volumeMode", "Filesystem");
  }
  void PrepareForCreate(Json& obj) const override { obj["status"] = Json{{"phase", "Pending"}}; }
};

// LimitRange items of type Container get their defaults (default <- max, defaultRequest
// <- default, then <- min), as upstream's SetDefaults_LimitRangeItem.
class LimitRangeStrategy : public Strategy {
 public:
  void Default(Json& obj) const override { admission::DefaultLimitRange(obj); }
};

class NodeStrategy : public Strategy {
 public:
  void PrepareForUpdate(Json& obj, const Json& old, const api::ResourceInfo& r) const override {
    Strategy::PrepareForUpdate(obj, old, r);
  }
};

}  // namespace

void ValidatePodSpec(const Json& spec, const std::string& path, std::vector<Cause>& causes) {
  std::set<std::string> names;
  ValidateContainers(spec.contains("containers") ? spec["containers"] : Json(),
                     path + ".containers", true, names, causes);
  ValidateContainers(spec.contains("initContainers") ? spec["initContainers"] : Json(),
                     path + ".initContainers", false, names, causes);
  static const std::vector<std::string> kRestart = {"Always", "OnFailure", "Never"};
  std::string restart = api::GetString(spec, "restartPolicy");
  if (!restart.empty() && std::find(kRestart.begin(), kRestart.end(), restart) == kRestart.end()) {
    causes.push_back(NotSupported(path + ".restartPolicy", restart, kRestart));
  }
  static const std::vector<std::string> kDns = {"ClusterFirst", "ClusterFirstWithHostNet",
                                                "Default", "None"};
  std::string dns = api::GetString(spec, "dnsPolicy");
  if (!dns.empty() && std::find(kDns.begin(), kDns.end(), dns) == kDns.end()) {
    causes.push_back(NotSupported(path + ".dnsPolicy", dns, kDns));
  }
}

void RegisterCoreStrategies(std::map<std::string, const Strategy*>& out) {
  static const PodStrategy kPods;
  static const NamespaceStrategy kNamespaces;
  static const ServiceStrategy kServices;
  static const SecretStrategy kSecrets;
  static const ReplicationControllerStrategy kRcs;
  static const PersistentVolumeStrategy kPvs;
  static const PersistentVolumeClaimStrategy kPvcs;
  static const NodeStrategy kNodes;
  static const LimitRangeStrategy kLimitRanges;
  out["core/pods"] = &kPods;
  out["core/namespaces"] = &kNamespaces;
  out["core/services"] = &kServices;
  out["core/secrets"] = &kSecrets;
  out["core/replicationcontrollers"] = &kRcs;
  out["core/persistentvolumes"] = &kPvs;
  out["core/persistentvolumeclaims"] = &kPvcs;
  out["core/nodes"] = &kNodes;
  out["core/limitranges"] = &kLimitRanges;
}

std::map<std::string, const Strategy*> BuiltinStrategies() {
  std::map<std::string, const Strategy*> out;
  RegisterCoreStrategies(out);
  RegisterAppsStrategies(out);
  RegisterRbacStrategies(out);
  RegisterApiextensionsStrategies(out);
  return out;
}

}  // namespace sampan::apiserver
