#pragma once
// ResourceQuota admission (upstream's plugin of that name), validating and last in the
// chain: a create (or an update of a service or claim that grows its usage) is charged
// against every ResourceQuota of its namespace that tracks what it uses
// (pkg/api/quota_usage.h), by raising the quota's status.used in the store. A charge that
// would exceed status.hard is refused with 403
// `exceeded quota: NAME, requested: pods=1, used: pods=2, limited: pods=2`; a pod without
// the cpu/memory requests or limits a quota tracks with `failed quota: NAME: must specify
// ...`. As upstream, only resources the quota's status.hard lists are enforced (a quota the
// controller has not counted yet restricts nothing), and charges are never refunded here:
// the resource quota controller recounts on deletions and periodically.
//
// Concurrency: charges of one namespace are serialized by a lock per namespace, and each is
// a compare-and-swap on the quota's stored revision (retried on conflict, e.g. with the
// controller's recount), so two creates racing for the last unit cannot both pass.
// dryRun requests are checked but charge nothing.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "pkg/apiserver/admission/plugin.h"
#include "storage/store.h"

namespace sampan::apiserver::admission {

class ResourceQuota final : public Plugin {
 public:
  explicit ResourceQuota(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "ResourceQuota"; }
  Verdict Validate(const Attributes& a) override;

 private:
  std::mutex& NamespaceLock(const std::string& ns);
  // One evaluation against the current quotas; kConflict from the store means retry.
  Result<Verdict> Charge(const Attributes& a);

  storage::Store& store_;
  std::mutex locks_mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;  // namespace -> its lock
};

}  // namespace sampan::apiserver::admission
