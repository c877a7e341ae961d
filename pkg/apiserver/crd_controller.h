#pragma once
// CrdController: keeps the served custom resources in step with the stored
// CustomResourceDefinitions, and finishes the deletion of CRDs. Resync() publishes a new
// ServedRegistry snapshot from the stored CRDs; the API server calls it right after every
// write to a CRD (so a CRD is served as soon as its create returns) and at start (CRDs
// already stored). A CRD being deleted keeps being served while its thread deletes every
// object of it; then the `customresourcecleanup.apiextensions.k8s.io` finalizer goes, the
// CRD goes, and so do its resources from discovery.
//
// Threading: Resync() may be called from any thread (serialized inside); the cleanup runs
// on a StoreWatchLoop, woken by changes to CRDs and rechecking every second while work
// remains.

#include <memory>
#include <mutex>

#include "pkg/api/served_registry.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/store_watch_loop.h"

namespace sampan::apiserver {

class CrdController {
 public:
  static Result<std::unique_ptr<CrdController>> Start(RestHandler& rest,
                                                      api::ServedRegistry& served);
  ~CrdController();
  void Stop();
  void Resync();

 private:
  CrdController(RestHandler& rest, api::ServedRegistry& served) : rest_(rest), served_(served) {}
  // Resyncs and works on every CRD being deleted; true while one is not gone.
  bool Pass();
  // Deletes the objects of a CRD being deleted; true once the CRD itself is gone.
  bool Finish(const api::Json& crd);

  RestHandler& rest_;
  api::ServedRegistry& served_;
  std::mutex resync_mu_;
  std::unique_ptr<StoreWatchLoop> loop_;
};

}  // namespace sampan::apiserver
