#pragma once
// The resource registry: one table describing every served resource (group, version,
// kind, scope, verbs, short names, categories, subresources). Discovery, routing, storage
// keys and kubectl's `api-resources` all come from it; adding a resource is a table entry
// (resource_table.cc) plus, if it has special rules, a strategy in pkg/apiserver.
// A Registry is immutable; the resources served at run time (built-ins plus custom
// resources) are a snapshot of ServedRegistry (served_registry.h).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sampan::api {

struct CustomResourceInfo;  // custom_resource.h

struct ResourceInfo {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural: "deployments"
  std::string kind;      // "Deployment"
  std::string singular;  // "deployment"
  std::string list_kind;  // empty: kind + "List"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;    // "all"
  std::vector<std::string> subresources;  // "status", "scale", "binding", ...
  // Verbs served; empty = the standard eight (StandardVerbs). Reviews are create-only and
  // never stored.
  std::vector<std::string> verbs;
  // The stored collection, "<group or core>/<resource>"; resources sharing storage across
  // versions or groups (autoscaling v1/v2, core and events.k8s.io Events) name the same one.
  std::string storage_name;
  // "<group or core>/<resource>": what strategies, printers and field selectors are keyed by.
  std::string type_key;
  // Set for resources served from a CustomResourceDefinition: its schema, printer columns
  // and subresource paths.
  std::shared_ptr<const CustomResourceInfo> custom;

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string ListKind() const { return list_kind.empty() ? kind + "List" : list_kind; }
  bool HasSubresource(std::string_view name) const;
  const std::vector<std::string>& Verbs() const;
  bool Stored() const { return verbs.empty(); }
};

struct GroupInfo {
  std::string name;                   // "" = core
  std::vector<std::string> versions;  // preferred first
};

class Registry {
 public:
  // The built-in resources.
  static const Registry& Builtin();

  const std::vector<ResourceInfo>& resources() const { return resources_; }
  // Groups in discovery order (core first), with their versions.
  const std::vector<GroupInfo>& groups() const { return groups_; }
  const ResourceInfo* Find(std::string_view group, std::string_view version,
                           std::string_view resource) const;
  // The resource of a kind in a group/version ("apps/v1", "Deployment").
  const ResourceInfo* FindKind(std::string_view group_version, std::string_view kind) const;
  bool HasGroupVersion(std::string_view group, std::string_view version) const;
  std::vector<const ResourceInfo*> InGroupVersion(std::string_view group,
                                                  std::string_view version) const;

  explicit Registry(std::vector<ResourceInfo> resources);

 private:
  std::vector<ResourceInfo> resources_;
  std::vector<GroupInfo> groups_;
};

// Verbs every stored resource supports.
const std::vector<std::string>& StandardVerbs();

}  // namespace sampan::api
