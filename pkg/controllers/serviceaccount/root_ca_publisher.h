#pragma once
// The root CA publisher (kube-controller-manager's root-ca-cert-publisher): every namespace
// that is not terminating has a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the CA that
// signs the API server's serving certificate, so pods can verify it. It is created when the
// namespace appears, recreated when deleted and its data restored when changed. Keys are
// namespace names.

#include <memory>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"

namespace sampan::controllers {

inline constexpr char kRootCaConfigMap[] = "kube-root-ca.crt";

class RootCaPublisher {
 public:
  // `ca_pem`: the server CA certificate (PEM).
  RootCaPublisher(client::Client& client, std::string ca_pem);
  ~RootCaPublisher();
  void Start();
  void Stop();
  Status Sync(const std::string& ns);

 private:
  client::Client& client_;
  const std::string ca_pem_;
  client::Informer namespaces_;
  client::Informer config_maps_;  // only those named kube-root-ca.crt
  Runner runner_;
};

}  // namespace sampan::controllers
