#include "pkg/kubelet/volume_projection.h"

#include <fmt/core.h>

#include <vector>

#include "pkg/util/base64.h"

namespace sampan::kubelet {
namespace {

using api::Json;

constexpr mode_t kDefaultMode = 0644;

mode_t ModeOf(const Json& obj, const char* field, mode_t fallback) {
  const Json* m = api::Find(obj, field);
  if (m == nullptr || !m->is_number_integer()) return fallback;
  return static_cast<mode_t>(m->get<int64_t>() & 07777);
}

// Key -> bytes of a ConfigMap (data and binaryData) or a Secret (data, base64).
Result<std::map<std::string, std::string>> ObjectData(const Json& obj, bool secret) {
  std::map<std::string, std::string> out;
  const Json& data = api::ObjectField(obj, "data");
  for (auto it = data.begin(); data.is_object() && it != data.end(); ++it) {
    if (!it->is_string()) continue;
    if (secret) {
      std::optional<std::string> bytes = Base64Decode(it->get<std::string>());
      if (!bytes) return Status::Invalid(fmt::format("secret key {} is not base64", it.key()));
      out[it.key()] = std::move(*bytes);
    } else {
      out[it.key()] = it->get<std::string>();
    }
  }
  if (!secret) {
    const Json& binary = api::ObjectField(obj, "binaryData");
    for (auto it = binary.begin(); binary.is_object() && it != binary.end(); ++it) {
      if (!it->is_string()) continue;
      std::optional<std::string> bytes = Base64Decode(it->get<std::string>());
      if (bytes) out[it.key()] = std::move(*bytes);
    }
  }
  return out;
}

// A configMap or secret source (volume or projected source) into `out`.
Status ProjectKeys(const Json& pod, const Json& source, bool secret, mode_t default_mode,
                   const ProjectionContext& ctx, Payload& out) {
  std::string ns = api::GetString(api::ObjectField(pod, "metadata"), "namespace");
  std::string name = api::GetString(source, secret ? "secretName" : "name");
  if (secret && name.empty()) name = api::GetString(source, "name");  // projected sources
  bool optional = api::GetBool(source, "optional");
  const char* kind = secret ? "secret" : "configmap";
  Result<Json> obj = ctx.lookup(secret ? "secrets" : "configmaps", ns, name);
  if (!obj.ok()) {
    if (obj.status().IsNotFound()) {
      if (optional) return Status::Ok();
      return Status::NotFound(fmt::format("{} \"{}\" not found", kind, name));
    }
    return Status::Unavailable(
        fmt::format("cannot get {} \"{}\": {}", kind, name, obj.status().message()));
  }
  ASSIGN_OR_RETURN(auto data, ObjectData(*obj, secret));
  const Json* items = api::Find(source, "items");
  if (items == nullptr || !items->is_array() || items->empty()) {
    for (auto& [key, value] : data) out[key] = {value, default_mode};
    return Status::Ok();
  }
  for (const Json& item : *items) {
    std::string key = api::GetString(item, "key");
    auto it = data.find(key);
    if (it == data.end()) {
      if (optional) continue;
      return Status::NotFound(fmt::format("{} references non-existent {} key: {}", kind,
                                          secret ? "secret" : "config", key));
    }
    out[api::GetString(item, "path", key)] = {it->second, ModeOf(item, "mode", default_mode)};
  }
  return Status::Ok();
}

// Upstream's FormatMap: sorted `key="value"` lines (Go %q quoting of the value).
std::string FormatMap(const Json& map) {
  std::string out;
  for (auto it = map.begin(); map.is_object() && it != map.end(); ++it) {
    if (!out.empty()) out += "\n";
    std::string value = it->is_string() ? it->get<std::string>() : it->dump();
    out += it.key() + "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  }
  return out;
}

Status ProjectDownward(const Json& pod, const Json& source, mode_t default_mode,
                       const ProjectionContext& ctx, Payload& out) {
  const Json* items = api::Find(source, "items");
  if (items == nullptr || !items->is_array()) return Status::Ok();
  const Json& meta = api::ObjectField(pod, "metadata");
  for (const Json& item : *items) {
    std::string path = api::GetString(item, "path");
    mode_t mode = ModeOf(item, "mode", default_mode);
    if (const Json* field = api::Find(item, "fieldRef")) {
      std::string field_path = api::GetString(*field, "fieldPath");
      if (field_path == "metadata.labels") {
        out[path] = {FormatMap(api::ObjectField(meta, "labels")), mode};
      } else if (field_path == "metadata.annotations") {
        out[path] = {FormatMap(api::ObjectField(meta, "annotations")), mode};
      } else {
        ASSIGN_OR_RETURN(std::string value, PodFieldValue(pod, field_path, ctx.env));
        out[path] = {value, mode};
      }
    } else if (const Json* ref = api::Find(item, "resourceFieldRef")) {
      std::string container_name = api::GetString(*ref, "containerName");
      const Json* container = nullptr;
      for (const char* list : {"containers", "initContainers"}) {
        const Json* cs = api::Find(api::ObjectField(pod, "spec"), list);
        if (cs == nullptr || !cs->is_array()) continue;
        for (const Json& c : *cs) {
          if (api::GetString(c, "name") == container_name) container = &c;
        }
      }
      if (container == nullptr) {
        return Status::Invalid(fmt::format("container \"{}\" not found", container_name));
      }
      ASSIGN_OR_RETURN(std::string value, ResourceFieldValue(*container, *ref, ctx.env));
      out[path] = {value, mode};
    }
  }
  return Status::Ok();
}

const char* PluginDir(const Json& volume) {
  if (api::Find(volume, "secret")) return "kubernetes.io~secret";
  if (api::Find(volume, "configMap")) return "kubernetes.io~configmap";
  if (api::Find(volume, "downwardAPI")) return "kubernetes.io~downward-api";
  if (api::Find(volume, "projected")) return "kubernetes.io~projected";
  return nullptr;
}

}  // namespace

bool IsProjectedVolume(const Json& volume) { return PluginDir(volume) != nullptr; }

std::string ProjectedVolumeDir(const std::string& pod_dir, const Json& volume) {
  return pod_dir + "/volumes/" + PluginDir(volume) + "/" + api::GetString(volume, "name");
}

Result<Payload> ProjectVolume(const Json& pod, const Json& volume, const ProjectionContext& ctx) {
  Payload out;
  if (const Json* s = api::Find(volume, "secret")) {
    RETURN_IF_ERROR(ProjectKeys(pod, *s, true, ModeOf(*s, "defaultMode", kDefaultMode), ctx, out));
  } else if (const Json* c = api::Find(volume, "configMap")) {
    RETURN_IF_ERROR(ProjectKeys(pod, *c, false, ModeOf(*c, "defaultMode", kDefaultMode), ctx, out));
  } else if (const Json* d = api::Find(volume, "downwardAPI")) {
    RETURN_IF_ERROR(ProjectDownward(pod, *d, ModeOf(*d, "defaultMode", kDefaultMode), ctx, out));
  } else if (const Json* p = api::Find(volume, "projected")) {
    mode_t mode = ModeOf(*p, "defaultMode", kDefaultMode);
    const Json* sources = api::Find(*p, "sources");
    const Json none = Json::array();
    for (const Json& source : sources != nullptr && sources->is_array() ? *sources : none) {
      if (const Json* s = api::Find(source, "secret")) {
        RETURN_IF_ERROR(ProjectKeys(pod, *s, true, mode, ctx, out));
      } else if (const Json* c = api::Find(source, "configMap")) {
        RETURN_IF_ERROR(ProjectKeys(pod, *c, false, mode, ctx, out));
      } else if (const Json* d = api::Find(source, "downwardAPI")) {
        RETURN_IF_ERROR(ProjectDownward(pod, *d, mode, ctx, out));
      } else if (const Json* t = api::Find(source, "serviceAccountToken")) {
        if (!ctx.token) return Status::Unavailable("no service-account token source");
        int64_t seconds = api::GetInt(*t, "expirationSeconds", 3600);
        Result<std::string> token = ctx.token(pod, api::GetString(*t, "audience"), seconds);
        if (!token.ok()) {
          return Status(token.status().code(),
                        fmt::format("failed to fetch token: {}", token.status().message()));
        }
        out[api::GetString(*t, "path", "token")] = {*token, mode};
      }
    }
  } else {
    return Status::Invalid("volume \"" + api::GetString(volume, "name") + "\" is not projected");
  }
  return out;
}

}  // namespace sampan::kubelet
