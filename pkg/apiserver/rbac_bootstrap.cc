#include "pkg/apiserver/rbac_bootstrap.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const Json kReadVerbs = Json::array({"get", "list", "watch"});
const Json kAllVerbs = Json::array(
    {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"});

Json Rule(Json groups, Json resources, Json verbs) {
  return {{"apiGroups", std::move(groups)},
          {"resources", std::move(resources)},
          {"verbs", std::move(verbs)}};
}

Json UrlRule(Json urls, Json verbs) {
  return {{"nonResourceURLs", std::move(urls)}, {"verbs", std::move(verbs)}};
}

// What a namespace's users work with; `verbs` differ between edit and view.
Json WorkloadRules(const Json& verbs, bool secrets) {
  Json core = Json::array({"pods", "pods/log", "pods/status", "configmaps", "endpoints",
                           "persistentvolumeclaims", "persistentvolumeclaims/status",
                           "replicationcontrollers", "replicationcontrollers/scale",
                           "replicationcontrollers/status", "serviceaccounts", "services",
                           "services/status", "events"});
  if (secrets) core.push_back("secrets");
  return Json::array(
      {Rule({""}, core, verbs),
       Rule({""},
            {"namespaces", "namespaces/status", "limitranges", "resourcequotas",
             "resourcequotas/status", "bindings"},
            kReadVerbs),
       Rule({"apps"},
            {"daemonsets", "daemonsets/status", "deployments", "deployments/scale",
             "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
             "statefulsets", "statefulsets/scale", "statefulsets/status", "controllerrevisions"},
            verbs),
       Rule({"autoscaling"}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"},
            verbs),
       Rule({"batch"}, {"cronjobs", "cronjobs/status", "jobs", "jobs/status"}, verbs),
       Rule({"networking.k8s.io"}, {"ingresses", "ingresses/status", "networkpolicies"}, verbs),
       Rule({"policy"}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}, verbs),
       Rule({"discovery.k8s.io"}, {"endpointslices"}, kReadVerbs),
       Rule({"events.k8s.io"}, {"events"}, kReadVerbs)});
}

Json EditRules() {
  Json rules = WorkloadRules(kAllVerbs, true);
  rules.push_back(Rule({""},
                       {"pods/attach", "pods/exec", "pods/portforward", "pods/proxy",
                        "pods/eviction", "services/proxy", "serviceaccounts/token"},
                       {"create", "get"}));
  return rules;
}

Json AdminRules() {
  Json rules = EditRules();
  rules.push_back(Rule({"rbac.authorization.k8s.io"}, {"roles", "rolebindings"}, kAllVerbs));
  rules.push_back(Rule({"authorization.k8s.io"}, {"localsubjectaccessreviews"}, {"create"}));
  return rules;
}

Json NodeRules() {
  return Json::array(
      {Rule({""}, {"nodes"}, {"get", "list", "watch", "create", "update", "patch", "delete"}),
       Rule({""}, {"nodes/status", "pods/status"}, {"patch", "update"}),
       Rule({""}, {"pods"}, {"get", "list", "watch", "create", "delete"}),
       Rule({""}, {"pods/eviction"}, {"create"}),
       Rule({""},
            {"services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims",
             "persistentvolumes", "namespaces"},
            kReadVerbs),
       Rule({""}, {"events"}, {"create", "patch", "update"}),
       Rule({""}, {"serviceaccounts/token"}, {"create"}),
       Rule({"coordination.k8s.io"}, {"leases"}, kAllVerbs),
       Rule({"discovery.k8s.io"}, {"endpointslices"}, kReadVerbs),
       Rule({"storage.k8s.io"}, {"*"}, kReadVerbs),
       Rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}),
       Rule({"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"})});
}

Json ClusterRole(const std::string& name, Json rules) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"rules", std::move(rules)}};
}

