#pragma once
// The service-accounts controller (kube-controller-manager's of that name): every namespace
// that is not terminating has a ServiceAccount named `default`; it is created when the
// namespace appears and again when it is deleted. Keys are namespace names, enqueued by the
// namespace informer and by deletions seen by the (name-filtered) service-account informer.

#include <memory>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"

namespace sampan::controllers {

class ServiceAccountsController {
 public:
  explicit ServiceAccountsController(client::Client& client);
  ~ServiceAccountsController();
  void Start();
  void Stop();
  Status Sync(const std::string& ns);

 private:
  client::Client& client_;
  client::Informer namespaces_;
  client::Informer accounts_;  // only those named `default`
  Runner runner_;
};

}  // namespace sampan::controllers
