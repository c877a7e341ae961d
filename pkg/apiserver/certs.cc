#include "pkg/apiserver/certs.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "pkg/util/base64.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/pki.h"

namespace sampan::apiserver {
namespace {

const log::Logger kLog("apiserver");

constexpr mode_t kCertMode = 0644;
constexpr mode_t kSecretMode = 0600;
constexpr std::string_view kTokenUser = "server";
constexpr size_t kTokenSecretBytes = 16;  // 32 hex characters, like k3s

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The canonical text of an IP address (inet_ntop), or "" if `text` is not one.
std::string CanonicalIp(const std::string& text) {
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN] = {};
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), bytes) == 1 &&
        inet_ntop(family, bytes, out, sizeof(out)) != nullptr) {
      return out;
    }
  }
  return "";
}

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

void AddUnique(std::vector<std::string>* list, std::string value) {
  if (value.empty()) return;
  if (std::find(list->begin(), list->end(), value) == list->end()) {
    list->push_back(std::move(value));
  }
}

std::string FormatDate(std::chrono::system_clock::time_point time) {
  time_t t = std::chrono::system_clock::to_time_t(time);
  struct tm tm = {};
  char text[32] = {};
  if (::gmtime_r(&t, &tm) == nullptr || std::strftime(text, sizeof(text), "%F", &tm) == 0) {
    return "?";
  }
  return text;
}

// A certificate and key in memory and on disk.
struct KeyPair {
  X509Ptr cert;
  EvpPkeyPtr key;
  CertFiles files;
};

CertFiles PathsFor(const std::string& tls_dir, std::string_view name) {
  CertFiles files;
  files.cert_path = fmt::format("{}/{}.crt", tls_dir, name);
  files.key_path = fmt::format("{}/{}.key", tls_dir, name);
  return files;
}

// Reads a file that may legitimately be absent: *present says which.
Result<std::string> ReadOptional(const std::string& path, bool* present) {
  Result<std::string> content = ReadFileToString(path);
  *present = content.ok();
  if (content.ok() || content.status().IsNotFound()) return content.ok() ? *content : "";
  return content.status();
}

// Writes the key before the certificate: after a crash in between, the pair no longer
// matches and the next start notices (a leaf is issued again, a CA cert re-signed).
Status WritePair(KeyPair* pair) {
  ASSIGN_OR_RETURN(pair->files.key_pem, EncodeKeyPem(pair->key.get()));
  ASSIGN_OR_RETURN(pair->files.cert_pem, EncodeCertPem(pair->cert.get()));
  RETURN_IF_ERROR(WriteFileAtomic(pair->files.key_path, pair->files.key_pem, kSecretMode));
  return WriteFileAtomic(pair->files.cert_path, pair->files.cert_pem, kCertMode);
}

