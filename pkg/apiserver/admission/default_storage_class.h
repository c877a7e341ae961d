#pragma once
// DefaultStorageClass admission (upstream's plugin of that name), mutating: a new
// PersistentVolumeClaim that does not name a class (spec.storageClassName absent or null;
// "" explicitly asks for none) gets the default StorageClass, the one annotated
// storageclass.kubernetes.io/is-default-class: "true" (or the beta annotation); with
// several, the newest (then the first by name), as upstream 1.33. No default: unchanged.
// Reads StorageClasses from the store on each claim create; thread-safe.

#include "pkg/apiserver/admission/plugin.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

class DefaultStorageClass final : public Plugin {
 public:
  explicit DefaultStorageClass(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "DefaultStorageClass"; }
  Verdict Admit(Attributes& a) override;

 private:
  storage::Store& store_;
};

}  // namespace sampan::apiserver::admission
