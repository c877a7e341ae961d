#pragma once
// NodeRestriction admission (upstream's plugin of that name), for requests of a node's
// identity (user system:node:<node> in group system:nodes, what `sampan agent` uses): a node
// may write only its own Node object and its own Lease (in kube-node-lease), may create only
// mirror pods bound to itself and delete only pods bound to itself; it may not update pods
// (their status goes through the status subresource, which admission does not see here).
// Other users and other resources are left alone. Stateless; thread-safe.

#include "pkg/apiserver/admission/plugin.h"

namespace sampan::apiserver::admission {

class NodeRestriction final : public Plugin {
 public:
  std::string_view name() const override { return "NodeRestriction"; }
  Verdict Validate(const Attributes& a) override;
};

}  // namespace sampan::apiserver::admission
