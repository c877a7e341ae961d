#pragma once
// NamespaceFinalizer: finishes the deletion of namespaces. When a namespace is Terminating
// it deletes everything in it (objects with finalizers are marked and waited for), then
// removes the `kubernetes` finalizer so the namespace itself goes. Runs on a StoreWatchLoop:
// woken by changes to namespaces, and rechecking every second while work remains.
// (The namespace controller proper moves to pkg/controllers with the client library.)

#include <memory>

#include "pkg/api/served_registry.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/apiserver/store_watch_loop.h"

namespace sampan::apiserver {

class NamespaceFinalizer {
 public:
  // `served`: the resources whose objects a namespace holds (built-in and custom).
  static Result<std::unique_ptr<NamespaceFinalizer>> Start(RestHandler& rest,
                                                           const api::ServedRegistry& served);
  ~NamespaceFinalizer();
  void Stop();

 private:
  NamespaceFinalizer(RestHandler& rest, const api::ServedRegistry& served)
      : rest_(rest), served_(served) {}
  // One look at every terminating namespace; true while one is not finished.
  bool Pass();
  // Returns true if the namespace is finished (or gone).
  bool Finalize(const std::string& ns);

  RestHandler& rest_;
  const api::ServedRegistry& served_;
  std::unique_ptr<StoreWatchLoop> loop_;
};

}  // namespace sampan::apiserver
