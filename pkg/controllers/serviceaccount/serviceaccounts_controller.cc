#include "pkg/controllers/serviceaccount/serviceaccounts_controller.h"

#include "pkg/api/builtin_resources.h"
#include "pkg/api/object_names.h"
#include "pkg/controllers/informer_lifecycle.h"

namespace sampan::controllers {
namespace {

using api::NameOf;
using api::NamespaceOf;
using api::builtin::ServiceAccounts;

using api::Json;

const log::Logger kLog("controller");

}  // namespace

ServiceAccountsController::ServiceAccountsController(client::Client& client)
    : client_(client),
      namespaces_(client, api::builtin::Namespaces()),
      accounts_(client, ServiceAccounts(), "",
                client::ListOptions{.field_selector = "metadata.name=default"}),
      runner_("serviceaccount", [this](const std::string& key) { return Sync(key); }) {
  auto add_ns = [this](const client::ObjectPtr& ns) { runner_.queue().Add(NameOf(*ns)); };
  namespaces_.AddHandlers(
      {add_ns, [add_ns](const client::ObjectPtr&, const client::ObjectPtr& n) { add_ns(n); },
       nullptr});
  accounts_.AddHandlers({nullptr, nullptr, [this](const client::ObjectPtr& sa) {
                           runner_.queue().Add(NamespaceOf(*sa));
                         }});
}

ServiceAccountsController::~ServiceAccountsController() { Stop(); }

void ServiceAccountsController::Start() { StartAfterSync({&namespaces_, &accounts_}, runner_); }

void ServiceAccountsController::Stop() { StopWorkersThenInformers(runner_, {&namespaces_, &accounts_}); }

Status ServiceAccountsController::Sync(const std::string& ns) {
  client::ObjectPtr namespace_ = namespaces_.Get(ns);
  if (!namespace_) return Status::Ok();
  const Json& status = api::ObjectField(*namespace_, "status");
  if (api::GetString(status, "phase") == "Terminating") return Status::Ok();
  if (accounts_.Get(ns + "/default")) return Status::Ok();
  Json sa = {{"apiVersion", "v1"},
             {"kind", "ServiceAccount"},
             {"metadata", {{"name", "default"}, {"namespace", ns}}}};
  Result<Json> created = client_.Create(ServiceAccounts(), sa);
  if (created.ok()) {
    kLog.Info("serviceaccount {}/default created", ns);
    return Status::Ok();
  }
  // Someone else made it (the cache lags), or the namespace is going away.
  if (created.status().IsAlreadyExists() || created.status().code() == Code::kForbidden ||
      created.status().IsNotFound()) {
    return Status::Ok();
  }
  return created.status();
}

}  // namespace sampan::controllers
