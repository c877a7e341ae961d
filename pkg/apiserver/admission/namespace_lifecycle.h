#pragma once
// NamespaceLifecycle admission (upstream's plugin of that name), validating: a namespaced
// object can only be created in a namespace that exists and is not being deleted.
// Reads the namespace on every create, but parses it only when its revision changed (every
// create pays this check; parsing was a sixth of a small create's cost). Thread-safe.

#include <mutex>
#include <string>
#include <unordered_map>

#include "pkg/apiserver/admission/plugin.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

class NamespaceLifecycle final : public Plugin {
 public:
  explicit NamespaceLifecycle(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "NamespaceLifecycle"; }
  Verdict Validate(const Attributes& a) override;

 private:
  struct Seen {
    int64_t revision = 0;
    bool terminating = false;
  };
  // Whether the stored namespace (at kv.mod_revision) is being deleted.
  Result<bool> Terminating(const storage::KeyValue& kv);

  storage::Store& store_;
  std::mutex mu_;
  std::unordered_map<std::string, Seen> seen_;  // by storage key; guarded by mu_
};

}  // namespace sampan::apiserver::admission
