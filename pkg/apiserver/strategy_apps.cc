// Strategies for workload kinds (apps/v1, batch/v1, autoscaling): defaults as upstream,
// selector/template consistency, immutable selectors and generation tracking.
#include "pkg/apiserver/strategy_kinds.h"
#include "pkg/util/random.h"

namespace sampan::apiserver {
namespace {

using api::Json;


void DefaultTemplate(Json& spec) {
  if (spec.contains("template") && spec["template"].is_object() &&
      spec["template"].contains("spec")) {
    DefaultPodSpec(spec["template"]["spec"]);
  }
}

// Common to Deployment, ReplicaSet, StatefulSet, DaemonSet: selector required, template
// labels must match it, selector immutable, replicas >= 0, a valid pod template.
class WorkloadStrategy : public Strategy {
 public:
  explicit WorkloadStrategy(bool has_replicas) : has_replicas_(has_replicas) {}

  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    const Json* spec = api::Find(obj, "spec");
    if (!spec || !spec->is_object()) {
      causes.push_back(Required("spec"));
      return;
    }
    if (has_replicas_ && spec->contains("replicas") &&
        (!(*spec)["replicas"].is_number_integer() || (*spec)["replicas"].get<int64_t>() < 0)) {
      causes.push_back(InvalidValue("spec.replicas", (*spec)["replicas"],
                                    "must be greater than or equal to 0"));
    }
    ValidateSelectorMatchesTemplate(*spec, "spec", causes);
    const Json* tpl = api::FindPath(*spec, "template.spec");
    if (!tpl) {
      causes.push_back(Required("spec.template.spec"));
    } else {
      ValidatePodSpec(*tpl, "spec.template.spec", causes);
    }
    if (old) {
      const Json* old_sel = api::FindPath(*old, "spec.selector");
      const Json* new_sel = api::Find(*spec, "selector");
      if (old_sel && new_sel && *old_sel != *new_sel) {
        causes.push_back(InvalidValue("spec.selector", *new_sel, "field is immutable"));
      }
    }
  }
  void PrepareForCreate(Json& obj) const override { obj["status"] = Json::object(); }

 private:
  bool has_replicas_;
};

class DeploymentStrategy : public WorkloadStrategy {
 public:
  DeploymentStrategy() : WorkloadStrategy(true) {}
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    SetIfMissing(spec, "replicas", 1);
    SetIfMissing(spec, "revisionHistoryLimit", 10);
    SetIfMissing(spec, "progressDeadlineSeconds", 600);
    // Typed (protobuf) clients send an empty strategy object rather than none.
    SetIfMissing(spec, "strategy", Json::object());
    SetIfMissing(spec["strategy"], "type", "RollingUpdate");
    if (api::GetString(spec["strategy"], "type") == "RollingUpdate") {
      SetIfMissing(spec["strategy"], "rollingUpdate", Json::object());
      SetIfMissing(spec["strategy"]["rollingUpdate"], "maxUnavailable", "25%");
      SetIfMissing(spec["strategy"]["rollingUpdate"], "maxSurge", "25%");
    }
    DefaultTemplate(spec);
  }
};

class ReplicaSetStrategy : public WorkloadStrategy {
 public:
  ReplicaSetStrategy() : WorkloadStrategy(true) {}
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    SetIfMissing(obj["spec"], "replicas", 1);
    DefaultTemplate(obj["spec"]);
  }
  void PrepareForCreate(Json& obj) const override { obj["status"] = Json{{"replicas", 0}}; }
};

