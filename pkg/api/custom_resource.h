#pragma once
// Custom resources: what a CustomResourceDefinition (apiextensions.k8s.io/v1) makes the
// server serve. ResourcesOfCrd turns a stored CRD into registry entries, one per served
// version (the preferred version first, by upstream's version priority); each entry carries
// that version's schema, printer columns and subresources in a shared, immutable
// CustomResourceInfo. Pure functions.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::api {

inline constexpr const char* kCrdGroup = "apiextensions.k8s.io";
inline constexpr const char* kCrdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

struct PrinterColumn {
  std::string name, type, format, description;
  std::string json_path;  // ".spec.replicas"
  int priority = 0;
};

struct CustomResourceInfo {
  std::string crd_name;  // "widgets.example.com"
  std::string storage_version;
  Json schema;  // the version's openAPIV3Schema; null when it has none
  std::vector<PrinterColumn> columns;
  bool terminating = false;  // the CRD is being deleted: no new objects
  // The scale subresource's paths (".spec.replicas"); empty when it has none.
  std::string spec_replicas_path, status_replicas_path, label_selector_path;
  // The fields lists select by beyond metadata (the version's selectableFields, without
  // the leading '.': "spec.color").
  std::vector<std::string> selectable_fields;
};

// The resources a CRD serves; empty unless it is Established.
std::vector<ResourceInfo> ResourcesOfCrd(const Json& crd);

// True when status.conditions has type `type` with status "True".
bool HasTrueCondition(const Json& object, std::string_view type);

// Upstream's version priority: GA before beta before alpha, higher numbers first, then
// versions that are not Kubernetes-like, alphabetically. Negative when a sorts before b.
int CompareVersionPriority(std::string_view a, std::string_view b);

// The value at a simple JSON path (".spec.replicas", ".status.conditions[0].type"); nullptr
// when absent or the path is not understood.
const Json* FindJsonPath(const Json& object, std::string_view path);

}  // namespace sampan::api
