// Rules for rbac.authorization.k8s.io objects: names are path segments ("system:node" is
// valid), roleRef is required and immutable, rules need verbs and either resources or
// non-resource URLs.
#include "pkg/apiserver/strategy_kinds.h"

namespace sampan::apiserver {
namespace {

using api::Json;

void ValidateRules(const Json& obj, std::vector<Cause>& causes) {
  const Json* rules = api::Find(obj, "rules");
  if (rules == nullptr || !rules->is_array()) return;
  for (size_t i = 0; i < rules->size(); ++i) {
    const Json& rule = (*rules)[i];
    std::string path = "rules[" + std::to_string(i) + "]";
    const Json* verbs = api::Find(rule, "verbs");
    if (verbs == nullptr || !verbs->is_array() || verbs->empty()) {
      causes.push_back(Required(path + ".verbs", "verbs must contain at least one value"));
    }
    const Json* urls = api::Find(rule, "nonResourceURLs");
    bool has_urls = urls && urls->is_array() && !urls->empty();
    const Json* groups = api::Find(rule, "apiGroups");
    bool has_groups = groups && groups->is_array() && !groups->empty();
    if (has_urls && has_groups) {
      causes.push_back(InvalidValue(path + ".nonResourceURLs", *urls,
                                    "rules cannot apply to both regular resources and "
                                    "non-resource URLs"));
    }
  }
}

class RoleStrategy : public Strategy {
 public:
  void Validate(const Json& obj, const Json*, std::vector<Cause>& causes) const override {
    ValidateRules(obj, causes);
  }
  NameRule name_rule() const override { return NameRule::kPathSegment; }
};

class BindingStrategy : public Strategy {
 public:
  explicit BindingStrategy(bool cluster) : cluster_(cluster) {}
  void Validate(const Json& obj, const Json* old, std::vector<Cause>& causes) const override {
    const Json* ref = api::Find(obj, "roleRef");
    std::string kind = ref ? api::GetString(*ref, "kind") : "";
    if (ref == nullptr || api::GetString(*ref, "name").empty()) {
      causes.push_back(Required("roleRef.name"));
    }
    if (kind != "ClusterRole" && (cluster_ || kind != "Role")) {
      causes.push_back(NotSupported("roleRef.kind", kind,
                                    cluster_ ? std::vector<std::string>{"ClusterRole"}
                                             : std::vector<std::string>{"ClusterRole", "Role"}));
    }
    if (old != nullptr && ref && api::Find(*old, "roleRef") && *ref != (*old)["roleRef"]) {
      causes.push_back(InvalidValue("roleRef", *ref, "cannot change roleRef"));
    }
  }
  NameRule name_rule() const override { return NameRule::kPathSegment; }

 private:
  bool cluster_;
};

}  // namespace

void RegisterRbacStrategies(std::map<std::string, const Strategy*>& out) {
  static const RoleStrategy kRoles;
  static const BindingStrategy kBindings(false);
  static const BindingStrategy kClusterBindings(true);
  out["rbac.authorization.k8s.io/roles"] = &kRoles;
  out["rbac.authorization.k8s.io/clusterroles"] = &kRoles;
  out["rbac.authorization.k8s.io/rolebindings"] = &kBindings;
  out["rbac.authorization.k8s.io/clusterrolebindings"] = &kClusterBindings;
}

}  // namespace sampan::apiserver
