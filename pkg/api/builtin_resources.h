#pragma once
// The built-in resources components name directly (pods, nodes, ...), so that each does not
// look them up in the registry on its own.

#include <string_view>

#include "pkg/api/registry.h"

namespace sampan::api::builtin {

const ResourceInfo& Pods();
const ResourceInfo& Nodes();
const ResourceInfo& Events();
const ResourceInfo& Namespaces();
const ResourceInfo& ConfigMaps();
const ResourceInfo& Secrets();
const ResourceInfo& ServiceAccounts();
const ResourceInfo& Services();
const ResourceInfo& ResourceQuotas();
const ResourceInfo& LimitRanges();
const ResourceInfo& Leases();                     // coordination.k8s.io/v1
const ResourceInfo& CustomResourceDefinitions();  // apiextensions.k8s.io/v1
// A core (v1) resource by its plural name, for names that come as data; it must exist.
const ResourceInfo& Core(std::string_view resource);

}  // namespace sampan::api::builtin
