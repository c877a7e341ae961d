#pragma once
// Chain: the ordered admission plugins of the API server. Every create and update of a main
// resource runs Admit (mutating) of each plugin in order on the defaulted object, then the
// kind's validation, then Validate of each plugin in order; deletes run Validate. The first
// rejection stops the chain and is the request's answer.
//
// The order follows kube-apiserver's recommended plugin order:
//   NamespaceLifecycle, LimitRanger, ServiceAccount, DefaultStorageClass,
//   DefaultTolerationSeconds, NodeRestriction,
//   ResourceQuota (last, so it charges only writes every other plugin admitted).
//
// To add a plugin: write a class deriving from Plugin (plugin.h) in a file of its own in
// this folder (one concern, its contract at the top of the header), override Admit and/or
// Validate (check a.operation and a.resource yourself: every write reaches every plugin),
// and add it at its upstream place in DefaultChain() in chain.cc. Give it settings through
// AdmissionOptions if it needs flags, and test it in test/unit/pkg/apiserver/admission/.
//
// Threading: built once, then only read; Admit/Validate may be called from any thread.

#include <cstdint>
#include <memory>
#include <vector>

#include "pkg/apiserver/admission/plugin.h"
#include "pkg/util/clock.h"
#include "storage/store.h"

namespace sampan::apiserver {

// Settings of the admission plugins (flags of `sampan server`).
struct AdmissionOptions {
  // DefaultTolerationSeconds (kube-apiserver's --default-not-ready-toleration-seconds, ...).
  int64_t default_not_ready_toleration_seconds = 300;
  int64_t default_unreachable_toleration_seconds = 300;
  // ServiceAccount admission (kube-apiserver's --disable-admission-plugins=ServiceAccount
  // turns it off; tests of components that make pods without accounts do).
  bool service_account = true;
};

namespace admission {

class Chain {
 public:
  void Add(std::unique_ptr<Plugin> plugin);
  Verdict Admit(Attributes& a) const;
  Verdict Validate(const Attributes& a) const;

 private:
  std::vector<std::unique_ptr<Plugin>> plugins_;
};

// The API server's chain. Plugins read other objects (namespaces, LimitRanges, quotas,
// StorageClasses) straight from `store`, which must outlive the chain.
std::unique_ptr<Chain> DefaultChain(const AdmissionOptions& options, storage::Store& store,
                                    const Clock& clock);

}  // namespace admission
}  // namespace sampan::apiserver
