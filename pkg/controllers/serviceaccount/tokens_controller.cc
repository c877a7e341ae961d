#include "pkg/controllers/serviceaccount/tokens_controller.h"

#include "pkg/api/builtin_resources.h"
#include "pkg/controllers/informer_lifecycle.h"
#include "pkg/util/base64.h"

namespace sampan::controllers {
namespace {

using api::builtin::Secrets;
using api::builtin::ServiceAccounts;

using api::Json;

const log::Logger kLog("controller");

const Json& Meta(const Json& obj) { return api::ObjectField(obj, "metadata"); }

bool IsTokenSecret(const Json& secret) {
  return api::GetString(secret, "type") == kServiceAccountTokenType;
}

}  // namespace

TokensController::TokensController(client::Client& client, LegacyTokenFn sign, std::string ca_pem)
    : client_(client),
      sign_(std::move(sign)),
      ca_pem_(std::move(ca_pem)),
      secrets_(client, Secrets()),
      accounts_(client, ServiceAccounts()),
      runner_("serviceaccount-token", [this](const std::string& key) { return Sync(key); }) {
  auto add = [this](const client::ObjectPtr& s) {
    if (IsTokenSecret(*s)) runner_.queue().Add(client::ObjectKey(*s));
  };
  secrets_.AddHandlers(
      {add, [add](const client::ObjectPtr&, const client::ObjectPtr& s) { add(s); }, nullptr});
  // A deleted account takes its token secrets along.
  accounts_.AddHandlers(
      {nullptr, nullptr, [this](const client::ObjectPtr& sa) {
         std::string ns = api::GetString(Meta(*sa), "namespace");
         std::string name = api::GetString(Meta(*sa), "name");
         for (const client::ObjectPtr& s : secrets_.List()) {
           const Json& m = Meta(*s);
           if (IsTokenSecret(*s) && api::GetString(m, "namespace") == ns &&
               api::GetString(api::ObjectField(m, "annotations"), kServiceAccountNameKey) == name) {
             runner_.queue().Add(client::ObjectKey(*s));
           }
         }
       }});
}

TokensController::~TokensController() { Stop(); }

void TokensController::Start() { StartAfterSync({&secrets_, &accounts_}, runner_); }

void TokensController::Stop() { StopWorkersThenInformers(runner_, {&secrets_, &accounts_}); }

Status TokensController::Sync(const std::string& key) {
  client::ObjectPtr cached = secrets_.Get(key);
  if (!cached || !IsTokenSecret(*cached)) return Status::Ok();
  const Json& meta = Meta(*cached);
  std::string ns = api::GetString(meta, "namespace");
  std::string name = api::GetString(meta, "name");
  const Json& annotations = api::ObjectField(meta, "annotations");
  std::string sa_name = api::GetString(annotations, kServiceAccountNameKey);
  std::string sa_uid = api::GetString(annotations, kServiceAccountUidKey);
  // The cache may lag a new account: ask the server before deleting anything.
  Result<Json> sa = client_.Get(ServiceAccounts(), ns, sa_name);
  if (!sa.ok() && !sa.status().IsNotFound()) return sa.status();
  if (!sa.ok() || (!sa_uid.empty() && api::UidOf(*sa) != sa_uid)) {
    Status deleted = client_.Delete(Secrets(), ns, name);
    if (deleted.ok()) {
      kLog.Info("secret {}/{} deleted: its service account {} is gone", ns, name, sa_name);
    }
    return deleted.ok() || deleted.IsNotFound() ? Status::Ok() : deleted;
  }
  const Json& data = api::ObjectField(*cached, "data");
  if (!sa_uid.empty() && !api::GetString(data, "token").empty() &&
      !api::GetString(data, "ca.crt").empty() && !api::GetString(data, "namespace").empty()) {
    return Status::Ok();
  }
  Json secret = *cached;
  secret["metadata"]["annotations"][kServiceAccountUidKey] = api::UidOf(*sa);
  ASSIGN_OR_RETURN(std::string token, sign_(*sa, secret));
  Json& out = secret["data"];
  if (!out.is_object()) out = Json::object();
  out["token"] = Base64Encode(token);
  out["ca.crt"] = Base64Encode(ca_pem_);
  out["namespace"] = Base64Encode(ns);
  Result<Json> updated = client_.Update(Secrets(), secret);
  if (!updated.ok()) return updated.status().IsNotFound() ? Status::Ok() : updated.status();
  kLog.Info("secret {}/{}: token of service account {} filled in", ns, name, sa_name);
  return Status::Ok();
}

}  // namespace sampan::controllers
