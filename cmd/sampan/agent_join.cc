#include "cmd/sampan/agent_join.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "pkg/api/json.h"
#include "pkg/apiserver/certs.h"
#include "pkg/util/base64.h"
#include "pkg/util/fs.h"
#include "pkg/util/http_client.h"
#include "pkg/util/log.h"
#include "pkg/util/pki.h"

namespace sampan::cmd {
namespace {

const log::Logger kLog("agent");

constexpr mode_t kCertMode = 0644;
constexpr mode_t kSecretMode = 0600;

struct ServerAddress {
  std::string host;
  int port = 6443;
};

Result<ServerAddress> ParseServerUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  auto bad = [&] {
    return Status::Invalid(fmt::format("invalid --server \"{}\": want https://HOST[:PORT]", url));
  };
  if (!url.starts_with(kScheme)) return bad();
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  ServerAddress address;
  std::string_view port;
  if (rest.starts_with("[")) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad();
    address.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (rest.starts_with(":"))
      port = rest.substr(1);
    else if (!rest.empty())
      return bad();
  } else {
    size_t colon = rest.find(':');
    address.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (address.host.empty()) return bad();
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (ec != std::errc() || end != port.data() + port.size() || address.port < 1 ||
        address.port > 65535) {
      return bad();
    }
  }
  return address;
}

struct Paths {
  std::string dir;
  std::string password;
  NodeCredentials files;
};

Paths PathsFor(const JoinConfig& config, const ServerAddress& address) {
  Paths p;
  p.dir = config.data_dir + "/agent";
  p.password = p.dir + "/node-password";
  p.files.server_host = address.host;
  p.files.server_port = address.port;
  p.files.server_ca_file = p.dir + "/server-ca.crt";
  p.files.client_ca_file = p.dir + "/client-ca.crt";
  p.files.client_cert_file = p.dir + "/client-kubelet.crt";
  p.files.client_key_file = p.dir + "/client-kubelet.key";
  p.files.serving_cert_file = p.dir + "/serving-kubelet.crt";
  p.files.serving_key_file = p.dir + "/serving-kubelet.key";
  return p;
}

// Why a certificate and key pair cannot be used (missing, broken, not from `ca`, expiring, or
// not what this node needs), or "".
std::string Unusable(const std::string& cert_path, const std::string& key_path, X509* ca,
                     const std::function<std::string(const CertInfo&)>& check) {
  Result<std::string> cert_pem = ReadFileToString(cert_path);
  Result<std::string> key_pem = ReadFileToString(key_path);
  if (!cert_pem.ok() || !key_pem.ok()) return cert_path + " or its key is missing";
  Result<X509Ptr> cert = DecodeCertPem(*cert_pem);
  Result<EvpPkeyPtr> key = DecodeKeyPem(*key_pem);
  if (!cert.ok() || !key.ok()) return cert_path + " or its key is unreadable";
  if (!CheckKeyMatchesCert(cert->get(), key->get()).ok()) return key_path + " does not match";
  if (!VerifyIssuedBy(cert->get(), ca).ok()) return cert_path + " is not signed by the CA";
  if (ExpiresWithin(cert->get(), apiserver::kRenewBefore)) return cert_path + " expires soon";
  Result<CertInfo> info = ReadCertInfo(cert->get());
  if (!info.ok()) return cert_path + " is unreadable";
  return check(*info);
}

Result<std::string> NodePassword(const Paths& paths) {
  Result<std::string> existing = ReadFileToString(paths.password);
  if (existing.ok()) {
    std::string text = *existing;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!text.empty()) return text;
  }
  ASSIGN_OR_RETURN(std::string password, RandomHex(16));
  RETURN_IF_ERROR(WriteFileAtomic(paths.password, password + "\n", kSecretMode));
  return password;
}

// A GET on the server; 2xx bodies only. The HTTP status decides the error's code.
Result<std::string> Get(http::HttpClient& client, const std::string& path,
                        const http::Headers& headers) {
  ASSIGN_OR_RETURN(http::Response response, client.Do("GET", path, headers));
  if (response.status >= 200 && response.status < 300) return response.body;
  // A Status object says why in its message; anything else is shown as it came.
  std::string body = response.body.substr(0, 300);
  if (Result<api::Json> status = api::ParseJson(response.body);
      status.ok() && status->is_object() && !api::GetString(*status, "message").empty()) {
    body = api::GetString(*status, "message");
  }
  if (response.status == 401) {
    return Status::Unauthorized(
        fmt::format("the server refused the token (HTTP 401 on {}): check --token", path));
  }
  return Status(http::CodeForHttpStatus(response.status),
                fmt::format("GET {}: HTTP {}: {}", path, response.status, body));
}

