#pragma once
// NamespaceLifecycle admission (upstream's plugin of that name), validating: a namespaced
// object can only be created in a namespace that exists and is not being deleted.
// Stateless apart from the store it reads; thread-safe.

#include "pkg/apiserver/admission/plugin.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

class NamespaceLifecycle final : public Plugin {
 public:
  explicit NamespaceLifecycle(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "NamespaceLifecycle"; }
  Verdict Validate(const Attributes& a) override;

 private:
  storage::Store& store_;
};

}  // namespace sampan::apiserver::admission
