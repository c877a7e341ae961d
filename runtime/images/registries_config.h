#pragma once
// registries.yaml as k3s reads it (/etc/sampan/registries.yaml, or --private-registry FILE):
//
//   mirrors:
//     docker.io:                       # a registry host, or "*" for every registry
//       endpoint: ["https://mirror.local:5000", "http://10.0.0.1:5000"]
//       rewrite: {"^library/(.*)": "mirrored/$1"}   # repository rewrites for the mirrors
//   configs:
//     "mirror.local:5000":             # per endpoint host
//       auth: {username: u, password: p}   # or auth: base64(u:p), or identitytoken
//       tls: {ca_file: ..., cert_file: ..., key_file: ..., insecure_skip_verify: false}
//
// A pull tries the mirror endpoints in order, then the registry itself over HTTPS
// (docker.io: registry-1.docker.io). Plain HTTP only for endpoints written as http://, and
// unverified TLS only with insecure_skip_verify. Plain data, copyable.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::images {

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string identity_token;  // OAuth2 refresh token for the token server
  bool empty() const { return username.empty() && identity_token.empty(); }
};

struct RegistryTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
};

struct RegistryHostConfig {
  RegistryAuth auth;
  RegistryTls tls;
};

struct Mirror {
  std::vector<std::string> endpoints;
  std::vector<std::pair<std::string, std::string>> rewrites;  // regex -> replacement
};

// Where to send registry requests for one repository.
struct Endpoint {
  bool plain_http = false;
  std::string host;  // name or IP (IPv6 without brackets)
  int port = 443;
  std::string path_prefix;  // "" or "/some/prefix" (requests go to <prefix>/v2/...)
  std::string repository;   // after rewrites
  RegistryHostConfig config;
  bool is_default = false;  // the registry itself rather than a mirror
  std::string str() const;  // "https://host:port/prefix"
};

struct RegistriesConfig {
  std::map<std::string, Mirror> mirrors;
  std::map<std::string, RegistryHostConfig> configs;

  static Result<RegistriesConfig> Parse(std::string_view yaml);
  // Reads `path`; a missing file is an empty config when `optional`.
  static Result<RegistriesConfig> Load(const std::string& path, bool optional);

  // Endpoints to try for `domain`/`repository`, in order.
  Result<std::vector<Endpoint>> EndpointsFor(const std::string& domain,
                                             const std::string& repository) const;
};

// "https://host:port/path" -> endpoint fields (scheme, host, port, path).
Result<Endpoint> ParseEndpointUrl(std::string_view url);

}  // namespace sampan::images
