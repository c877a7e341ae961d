#include "pkg/kubectl/discovery.h"

#include <fmt/format.h>

#include <algorithm>

#include "pkg/api/json.h"

namespace sampan::kubectl {
namespace {

using api::Json;

constexpr std::string_view kAggregated =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

Status AddGroups(client::Transport& transport, const std::string& path,
                 std::vector<api::ResourceInfo>* out) {
  client::Request req{"GET", path, {}, ""};
  req.headers.Add("Accept", std::string(kAggregated));
  ASSIGN_OR_RETURN(http::Response resp, transport.Do(req));
  if (resp.status != 200) {
    return Status(http::CodeForHttpStatus(resp.status),
                  fmt::format("discovery {}: HTTP {}: {}", path, resp.status, resp.body));
  }
  ASSIGN_OR_RETURN(Json doc, api::ParseJson(resp.body));
  const Json* items = api::Find(doc, "items");
  if (items == nullptr || !items->is_array()) return Status::Invalid("discovery: no items");
  for (const Json& group : *items) {
    std::string group_name = api::GetString(api::ObjectField(group, "metadata"), "name");
    const Json* versions = api::Find(group, "versions");
    if (versions == nullptr || !versions->is_array() || versions->empty()) continue;
    const Json& preferred = (*versions)[0];
    const Json* resources = api::Find(preferred, "resources");
    if (resources == nullptr || !resources->is_array()) continue;
    for (const Json& res : *resources) {
      api::ResourceInfo r;
      r.group = group_name;
      r.version = api::GetString(preferred, "version");
      r.resource = api::GetString(res, "resource");
      r.kind = api::GetString(api::ObjectField(res, "responseKind"), "kind");
      r.singular = api::GetString(res, "singularResource");
      if (r.singular.empty()) r.singular = Lower(r.kind);
      r.namespaced = api::GetString(res, "scope") == "Namespaced";
      r.short_names = api::GetStrings(res, "shortNames");
      r.categories = api::GetStrings(res, "categories");
      r.verbs = api::GetStrings(res, "verbs");
      if (const Json* subs = api::Find(res, "subresources"); subs && subs->is_array()) {
        for (const Json& s : *subs) r.subresources.push_back(api::GetString(s, "subresource"));
      }
      out->push_back(std::move(r));
    }
  }
  return Status::Ok();
}

bool NamesIt(const api::ResourceInfo& r, const std::string& name) {
  if (name == r.resource || name == r.singular || name == Lower(r.kind)) return true;
  return std::find(r.short_names.begin(), r.short_names.end(), name) != r.short_names.end();
}

}  // namespace

Result<Discovery> Discovery::Load(client::Transport& transport) {
  Discovery d;
  RETURN_IF_ERROR(AddGroups(transport, "/api", &d.resources_));
  RETURN_IF_ERROR(AddGroups(transport, "/apis", &d.resources_));
  return d;
}

Result<api::ResourceInfo> Discovery::Resolve(std::string_view arg) const {
  std::string name = Lower(arg);
  std::string qualifier;  // "apps" or "v1.apps"
  if (size_t dot = name.find('.'); dot != std::string::npos) {
    qualifier = name.substr(dot + 1);
    name = name.substr(0, dot);
  }
  for (const api::ResourceInfo& r : resources_) {
    if (!NamesIt(r, name)) continue;
    if (qualifier.empty() || qualifier == r.group || qualifier == r.version + "." + r.group ||
        (r.group.empty() && qualifier == r.version)) {
      return r;
    }
  }
  return Status::NotFound(
      fmt::format("the server doesn't have a resource type \"{}\"", std::string(arg)));
}

Result<api::ResourceInfo> Discovery::ForKind(std::string_view api_version,
                                             std::string_view kind) const {
  std::string group, version(api_version);
  if (size_t slash = api_version.find('/'); slash != std::string_view::npos) {
    group = std::string(api_version.substr(0, slash));
    version = std::string(api_version.substr(slash + 1));
  }
  for (const api::ResourceInfo& r : resources_) {
    if (r.group == group && r.kind == kind) {
      api::ResourceInfo out = r;
      out.version = version;  // the object's own version is what gets sent
      return out;
    }
  }
  return Status::NotFound(fmt::format("no matches for kind \"{}\" in version \"{}\"",
                                      std::string(kind), std::string(api_version)));
}

std::vector<api::ResourceInfo> Discovery::Category(std::string_view category) const {
  std::vector<api::ResourceInfo> out;
  for (const api::ResourceInfo& r : resources_) {
    if (std::find(r.categories.begin(), r.categories.end(), category) != r.categories.end()) {
      out.push_back(r);
    }
  }
  return out;
}

std::string NameOf(const api::ResourceInfo& r, std::string_view name) {
  std::string kind = Lower(r.kind);
  if (!r.group.empty()) kind += "." + r.group;
  return kind + "/" + std::string(name);
}

}  // namespace sampan::kubectl
