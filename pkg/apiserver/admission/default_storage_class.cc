#include "pkg/apiserver/admission/default_storage_class.h"

#include "pkg/apiserver/admission/stored_objects.h"

namespace sampan::apiserver::admission {
namespace {

bool IsDefault(const api::Json& storage_class) {
  const api::Json& annotations =
      api::ObjectField(api::ObjectField(storage_class, "metadata"), "annotations");
  return api::GetString(annotations, "storageclass.kubernetes.io/is-default-class") == "true" ||
         api::GetString(annotations, "storageclass.beta.kubernetes.io/is-default-class") == "true";
}

}  // namespace

Verdict DefaultStorageClass::Admit(Attributes& a) {
  if (a.operation != Operation::kCreate || a.object == nullptr ||
      a.resource->storage_name != "core/persistentvolumeclaims") {
    return std::nullopt;
  }
  api::Json& obj = *a.object;
  if (!obj.contains("spec") || !obj["spec"].is_object()) return std::nullopt;
  const api::Json* current = api::Find(obj["spec"], "storageClassName");
  if (current != nullptr && !current->is_null()) return std::nullopt;
  const api::ResourceInfo* classes =
      api::Registry::Builtin().Find("storage.k8s.io", "v1", "storageclasses");
  Result<std::vector<StoredObject>> stored = ListStored(store_, *classes, "");
  if (!stored.ok()) return FromStatus(stored.status());
  const api::Json* chosen = nullptr;
  std::string chosen_created, chosen_name;
  for (const StoredObject& s : *stored) {
    if (!IsDefault(s.object)) continue;
    const api::Json& meta = api::ObjectField(s.object, "metadata");
    // RFC 3339 timestamps in one format compare as strings.
    std::string created = api::GetString(meta, "creationTimestamp");
    std::string name = api::GetString(meta, "name");
    if (chosen == nullptr || created > chosen_created ||
        (created == chosen_created && name < chosen_name)) {
      chosen = &s.object;
      chosen_created = created;
      chosen_name = name;
    }
  }
  if (chosen != nullptr) obj["spec"]["storageClassName"] = chosen_name;
  return std::nullopt;
}

}  // namespace sampan::apiserver::admission
