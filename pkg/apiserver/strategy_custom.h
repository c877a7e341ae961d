#pragma once
// The rules for objects of custom resources (r.custom set): the version's structural
// schema gives defaults and validation; with a status subresource, creates drop status and
// updates of the main resource keep it (the base Strategy). Also the scale subresource of
// custom resources, read and written at the CRD's specReplicasPath/statusReplicasPath/
// labelSelectorPath. Stateless; one instance per request.

#include "pkg/api/custom_resource.h"
#include "pkg/apiserver/strategy.h"

namespace sampan::apiserver {

class CustomResourceStrategy : public Strategy {
 public:
  explicit CustomResourceStrategy(const api::ResourceInfo& r) : r_(r) {}
  void Default(api::Json& obj) const override;
  void Validate(const api::Json& obj, const api::Json* old,
                std::vector<Cause>& causes) const override;
  void PrepareForCreate(api::Json& obj) const override;

 private:
  const api::ResourceInfo& r_;
};

// The autoscaling/v1 Scale of a custom object.
api::Json CustomScale(const api::ResourceInfo& r, const api::Json& object);
// The replicas of a custom object's spec (at specReplicasPath), or 0.
int64_t CustomSpecReplicas(const api::ResourceInfo& r, const api::Json& object);
// Sets specReplicasPath to `replicas`, creating the objects on the way.
void SetCustomSpecReplicas(const api::ResourceInfo& r, api::Json& object,
                           const api::Json& replicas);

}  // namespace sampan::apiserver
