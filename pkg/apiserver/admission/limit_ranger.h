#pragma once
// LimitRanger admission (upstream's plugin of that name) over the LimitRanges of the
// request's namespace (limit_range_rules.h has the rules):
// - mutating: a new pod gets the Container defaults of every LimitRange;
// - validating: a new pod, and a new or changed PersistentVolumeClaim, must respect every
//   LimitRange's min, max and maxLimitRequestRatio; otherwise 403
//   `pods "x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, ...]`.
// Pod updates are not checked (containers' resources cannot change), as upstream.
// Reads LimitRanges from the store on each pod or claim write; thread-safe.

#include "pkg/apiserver/admission/plugin.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

class LimitRanger final : public Plugin {
 public:
  explicit LimitRanger(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "LimitRanger"; }
  Verdict Admit(Attributes& a) override;
  Verdict Validate(const Attributes& a) override;

 private:
  storage::Store& store_;
};

}  // namespace sampan::apiserver::admission
