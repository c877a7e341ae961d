#include "pkg/apiserver/service_account_admission.h"

#include <fmt/core.h>

#include <chrono>
#include <thread>

#include "pkg/util/random.h"

namespace sampan::apiserver {
namespace {

using api::Json;

constexpr int64_t kTokenSeconds = 3607;  // upstream's: an hour and a bit, for staleness checks
constexpr int kDefaultLookups = 10;
constexpr auto kLookupPause = std::chrono::milliseconds(100);

bool MountsAt(const Json& container, const std::string& path) {
  const Json* mounts = api::Find(container, "volumeMounts");
  if (mounts == nullptr || !mounts->is_array()) return false;
  for (const Json& m : *mounts) {
    if (api::GetString(m, "mountPath") == path) return true;
  }
  return false;
}

Json AccessVolume(const std::string& name) {
  return {
      {"name", name},
      {"projected",
       {{"defaultMode", 420},
        {"sources",
         Json::array(
             {{{"serviceAccountToken", {{"expirationSeconds", kTokenSeconds}, {"path", "token"}}}},
              {{"configMap",
                {{"name", "kube-root-ca.crt"},
                 {"items", Json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
              {{"downwardAPI",
                {{"items",
                  Json::array(
                      {{{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.namespace"}}},
                        {"path", "namespace"}}})}}}}})}}}};
}

}  // namespace

ApiError AdmitServiceAccount(const api::ResourceInfo& r, Json& pod, const std::string& ns,
                             const AdmissionLookup& lookup) {
  if (r.storage_name != "core/pods" && !(r.group.empty() && r.resource == "pods")) return {0};
  Json& meta = pod["metadata"];
  if (!api::GetString(api::ObjectField(meta, "annotations"), "kubernetes.io/config.mirror")
           .empty()) {
    return {0};
  }
  Json& spec = pod["spec"];
  if (!spec.is_object()) return {0};  // validation reports it
  std::string account = api::GetString(spec, "serviceAccountName");
  if (account.empty()) account = api::GetString(spec, "serviceAccount");
  if (account.empty()) account = "default";
  spec["serviceAccountName"] = account;
  spec["serviceAccount"] = account;

  Result<Json> sa = lookup("serviceaccounts", ns, account);
  for (int i = 1; account == "default" && i < kDefaultLookups && sa.status().IsNotFound(); ++i) {
    if (lookup("namespaces", "", ns).status().IsNotFound()) break;
    std::this_thread::sleep_for(kLookupPause);
    sa = lookup("serviceaccounts", ns, account);
  }
  if (!sa.ok()) {
    // A missing namespace is reported by the namespace check (404), as upstream's order has it.
    if (sa.status().IsNotFound() && lookup("namespaces", "", ns).status().IsNotFound()) return {0};
    std::string why = sa.status().IsNotFound()
                          ? fmt::format("serviceaccount \"{}\" not found", account)
                          : sa.status().message();
    return Forbidden(
        fmt::format("pods \"{}\" is forbidden: error looking up service account {}/{}: {}",
                    api::GetString(meta, "name"), ns, account, why));
  }
  bool automount = true;
  if (const Json* a = api::Find(spec, "automountServiceAccountToken"); a && a->is_boolean()) {
    automount = a->get<bool>();
  } else if (const Json* b = api::Find(*sa, "automountServiceAccountToken"); b && b->is_boolean()) {
    automount = b->get<bool>();
  }
  if (!automount) return {0};

  // Containers that need the mount; none (all mount something there already): nothing to do.
  bool needed = false;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    const Json* cs = api::Find(spec, list);
    if (cs == nullptr || !cs->is_array()) continue;
    for (const Json& c : *cs) needed = needed || !MountsAt(c, kServiceAccountMountPath);
  }
  if (!needed) return {0};
  std::string volume = "kube-api-access-" + RandomString(5, kNameSuffixAlphabet);
  if (!spec.contains("volumes") || !spec["volumes"].is_array()) spec["volumes"] = Json::array();
  spec["volumes"].push_back(AccessVolume(volume));
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (Json& c : spec[list]) {
      if (MountsAt(c, kServiceAccountMountPath)) continue;
      if (!c.contains("volumeMounts") || !c["volumeMounts"].is_array()) {
        c["volumeMounts"] = Json::array();
      }
      c["volumeMounts"].push_back(
          {{"name", volume}, {"readOnly", true}, {"mountPath", kServiceAccountMountPath}});
    }
  }
  return {0};
}

}  // namespace sampan::apiserver