Json ClusterRoleBinding(const std::string& name, const std::string& role, Json groups) {
  Json subjects = Json::array();
  for (const Json& g : groups) {
    subjects.push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", g}});
  }
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRoleBinding"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/bootstrapping", "rbac-defaults"}}},
            {"annotations", {{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}}},
          {"roleRef",
           {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
          {"subjects", std::move(subjects)}};
}

}  // namespace

Status BootstrapRbac(RestHandler& rest) {
  const api::Registry& reg = api::Registry::Builtin();
  const api::ResourceInfo& roles = *reg.Find("rbac.authorization.k8s.io", "v1", "clusterroles");
  const api::ResourceInfo& bindings =
      *reg.Find("rbac.authorization.k8s.io", "v1", "clusterrolebindings");
  const Json discovery_urls = {"/api",       "/api/*",   "/apis",    "/apis/*",
                               "/healthz",   "/livez",   "/readyz",  "/openapi",
                               "/openapi/*", "/version", "/version/"};
  const Json objects[] = {
      ClusterRole("cluster-admin", Json::array({Rule({"*"}, {"*"}, {"*"}), UrlRule({"*"}, {"*"})})),
      ClusterRole("admin", AdminRules()),
      ClusterRole("edit", EditRules()),
      ClusterRole("view", WorkloadRules(kReadVerbs, false)),
      ClusterRole("system:discovery", Json::array({UrlRule(discovery_urls, {"get"})})),
      ClusterRole("system:public-info-viewer",
                  Json::array({UrlRule({"/healthz", "/livez", "/readyz", "/version", "/version/"},
                                       {"get"})})),
      // The health endpoints' single checks (/readyz/etcd, ...) are for monitoring only.
      ClusterRole("system:monitoring",
                  Json::array({UrlRule({"/metrics", "/metrics/slis", "/livez", "/readyz",
                                        "/healthz", "/livez/*", "/readyz/*", "/healthz/*"},
                                       {"get"})})),
      // Service-account issuer discovery: verifiers of service-account tokens read these.
      ClusterRole("system:service-account-issuer-discovery",
                  Json::array({UrlRule(
                      {"/.well-known/openid-configuration", "/.well-known/openid-configuration/",
                       "/openid/v1/jwks", "/openid/v1/jwks/"},
                      {"get"})})),
      ClusterRole(
          "system:basic-user",
          Json::array({Rule({"authorization.k8s.io"},
                            {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, {"create"}),
                       Rule({"authentication.k8s.io"}, {"selfsubjectreviews"}, {"create"})})),
      ClusterRole("system:node", NodeRules()),
      ClusterRole(
          "system:node-proxier",
          Json::array({Rule({""}, {"services", "endpoints", "nodes"}, kReadVerbs),
                       Rule({"discovery.k8s.io"}, {"endpointslices"}, kReadVerbs),
                       Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})})),
  };
  for (const Json& role : objects) {
    Result<Json> r = rest.CreateObject(roles, role);
    if (!r.ok() && !r.status().IsAlreadyExists()) return r.status();
  }
  const Json role_bindings[] = {
      ClusterRoleBinding("cluster-admin", "cluster-admin", {"system:masters"}),
      ClusterRoleBinding("system:discovery", "system:discovery", {"system:authenticated"}),
      ClusterRoleBinding("system:basic-user", "system:basic-user", {"system:authenticated"}),
      ClusterRoleBinding("system:public-info-viewer", "system:public-info-viewer",
                         {"system:authenticated", "system:unauthenticated"}),
      ClusterRoleBinding("system:node", "system:node", {"system:nodes"}),
      ClusterRoleBinding("system:monitoring", "system:monitoring", {"system:monitoring"}),
      ClusterRoleBinding("system:service-account-issuer-discovery",
                         "system:service-account-issuer-discovery", {"system:serviceaccounts"}),
  };
  for (const Json& binding : role_bindings) {
    Result<Json> r = rest.CreateObject(bindings, binding);
    if (!r.ok() && !r.status().IsAlreadyExists()) return r.status();
  }
  return Status::Ok();
}

}  // namespace sampan::apiserver
