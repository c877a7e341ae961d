#include "pkg/api/builtin_resources.h"

namespace sampan::api::builtin {

const ResourceInfo& Pods() { return *Registry::Builtin().Find("", "v1", "pods"); }
const ResourceInfo& Nodes() { return *Registry::Builtin().Find("", "v1", "nodes"); }
const ResourceInfo& Events() { return *Registry::Builtin().Find("", "v1", "events"); }
const ResourceInfo& Namespaces() { return *Registry::Builtin().Find("", "v1", "namespaces"); }
const ResourceInfo& Leases() {
  return *Registry::Builtin().Find("coordination.k8s.io", "v1", "leases");
}

}  // namespace sampan::api::builtin
