#pragma once
// ServiceAccount admission as a plugin of the chain: on pod creation, AdmitServiceAccount
// (service_account_admission.h) assigns the account and mounts its token volume, reading
// service accounts and namespaces straight from the store. Stateless; thread-safe.

#include "pkg/apiserver/admission/plugin.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

class ServiceAccount final : public Plugin {
 public:
  explicit ServiceAccount(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "ServiceAccount"; }
  Verdict Admit(Attributes& a) override;

 private:
  storage::Store& store_;
};

}  // namespace sampan::apiserver::admission
