#include "pkg/apiserver/admission/stored_objects.h"

#include "pkg/apiserver/object_codec.h"
#include "pkg/apiserver/version_conversion.h"

namespace sampan::apiserver::admission {

Result<std::vector<StoredObject>> ListStored(storage::Store& store, const api::ResourceInfo& r,
                                             const std::string& ns) {
  ASSIGN_OR_RETURN(storage::ListResult list, store.List(StoragePrefix(r, ns), {}));
  std::vector<StoredObject> out;
  out.reserve(list.items.size());
  for (const storage::KeyValue& kv : list.items) {
    Result<api::Json> obj = DecodeServed(r, kv.value, kv.mod_revision);
    if (!obj.ok()) continue;  // an undecodable row is not this request's problem
    out.push_back({std::move(*obj), kv.mod_revision});
  }
  return out;
}

Result<StoredObject> GetStored(storage::Store& store, const api::ResourceInfo& r,
                               const std::string& ns, const std::string& name) {
  ASSIGN_OR_RETURN(storage::KeyValue kv, store.Get(StorageKey(r, ns, name)));
  ASSIGN_OR_RETURN(api::Json obj, DecodeServed(r, kv.value, kv.mod_revision));
  return StoredObject{std::move(obj), kv.mod_revision};
}

Result<int64_t> UpdateStored(storage::Store& store, const api::ResourceInfo& r,
                             const api::Json& object, int64_t revision) {
  const api::Json& meta = api::ObjectField(object, "metadata");
  std::string key = StorageKey(r, api::GetString(meta, "namespace"), api::GetString(meta, "name"));
  api::Json stored = object;
  ConvertToStorageVersion(r, stored);
  ASSIGN_OR_RETURN(storage::KeyValue kv, store.Update(key, EncodeForStorage(stored), revision));
  return kv.mod_revision;
}

}  // namespace sampan::apiserver::admission
