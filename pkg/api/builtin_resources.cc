#include "pkg/api/builtin_resources.h"

#include <cstdlib>

namespace sampan::api::builtin {

const ResourceInfo& Core(std::string_view resource) {
  const ResourceInfo* r = Registry::Builtin().Find("", "v1", resource);
  if (r == nullptr) std::abort();  // a programming error: callers name built-in resources
  return *r;
}

const ResourceInfo& Pods() { return Core("pods"); }
const ResourceInfo& Nodes() { return Core("nodes"); }
const ResourceInfo& Events() { return Core("events"); }
const ResourceInfo& Namespaces() { return Core("namespaces"); }
const ResourceInfo& ConfigMaps() { return Core("configmaps"); }
const ResourceInfo& Secrets() { return Core("secrets"); }
const ResourceInfo& ServiceAccounts() { return Core("serviceaccounts"); }
const ResourceInfo& Services() { return Core("services"); }
const ResourceInfo& ResourceQuotas() { return Core("resourcequotas"); }
const ResourceInfo& LimitRanges() { return Core("limitranges"); }
const ResourceInfo& Leases() {
  return *Registry::Builtin().Find("coordination.k8s.io", "v1", "leases");
}
const ResourceInfo& CustomResourceDefinitions() {
  return *Registry::Builtin().Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
}

}  // namespace sampan::api::builtin
