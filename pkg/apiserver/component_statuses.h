#pragma once
// v1 ComponentStatus (`kubectl get componentstatuses`, short name `cs`): deprecated upstream
// since 1.19 but still served, with a Warning header on every answer. Nothing is stored:
// each read computes the items: `etcd-0` (the store answers a read; k3s names its kine
// store so too) and the control-plane components `sampan server` runs in its own process
// (scheduler, controller-manager), Healthy when this server runs them and Unhealthy, with
// the flag that turned them off, when it does not.
//
// Threading: Serve() is called on HTTP workers, concurrently; the object is immutable.

#include <string>
#include <vector>

#include "pkg/apiserver/api_server.h"
#include "pkg/apiserver/rest_handler.h"
#include "storage/store.h"

namespace sampan::apiserver {

class ComponentStatuses {
 public:
  ComponentStatuses(storage::Store& store, std::vector<ControlPlaneComponent> components);

  // get and list, as JSON or as a Table (NAME STATUS MESSAGE ERROR).
  Reply Serve(const RequestContext& ctx) const;

 private:
  std::vector<api::Json> Items() const;  // by name

  storage::Store& store_;
  std::vector<ControlPlaneComponent> components_;
};

}  // namespace sampan::apiserver