// Splits "<certificate PEM...><key PEM>" as the server sends them.
Status WriteCertAndKey(const std::string& both, const std::string& cert_path,
                       const std::string& key_path) {
  size_t key_at = both.find("-----BEGIN PRIVATE KEY-----");
  if (key_at == std::string::npos) key_at = both.find("-----BEGIN EC PRIVATE KEY-----");
  if (key_at == std::string::npos || key_at == 0) {
    return Status::Invalid("the server's answer holds no certificate and key");
  }
  std::string cert = both.substr(0, key_at);
  std::string key = both.substr(key_at);
  ASSIGN_OR_RETURN(X509Ptr x509, DecodeCertPem(cert));
  ASSIGN_OR_RETURN(EvpPkeyPtr pkey, DecodeKeyPem(key));
  RETURN_IF_ERROR(CheckKeyMatchesCert(x509.get(), pkey.get()));
  RETURN_IF_ERROR(WriteFileAtomic(key_path, key, kSecretMode));
  return WriteFileAtomic(cert_path, cert, kCertMode);
}

std::string ClusterSettingsPath(const std::string& data_dir) {
  return data_dir + "/agent/cluster.json";
}

}  // namespace

apiserver::NodeClusterSettings StoredClusterSettings(const std::string& data_dir) {
  apiserver::NodeClusterSettings settings;
  Result<std::string> text = ReadFileToString(ClusterSettingsPath(data_dir));
  if (!text.ok()) return settings;
  Result<api::Json> json = api::ParseJson(*text);
  if (!json.ok() || !json->is_object()) return settings;
  auto take = [&](const char* key, std::string* out) {
    std::string value = api::GetString(*json, key);
    if (!value.empty()) *out = value;
  };
  take("clusterCIDR", &settings.cluster_cidr);
  take("clusterDNS", &settings.cluster_dns);
  take("clusterDomain", &settings.cluster_domain);
  take("kubernetesServiceIP", &settings.kubernetes_service_ip);
  return settings;
}

Status ValidateJoinConfig(const JoinConfig& config) {
  if (config.server_url.empty()) return Status::Invalid("--server is required (https://HOST:6443)");
  if (config.token.empty()) {
    return Status::Invalid("--token is required (the server's <data-dir>/server/token)");
  }
  RETURN_IF_ERROR(ParseServerUrl(config.server_url).status());
  return apiserver::ParseToken(config.token).status().WithContext("--token");
}

Result<NodeCredentials> LoadNodeCredentials(const JoinConfig& config) {
  ASSIGN_OR_RETURN(ServerAddress address, ParseServerUrl(config.server_url));
  ASSIGN_OR_RETURN(apiserver::ParsedToken token, apiserver::ParseToken(config.token));
  Paths p = PathsFor(config, address);
  const NodeCredentials& f = p.files;
  Result<std::string> ca_pem = ReadFileToString(f.server_ca_file);
  if (!ca_pem.ok()) return Status::NotFound("no server CA yet");
  if (!token.ca_hash.empty() && Sha256Hex(*ca_pem) != token.ca_hash) {
    return Status::NotFound("the stored server CA is not the token's");
  }
  Result<std::string> client_ca_pem = ReadFileToString(f.client_ca_file);
  if (!client_ca_pem.ok()) return Status::NotFound("no client CA yet");
  Result<X509Ptr> server_ca = DecodeCertPem(*ca_pem);
  Result<X509Ptr> client_ca = DecodeCertPem(*client_ca_pem);
  if (!server_ca.ok() || !client_ca.ok()) return Status::NotFound("a stored CA is unreadable");
  std::string user = "system:node:" + config.node_name;
  std::string why =
      Unusable(f.client_cert_file, f.client_key_file, client_ca->get(), [&](const CertInfo& i) {
        bool ok = i.common_name == user && i.client_auth &&
                  std::find(i.organizations.begin(), i.organizations.end(), "system:nodes") !=
                      i.organizations.end();
        return ok ? "" : f.client_cert_file + " is not " + user + "'s";
      });
  if (why.empty()) {
    why = Unusable(f.serving_cert_file, f.serving_key_file, server_ca->get(),
                   [&](const CertInfo& i) -> std::string {
                     for (const std::string& ip : config.node_ips) {
                       if (std::find(i.ip_addresses.begin(), i.ip_addresses.end(), ip) ==
                           i.ip_addresses.end()) {
                         return f.serving_cert_file + " lacks the node IP " + ip;
                       }
                     }
                     return i.common_name == config.node_name
                                ? ""
                                : f.serving_cert_file + " names another node";
                   });
  }
  if (!why.empty()) return Status::NotFound(why);
  return f;
}

