#pragma once
// DefaultTolerationSeconds admission (upstream's plugin of that name): a new pod that does
// not tolerate the node.kubernetes.io/not-ready or node.kubernetes.io/unreachable NoExecute
// taints gets a toleration for each with tolerationSeconds, so that taint-based eviction
// removes it that long after its node was lost instead of at once. Stateless; thread-safe.

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/admission/chain.h"
#include "pkg/apiserver/admission/plugin.h"

namespace sampan::apiserver {

// Adds the default tolerations to `obj` when it is a pod (other resources are left alone).
// A toleration with an empty key (or the taint's key) and an empty effect (or NoExecute)
// already counts as tolerating the taint, as upstream decides.
void AddDefaultTolerations(const AdmissionOptions& options, const api::ResourceInfo& r,
                           api::Json& obj);

namespace admission {

// The plugin: adds them to pods on create and update of the pod itself.
class DefaultTolerationSeconds final : public Plugin {
 public:
  explicit DefaultTolerationSeconds(const AdmissionOptions& options) : options_(options) {}
  std::string_view name() const override { return "DefaultTolerationSeconds"; }
  Verdict Admit(Attributes& a) override;

 private:
  const AdmissionOptions options_;
};

}  // namespace admission
}  // namespace sampan::apiserver
