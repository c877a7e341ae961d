#include "pkg/apiserver/node_bootstrap.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "pkg/api/json.h"
#include "pkg/apiserver/api_error.h"
#include "pkg/util/base64.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

const log::Logger kLog("apiserver");

constexpr std::string_view kPrefix = "/v1-k3s/";

void SendText(http::ResponseWriter& out, std::string body) {
  http::Headers h;
  h.Add("Content-Type", "text/plain; charset=utf-8");
  out.Send(200, std::move(h), std::move(body));
}

void SendApiError(http::ResponseWriter& out, const ApiError& e) {
  http::Headers h;
  h.Add("Content-Type", "application/json");
  out.Send(e.code, std::move(h), e.Body());
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A node name as the API takes it (DNS-1123 subdomain).
bool ValidNodeName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return (std::islower(c) != 0) || (std::isdigit(c) != 0) || c == '-' || c == '.';
  });
}

bool IsIp(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

Result<std::unique_ptr<NodeBootstrap>> NodeBootstrap::New(NodeBootstrapOptions options) {
  std::unique_ptr<NodeBootstrap> b(new NodeBootstrap(std::move(options)));
  ASSIGN_OR_RETURN(b->server_ca_, DecodeCertPem(b->options_.server_ca_cert_pem));
  ASSIGN_OR_RETURN(b->server_ca_key_, DecodeKeyPem(b->options_.server_ca_key_pem));
  ASSIGN_OR_RETURN(b->client_ca_, DecodeCertPem(b->options_.client_ca_cert_pem));
  ASSIGN_OR_RETURN(b->client_ca_key_, DecodeKeyPem(b->options_.client_ca_key_pem));
  return b;
}

bool NodeBootstrap::Handles(std::string_view path) {
  return path == "/cacerts" || path.starts_with(kPrefix);
}

bool NodeBootstrap::Authenticated(const http::Request& req) const {
  std::string_view auth = req.headers.Get("Authorization");
  constexpr std::string_view kBasic = "Basic ";
  if (!auth.starts_with(kBasic)) return false;
  std::optional<std::string> decoded = Base64Decode(auth.substr(kBasic.size()));
  if (!decoded) return false;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  return (user == "node" || user == "server") && ConstantTimeEqual(password, options_.token_secret);
}

Status NodeBootstrap::CheckNodePassword(const std::string& node, const std::string& password) {
  std::string hash = Sha256Hex(password);
  std::lock_guard lock(passwords_mu_);
  std::string text;
  if (std::filesystem::exists(options_.passwords_file)) {
    ASSIGN_OR_RETURN(text, ReadFileToString(options_.passwords_file));
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t space = line.find(' ');
    if (space == std::string::npos || line.substr(0, space) != node) continue;
    if (ConstantTimeEqual(line.substr(space + 1), hash)) return Status::Ok();
    return Status::Forbidden(fmt::format(
        "node \"{}\" joined before with another node password; remove its line from {} to "
        "let a new machine take the name",
        node, options_.passwords_file));
  }
  RETURN_IF_ERROR(MakeDirs(std::filesystem::path(options_.passwords_file).parent_path(), 0700));
  RETURN_IF_ERROR(WriteFileAtomic(options_.passwords_file, text + node + " " + hash + "\n", 0600));
  kLog.Info("node {} joined: its password is recorded", node);
  return Status::Ok();
}

Result<std::string> NodeBootstrap::Issue(const CertSpec& spec, X509* ca_cert,
                                         EVP_PKEY* ca_key) const {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateEcKey());
  ASSIGN_OR_RETURN(X509Ptr cert, IssueCert(spec, key.get(), ca_cert, ca_key));
  ASSIGN_OR_RETURN(std::string cert_pem, EncodeCertPem(cert.get()));
  ASSIGN_OR_RETURN(std::string key_pem, EncodeKeyPem(key.get()));
  return cert_pem + key_pem;
}

void NodeBootstrap::Serve(const http::Request& req, http::ResponseWriter& out) {
  if (req.method != "GET") {
    return SendApiError(out, MethodNotAllowed("only GET is served on " + req.path));
  }
  if (req.path == "/cacerts") return SendText(out, options_.server_ca_cert_pem);
  if (!Authenticated(req)) return SendApiError(out, Unauthorized());
  std::string_view what = std::string_view(req.path).substr(kPrefix.size());
  if (what == "server-ca.crt") return SendText(out, options_.server_ca_cert_pem);
  if (what == "client-ca.crt") return SendText(out, options_.client_ca_cert_pem);
  if (what == "config") {
    const NodeClusterSettings& c = options_.cluster;
    api::Json body = {{"clusterCIDR", c.cluster_cidr},
                      {"clusterDNS", c.cluster_dns},
                      {"clusterDomain", c.cluster_domain},
                      {"kubernetesServiceIP", c.kubernetes_service_ip}};
    http::Headers h;
    h.Add("Content-Type", "application/json");
    return out.Send(200, std::move(h), api::Dump(body));
  }
  if (what != "client-kubelet.crt" && what != "serving-kubelet.crt") {
    ApiError e;
    e.code = 404;
    e.reason = "NotFound";
    e.message = "the server could not find the requested resource";
    return SendApiError(out, e);
  }
  std::string node(req.headers.Get("k3s-Node-Name"));
  std::string password(req.headers.Get("k3s-Node-Password"));
  if (!ValidNodeName(node)) {
    return SendApiError(out, BadRequest("header k3s-Node-Name must hold a valid node name (a "
                                        "lower-case RFC 1123 subdomain)"));
  }
  if (password.empty()) return SendApiError(out, BadRequest("header k3s-Node-Password is empty"));
  if (Status st = CheckNodePassword(node, password); !st.ok()) {
    if (st.code() == Code::kForbidden) return SendApiError(out, Forbidden(st.message()));
    return SendApiError(out, Internal(st.message()));
  }
  CertSpec spec;
  Result<std::string> issued = Status::Internal("not issued");
  if (what == "client-kubelet.crt") {
    spec.common_name = "system:node:" + node;
    spec.organizations = {"system:nodes"};
    spec.client_auth = true;
    issued = Issue(spec, client_ca_.get(), client_ca_key_.get());
  } else {
    spec.common_name = node;
    spec.dns_names = {node, "localhost"};
    spec.ip_addresses = {"127.0.0.1"};
    std::string ips(req.headers.Get("k3s-Node-IP"));
    std::istringstream list(ips);
    for (std::string ip; std::getline(list, ip, ',');) {
      if (ip.empty()) continue;
      if (!IsIp(ip)) {
        return SendApiError(out,
                            BadRequest("header k3s-Node-IP: \"" + ip + "\" is not an IP address"));
      }
      if (std::find(spec.ip_addresses.begin(), spec.ip_addresses.end(), ip) ==
          spec.ip_addresses.end()) {
        spec.ip_addresses.push_back(ip);
      }
    }
    spec.server_auth = true;
    issued = Issue(spec, server_ca_.get(), server_ca_key_.get());
  }
  if (!issued.ok()) return SendApiError(out, Internal(issued.status().message()));
  SendText(out, std::move(*issued));
}

}  // namespace sampan::apiserver
