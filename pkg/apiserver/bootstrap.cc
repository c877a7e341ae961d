#include "pkg/apiserver/bootstrap.h"

#include "pkg/apiserver/object_codec.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");

Status CreateIfMissing(RestHandler& rest, const api::ResourceInfo& r, Json obj) {
  std::string ns = api::GetString(obj["metadata"], "namespace");
  std::string name = api::GetString(obj["metadata"], "name");
  Result<Json> existing = rest.GetObject(r, ns, name);
  if (existing.ok()) return Status();
  if (!existing.status().IsNotFound()) return existing.status();
  Result<Json> created = rest.CreateObject(r, std::move(obj));
  if (created.ok() || created.status().IsAlreadyExists()) return Status();
  return created.status();
}

}  // namespace

Status Bootstrap(RestHandler& rest, ServiceAllocator& services, const std::string& advertise_ip,
                 int port) {
  const api::Registry& reg = api::Registry::Builtin();
  const api::ResourceInfo& namespaces = *reg.Find("", "v1", "namespaces");
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    RETURN_IF_ERROR(CreateIfMissing(rest, namespaces, {{"metadata", {{"name", ns}}}})
                        .WithContext(std::string("create namespace ") + ns));
  }
  const api::ResourceInfo& svc = *reg.Find("", "v1", "services");
  Json service = {
      {"metadata",
       {{"name", "kubernetes"},
        {"namespace", "default"},
        {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
      {"spec",
       {{"type", "ClusterIP"},
        {"clusterIP", services.NthIp(1)},
        {"ports", Json::array({{{"name", "https"}, {"port", 443}, {"protocol", "TCP"},
                                {"targetPort", port}}})},
        {"sessionAffinity", "None"}}}};
  RETURN_IF_ERROR(CreateIfMissing(rest, svc, service).WithContext("create service kubernetes"));

  // Endpoints follow the advertise address, which may change between starts.
  const api::ResourceInfo& eps = *reg.Find("", "v1", "endpoints");
  Json endpoints = {
      {"metadata",
       {{"name", "kubernetes"},
        {"namespace", "default"},
        {"labels", {{"endpointslice.kubernetes.io/skip-mirror", "true"}}}}},
      {"subsets", Json::array({{{"addresses", Json::array({{{"ip", advertise_ip}}})},
                                {"ports", Json::array({{{"name", "https"}, {"port", port},
                                                        {"protocol", "TCP"}}})}}})}};
  Result<Json> current = rest.GetObject(eps, "default", "kubernetes");
  if (current.status().IsNotFound()) {
    return CreateIfMissing(rest, eps, endpoints).WithContext("create endpoints kubernetes");
  }
  if (!current.ok()) return current.status();
  if ((*current)["subsets"] != endpoints["subsets"]) {
    Json next = *current;
    next["subsets"] = endpoints["subsets"];
    int64_t rv = std::stoll(api::GetString(next["metadata"], "resourceVersion", "0"));
    Result<storage::KeyValue> kv = rest.store().Update(StorageKey(eps, "default", "kubernetes"),
                                                       EncodeForStorage(next), rv);
    if (!kv.ok()) return kv.status().WithContext("update endpoints kubernetes");
    kLog.Info("endpoints default/kubernetes now point at {}:{}", advertise_ip, port);
  }
  return Status();
}

}  // namespace sampan::apiserver
