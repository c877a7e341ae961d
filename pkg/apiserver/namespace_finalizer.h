#pragma once
// NamespaceFinalizer: finishes the deletion of namespaces. When a namespace is Terminating
// it deletes everything in it (objects with finalizers are marked and waited for), then
// removes the `kubernetes` finalizer so the namespace itself goes. Runs on its own thread,
// woken by the store's watch on namespaces and rechecking every second while work remains.
// (The namespace controller proper moves to pkg/controllers with the client library.)

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "pkg/api/served_registry.h"
#include "pkg/apiserver/rest_handler.h"

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
  void Run();
  // Returns true if the namespace is finished (or gone).
  bool Finalize(const std::string& ns);

  RestHandler& rest_;
  const api::ServedRegistry& served_;
  std::unique_ptr<storage::Watch> watch_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = true;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sampan::apiserver