// Loads a CA, or creates it if neither file exists. A key without its certificate (a crash
// on first start) gets a new self-signed certificate; anything else that is off is an error.
Result<KeyPair> EnsureCa(const std::string& tls_dir, std::string_view name,
                         std::string_view common_name) {
  KeyPair ca;
  ca.files = PathsFor(tls_dir, name);
  bool have_cert = false;
  bool have_key = false;
  ASSIGN_OR_RETURN(std::string cert_pem, ReadOptional(ca.files.cert_path, &have_cert));
  ASSIGN_OR_RETURN(std::string key_pem, ReadOptional(ca.files.key_path, &have_key));
  auto broken = [&](const std::string& path, const Status& status) {
    return Status::Invalid(
        fmt::format("{}: {}; restore it, or remove {} and {} to create a new CA (every "
                    "client and agent will then have to be given the new one)",
                    path, status.message(), ca.files.cert_path, ca.files.key_path));
  };
  if (have_cert && !have_key) {
    return broken(ca.files.key_path, Status::NotFound("missing, so the CA cannot sign"));
  }
  if (!have_key) {
    ASSIGN_OR_RETURN(ca.key, GenerateEcKey());
    ASSIGN_OR_RETURN(ca.files.key_pem, EncodeKeyPem(ca.key.get()));
    RETURN_IF_ERROR(WriteFileAtomic(ca.files.key_path, ca.files.key_pem, kSecretMode));
  } else {
    Result<EvpPkeyPtr> key = DecodeKeyPem(key_pem);
    if (!key.ok()) return broken(ca.files.key_path, key.status());
    ca.key = std::move(*key);
    ca.files.key_pem = std::move(key_pem);
  }
  if (!have_cert) {
    std::string cn = fmt::format("{}@{}", common_name, std::time(nullptr));
    ASSIGN_OR_RETURN(ca.cert, CreateCaCert(cn, ca.key.get()));
    ASSIGN_OR_RETURN(ca.files.cert_pem, EncodeCertPem(ca.cert.get()));
    RETURN_IF_ERROR(WriteFileAtomic(ca.files.cert_path, ca.files.cert_pem, kCertMode));
    kLog.Info("created CA {} ({})", ca.files.cert_path, cn);
    return ca;
  }
  Result<X509Ptr> cert = DecodeCertPem(cert_pem);
  if (!cert.ok()) return broken(ca.files.cert_path, cert.status());
  ca.cert = std::move(*cert);
  ca.files.cert_pem = std::move(cert_pem);
  Status match = CheckKeyMatchesCert(ca.cert.get(), ca.key.get());
  if (!match.ok()) return broken(ca.files.key_path, match);
  ASSIGN_OR_RETURN(CertInfo info, ReadCertInfo(ca.cert.get()));
  if (!info.is_ca) return broken(ca.files.cert_path, Status::Invalid("not a CA certificate"));
  if (ExpiresWithin(ca.cert.get(), kRenewBefore)) {
    kLog.Warn("CA {} expires soon ({}); replace it before then", ca.files.cert_path,
              FormatDate(info.not_after));
  }
  return ca;
}

bool ContainsAll(const std::vector<std::string>& have, const std::vector<std::string>& want,
                 bool fold_case) {
  for (const std::string& w : want) {
    bool found = std::any_of(have.begin(), have.end(), [&](const std::string& h) {
      return fold_case ? Lower(h) == Lower(w) : h == w;
    });
    if (!found) return false;
  }
  return true;
}

// Why an existing leaf cannot be reused, or "" if it can.
std::string ReasonToReissue(const KeyPair& leaf, const CertSpec& spec, const KeyPair& ca) {
  Status status = CheckKeyMatchesCert(leaf.cert.get(), leaf.key.get());
  if (!status.ok()) return status.message();
  status = VerifyIssuedBy(leaf.cert.get(), ca.cert.get());
  if (!status.ok()) return status.message();
  if (ExpiresWithin(leaf.cert.get(), kRenewBefore)) return "it expires within 120 days";
  Result<CertInfo> info = ReadCertInfo(leaf.cert.get());
  if (!info.ok()) return info.status().message();
  if (info->common_name != spec.common_name || info->organizations != spec.organizations) {
    return "its subject changed";
  }
  if ((spec.server_auth && !info->server_auth) || (spec.client_auth && !info->client_auth)) {
    return "its key usage changed";
  }
  // The IPs in spec are canonical (ServingSans), as ReadCertInfo's are.
  if (!ContainsAll(info->dns_names, spec.dns_names, true) ||
      !ContainsAll(info->ip_addresses, spec.ip_addresses, false)) {
    return "it lacks subject alternative names asked for now";
  }
  return "";
}

