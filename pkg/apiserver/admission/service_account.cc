#include "pkg/apiserver/admission/service_account.h"

#include "pkg/apiserver/admission/stored_objects.h"
#include "pkg/apiserver/service_account_admission.h"

namespace sampan::apiserver::admission {

Verdict ServiceAccount::Admit(Attributes& a) {
  if (a.operation != Operation::kCreate || a.object == nullptr) return std::nullopt;
  auto lookup = [this](const std::string& resource, const std::string& ns,
                       const std::string& name) -> Result<api::Json> {
    const api::ResourceInfo* r = api::Registry::Builtin().Find("", "v1", resource);
    if (r == nullptr) return Status::Internal("no resource " + resource);
    ASSIGN_OR_RETURN(StoredObject stored, GetStored(store_, *r, ns, name));
    return std::move(stored.object);
  };
  ApiError error = AdmitServiceAccount(*a.resource, *a.object, a.ns, lookup);
  if (error.code != 0) return error;
  return std::nullopt;
}

}  // namespace sampan::apiserver::admission
