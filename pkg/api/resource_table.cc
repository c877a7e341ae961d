// The built-in resources, as upstream Kubernetes serves them (names, kinds, scope, short
// names, categories and subresources match `kubectl api-resources` against upstream).
#include "pkg/api/registry.h"

namespace sampan::api {
namespace {

ResourceInfo R(std::string group, std::string version, std::string resource, std::string kind,
               bool namespaced, std::vector<std::string> short_names = {},
               std::vector<std::string> subresources = {},
               std::vector<std::string> categories = {}) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = std::move(version);
  r.resource = std::move(resource);
  r.kind = std::move(kind);
  r.singular = r.kind;
  for (auto& c : r.singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.namespaced = namespaced;
  r.short_names = std::move(short_names);
  r.subresources = std::move(subresources);
  r.categories = std::move(categories);
  return r;
}

const std::vector<std::string> kAll = {"all"};

// A create-only resource that is evaluated, never stored (access and token reviews).
ResourceInfo Review(std::string group, std::string version, std::string resource, std::string kind,
                    bool namespaced = false) {
  ResourceInfo r =
      R(std::move(group), std::move(version), std::move(resource), std::move(kind), namespaced);
  r.verbs = {"create"};
  return r;
}

// A get/list resource computed when asked, never stored (metrics.k8s.io).
ResourceInfo ReadOnly(ResourceInfo r) {
  r.verbs = {"get", "list"};
  return r;
}

// A resource kept in another version's collection (converted on the way in and out).
ResourceInfo WithStorage(ResourceInfo r, std::string storage_name) {
  r.storage_name = std::move(storage_name);
  return r;
}

}  // namespace

const Registry& Registry::Builtin() {
  static const Registry registry({
      // core/v1
      R("", "v1", "namespaces", "Namespace", false, {"ns"}, {"status", "finalize"}),
      R("", "v1", "pods", "Pod", true, {"po"},
        {"status", "binding", "log", "exec", "attach", "portforward"}, kAll),
      R("", "v1", "services", "Service", true, {"svc"}, {"status"}, kAll),
      R("", "v1", "endpoints", "Endpoints", true, {"ep"}),
      R("", "v1", "configmaps", "ConfigMap", true, {"cm"}),
      R("", "v1", "secrets", "Secret", true),
      R("", "v1", "nodes", "Node", false, {"no"}, {"status", "proxy"}),
      R("", "v1", "events", "Event", true, {"ev"}),
      R("", "v1", "serviceaccounts", "ServiceAccount", true, {"sa"}, {"token"}),
      R("", "v1", "persistentvolumes", "PersistentVolume", false, {"pv"}, {"status"}),
      R("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, {"pvc"}, {"status"}),
      R("", "v1", "replicationcontrollers", "ReplicationController", true, {"rc"},
        {"status", "scale"}, kAll),
      R("", "v1", "resourcequotas", "ResourceQuota", true, {"quota"}, {"status"}),
      R("", "v1", "limitranges", "LimitRange", true, {"limits"}),
      // Deprecated upstream, still served: computed when asked (component_statuses.h).
      ReadOnly(R("", "v1", "componentstatuses", "ComponentStatus", false, {"cs"})),
      // apps/v1
      R("apps", "v1", "deployments", "Deployment", true, {"deploy"}, {"status", "scale"}, kAll),
      R("apps", "v1", "replicasets", "ReplicaSet", true, {"rs"}, {"status", "scale"}, kAll),
      R("apps", "v1", "statefulsets", "StatefulSet", true, {"sts"}, {"status", "scale"}, kAll),
      R("apps", "v1", "daemonsets", "DaemonSet", true, {"ds"}, {"status"}, kAll),
      R("apps", "v1", "controllerrevisions", "ControllerRevision", true),
      // batch/v1
      R("batch", "v1", "jobs", "Job", true, {}, {"status"}, kAll),
      R("batch", "v1", "cronjobs", "CronJob", true, {"cj"}, {"status"}, kAll),
      // autoscaling: v2 is preferred (listed first); v1 shares its storage.
      R("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {"hpa"},
        {"status"}, kAll),
      R("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {"hpa"},
        {"status"}, kAll),
      R("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, {"sc"}),
      R("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, {"pc"}),
      R("coordination.k8s.io", "v1", "leases", "Lease", true),
      R("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
      WithStorage(R("events.k8s.io", "v1", "events", "Event", true, {"ev"}), "core/events"),
      R("networking.k8s.io", "v1", "ingresses", "Ingress", true, {"ing"}, {"status"}),
      R("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, {"netpol"}),
      R("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, {"pdb"}, {"status"}),
      R("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
      R("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
      R("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
      R("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
      R("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
        false, {"crd", "crds"}, {"status"}, {"api-extensions"}),
      // Reviews: questions to the server, answered and forgotten.
      Review("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview"),
      Review("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview"),
      Review("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview"),
      Review("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview",
             true),
      Review("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview"),
      // kubectl 1.27's `auth whoami` asks the beta version (upstream served it until 1.29).
      Review("authentication.k8s.io", "v1beta1", "selfsubjectreviews", "SelfSubjectReview"),
      Review("authentication.k8s.io", "v1", "tokenreviews", "TokenReview"),
      // Resource usage, read from the kubelets when asked (metrics-server's API).
      ReadOnly(R("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", false)),
      ReadOnly(R("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true)),
  });
  return registry;
}

}  // namespace sampan::api