class StatefulSetStrategy : public WorkloadStrategy {
 public:
  StatefulSetStrategy() : WorkloadStrategy(true) {}
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    SetIfMissing(spec, "replicas", 1);
    SetIfMissing(spec, "podManagementPolicy", "OrderedReady");
    SetIfMissing(spec, "revisionHistoryLimit", 10);
    SetIfMissing(spec, "updateStrategy", Json::object());
    SetIfMissing(spec["updateStrategy"], "type", "RollingUpdate");
    if (api::GetString(spec["updateStrategy"], "type") == "RollingUpdate") {
      SetIfMissing(spec["updateStrategy"], "rollingUpdate", Json{{"partition", 0}});
    }
    SetIfMissing(spec, "persistentVolumeClaimRetentionPolicy",
                 Json{{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}});
    if (spec.contains("volumeClaimTemplates") && spec["volumeClaimTemplates"].is_array()) {
      for (auto& t : spec["volumeClaimTemplates"]) {
        if (t.contains("spec") && t["spec"].is_object()) {
          SetIfMissing(t["spec"], "volumeMode", "Filesystem");
        }
        SetIfMissing(t, "apiVersion", "v1");
        SetIfMissing(t, "kind", "PersistentVolumeClaim");
      }
    }
    DefaultTemplate(spec);
  }
  void PrepareForCreate(Json& obj) const override {
    obj["status"] = Json{{"replicas", 0}, {"availableReplicas", 0}};
  }
};

class DaemonSetStrategy : public WorkloadStrategy {
 public:
  DaemonSetStrategy() : WorkloadStrategy(false) {}
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    SetIfMissing(spec, "revisionHistoryLimit", 10);
    SetIfMissing(spec, "updateStrategy", Json::object());
    SetIfMissing(spec["updateStrategy"], "type", "RollingUpdate");
    if (api::GetString(spec["updateStrategy"], "type") == "RollingUpdate") {
      SetIfMissing(spec["updateStrategy"], "rollingUpdate",
                   Json{{"maxUnavailable", 1}, {"maxSurge", 0}});
    }
    DefaultTemplate(spec);
  }
  void PrepareForCreate(Json& obj) const override {
    obj["status"] = Json{{"currentNumberScheduled", 0},
                         {"numberMisscheduled", 0},
                         {"desiredNumberScheduled", 0},
                         {"numberReady", 0}};
  }
};

class JobStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    if (!spec.contains("completions") && !spec.contains("parallelism")) {
      spec["completions"] = 1;
      spec["parallelism"] = 1;
    }
    SetIfMissing(spec, "parallelism", 1);
    SetIfMissing(spec, "backoffLimit", 6);
    SetIfMissing(spec, "completionMode", "NonIndexed");
    SetIfMissing(spec, "suspend", false);
    SetIfMissing(spec, "podReplacementPolicy", "TerminatingOrFailed");
    DefaultTemplate(spec);
  }
  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    const Json* tpl = api::FindPath(obj, "spec.template.spec");
    if (!tpl) {
      causes.push_back(Required("spec.template.spec"));
      return;
    }
    ValidatePodSpec(*tpl, "spec.template.spec", causes);
    std::string restart = api::GetString(*tpl, "restartPolicy");
    if (restart != "OnFailure" && restart != "Never") {
      causes.push_back(NotSupported("spec.template.spec.restartPolicy", restart,
                                    {"OnFailure", "Never"}));
    }
    if (old) {
      const Json* a = api::FindPath(obj, "spec.selector");
      const Json* b = api::FindPath(*old, "spec.selector");
      if (a && b && *a != *b) {
        causes.push_back(InvalidValue("spec.selector", *a, "field is immutable"));
      }
    }
  }
  // Upstream generates the selector from the job's uid unless manualSelector is set.
  void PrepareForCreate(Json& obj) const override {
    obj["status"] = Json::object();
    Json& spec = obj["spec"];
    if (api::GetBool(spec, "manualSelector")) return;
    std::string uid = api::GetString(obj["metadata"], "uid");
    std::string name = api::GetString(obj["metadata"], "name");
    spec["selector"] = Json{{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
    Json& labels = spec["template"]["metadata"]["labels"];
    labels["batch.kubernetes.io/controller-uid"] = uid;
    labels["batch.kubernetes.io/job-name"] = name;
    labels["controller-uid"] = uid;
    labels["job-name"] = name;
  }
};

class CronJobStrategy : public Strategy {
 public:
  void Default(Json& obj) const override {
    if (!obj.contains("spec") || !obj["spec"].is_object()) return;
    Json& spec = obj["spec"];
    SetIfMissing(spec, "concurrencyPolicy", "Allow");
    SetIfMissing(spec, "suspend", false);
    SetIfMissing(spec, "successfulJobsHistoryLimit", 3);
    SetIfMissing(spec, "failedJobsHistoryLimit", 1);
    if (spec.contains("jobTemplate") && spec["jobTemplate"].contains("spec")) {
      DefaultTemplate(spec["jobTemplate"]["spec"]);
    }
  }
  void Validate(const Json& obj, const Json*, std::vector<Cause>& causes) const override {
    if (api::GetString(api::Find(obj, "spec") ? obj["spec"] : Json(), "schedule").empty()) {
      causes.push_back(Required("spec.schedule"));
    }
    const Json* tpl = api::FindPath(obj, "spec.jobTemplate.spec.template.spec");
    if (!tpl) {
      causes.push_back(Required("spec.jobTemplate.spec.template.spec"));
      return;
    }
    ValidatePodSpec(*tpl, "spec.jobTemplate.spec.template.spec", causes);
  }
  void PrepareForCreate(Json& obj) const override { obj["status"] = Json::object(); }
  NameRule name_rule() const override { return NameRule::kDnsSubdomain; }
};

}  // namespace

