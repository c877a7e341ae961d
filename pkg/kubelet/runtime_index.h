#pragma once
// RuntimeIndex: which sandboxes and containers belong to which pod, so that a pod's sync
// reads the state of its own few instead of every container on the node (a full listing
// costs a file read per container: O(pods) per sync, O(pods^2) per wave of starts).
// Filled from full listings (the kubelet's relist) and from the kubelet's own creates. An id
// leaves only when the runtime reports it gone, so a listing that raced with a create never
// hides the new container. Thread-safe.

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "pkg/kubelet/pod_runtime.h"

namespace sampan::kubelet {

class RuntimeIndex {
 public:
  // Adds everything a full listing found; `primed()` from then on.
  void Learn(const std::map<std::string, PodRuntime>& by_pod);
  bool primed() const;

  void AddSandbox(const std::string& pod_uid, const std::string& id);
  void AddContainer(const std::string& pod_uid, const std::string& id);
  void Forget(const std::string& pod_uid, const std::string& id);

  struct Ids {
    std::set<std::string> sandboxes;
    std::set<std::string> containers;
  };
  Ids Of(const std::string& pod_uid) const;

 private:
  mutable std::mutex mu_;
  bool primed_ = false;
  std::map<std::string, Ids> pods_;
};

}  // namespace sampan::kubelet
