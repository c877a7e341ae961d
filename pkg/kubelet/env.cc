#include "pkg/kubelet/env.h"

#include <fmt/format.h>

#include <map>

#include "pkg/api/quantity.h"
#include "pkg/kubelet/expansion.h"
#include "pkg/util/base64.h"

namespace sampan::kubelet {
namespace {

using api::Json;

// An ordered set of variables: first definition fixes the position, later ones the value.
class EnvList {
 public:
  void Set(const std::string& name, std::string value) {
    auto [it, inserted] = index_.emplace(name, entries_.size());
    if (inserted) {
      entries_.emplace_back(name, std::move(value));
    } else {
      entries_[it->second].second = std::move(value);
    }
  }
  const std::string* Get(std::string_view name) const {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : &entries_[it->second].second;
  }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::map<std::string, size_t> index_;
};

// Secret data is base64; ConfigMap data plain (binaryData base64).
Result<std::map<std::string, std::string>> SourceData(const std::string& resource,
                                                      const Json& object) {
  std::map<std::string, std::string> out;
  bool secret = resource == "secrets";
  if (const Json* data = api::Find(object, "data"); data && data->is_object()) {
    for (auto it = data->begin(); it != data->end(); ++it) {
      if (!it.value().is_string()) continue;
      if (!secret) {
        out[it.key()] = it.value().get<std::string>();
        continue;
      }
      std::optional<std::string> decoded = Base64Decode(it.value().get<std::string>());
      if (!decoded) return Status::Invalid("secret key " + it.key() + " is not valid base64");
      out[it.key()] = std::move(*decoded);
    }
  }
  if (!secret) {
    if (const Json* data = api::Find(object, "binaryData"); data && data->is_object()) {
      for (auto it = data->begin(); it != data->end(); ++it) {
        if (!it.value().is_string()) continue;
        std::optional<std::string> decoded = Base64Decode(it.value().get<std::string>());
        if (decoded) out[it.key()] = std::move(*decoded);
      }
    }
  }
  return out;
}

std::string KindName(const std::string& resource) {
  return resource == "secrets" ? "Secret" : "ConfigMap";
}

std::string NotFoundText(const std::string& resource, const std::string& name) {
  return fmt::format("{} \"{}\" not found", resource == "secrets" ? "secret" : "configmap", name);
}

// A key of a ConfigMap or Secret; nullopt for an optional reference that is absent.
Result<std::optional<std::string>> KeyValue(const std::string& resource, const Json& ref,
                                            const std::string& ns, const ObjectLookup& lookup) {
  std::string name = api::GetString(ref, "name");
  std::string key = api::GetString(ref, "key");
  bool optional = api::GetBool(ref, "optional");
  Result<Json> object = lookup(resource, ns, name);
  if (!object.ok()) {
    if (object.status().IsNotFound()) {
      if (optional) return std::optional<std::string>();
      return Status::NotFound(NotFoundText(resource, name));
    }
    return object.status();
  }
  ASSIGN_OR_RETURN(auto data, SourceData(resource, *object));
  auto it = data.find(key);
  if (it == data.end()) {
    if (optional) return std::optional<std::string>();
    return Status::NotFound(
        fmt::format("couldn't find key {} in {} {}/{}", key, KindName(resource), ns, name));
  }
  return std::optional<std::string>(it->second);
}

// metadata.labels['app'] -> ("labels", "app").
bool SubscriptPath(const std::string& path, const std::string& prefix, std::string* key) {
  if (path.rfind(prefix + "['", 0) != 0 || path.size() < prefix.size() + 4 ||
      path.compare(path.size() - 2, 2, "']") != 0) {
    return false;
  }
  *key = path.substr(prefix.size() + 2, path.size() - prefix.size() - 4);
  return true;
}

Result<api::Quantity> ContainerResource(const Json& container, const std::string& which,
                                        const std::string& name) {
  const Json* value = api::FindPath(container, "resources." + which + "." + name);
  if (value == nullptr) return Status::NotFound(name);
  return api::Quantity::FromJson(*value);
}

}  // namespace

Result<std::string> PodFieldValue(const Json& pod, const std::string& path,
                                  const EnvContext& context) {
  const Json& meta = api::ObjectField(pod, "metadata");
  const Json& spec = api::ObjectField(pod, "spec");
  std::string key;
  if (path == "metadata.name") return api::GetString(meta, "name");
  if (path == "metadata.namespace") return api::GetString(meta, "namespace");
  if (path == "metadata.uid") return api::GetString(meta, "uid");
  if (SubscriptPath(path, "metadata.labels", &key)) {
    return api::GetString(api::ObjectField(meta, "labels"), key);
  }
  if (SubscriptPath(path, "metadata.annotations", &key)) {
    return api::GetString(api::ObjectField(meta, "annotations"), key);
  }
  if (path == "spec.nodeName") return api::GetString(spec, "nodeName", context.node_name);
  if (path == "spec.serviceAccountName") return api::GetString(spec, "serviceAccountName");
  if (path == "status.hostIP" || path == "status.hostIPs") return context.host_ip;
  if (path == "status.podIP" || path == "status.podIPs") return context.pod_ip;
  return Status::Invalid("unsupported fieldRef fieldPath \"" + path + "\"");
}

Result<std::string> ResourceFieldValue(const Json& container, const Json& ref,
                                       const EnvContext& context) {
  std::string resource = api::GetString(ref, "resource");
  size_t dot = resource.find('.');
  if (dot == std::string::npos) {
    return Status::Invalid("unsupported resourceFieldRef resource \"" + resource + "\"");
  }
  std::string which = resource.substr(0, dot);  // limits | requests
  std::string name = resource.substr(dot + 1);  // cpu | memory | ephemeral-storage
  api::Quantity divisor = api::Quantity::FromInt64(1);
  if (const Json* d = api::Find(ref, "divisor"); d != nullptr && !d->is_null()) {
    ASSIGN_OR_RETURN(divisor, api::Quantity::FromJson(*d));
  }
  if (divisor.IsZero()) divisor = api::Quantity::FromInt64(1);
  Result<api::Quantity> value = ContainerResource(container, which, name);
  if (name == "cpu") {
    int64_t milli = 0;
    if (value.ok()) {
      milli = value->MilliValue();
    } else if (which == "limits") {
      milli = context.node_milli_cpu;
    }
    int64_t div = std::max<int64_t>(1, divisor.MilliValue());
    return std::to_string((milli + div - 1) / div);
  }
  if (name == "memory" || name == "ephemeral-storage") {
    int64_t bytes = 0;
    if (value.ok()) {
      bytes = value->Value();
    } else if (which == "limits") {
      bytes = name == "memory" ? context.node_memory : context.node_ephemeral_storage;
    }
    int64_t div = std::max<int64_t>(1, divisor.Value());
    return std::to_string((bytes + div - 1) / div);
  }
  return Status::Invalid("unsupported resourceFieldRef resource \"" + resource + "\"");
}

Result<std::vector<std::string>> ContainerEnv(const Json& pod, const Json& container,
                                              const EnvContext& context,
                                              const ObjectLookup& lookup) {
  std::string ns = api::GetString(api::ObjectField(pod, "metadata"), "namespace", "default");
  EnvList env;

  if (const Json* from = api::Find(container, "envFrom"); from && from->is_array()) {
    for (const Json& source : *from) {
      std::string prefix = api::GetString(source, "prefix");
      std::string resource;
      const Json* ref = nullptr;
      if ((ref = api::Find(source, "configMapRef")) != nullptr) {
        resource = "configmaps";
      } else if ((ref = api::Find(source, "secretRef")) != nullptr) {
        resource = "secrets";
      } else {
        continue;
      }
      std::string name = api::GetString(*ref, "name");
      Result<Json> object = lookup(resource, ns, name);
      if (!object.ok()) {
        if (object.status().IsNotFound()) {
          if (api::GetBool(*ref, "optional")) continue;
          return Status::NotFound(NotFoundText(resource, name));
        }
        return object.status();
      }
      ASSIGN_OR_RETURN(auto data, SourceData(resource, *object));
      for (auto& [key, value] : data) env.Set(prefix + key, value);
    }
  }

  std::map<std::string, std::string> services(context.service_env.begin(),
                                              context.service_env.end());
  VarLookup defined = [&](std::string_view name) -> std::optional<std::string> {
    if (const std::string* v = env.Get(name)) return *v;
    if (auto it = services.find(std::string(name)); it != services.end()) return it->second;
    return std::nullopt;
  };

  if (const Json* vars = api::Find(container, "env"); vars && vars->is_array()) {
    for (const Json& var : *vars) {
      std::string name = api::GetString(var, "name");
      if (name.empty()) continue;
      const Json* from = api::Find(var, "valueFrom");
      if (from == nullptr || !from->is_object()) {
        env.Set(name, ExpandVars(api::GetString(var, "value"), defined));
        continue;
      }
      if (const Json* ref = api::Find(*from, "fieldRef")) {
        ASSIGN_OR_RETURN(std::string value,
                         PodFieldValue(pod, api::GetString(*ref, "fieldPath"), context));
        env.Set(name, std::move(value));
      } else if (const Json* ref = api::Find(*from, "resourceFieldRef")) {
        ASSIGN_OR_RETURN(std::string value, ResourceFieldValue(container, *ref, context));
        env.Set(name, std::move(value));
      } else if (const Json* ref = api::Find(*from, "configMapKeyRef")) {
        ASSIGN_OR_RETURN(std::optional<std::string> value,
                         KeyValue("configmaps", *ref, ns, lookup));
        if (value) env.Set(name, std::move(*value));
      } else if (const Json* ref = api::Find(*from, "secretKeyRef")) {
        ASSIGN_OR_RETURN(std::optional<std::string> value, KeyValue("secrets", *ref, ns, lookup));
        if (value) env.Set(name, std::move(*value));
      }
    }
  }

  std::vector<std::string> out;
  for (const auto& [name, value] : env.entries()) out.push_back(name + "=" + value);
  for (const auto& [name, value] : context.service_env) {
    if (env.Get(name) == nullptr) out.push_back(name + "=" + value);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> KubernetesServiceEnv(const std::string& ip) {
  return {{"KUBERNETES_SERVICE_HOST", ip},
          {"KUBERNETES_SERVICE_PORT", "443"},
          {"KUBERNETES_SERVICE_PORT_HTTPS", "443"},
          {"KUBERNETES_PORT", "tcp://" + ip + ":443"},
          {"KUBERNETES_PORT_443_TCP", "tcp://" + ip + ":443"},
          {"KUBERNETES_PORT_443_TCP_PROTO", "tcp"},
          {"KUBERNETES_PORT_443_TCP_PORT", "443"},
          {"KUBERNETES_PORT_443_TCP_ADDR", ip}};
}

}  // namespace sampan::kubelet
