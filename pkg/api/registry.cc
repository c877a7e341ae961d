#include "pkg/api/registry.h"

#include <algorithm>

namespace sampan::api {

bool ResourceInfo::HasSubresource(std::string_view name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

const std::vector<std::string>& StandardVerbs() {
  static const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                                  "list",   "patch",  "update",           "watch"};
  return kVerbs;
}

const std::vector<std::string>& ResourceInfo::Verbs() const {
  return verbs.empty() ? StandardVerbs() : verbs;
}

Registry::Registry(std::vector<ResourceInfo> resources) : resources_(std::move(resources)) {
  for (auto& r : resources_) {
    r.type_key = (r.group.empty() ? "core" : r.group) + "/" + r.resource;
    if (r.storage_name.empty()) r.storage_name = r.type_key;
    auto g = std::find_if(groups_.begin(), groups_.end(),
                          [&](const GroupInfo& gi) { return gi.name == r.group; });
    if (g == groups_.end()) {
      groups_.push_back(GroupInfo{r.group, {r.version}});
    } else if (std::find(g->versions.begin(), g->versions.end(), r.version) == g->versions.end()) {
      g->versions.push_back(r.version);
    }
  }
}

const ResourceInfo* Registry::Find(std::string_view group, std::string_view version,
                                   std::string_view resource) const {
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.resource == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* Registry::FindKind(std::string_view group_version,
                                       std::string_view kind) const {
  for (const auto& r : resources_) {
    if (r.kind == kind && r.GroupVersion() == group_version) return &r;
  }
  return nullptr;
}

bool Registry::HasGroupVersion(std::string_view group, std::string_view version) const {
  for (const auto& g : groups_) {
    if (g.name == group) {
      return std::find(g.versions.begin(), g.versions.end(), version) != g.versions.end();
    }
  }
  return false;
}

std::vector<const ResourceInfo*> Registry::InGroupVersion(std::string_view group,
                                                          std::string_view version) const {
  std::vector<const ResourceInfo*> out;
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version) out.push_back(&r);
  }
  return out;
}

}  // namespace sampan::api
