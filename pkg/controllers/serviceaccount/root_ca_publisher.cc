#include "pkg/controllers/serviceaccount/root_ca_publisher.h"

#include "pkg/api/builtin_resources.h"
#include "pkg/api/object_names.h"
#include "pkg/controllers/informer_lifecycle.h"

namespace sampan::controllers {
namespace {

using api::NameOf;
using api::NamespaceOf;
using api::builtin::ConfigMaps;

using api::Json;

const log::Logger kLog("controller");

}  // namespace

RootCaPublisher::RootCaPublisher(client::Client& client, std::string ca_pem)
    : client_(client),
      ca_pem_(std::move(ca_pem)),
      namespaces_(client, api::builtin::Namespaces()),
      config_maps_(
          client, ConfigMaps(), "",
          client::ListOptions{.field_selector = std::string("metadata.name=") + kRootCaConfigMap}),
      runner_("root-ca-cert-publisher", [this](const std::string& key) { return Sync(key); }) {
  auto add_ns = [this](const client::ObjectPtr& ns) { runner_.queue().Add(NameOf(*ns)); };
  namespaces_.AddHandlers(
      {add_ns, [add_ns](const client::ObjectPtr&, const client::ObjectPtr& n) { add_ns(n); },
       nullptr});
  auto add_cm = [this](const client::ObjectPtr& cm) { runner_.queue().Add(NamespaceOf(*cm)); };
  config_maps_.AddHandlers(
      {nullptr, [add_cm](const client::ObjectPtr&, const client::ObjectPtr& c) { add_cm(c); },
       add_cm});
}

RootCaPublisher::~RootCaPublisher() { Stop(); }

void RootCaPublisher::Start() { StartAfterSync({&namespaces_, &config_maps_}, runner_); }

void RootCaPublisher::Stop() { StopWorkersThenInformers(runner_, {&namespaces_, &config_maps_}); }

Status RootCaPublisher::Sync(const std::string& ns) {
  client::ObjectPtr namespace_ = namespaces_.Get(ns);
  if (!namespace_) return Status::Ok();
  if (api::GetString(api::ObjectField(*namespace_, "status"), "phase") == "Terminating") {
    return Status::Ok();
  }
  Json data = {{"ca.crt", ca_pem_}};
  client::ObjectPtr existing = config_maps_.Get(ns + "/" + kRootCaConfigMap);
  if (existing) {
    if (api::ObjectField(*existing, "data") == data) return Status::Ok();
    Json update = *existing;
    update["data"] = data;
    Result<Json> updated = client_.Update(ConfigMaps(), update);
    if (updated.ok() || updated.status().IsNotFound() || updated.status().IsConflict()) {
      return updated.ok() || updated.status().IsNotFound() ? Status::Ok() : updated.status();
    }
    return updated.status();
  }
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata",
              {{"name", kRootCaConfigMap},
               {"namespace", ns},
               {"annotations",
                {{"kubernetes.io/description",
                  "Contains a CA bundle that can be used to verify the "
                  "kube-apiserver when using internal endpoints such as the "
                  "internal service IP or kubernetes.default.svc. No other "
                  "usage is guaranteed across distributions of Kubernetes "
                  "clusters."}}}}},
             {"data", data}};
  Result<Json> created = client_.Create(ConfigMaps(), cm);
  if (created.ok()) {
    kLog.Info("configmap {}/{} created", ns, kRootCaConfigMap);
    return Status::Ok();
  }
  if (created.status().IsAlreadyExists() || created.status().code() == Code::kForbidden ||
      created.status().IsNotFound()) {
    return Status::Ok();
  }
  return created.status();
}

}  // namespace sampan::controllers