Result<NodeCredentials> JoinCluster(const JoinConfig& config) {
  ASSIGN_OR_RETURN(ServerAddress address, ParseServerUrl(config.server_url));
  ASSIGN_OR_RETURN(apiserver::ParsedToken token, apiserver::ParseToken(config.token));
  Paths p = PathsFor(config, address);
  RETURN_IF_ERROR(MakeDirs(p.dir, 0700));

  // 1. The CA, checked against the token before anything is sent to the server.
  http::ClientOptions options;
  options.host = address.host;
  options.port = address.port;
  options.user_agent = "sampan-agent";
  options.timeout = std::chrono::seconds(10);
  options.tls = http::ClientTlsOptions{};
  options.tls->insecure_skip_verify = true;
  std::string ca_pem;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client, http::HttpClient::New(options));
    ASSIGN_OR_RETURN(ca_pem, Get(*client, "/cacerts", {}));
  }
  if (token.ca_hash.empty()) {
    kLog.Warn("the token names no CA hash: trusting the CA {} sent without checking it",
              config.server_url);
  } else if (Sha256Hex(ca_pem) != token.ca_hash) {
    return Status::Forbidden(fmt::format(
        "the CA of {} does not match the token's hash (token CA hash {}, server CA hash {}): "
        "wrong server or wrong token",
        config.server_url, token.ca_hash, Sha256Hex(ca_pem)));
  }
  RETURN_IF_ERROR(DecodeCertPem(ca_pem).status().WithContext("the server's CA"));
  RETURN_IF_ERROR(WriteFileAtomic(p.files.server_ca_file, ca_pem, kCertMode));

  // 2. Everything else over a verified connection, authenticated by the token's secret.
  options.tls = http::ClientTlsOptions{};
  options.tls->ca_file = p.files.server_ca_file;
  ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client, http::HttpClient::New(options));
  ASSIGN_OR_RETURN(std::string password, NodePassword(p));
  http::Headers headers;
  headers.Add("Authorization", "Basic " + Base64Encode("node:" + token.password));
  headers.Add("k3s-Node-Name", config.node_name);
  headers.Add("k3s-Node-Password", password);
  std::string ips;
  for (const std::string& ip : config.node_ips) ips += (ips.empty() ? "" : ",") + ip;
  headers.Add("k3s-Node-IP", ips);
  ASSIGN_OR_RETURN(std::string client_ca, Get(*client, "/v1-k3s/client-ca.crt", headers));
  RETURN_IF_ERROR(DecodeCertPem(client_ca).status().WithContext("the server's client CA"));
  RETURN_IF_ERROR(WriteFileAtomic(p.files.client_ca_file, client_ca, kCertMode));
  ASSIGN_OR_RETURN(std::string client_pair, Get(*client, "/v1-k3s/client-kubelet.crt", headers));
  RETURN_IF_ERROR(WriteCertAndKey(client_pair, p.files.client_cert_file, p.files.client_key_file));
  ASSIGN_OR_RETURN(std::string serving_pair, Get(*client, "/v1-k3s/serving-kubelet.crt", headers));
  RETURN_IF_ERROR(
      WriteCertAndKey(serving_pair, p.files.serving_cert_file, p.files.serving_key_file));
  ASSIGN_OR_RETURN(std::string settings, Get(*client, "/v1-k3s/config", headers));
  Result<api::Json> parsed = api::ParseJson(settings);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::Invalid("the server's /v1-k3s/config is not a JSON object");
  }
  RETURN_IF_ERROR(WriteFileAtomic(ClusterSettingsPath(config.data_dir), settings, kCertMode));
  kLog.Info("joined {} as node {}: credentials in {}", config.server_url, config.node_name, p.dir);
  return p.files;
}

}  // namespace sampan::cmd
