#include "runtime/images/registries_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>

#include "pkg/util/base64.h"
#include "pkg/util/fs.h"

namespace sampan::images {
namespace {

std::string Scalar(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

Result<RegistryHostConfig> ParseHostConfig(const std::string& host, const YAML::Node& n) {
  RegistryHostConfig c;
  if (const YAML::Node auth = n["auth"]; auth && auth.IsMap()) {
    c.auth.username = Scalar(auth, "username");
    c.auth.password = Scalar(auth, "password");
    c.auth.identity_token = Scalar(auth, "identitytoken");
    std::string encoded = Scalar(auth, "auth");
    if (!encoded.empty()) {
      std::optional<std::string> plain = Base64Decode(encoded);
      size_t colon = plain ? plain->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        return Status::Invalid("configs." + host + ".auth.auth is not base64 of user:password");
      }
      c.auth.username = plain->substr(0, colon);
      c.auth.password = plain->substr(colon + 1);
    }
  }
  if (const YAML::Node tls = n["tls"]; tls && tls.IsMap()) {
    c.tls.ca_file = Scalar(tls, "ca_file");
    c.tls.cert_file = Scalar(tls, "cert_file");
    c.tls.key_file = Scalar(tls, "key_file");
    c.tls.insecure_skip_verify = Scalar(tls, "insecure_skip_verify") == "true";
  }
  return c;
}

std::string HostPort(const Endpoint& e) {
  std::string h = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  return h + ":" + std::to_string(e.port);
}

}  // namespace

std::string Endpoint::str() const {
  return std::string(plain_http ? "http://" : "https://") + HostPort(*this) + path_prefix;
}

Result<Endpoint> ParseEndpointUrl(std::string_view url) {
  Endpoint e;
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    e.plain_http = true;
    e.port = 80;
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.find("://") != std::string_view::npos) {
    return Status::Invalid("endpoint \"" + std::string(url) + "\": only http and https");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (path.ends_with("/")) path.remove_suffix(1);
  if (path.ends_with("/v2")) path.remove_suffix(3);
  e.path_prefix = std::string(path);
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::Invalid("endpoint: bad IPv6 address");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Status::Invalid("endpoint \"" + std::string(url) + "\" has no host");
  e.host = std::string(host);
  if (!port.empty()) {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), e.port);
    if (ec != std::errc() || p != port.data() + port.size() || e.port <= 0 || e.port > 65535) {
      return Status::Invalid("endpoint \"" + std::string(url) + "\": bad port");
    }
  }
  return e;
}

Result<RegistriesConfig> RegistriesConfig::Parse(std::string_view yaml) {
  RegistriesConfig out;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || root.IsNull()) return out;
    if (!root.IsMap()) return Status::Invalid("registries config: not a mapping");
    if (const YAML::Node mirrors = root["mirrors"]; mirrors && mirrors.IsMap()) {
      for (const auto& m : mirrors) {
        std::string name = m.first.as<std::string>();
        Mirror mirror;
        if (const YAML::Node eps = m.second["endpoint"]; eps && eps.IsSequence()) {
          for (const auto& ep : eps) {
            std::string url = ep.as<std::string>();
            RETURN_IF_ERROR(ParseEndpointUrl(url).status().WithContext("mirrors." + name));
            mirror.endpoints.push_back(url);
          }
        }
        if (const YAML::Node rw = m.second["rewrite"]; rw && rw.IsMap()) {
          for (const auto& r : rw) {
            std::string pattern = r.first.as<std::string>();
            try {
              std::regex check(pattern);
            } catch (const std::regex_error&) {
              return Status::Invalid("mirrors." + name + ".rewrite: bad regex \"" + pattern + "\"");
            }
            mirror.rewrites.emplace_back(pattern, r.second.as<std::string>());
          }
        }
        out.mirrors[name] = std::move(mirror);
      }
    }
    if (const YAML::Node configs = root["configs"]; configs && configs.IsMap()) {
      for (const auto& c : configs) {
        std::string host = c.first.as<std::string>();
        ASSIGN_OR_RETURN(out.configs[host], ParseHostConfig(host, c.second));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid(std::string("registries config: ") + e.what());
  }
  return out;
}

Result<RegistriesConfig> RegistriesConfig::Load(const std::string& path, bool optional) {
  Result<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    if (optional && text.status().IsNotFound()) return RegistriesConfig{};
    return text.status();
  }
  Result<RegistriesConfig> c = Parse(*text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

Result<std::vector<Endpoint>> RegistriesConfig::EndpointsFor(const std::string& domain,
                                                             const std::string& repository) const {
  std::vector<Endpoint> out;
  auto config_for = [&](Endpoint& e) {
    for (const std::string& key : {HostPort(e), e.host}) {
      if (auto it = configs.find(key); it != configs.end()) {
        e.config = it->second;
        return;
      }
    }
    if (e.is_default) {  // a config keyed by the registry name as written in image names
      if (auto it = configs.find(domain); it != configs.end()) e.config = it->second;
    }
  };
  auto it = mirrors.find(domain);
  if (it == mirrors.end()) it = mirrors.find("*");
  if (it != mirrors.end()) {
    for (const std::string& url : it->second.endpoints) {
      ASSIGN_OR_RETURN(Endpoint e, ParseEndpointUrl(url));
      e.repository = repository;
      for (const auto& [pattern, replacement] : it->second.rewrites) {
        std::regex re(pattern);
        if (std::regex_search(repository, re)) {
          e.repository = std::regex_replace(repository, re, replacement,
                                            std::regex_constants::format_first_only);
          break;
        }
      }
      config_for(e);
      out.push_back(std::move(e));
    }
  }
  std::string upstream = domain == "docker.io" ? "registry-1.docker.io" : domain;
  ASSIGN_OR_RETURN(Endpoint def, ParseEndpointUrl("https://" + upstream));
  def.repository = repository;
  def.is_default = true;
  config_for(def);
  bool listed = false;
  for (const Endpoint& e : out) {
    listed |= e.host == def.host && e.port == def.port && e.path_prefix.empty();
  }
  if (!listed) out.push_back(std::move(def));
  return out;
}

}  // namespace sampan::images
