#pragma once
// ApiServer: the Kubernetes API over HTTPS. Wires the HTTP server to authentication,
// authorization, discovery and the REST handlers over the store; creates the built-in
// namespaces and the `kubernetes` service on first start.
//
// Threading: requests run on the HTTP server's workers; timers (watch timeouts, bookmarks)
// on an own dispatcher thread. Start() and Stop() from one controlling thread.

#include <memory>
#include <string>
#include <vector>

#include "pkg/apiserver/authn.h"
#include "pkg/apiserver/admission/chain.h"
#include "pkg/apiserver/node_bootstrap.h"
#include "pkg/apiserver/service_account_tokens.h"
#include "pkg/client/transport.h"
#include "pkg/util/clock.h"
#include "pkg/util/http_server.h"
#include "storage/store.h"

namespace sampan::apiserver {

// A control-plane component `sampan server` may run next to the API server (ComponentStatus).
struct ControlPlaneComponent {
  std::string name;           // "scheduler", "controller-manager"
  bool running = true;        // runs in this server's process
  std::string disabled_flag;  // what turned it off, for the Unhealthy message
};

struct ApiServerOptions {
  storage::Store* store = nullptr;
  const Clock* clock = nullptr;  // nullptr = real clock
  std::string bind_address = "0.0.0.0";
  int port = 6443;
  std::string advertise_address = "127.0.0.1";  // for the `kubernetes` endpoints
  std::string service_cidr = "10.43.0.0/16";
  std::string node_port_range = "30000-32767";
  // TLS: serving cert/key and the CA that signs client certificates. Empty = plain HTTP
  // (tests of the API layer only; authentication then trusts nobody).
  std::string cert_file, key_file, client_ca_file;
  // How the API server reaches kubelets (pods/log, pods/exec): its client certificate and
  // the CA their serving certificates chain to. Empty: those subresources answer 503.
  std::string kubelet_client_cert_file, kubelet_client_key_file, kubelet_ca_file;
  // Bearer tokens accepted, with the identity they carry.
  std::vector<StaticToken> tokens;
  // The service-account signing key (PEM, created when missing; k3s: server/tls/service.key).
  // Empty: a key made in memory for this run (tests of the API layer).
  std::string service_account_key_file;
  ServiceAccountTokenOptions service_account_tokens;
  // --anonymous-auth: requests without credentials are system:anonymous instead of 401.
  bool anonymous_auth = false;
  int worker_threads = 8;
  // Settings of the admission plugins (admission/chain.h).
  AdmissionOptions admission;
  // The control-plane components running next to this API server, for ComponentStatus
  // (component_statuses.h); the store is always listed, as etcd-0.
  std::vector<ControlPlaneComponent> components;
  // How agents join (/cacerts, /v1-k3s/...; node_bootstrap.h). No token secret: not served.
  NodeBootstrapOptions node_bootstrap;
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options);
  virtual ~ApiServer() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
  // A client transport for components in this process, acting as `user` (see
  // in_process_transport.h). Valid until Stop().
  virtual std::shared_ptr<client::Transport> InProcessTransport(UserInfo user) = 0;
  // The legacy token of a kubernetes.io/service-account-token Secret of `account` (both as
  // stored), signed with the service-account key (for the tokens controller).
  virtual Result<std::string> LegacyServiceAccountToken(const api::Json& account,
                                                        const api::Json& secret) = 0;
};

}  // namespace sampan::apiserver
