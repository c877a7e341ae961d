#pragma once
// The built-in resources components name directly (pods, nodes, ...), so that each does not
// look them up in the registry on its own.

#include "pkg/api/registry.h"

namespace sampan::api::builtin {

const ResourceInfo& Pods();
const ResourceInfo& Nodes();
const ResourceInfo& Events();
const ResourceInfo& Namespaces();
const ResourceInfo& Leases();  // coordination.k8s.io/v1

}  // namespace sampan::api::builtin
