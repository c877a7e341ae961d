#pragma once
// The API server's key material, following k3s's layout and rules:
// - EnsureServerCerts creates, on first start, under <data-dir>/server/tls/ a server CA, a
//   client CA, the serving certificate (serving-kube-apiserver) and the admin client
//   certificate (client-admin: CN system:admin, O system:masters), the API server's client
//   certificate for kubelets (client-kube-apiserver: CN kube-apiserver-kubelet-client,
//   O system:masters) and the local kubelet's serving certificate (signed by the server CA,
//   under <data-dir>/agent/serving-kubelet.{crt,key}). Later starts reuse the
//   CAs as they are, and reuse each leaf unless it is broken, not signed by the current CA,
//   within kRenewBefore of expiry, or (serving) missing a SAN asked for now, e.g. a new
//   --tls-san; only that leaf is then issued again.
// - WriteKubeconfig writes the admin kubeconfig (cluster, context and user "default").
// - EnsureToken writes <data-dir>/server/token as K10<sha256 of server-ca.crt>::server:<secret>
//   so that joining nodes can check the CA they are given; ParseToken reads any k3s token.
// Keys and the token are written 0600, every file atomically (see WriteFileAtomic). A broken
// CA file is an error (replacing a CA silently would cut off every client); a broken leaf is
// replaced. Call from one thread at start-up; these functions block on disk I/O.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::apiserver {

// Leaf certificates are issued again at start when less than this remains (k3s's rule).
inline constexpr std::chrono::seconds kRenewBefore = std::chrono::days(120);

struct CertsConfig {
  std::string data_dir;                  // files go to <data_dir>/server/tls/
  std::string host_name;                 // empty: gethostname()
  std::vector<std::string> node_ips;     // --node-ip (and the detected addresses)
  std::vector<std::string> tls_sans;     // --tls-san: host names or IP addresses
  std::string service_ip = "10.43.0.1";  // first address of the service CIDR
  std::string cluster_domain = "cluster.local";
};

// One certificate and its key: where they are and what they contain (PEM, the exact bytes
// of the files).
struct CertFiles {
  std::string cert_path;
  std::string key_path;
  std::string cert_pem;
  std::string key_pem;
};

struct ServerCerts {
  std::string tls_dir;
  CertFiles server_ca;  // signs the serving certificate; what clients trust
  CertFiles client_ca;  // signs client certificates; what the API server trusts for authn
  CertFiles serving;    // serving-kube-apiserver.{crt,key}
  CertFiles admin;      // client-admin.{crt,key}
  // The API server's identity towards kubelets (pods/log, exec): client-kube-apiserver.
  CertFiles kubelet_client;
  // The local kubelet's HTTPS certificate (<data-dir>/agent/serving-kubelet.{crt,key}): the
  // host name, localhost, 127.0.0.1 and the node IPs.
  CertFiles kubelet_serving;
};

// CN of the API server's kubelet client certificate; kubelets let it (and system:masters) in.
inline constexpr char kKubeletClientUser[] = "kube-apiserver-kubelet-client";

Result<ServerCerts> EnsureServerCerts(const CertsConfig& config);

// The SANs the serving certificate must carry: kubernetes, kubernetes.default,
// kubernetes.default.svc, kubernetes.default.svc.<domain>, localhost, the host name,
// 127.0.0.1, ::1, the service IP, the node IPs and every tls-san. DNS names are lower-case,
// IPs canonical, duplicates dropped. Invalid if an IP field does not hold an IP.
struct SanSet {
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
};
Result<SanSet> ServingSans(const CertsConfig& config);

// A kubeconfig with cluster, context and user "default" and the credentials inline (base64
// certificate-authority-data, client-certificate-data, client-key-data).
std::string RenderKubeconfig(const std::string& server_url, const std::string& ca_pem,
                             const std::string& client_cert_pem, const std::string& client_key_pem);
// Writes RenderKubeconfig(...) to `path` with `mode` (applied even if the file exists),
// creating missing parent directories (0755). Writes nothing if the file already matches.
Status WriteKubeconfig(const std::string& path, mode_t mode, const std::string& server_url,
                       const std::string& ca_pem, const std::string& client_cert_pem,
                       const std::string& client_key_pem);

// A k3s token: "K10<ca hash>::<username>:<password>", or a bare password (then ca_hash and
// username are empty: the CA is not checked). Error messages never include the secret.
struct ParsedToken {
  std::string ca_hash;  // lower-case hex sha256 of the server CA PEM, or empty
  std::string username;
  std::string password;
};
Result<ParsedToken> ParseToken(std::string_view token);
std::string FormatToken(std::string_view ca_hash, std::string_view username,
                        std::string_view password);

// Ensures <data_dir>/server/token (0600) holds K10<sha256(ca_pem)>::server:<secret> and
// returns that token. The secret is, in order of preference: the password of `requested`
// (--token; a full token must name this CA), the one already in the file, 16 fresh random
// bytes as hex. A changed CA only changes the hash part. Also links server/node-token to it
// as k3s does. A token file that does not parse is an error, not silently replaced: agents
// may have joined with it.
Result<std::string> EnsureToken(const std::string& data_dir, const std::string& ca_pem,
                                std::string_view requested = {});

}  // namespace sampan::apiserver
