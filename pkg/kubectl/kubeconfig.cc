#include "pkg/kubectl/kubeconfig.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

#include "pkg/api/json.h"
#include "pkg/util/base64.h"
#include "pkg/util/fs.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// The named entry of a kubeconfig list (clusters, users, contexts): its inner object.
const Json* Named(const Json& config, std::string_view list, std::string_view key,
                  const std::string& name) {
  const Json* items = api::Find(config, list);
  if (items == nullptr || !items->is_array()) return nullptr;
  for (const Json& item : *items) {
    if (api::GetString(item, "name") == name) return api::Find(item, key);
  }
  return nullptr;
}

// A path OpenSSL can open that holds `data`: a memory file kept open for the process' life.
Result<std::string> MemoryFile(std::string_view name, const std::string& data) {
  int fd = ::memfd_create(std::string(name).c_str(), MFD_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "memfd_create");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      return Status::FromErrno(errno, "write memfd");
    }
    done += static_cast<size_t>(n);
  }
  return fmt::format("/proc/self/fd/{}", fd);
}

// `<field>-data` (base64 PEM) or `<field>` (a path, relative to the kubeconfig's folder).
Result<std::string> PemFile(const Json& section, const std::string& field,
                            const std::string& config_dir) {
  std::string data = api::GetString(section, field + "-data");
  if (!data.empty()) {
    std::optional<std::string> pem = Base64Decode(data);
    if (!pem) return Status::Invalid(fmt::format("{}-data is not base64", field));
    return MemoryFile(field, *pem);
  }
  std::string path = api::GetString(section, field);
  if (!path.empty() && path[0] != '/') path = config_dir + "/" + path;
  return path;
}

// "https://host:port" -> host and port (443 when absent).
Status SplitServer(const std::string& server, http::ClientOptions* out, bool* tls) {
  std::string rest = server;
  *tls = true;
  if (rest.rfind("https://", 0) == 0) {
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
    *tls = false;
  } else {
    return Status::Invalid("server \"" + server + "\" is not an http(s) URL");
  }
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  bool bracketed = !rest.empty() && rest[0] == '[';
  if (colon != std::string::npos && (!bracketed || rest[colon - 1] == ']')) {
    out->host = rest.substr(0, colon);
    out->port = std::atoi(rest.c_str() + colon + 1);
  } else {
    out->host = rest;
    out->port = *tls ? 443 : 80;
  }
  if (out->host.empty() || out->port <= 0) {
    return Status::Invalid("server \"" + server + "\" has no host or port");
  }
  return Status::Ok();
}

}  // namespace

Result<Kubeconfig> LoadKubeconfig(const std::string& explicit_path, const std::string& context) {
  Kubeconfig kc;
  kc.path = explicit_path;
  if (kc.path.empty()) {
    const char* env = std::getenv("KUBECONFIG");
    if (env != nullptr && *env != '\0') {
      std::string list = env;
      kc.path = list.substr(0, list.find(':'));
    } else {
      kc.path = kDefaultKubeconfig;
    }
  }
  Result<std::string> text = ReadFileToString(kc.path);
  if (!text.ok()) {
    return Status::Invalid(
        fmt::format("cannot read kubeconfig {}: {}", kc.path, text.status().message()));
  }
  Result<Json> config = api::ParseYaml(*text);
  if (!config.ok() || !config->is_object()) {
    return Status::Invalid(fmt::format("kubeconfig {} is not valid YAML", kc.path));
  }
  std::string name = context.empty() ? api::GetString(*config, "current-context") : context;
  const Json* ctx = Named(*config, "contexts", "context", name);
  if (ctx == nullptr) {
    return Status::Invalid(fmt::format("context \"{}\" not found in {}", name, kc.path));
  }
  kc.namespace_ = api::GetString(*ctx, "namespace");
  const Json* cluster = Named(*config, "clusters", "cluster", api::GetString(*ctx, "cluster"));
  if (cluster == nullptr) return Status::Invalid("the context's cluster is not in " + kc.path);
  const Json* user = Named(*config, "users", "user", api::GetString(*ctx, "user"));
  static const Json kNoUser = Json::object();
  if (user == nullptr) user = &kNoUser;

  kc.server = api::GetString(*cluster, "server");
  bool tls = true;
  RETURN_IF_ERROR(SplitServer(kc.server, &kc.client, &tls));
  std::string dir =
      kc.path.substr(0, kc.path.rfind('/') == std::string::npos ? 0 : kc.path.rfind('/'));
  if (dir.empty()) dir = ".";
  if (tls) {
    http::ClientTlsOptions t;
    ASSIGN_OR_RETURN(t.ca_file, PemFile(*cluster, "certificate-authority", dir));
    t.insecure_skip_verify = api::GetBool(*cluster, "insecure-skip-tls-verify");
    t.server_name = api::GetString(*cluster, "tls-server-name");
    ASSIGN_OR_RETURN(t.cert_file, PemFile(*user, "client-certificate", dir));
    ASSIGN_OR_RETURN(t.key_file, PemFile(*user, "client-key", dir));
    kc.client.tls = t;
  }
  kc.client.bearer_token = api::GetString(*user, "token");
  if (kc.client.bearer_token.empty()) {
    std::string token_file = api::GetString(*user, "tokenFile");
    if (!token_file.empty()) {
      Result<std::string> token = ReadFileToString(token_file);
      if (!token.ok()) return Status::Invalid("cannot read tokenFile " + token_file);
      kc.client.bearer_token = *token;
      while (!kc.client.bearer_token.empty() &&
             std::isspace(static_cast<unsigned char>(kc.client.bearer_token.back()))) {
        kc.client.bearer_token.pop_back();
      }
    }
  }
  return kc;
}

}  // namespace sampan::kubectl
