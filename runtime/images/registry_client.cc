#include "runtime/images/registry_client.h"

#include <nlohmann/json.hpp>

#include "pkg/util/base64.h"
#include "pkg/util/log.h"

namespace sampan::images {
namespace {

const log::Logger kLog("images");
constexpr int kMaxRedirects = 5;
constexpr int kBlobAttempts = 4;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::map<std::string, std::string> ParseChallenge(std::string_view h, std::string* scheme) {
  std::map<std::string, std::string> params;
  size_t sp = h.find(' ');
  *scheme = Lower(h.substr(0, sp));
  if (sp == std::string_view::npos) return params;
  size_t i = sp + 1;
  while (i < h.size()) {
    while (i < h.size() && (h[i] == ' ' || h[i] == ',')) ++i;
    size_t eq = h.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = Lower(h.substr(i, eq - i));
    i = eq + 1;
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      while (i < h.size() && h[i] != '"') {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i++];
      }
      ++i;
    } else {
      size_t end = h.find(',', i);
      if (end == std::string_view::npos) end = h.size();
      value = std::string(h.substr(i, end - i));
      i = end;
    }
    params[key] = value;
  }
  return params;
}

RegistryClient::Url RegistryClient::EndpointUrl(std::string target) const {
  return Url{!endpoint_.plain_http, endpoint_.host, endpoint_.port,
             endpoint_.path_prefix + std::move(target)};
}

Result<http::HttpClient*> RegistryClient::ClientFor(const Url& url, bool same_registry) {
  std::string key =
      (url.https ? "https://" : "http://") + url.host + ":" + std::to_string(url.port);
  auto it = clients_.find(key);
  if (it != clients_.end()) return it->second.get();
  http::ClientOptions o;
  o.host = url.host;
  o.port = url.port;
  o.user_agent = "sampan";
  if (url.https) {
    http::ClientTlsOptions tls;
    if (same_registry) {  // CA and client certificate of this registry only
      tls.ca_file = endpoint_.config.tls.ca_file;
      tls.cert_file = endpoint_.config.tls.cert_file;
      tls.key_file = endpoint_.config.tls.key_file;
      tls.insecure_skip_verify = endpoint_.config.tls.insecure_skip_verify;
    }
    o.tls = tls;
  }
  ASSIGN_OR_RETURN(auto client, http::HttpClient::New(o));
  http::HttpClient* raw = client.get();
  clients_[key] = std::move(client);
  return raw;
}

Status RegistryClient::Authorize(std::string_view challenge) {
  std::string scheme;
  std::map<std::string, std::string> params = ParseChallenge(challenge, &scheme);
  const RegistryAuth& auth = endpoint_.config.auth;
  std::string basic =
      auth.username.empty() ? "" : "Basic " + Base64Encode(auth.username + ":" + auth.password);
  if (scheme == "basic") {
    if (basic.empty())
      return Status::Unauthorized("registry " + endpoint_.str() + " wants credentials");
    authorization_ = basic;
    return Status::Ok();
  }
  if (scheme != "bearer") return Status::Unauthorized("unsupported auth scheme \"" + scheme + "\"");
  std::string realm = params["realm"];
  if (realm.empty()) return Status::Unauthorized("bearer challenge without realm");
  ASSIGN_OR_RETURN(Endpoint realm_ep, ParseEndpointUrl(realm.substr(0, realm.find('?'))));
  Url url{!realm_ep.plain_http, realm_ep.host, realm_ep.port, realm_ep.path_prefix};
  if (url.target.empty()) url.target = "/";
  // ParseEndpointUrl drops a trailing "/v2"; a realm is taken literally.
  size_t path_at = realm.find('/', realm.find("://") + 3);
  url.target = path_at == std::string::npos ? "/" : realm.substr(path_at);
  std::string scope =
      params.count("scope") ? params["scope"] : "repository:" + endpoint_.repository + ":pull";
  bool same_host = url.host == endpoint_.host && url.port == endpoint_.port;
  ASSIGN_OR_RETURN(http::HttpClient * client, ClientFor(url, same_host));
  http::Response r;
  if (!auth.identity_token.empty()) {
    // An identity token is an OAuth2 refresh token: exchanged for an access token by a POST
    // (docker's token spec, "OAuth2 Token Authentication"), as containerd does.
    std::string form = "grant_type=refresh_token&client_id=sampan&refresh_token=" +
                       UrlEncode(auth.identity_token) + "&scope=" + UrlEncode(scope);
    if (params.count("service")) form += "&service=" + UrlEncode(params["service"]);
    http::Headers h;
    h.Add("Content-Type", "application/x-www-form-urlencoded");
    ASSIGN_OR_RETURN(r, client->Do("POST", url.target, h, form));
  } else {
    url.target += (url.target.find('?') == std::string::npos ? "?" : "&");
    url.target += "scope=" + UrlEncode(scope);
    if (params.count("service")) url.target += "&service=" + UrlEncode(params["service"]);
    http::Headers h;
    if (!basic.empty()) h.Add("Authorization", basic);
    ASSIGN_OR_RETURN(r, client->Do("GET", url.target, h));
  }
  if (r.status != 200) {
    return Status::Unauthorized("token server " + realm + " answered HTTP " +
                                std::to_string(r.status));
  }
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    token = j.value("token", "");
    if (token.empty()) token = j.value("access_token", "");
  }
  if (token.empty()) return Status::Unauthorized("token server " + realm + " gave no token");
  authorization_ = "Bearer " + token;
  return Status::Ok();
}

