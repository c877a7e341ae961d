#include "pkg/apiserver/discovery.h"

namespace sampan::apiserver {
namespace {

using api::Json;

struct SubresourceInfo {
  std::string kind, group, version;
  std::vector<std::string> verbs;
};

SubresourceInfo Describe(const api::ResourceInfo& r, const std::string& sub) {
  if (sub == "scale") return {"Scale", "autoscaling", "v1", {"get", "patch", "update"}};
  if (sub == "binding") return {"Binding", "", "v1", {"create"}};
  if (sub == "log") return {"Pod", "", "v1", {"get"}};
  if (sub == "exec") return {"PodExecOptions", "", "v1", {"create", "get"}};
  if (sub == "attach") return {"PodAttachOptions", "", "v1", {"create", "get"}};
  if (sub == "portforward") return {"PodPortForwardOptions", "", "v1", {"create", "get"}};
  if (sub == "proxy" && r.resource == "nodes") {
    return {"NodeProxyOptions", "", "v1", {"create", "delete", "get", "patch", "update"}};
  }
  if (sub == "token") return {"TokenRequest", "authentication.k8s.io", "v1", {"create"}};
  if (sub == "finalize") return {r.kind, r.group, r.version, {"update"}};
  return {r.kind, r.group, r.version, {"get", "patch", "update"}};
}

Json StringArray(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

}  // namespace

Json ApiVersions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", Json::array({"v1"})},
          {"serverAddressByClientCIDRs",
           Json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

Json ApiGroupList(const api::Registry& registry) {
  Json groups = Json::array();
  for (const auto& g : registry.groups()) {
    if (g.name.empty()) continue;
    Json versions = Json::array();
    for (const auto& v : g.versions) {
      versions.push_back({{"groupVersion", g.name + "/" + v}, {"version", v}});
    }
    groups.push_back({{"name", g.name},
                      {"versions", versions},
                      {"preferredVersion", versions[0]}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

Json ApiResourceList(const api::Registry& registry, const std::string& group,
                     const std::string& version) {
  if (!registry.HasGroupVersion(group, version)) return Json();
  Json resources = Json::array();
  for (const api::ResourceInfo* r : registry.InGroupVersion(group, version)) {
    Json entry = {{"name", r->resource},
                  {"singularName", r->singular},
                  {"namespaced", r->namespaced},
                  {"kind", r->kind},
                  {"verbs", StringArray(r->Verbs())}};
    if (!r->short_names.empty()) entry["shortNames"] = StringArray(r->short_names);
    if (!r->categories.empty()) entry["categories"] = StringArray(r->categories);
    resources.push_back(entry);
    for (const auto& sub : r->subresources) {
      SubresourceInfo s = Describe(*r, sub);
      Json se = {{"name", r->resource + "/" + sub},
                 {"singularName", ""},
                 {"namespaced", r->namespaced},
                 {"kind", s.kind},
                 {"verbs", StringArray(s.verbs)}};
      if (s.group != r->group || s.version != r->version) {
        se["group"] = s.group;
        se["version"] = s.version;
      }
      resources.push_back(se);
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

Json AggregatedDiscovery(const api::Registry& registry, bool core,
                         const std::string& api_version) {
  Json items = Json::array();
  for (const auto& g : registry.groups()) {
    if (core != g.name.empty()) continue;
    Json versions = Json::array();
    for (const auto& v : g.versions) {
      Json resources = Json::array();
      for (const api::ResourceInfo* r : registry.InGroupVersion(g.name, v)) {
        Json entry = {{"resource", r->resource},
                      {"responseKind", {{"group", r->group}, {"version", r->version}, {"kind", r->kind}}},
                      {"scope", r->namespaced ? "Namespaced" : "Cluster"},
                      {"singularResource", r->singular},
                      {"verbs", StringArray(r->Verbs())}};
        if (!r->short_names.empty()) entry["shortNames"] = StringArray(r->short_names);
        if (!r->categories.empty()) entry["categories"] = StringArray(r->categories);
        if (!r->subresources.empty()) {
          Json subs = Json::array();
          for (const auto& sub : r->subresources) {
            SubresourceInfo s = Describe(*r, sub);
            subs.push_back({{"subresource", sub},
                            {"responseKind", {{"group", s.group}, {"version", s.version}, {"kind", s.kind}}},
                            {"verbs", StringArray(s.verbs)}});
          }
          entry["subresources"] = subs;
        }
        resources.push_back(entry);
      }
      versions.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
    }
    Json meta = Json::object();
    if (!g.name.empty()) meta["name"] = g.name;
    items.push_back({{"metadata", meta}, {"versions", versions}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", api_version},
          {"metadata", Json::object()},
          {"items", items}};
}

}  // namespace sampan::apiserver
