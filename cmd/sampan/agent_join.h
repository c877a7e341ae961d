#pragma once
// How `sampan agent` gets its node identity, as k3s's agent does:
//  1. GET <server>/cacerts without verifying the server, and refuse the CA unless its SHA-256
//     is the hash in the token (K10<hash>::user:secret; a bare secret skips the check);
//  2. from then on trusting only that CA, with HTTP Basic "node:<secret>", the node's name
//     and password (<data-dir>/agent/node-password, made once): the client CA, a client
//     certificate for system:node:<node> (group system:nodes) and the kubelet's serving
//     certificate for the node's name and IPs, each with a key the server made, and the
//     cluster settings nodes need (/v1-k3s/config: cluster CIDR, DNS IP and domain).
// The files live under <data-dir>/agent/ and are reused on restart (no server needed) while
// they are intact, name this node, chain to the token's CA and are not close to expiry.
//
// Threading: call from one thread; blocks on disk and network I/O.

#include <string>
#include <vector>

#include "pkg/apiserver/node_bootstrap.h"
#include "pkg/util/status.h"

namespace sampan::cmd {

struct JoinConfig {
  std::string server_url;  // https://HOST:PORT
  std::string token;       // K10<ca hash>::<user>:<secret>, or the bare secret
  std::string data_dir;    // files go to <data_dir>/agent/
  std::string node_name;
  std::vector<std::string> node_ips;
};

struct NodeCredentials {
  std::string server_host;
  int server_port = 0;
  std::string server_ca_file;    // what the API server's certificate chains to
  std::string client_ca_file;    // what the API server's kubelet client chains to
  std::string client_cert_file;  // system:node:<node>
  std::string client_key_file;
  std::string serving_cert_file;  // the kubelet API's
  std::string serving_key_file;
};

// Checks the flags: a https:// URL with a host and a token that parses. Invalid otherwise.
Status ValidateJoinConfig(const JoinConfig& config);

// The credentials already under <data-dir>/agent/ if they are still good for this node and
// token; NotFound (with the reason) otherwise.
Result<NodeCredentials> LoadNodeCredentials(const JoinConfig& config);

// The cluster settings the last join brought (<data-dir>/agent/cluster.json), or the
// defaults before any.
apiserver::NodeClusterSettings StoredClusterSettings(const std::string& data_dir);

// One attempt to join. Unavailable: the server could not be reached (retry later);
// Unauthorized (wrong token), Forbidden (CA hash or node password mismatch) and Invalid are
// final.
Result<NodeCredentials> JoinCluster(const JoinConfig& config);

}  // namespace sampan::cmd