Status RegistryClient::Send(std::string_view path, http::Headers headers,
                            const std::function<bool(std::string_view)>* on_chunk,
                            http::Response* out) {
  bool authorized_once = false;
  Url url = EndpointUrl(std::string(path));
  bool same_registry = true;
  for (int hop = 0; hop <= kMaxRedirects + 1; ++hop) {
    ASSIGN_OR_RETURN(http::HttpClient * client, ClientFor(url, same_registry));
    http::Headers h = headers;
    if (same_registry && !authorization_.empty()) h.Set("Authorization", authorization_);
    Status st;
    if (on_chunk != nullptr) {
      st = client->Stream("GET", url.target, h, *on_chunk, out);
      // A transport failure, before the head or in the middle of a 2xx body.
      if (!st.ok() && (out->status == 0 || (out->status >= 200 && out->status < 300))) return st;
    } else {
      Result<http::Response> r = client->Do("GET", url.target, h);
      if (!r.ok()) return r.status();
      *out = std::move(*r);
    }
    if (out->status == 401 && same_registry && !authorized_once) {
      std::string challenge(out->headers.Get("WWW-Authenticate"));
      if (challenge.empty())
        return Status::Unauthorized(endpoint_.str() + ": HTTP 401 without challenge");
      RETURN_IF_ERROR(Authorize(challenge));
      authorized_once = true;
      --hop;
      continue;
    }
    if (IsRedirect(out->status)) {
      std::string location(out->headers.Get("Location"));
      if (location.empty()) return Status::Unavailable("redirect without Location");
      if (location.starts_with("/")) {
        url.target = location;
      } else {
        ASSIGN_OR_RETURN(Endpoint to, ParseEndpointUrl(location.substr(0, location.find('?'))));
        size_t path_at = location.find('/', location.find("://") + 3);
        bool same = to.host == endpoint_.host && to.port == endpoint_.port;
        same_registry = same_registry && same;
        url = Url{!to.plain_http, to.host, to.port,
                  path_at == std::string::npos ? "/" : location.substr(path_at)};
      }
      continue;
    }
    if (out->status >= 200 && out->status < 300) return Status::Ok();
    std::string body = out->body.substr(0, 300);
    Code code = out->status == 404   ? Code::kNotFound
                : out->status == 401 ? Code::kUnauthorized
                : out->status == 403 ? Code::kForbidden
                                     : Code::kUnavailable;
    return Status(code, endpoint_.str() + std::string(path) + ": HTTP " +
                            std::to_string(out->status) + (body.empty() ? "" : ": " + body));
  }
  return Status::Unavailable("too many redirects");
}

Result<FetchedManifest> RegistryClient::GetManifest(std::string_view ref) {
  http::Headers h;
  h.Add("Accept", std::string(kManifestAccept));
  http::Response r;
  RETURN_IF_ERROR(
      Send("/v2/" + endpoint_.repository + "/manifests/" + std::string(ref), h, nullptr, &r));
  FetchedManifest m;
  m.body = std::move(r.body);
  m.digest = Digest::Of(m.body);
  std::string type(r.headers.Get("Content-Type"));
  type = type.substr(0, type.find(';'));
  if (!IsManifestType(type) && !IsIndexType(type)) {
    ASSIGN_OR_RETURN(type, DetectDocumentType(m.body));
  }
  m.media_type = type;
  if (ref.starts_with("sha256:") && m.digest.str() != ref) {
    return Status::Invalid("manifest " + std::string(ref) + " from " + endpoint_.str() +
                           " has digest " + m.digest.str());
  }
  return m;
}

Status RegistryClient::FetchBlob(const Descriptor& d, BlobWriter* writer,
                                 const std::function<void(uint64_t)>& progress) {
  std::string path = "/v2/" + endpoint_.repository + "/blobs/" + d.digest.str();
  Status last;
  for (int attempt = 0; attempt < kBlobAttempts; ++attempt) {
    http::Headers h;
    uint64_t from = writer->size();
    if (from > 0) h.Add("Range", "bytes=" + std::to_string(from) + "-");
    http::Response head;
    bool first = true;
    Status write_error;
    std::function<bool(std::string_view)> on_chunk = [&](std::string_view chunk) {
      if (first) {
        first = false;
        if (from > 0 && head.status != 206) {  // no resume: start over
          write_error = writer->Reset();
          if (!write_error.ok()) return false;
        }
      }
      if (writer->size() + chunk.size() > static_cast<uint64_t>(d.size)) {
        write_error = Status::Invalid("blob " + d.digest.str() + " is larger than its " +
                                      std::to_string(d.size) + " bytes");
        return false;
      }
      write_error = writer->Write(chunk);
      if (!write_error.ok()) return false;
      progress(writer->size());
      return true;
    };
    Status st = Send(path, h, &on_chunk, &head);
    if (!write_error.ok()) return write_error;
    if (st.ok()) {
      if (from > 0 && first && head.status != 206) RETURN_IF_ERROR(writer->Reset());
      if (writer->size() == static_cast<uint64_t>(d.size)) return Status::Ok();
      last = Status::Unavailable("blob " + d.digest.str() + " ended early");
    } else if (st.code() != Code::kUnavailable) {
      return st;  // 404, 401, ...: retrying will not help
    } else {
      last = st;
    }
    kLog.Debug("blob {} interrupted at {} bytes ({}), resuming", d.digest.str(), writer->size(),
               last.message());
  }
  return last;
}

}  // namespace sampan::images