// Loads a leaf certificate if it is still good, or issues and writes a new one.
Result<KeyPair> EnsureLeaf(const std::string& tls_dir, std::string_view name, const CertSpec& spec,
                           const KeyPair& ca) {
  KeyPair leaf;
  leaf.files = PathsFor(tls_dir, name);
  bool have_cert = false;
  bool have_key = false;
  ASSIGN_OR_RETURN(std::string cert_pem, ReadOptional(leaf.files.cert_path, &have_cert));
  ASSIGN_OR_RETURN(std::string key_pem, ReadOptional(leaf.files.key_path, &have_key));
  std::string reason;
  if (!have_cert || !have_key) {
    reason = "its certificate or key is missing";
  } else if (Result<X509Ptr> cert = DecodeCertPem(cert_pem); !cert.ok()) {
    reason = fmt::format("{} is unreadable ({})", leaf.files.cert_path, cert.status().message());
  } else if (Result<EvpPkeyPtr> key = DecodeKeyPem(key_pem); !key.ok()) {
    reason = fmt::format("{} is unreadable ({})", leaf.files.key_path, key.status().message());
  } else {
    leaf.cert = std::move(*cert);
    leaf.key = std::move(*key);
    reason = ReasonToReissue(leaf, spec, ca);
    if (reason.empty()) {
      leaf.files.cert_pem = std::move(cert_pem);
      leaf.files.key_pem = std::move(key_pem);
      return leaf;
    }
  }
  if (have_cert || have_key) kLog.Info("issuing {} again: {}", leaf.files.cert_path, reason);
  ASSIGN_OR_RETURN(leaf.key, GenerateEcKey());
  ASSIGN_OR_RETURN(leaf.cert, IssueCert(spec, leaf.key.get(), ca.cert.get(), ca.key.get()));
  RETURN_IF_ERROR(WritePair(&leaf));
  return leaf;
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

bool IsHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// The token is one line of a file and goes into HTTP headers: printable ASCII only.
bool IsPrintable(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Result<SanSet> ServingSans(const CertsConfig& config) {
  SanSet sans;
  for (const char* name : {"kubernetes", "kubernetes.default", "kubernetes.default.svc"}) {
    AddUnique(&sans.dns_names, name);
  }
  AddUnique(&sans.dns_names, Lower("kubernetes.default.svc." + config.cluster_domain));
  AddUnique(&sans.dns_names, "localhost");
  std::string host = config.host_name.empty() ? HostName() : config.host_name;
  if (std::string ip = CanonicalIp(host); !ip.empty()) {
    AddUnique(&sans.ip_addresses, ip);
  } else {
    AddUnique(&sans.dns_names, Lower(host));
  }
  AddUnique(&sans.ip_addresses, "127.0.0.1");
  AddUnique(&sans.ip_addresses, "::1");
  std::vector<std::pair<std::string_view, const std::string*>> ips;
  ips.emplace_back("service IP", &config.service_ip);
  for (const std::string& ip : config.node_ips) ips.emplace_back("node IP", &ip);
  for (const auto& [what, ip] : ips) {
    std::string canonical = CanonicalIp(*ip);
    if (canonical.empty()) return Status::Invalid(fmt::format("invalid {} \"{}\"", what, *ip));
    AddUnique(&sans.ip_addresses, canonical);
  }
  for (const std::string& san : config.tls_sans) {
    if (san.empty()) continue;
    if (std::string ip = CanonicalIp(san); !ip.empty()) {
      AddUnique(&sans.ip_addresses, ip);
    } else if (IsPrintable(san)) {
      AddUnique(&sans.dns_names, Lower(san));
    } else {
      return Status::Invalid(fmt::format("invalid --tls-san \"{}\": want a host name or IP", san));
    }
  }
  return sans;
}

Result<ServerCerts> EnsureServerCerts(const CertsConfig& config) {
  if (config.data_dir.empty()) return Status::Invalid("no data directory for certificates");
  ASSIGN_OR_RETURN(SanSet sans, ServingSans(config));
  ServerCerts certs;
  certs.tls_dir = config.data_dir + "/server/tls";
  RETURN_IF_ERROR(MakeDirs(config.data_dir, 0755));
  RETURN_IF_ERROR(MakeDirs(config.data_dir + "/server", 0700));
  RETURN_IF_ERROR(MakeDirs(certs.tls_dir, 0700));

  ASSIGN_OR_RETURN(KeyPair server_ca, EnsureCa(certs.tls_dir, "server-ca", "sampan-server-ca"));
  ASSIGN_OR_RETURN(KeyPair client_ca, EnsureCa(certs.tls_dir, "client-ca", "sampan-client-ca"));

  CertSpec serving;
  serving.common_name = "kube-apiserver";
  serving.dns_names = std::move(sans.dns_names);
  serving.ip_addresses = std::move(sans.ip_addresses);
  serving.server_auth = true;
  ASSIGN_OR_RETURN(KeyPair serving_pair,
                   EnsureLeaf(certs.tls_dir, "serving-kube-apiserver", serving, server_ca));

  CertSpec admin;
  admin.common_name = "system:admin";
  admin.organizations = {"system:masters"};
  admin.client_auth = true;
  ASSIGN_OR_RETURN(KeyPair admin_pair, EnsureLeaf(certs.tls_dir, "client-admin", admin, client_ca));

  CertSpec kubelet_client;
  kubelet_client.common_name = kKubeletClientUser;
  kubelet_client.organizations = {"system:masters"};
  kubelet_client.client_auth = true;
  ASSIGN_OR_RETURN(KeyPair kubelet_client_pair,
                   EnsureLeaf(certs.tls_dir, "client-kube-apiserver", kubelet_client, client_ca));

  CertSpec kubelet_serving;
  std::string host = config.host_name.empty() ? HostName() : config.host_name;
  kubelet_serving.common_name = host.empty() ? "sampan-kubelet" : Lower(host);
  if (std::string ip = CanonicalIp(host); !ip.empty()) {
    AddUnique(&kubelet_serving.ip_addresses, ip);
  } else {
    AddUnique(&kubelet_serving.dns_names, Lower(host));
  }
  AddUnique(&kubelet_serving.dns_names, "localhost");
  AddUnique(&kubelet_serving.ip_addresses, "127.0.0.1");
  for (const std::string& ip : config.node_ips) {
    AddUnique(&kubelet_serving.ip_addresses, CanonicalIp(ip));
  }
  kubelet_serving.server_auth = true;
  std::string agent_dir = config.data_dir + "/agent";
  RETURN_IF_ERROR(MakeDirs(agent_dir, 0755));
  ASSIGN_OR_RETURN(KeyPair kubelet_serving_pair,
                   EnsureLeaf(agent_dir, "serving-kubelet", kubelet_serving, server_ca));

  certs.kubelet_client = std::move(kubelet_client_pair.files);
  certs.kubelet_serving = std::move(kubelet_serving_pair.files);
  certs.server_ca = std::move(server_ca.files);
  certs.client_ca = std::move(client_ca.files);
  certs.serving = std::move(serving_pair.files);
  certs.admin = std::move(admin_pair.files);
  return certs;
}

std::string RenderKubeconfig(const std::string& server_url, const std::string& ca_pem,
                             const std::string& client_cert_pem,
                             const std::string& client_key_pem) {
  // yaml-cpp's emitter reports problems through its state rather than by throwing, and
  // quotes the URL if it needs it (IPv6 brackets).
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "certificate-authority-data" << YAML::Value << Base64Encode(ca_pem);
  out << YAML::Key << "server" << YAML::Value << server_url;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << "default";
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << "default";
  out << YAML::Key << "user" << YAML::Value << "default";
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << "default";
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << "default";
  out << YAML::Key << "preferences" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "default";
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "client-certificate-data" << YAML::Value << Base64Encode(client_cert_pem);
  out << YAML::Key << "client-key-data" << YAML::Value << Base64Encode(client_key_pem);
  out << YAML::EndMap;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Status WriteKubeconfig(const std::string& path, mode_t mode, const std::string& server_url,
                       const std::string& ca_pem, const std::string& client_cert_pem,
                       const std::string& client_key_pem) {
  if (path.empty()) return Status::Invalid("no kubeconfig path");
  std::string content = RenderKubeconfig(server_url, ca_pem, client_cert_pem, client_key_pem);
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) RETURN_IF_ERROR(MakeDirs(parent, 0755));
  // An unchanged file is left alone (no write at every start), but its mode still follows
  // --write-kubeconfig-mode.
  Result<std::string> existing = ReadFileToString(path);
  struct stat st;
  if (existing.ok() && *existing == content && ::stat(path.c_str(), &st) == 0 &&
      S_ISREG(st.st_mode)) {
    if ((st.st_mode & 07777) == mode) return Status();
    if (::chmod(path.c_str(), mode) == 0) return Status();
  }
  RETURN_IF_ERROR(WriteFileAtomic(path, content, mode));
  kLog.Info("wrote kubeconfig {}", path);
  return Status();
}

Result<ParsedToken> ParseToken(std::string_view token) {
  constexpr std::string_view kPrefix = "K10";
  if (token.empty()) return Status::Invalid("token must not be empty");
  ParsedToken parsed;
  if (!token.starts_with(kPrefix)) {  // a bare password
    parsed.password = std::string(token);
    return parsed;
  }
  std::string_view rest = token.substr(kPrefix.size());
  if (size_t end = rest.find("::"); end != std::string_view::npos) {
    std::string_view hash = rest.substr(0, end);
    if (!hash.empty() && (hash.size() != 64 || !IsHex(hash))) {
      return Status::Invalid("invalid token: the CA hash must be 64 hex characters");
    }
    parsed.ca_hash = Lower(std::string(hash));
    rest = rest.substr(end + 2);
  }
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon + 1 == rest.size()) {
    return Status::Invalid("invalid token: want K10<ca hash>::<user>:<password>");
  }
  parsed.username = std::string(rest.substr(0, colon));
  parsed.password = std::string(rest.substr(colon + 1));
  return parsed;
}

std::string FormatToken(std::string_view ca_hash, std::string_view username,
                        std::string_view password) {
  return fmt::format("K10{}::{}:{}", ca_hash, username, password);
}

Result<std::string> EnsureToken(const std::string& data_dir, const std::string& ca_pem,
                                std::string_view requested) {
  if (data_dir.empty()) return Status::Invalid("no data directory for the token");
  std::string server_dir = data_dir + "/server";
  std::string path = server_dir + "/token";
  std::string hash = Sha256Hex(ca_pem);
  std::string password;
  if (!requested.empty()) {
    Result<ParsedToken> wanted = ParseToken(requested);
    if (!wanted.ok()) return wanted.status().WithContext("--token");
    if (!wanted->ca_hash.empty() && wanted->ca_hash != hash) {
      return Status::Invalid(
          "--token names a CA hash that is not this server's CA (" + server_dir +
          "/tls/server-ca.crt); give the bare password or the token this server printed");
    }
    if (!IsPrintable(wanted->password)) {
      return Status::Invalid("--token: the password must be printable ASCII without spaces");
    }
    password = wanted->password;
  }

  RETURN_IF_ERROR(MakeDirs(data_dir, 0755));
  RETURN_IF_ERROR(MakeDirs(server_dir, 0700));
  Result<std::string> existing = ReadFileToString(path);
  if (!existing.ok() && !existing.status().IsNotFound()) return existing.status();
  std::string_view current = existing.ok() ? Trim(*existing) : std::string_view();
  if (existing.ok()) {
    Result<ParsedToken> parsed = ParseToken(current);
    if (!parsed.ok() || !IsPrintable(parsed->password)) {
      return Status::Invalid(fmt::format(
          "{} does not hold a valid token ({}); fix it, or remove it to generate a new one "
          "(agents that joined with the old token will then need the new one)",
          path, parsed.ok() ? "bad characters in the password" : parsed.status().message()));
    }
    if (password.empty()) password = parsed->password;
  }
  if (password.empty()) {
    ASSIGN_OR_RETURN(password, RandomHex(kTokenSecretBytes));
  }

  std::string token = FormatToken(hash, kTokenUser, password);
  if (current != token) {
    RETURN_IF_ERROR(WriteFileAtomic(path, token + "\n", kSecretMode));
    if (existing.ok()) kLog.Info("updated the token in {}", path);
  } else if (::chmod(path.c_str(), kSecretMode) != 0) {
    return Status::FromErrno(errno, "cannot chmod " + path);
  }
  // k3s users look for server/node-token; a relative link survives moving the data dir.
  std::string link = server_dir + "/node-token";
  struct stat st;
  if (::lstat(link.c_str(), &st) != 0 && errno == ENOENT && ::symlink("token", link.c_str()) != 0) {
    kLog.Warn("cannot link {}: {}", link, std::strerror(errno));
  }
  return token;
}

}  // namespace sampan::apiserver