void ValidateSelectorMatchesTemplate(const Json& spec, const std::string& path,
                                     std::vector<Cause>& causes) {
  const Json* selector = api::Find(spec, "selector");
  if (!selector || !selector->is_object() || selector->empty()) {
    causes.push_back(Required(path + ".selector"));
    return;
  }
  const Json* labels = api::FindPath(spec, "template.metadata.labels");
  const Json* match = api::Find(*selector, "matchLabels");
  bool ok = true;
  if (match && match->is_object()) {
    for (auto it = match->begin(); it != match->end(); ++it) {
      if (!labels || !labels->contains(it.key()) || (*labels)[it.key()] != it.value()) ok = false;
    }
  }
  if (const Json* exprs = api::Find(*selector, "matchExpressions"); exprs && exprs->is_array()) {
    for (const auto& e : *exprs) {
      std::string key = api::GetString(e, "key"), op = api::GetString(e, "operator");
      bool has = labels && labels->contains(key);
      std::string value = has && (*labels)[key].is_string() ? (*labels)[key].get<std::string>() : "";
      const Json* values = api::Find(e, "values");
      auto in_values = [&] {
        if (!values || !values->is_array()) return false;
        for (const auto& v : *values) {
          if (v.is_string() && v.get<std::string>() == value) return true;
        }
        return false;
      };
      if ((op == "In" && !(has && in_values())) || (op == "NotIn" && has && in_values()) ||
          (op == "Exists" && !has) || (op == "DoesNotExist" && has)) {
        ok = false;
      }
    }
  }
  if (!ok) {
    causes.push_back(InvalidValue(path + ".template.metadata.labels", labels ? *labels : Json(),
                                  "`selector` does not match template `labels`"));
  }
}

void RegisterAppsStrategies(std::map<std::string, const Strategy*>& out) {
  static const DeploymentStrategy kDeployments;
  static const ReplicaSetStrategy kReplicaSets;
  static const StatefulSetStrategy kStatefulSets;
  static const DaemonSetStrategy kDaemonSets;
  static const JobStrategy kJobs;
  static const CronJobStrategy kCronJobs;
  out["apps/deployments"] = &kDeployments;
  out["apps/replicasets"] = &kReplicaSets;
  out["apps/statefulsets"] = &kStatefulSets;
  out["apps/daemonsets"] = &kDaemonSets;
  out["batch/jobs"] = &kJobs;
  out["batch/cronjobs"] = &kCronJobs;
}

}  // namespace sampan::apiserver
