#pragma once
// The kubeconfig `sampan kubectl` connects with: `--kubeconfig`, else $KUBECONFIG (the first
// file of a colon-separated list), else the server's admin kubeconfig /etc/sampan/sampan.yaml
// (k3s' choice for `k3s kubectl`). The current context (or `--context`) names a cluster
// (server URL, CA as data or file, insecure-skip-tls-verify) and a user (client certificate
// and key as data or files, or a bearer token) and a default namespace.

#include <string>

#include "pkg/util/http_client.h"
#include "pkg/util/status.h"

namespace sampan::kubectl {

inline constexpr const char* kDefaultKubeconfig = "/etc/sampan/sampan.yaml";

struct Kubeconfig {
  std::string path;
  std::string server;          // https://HOST:PORT
  std::string namespace_;      // the context's namespace, "" = default
  http::ClientOptions client;  // host, port, TLS files, bearer token
};

// `explicit_path` and `context` may be empty. PEM data embedded in the file is handed to
// OpenSSL through memory files (memfd), never written to disk.
Result<Kubeconfig> LoadKubeconfig(const std::string& explicit_path, const std::string& context);

}  // namespace sampan::kubectl
