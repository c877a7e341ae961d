#pragma once
// NodeBootstrap: the endpoints a joining agent uses before it has an identity, as k3s's:
//  - GET /cacerts: the server CA (PEM), without authentication; the agent checks its
//    SHA-256 against the hash in its token (K10<hash>::...) before trusting it;
//  - GET /v1-k3s/server-ca.crt, /v1-k3s/client-ca.crt: the two CAs;
//  - GET /v1-k3s/config: the cluster settings a node needs (JSON: clusterCIDR, clusterDNS,
//    clusterDomain, kubernetesServiceIP);
//  - GET /v1-k3s/client-kubelet.crt: a client certificate for system:node:<node> (group
//    system:nodes) signed by the client CA, followed by its new key (PEM);
//  - GET /v1-k3s/serving-kubelet.crt: the kubelet's serving certificate for the node's name
//    and IPs (header k3s-Node-IP, comma-separated), signed by the server CA, and its key.
// Every /v1-k3s/ request authenticates with HTTP Basic "node:<secret>" or "server:<secret>"
// (the password of the cluster token): anything else is 401. The certificate requests name
// the node (header k3s-Node-Name) and carry the node's password (k3s-Node-Password): the
// first request for a node records a hash of it (<passwords_file>), later ones must match
// (403 otherwise), so that a token holder cannot take over another node's name.
//
// Threading: Serve() is thread-safe (one mutex around the password file).

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/pki.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

// What /v1-k3s/config tells nodes.
struct NodeClusterSettings {
  std::string cluster_cidr = "10.42.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  std::string kubernetes_service_ip = "10.43.0.1";
};

struct NodeBootstrapOptions {
  std::string token_secret;  // empty: the endpoints are not served
  std::string server_ca_cert_pem, server_ca_key_pem;
  std::string client_ca_cert_pem, client_ca_key_pem;
  std::string passwords_file;  // k3s: <data-dir>/server/cred/node-passwd
  NodeClusterSettings cluster;
};

class NodeBootstrap {
 public:
  static Result<std::unique_ptr<NodeBootstrap>> New(NodeBootstrapOptions options);
  // /cacerts and /v1-k3s/...
  static bool Handles(std::string_view path);
  void Serve(const http::Request& req, http::ResponseWriter& out);

 private:
  explicit NodeBootstrap(NodeBootstrapOptions options) : options_(std::move(options)) {}
  bool Authenticated(const http::Request& req) const;
  // OK when `password` is the one `node` joined with (recording it on the first join).
  Status CheckNodePassword(const std::string& node, const std::string& password);
  // "<cert PEM><key PEM>" for the node, signed by the given CA.
  Result<std::string> Issue(const CertSpec& spec, X509* ca_cert, EVP_PKEY* ca_key) const;

  const NodeBootstrapOptions options_;
  X509Ptr server_ca_, client_ca_;
  EvpPkeyPtr server_ca_key_, client_ca_key_;
  std::mutex passwords_mu_;
};

}  // namespace sampan::apiserver
