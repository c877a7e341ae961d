#include "pkg/kubelet/container_config.h"

#include <fmt/format.h>

#include <functional>
#include <map>

#include "pkg/api/quantity.h"
#include "pkg/kubelet/expansion.h"

namespace sampan::kubelet {
namespace {

using api::Json;

// Container securityContext fields override the pod's.
const Json* SecurityField(const Json& pod, const Json& container, std::string_view key) {
  if (const Json* v = api::FindPath(container, "securityContext"); v && v->is_object()) {
    if (const Json* f = api::Find(*v, key); f && !f->is_null()) return f;
  }
  if (const Json* v = api::FindPath(pod, "spec.securityContext"); v && v->is_object()) {
    if (const Json* f = api::Find(*v, key); f && !f->is_null()) return f;
  }
  return nullptr;
}

std::optional<int64_t> Resource(const Json& container, const std::string& which,
                                const std::string& name, bool milli) {
  const Json* value = api::FindPath(container, "resources." + which + "." + name);
  if (value == nullptr) return std::nullopt;
  Result<api::Quantity> q = api::Quantity::FromJson(*value);
  if (!q.ok()) return std::nullopt;
  return milli ? q->MilliValue() : q->Value();
}

bool IsNumeric(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

Status ApplyUser(const Json& pod, const Json& container, const ImageDefaults& image,
                 runtime::UserSpec& user) {
  // The image's "user[:group]".
  std::string image_user = image.config.user, image_group;
  if (size_t colon = image_user.find(':'); colon != std::string::npos) {
    image_group = image_user.substr(colon + 1);
    image_user.resize(colon);
  }
  if (const Json* uid = SecurityField(pod, container, "runAsUser"); uid && uid->is_number()) {
    user.uid = static_cast<uid_t>(uid->get<int64_t>());
  } else if (IsNumeric(image_user)) {
    user.uid = static_cast<uid_t>(std::stoul(image_user));
  } else if (!image_user.empty()) {
    user.user_name = image_user;
  }
  if (const Json* gid = SecurityField(pod, container, "runAsGroup"); gid && gid->is_number()) {
    user.gid = static_cast<gid_t>(gid->get<int64_t>());
  } else if (IsNumeric(image_group)) {
    user.gid = static_cast<gid_t>(std::stoul(image_group));
  } else if (!image_group.empty()) {
    user.group_name = image_group;
  }
  const Json* pod_security = api::FindPath(pod, "spec.securityContext");
  if (pod_security != nullptr && pod_security->is_object()) {
    if (const Json* fs = api::Find(*pod_security, "fsGroup"); fs && fs->is_number()) {
      user.additional_gids.push_back(static_cast<gid_t>(fs->get<int64_t>()));
    }
    if (const Json* groups = api::Find(*pod_security, "supplementalGroups");
        groups && groups->is_array()) {
      for (const Json& g : *groups) {
        if (g.is_number()) user.additional_gids.push_back(static_cast<gid_t>(g.get<int64_t>()));
      }
    }
  }
  const Json* non_root = SecurityField(pod, container, "runAsNonRoot");
  if (non_root != nullptr && non_root->is_boolean() && non_root->get<bool>()) {
    if (user.uid) {
      if (*user.uid == 0) {
        return Status::Invalid("container's runAsUser breaks non-root policy (pod: \"" +
                               api::GetString(api::ObjectField(pod, "metadata"), "name") +
                               "\", container: " + api::GetString(container, "name") + ")");
      }
    } else if (!user.user_name.empty()) {
      return Status::Invalid("container has runAsNonRoot and image has non-numeric user (" +
                             user.user_name + "), cannot verify user is non-root");
    } else {
      return Status::Invalid("container has runAsNonRoot and image will run as root (pod: \"" +
                             api::GetString(api::ObjectField(pod, "metadata"), "name") +
                             "\", container: " + api::GetString(container, "name") + ")");
    }
  }
  return Status::Ok();
}

Status ApplySecurity(const Json& pod, const Json& container, const ContainerContext& context,
                     runtime::SecuritySpec& security) {
  const Json* sc = api::Find(container, "securityContext");
  if (sc != nullptr && sc->is_object()) {
    security.privileged = api::GetBool(*sc, "privileged");
    security.read_only_rootfs = api::GetBool(*sc, "readOnlyRootFilesystem");
    if (const Json* ape = api::Find(*sc, "allowPrivilegeEscalation"); ape && ape->is_boolean()) {
      security.no_new_privileges = !ape->get<bool>();
    }
    if (const Json* caps = api::Find(*sc, "capabilities"); caps && caps->is_object()) {
      security.cap_add = api::GetStrings(*caps, "add");
      security.cap_drop = api::GetStrings(*caps, "drop");
    }
  }
  const Json* profile = SecurityField(pod, container, "seccompProfile");
  std::string type = profile ? api::GetString(*profile, "type") : "";
  if (type == "RuntimeDefault") {
    security.seccomp = runtime::SeccompKind::kRuntimeDefault;
  } else if (type == "Localhost") {
    std::string path = api::GetString(*profile, "localhostProfile");
    if (path.empty() || path.find("..") != std::string::npos || path[0] == '/') {
      return Status::Invalid("invalid localhostProfile \"" + path + "\"");
    }
    security.seccomp = runtime::SeccompKind::kLocalhost;
    security.seccomp_profile_path = context.seccomp_dir + "/" + path;
  } else {
    security.seccomp = runtime::SeccompKind::kUnconfined;  // Kubernetes' default
  }
  return Status::Ok();
}

void ApplyResources(const Json& container, const ContainerContext& context,
                    runtime::ResourceSpec& resources, runtime::ProcessSpec& process) {
  std::optional<int64_t> cpu_request = Resource(container, "requests", "cpu", true);
  std::optional<int64_t> cpu_limit = Resource(container, "limits", "cpu", true);
  // As upstream: a limit without a request requests the limit.
  if (!cpu_request && cpu_limit) cpu_request = cpu_limit;
  resources.cpu_shares = runtime::MilliCpuToShares(cpu_request.value_or(0));
  if (cpu_limit) resources.cpu_quota_us = runtime::MilliCpuToQuota(*cpu_limit);
  if (std::optional<int64_t> memory = Resource(container, "limits", "memory", false)) {
    resources.memory_limit = *memory;
  }
  std::optional<int64_t> memory_request = Resource(container, "requests", "memory", false);
  if (!memory_request && resources.memory_limit > 0) memory_request = resources.memory_limit;
  process.oom_score_adj =
      runtime::OomScoreAdj(context.qos, memory_request.value_or(0), context.node_memory);
}

}  // namespace

std::string LabelValue(const std::map<std::string, std::string>& labels, const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

std::string ContainerHash(const Json& container) {
  // What a pod update may change for a container is its image; the hash covers it.
  return fmt::format("{:x}", std::hash<std::string>{}(api::GetString(container, "image")));
}

runtime::ResourceSpec PodResources(const Json& pod) {
  struct Sum {
    int64_t cpu_request = 0, cpu_limit = 0, memory_limit = 0;
    bool all_cpu_limits = true, all_memory_limits = true;
  };
  auto add = [](Sum& sum, const Json& c) {
    std::optional<int64_t> cpu_limit = Resource(c, "limits", "cpu", true);
    std::optional<int64_t> memory_limit = Resource(c, "limits", "memory", false);
    sum.cpu_request += Resource(c, "requests", "cpu", true).value_or(cpu_limit.value_or(0));
    sum.cpu_limit += cpu_limit.value_or(0);
    sum.memory_limit += memory_limit.value_or(0);
    sum.all_cpu_limits = sum.all_cpu_limits && cpu_limit.has_value();
    sum.all_memory_limits = sum.all_memory_limits && memory_limit.has_value();
  };
  Sum apps;
  const Json& spec = api::ObjectField(pod, "spec");
  if (const Json* list = api::Find(spec, "containers"); list && list->is_array()) {
    for (const Json& c : *list) add(apps, c);
  }
  if (const Json* list = api::Find(spec, "initContainers"); list && list->is_array()) {
    for (const Json& c : *list) {  // init containers run alone: the largest one counts
      Sum one;
      add(one, c);
      apps.cpu_request = std::max(apps.cpu_request, one.cpu_request);
      apps.cpu_limit = std::max(apps.cpu_limit, one.cpu_limit);
      apps.memory_limit = std::max(apps.memory_limit, one.memory_limit);
      apps.all_cpu_limits = apps.all_cpu_limits && one.all_cpu_limits;
      apps.all_memory_limits = apps.all_memory_limits && one.all_memory_limits;
    }
  }
  runtime::ResourceSpec out;
  out.cpu_shares = runtime::MilliCpuToShares(apps.cpu_request);
  if (apps.all_cpu_limits && apps.cpu_limit > 0) {
    out.cpu_quota_us = runtime::MilliCpuToQuota(apps.cpu_limit);
  }
  if (apps.all_memory_limits && apps.memory_limit > 0) out.memory_limit = apps.memory_limit;
  return out;
}

runtime::QosClass PodQos(const Json& pod) {
  std::string qos = api::GetString(api::ObjectField(pod, "status"), "qosClass");
  if (qos == "Guaranteed") return runtime::QosClass::kGuaranteed;
  if (qos == "Burstable") return runtime::QosClass::kBurstable;
  return runtime::QosClass::kBestEffort;
}

std::vector<std::string> ContainerArgs(const Json& container, const ImageDefaults& image,
                                       const std::vector<std::string>& env) {
  std::map<std::string, std::string, std::less<>> vars;
  for (const std::string& kv : env) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos) vars.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  VarLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<std::string> command = api::GetStrings(container, "command");
  std::vector<std::string> args = api::GetStrings(container, "args");
  std::vector<std::string> out;
  if (!command.empty()) {
    out = command;  // the image's cmd is ignored when the command is given
  } else {
    out = image.config.entrypoint;
    if (args.empty()) args = image.config.cmd;
  }
  out.insert(out.end(), args.begin(), args.end());
  for (std::string& arg : out) arg = ExpandVars(arg, lookup);
  return out;
}

Result<runtime::ContainerSpec> BuildContainerSpec(const Json& pod, const Json& container,
                                                  const ContainerContext& context) {
  const Json& meta = api::ObjectField(pod, "metadata");
  const Json& spec = api::ObjectField(pod, "spec");
  std::string name = api::GetString(container, "name");
  runtime::ContainerSpec out;
  out.id = context.id;
  out.name = fmt::format("{}_{}", name, context.restart_count);
  out.image = api::GetString(container, "image");
  out.lower_dirs = context.image.lower_dirs;

  // Image env first; the container's replaces variables of the same name.
  std::map<std::string, size_t> index;
  for (const std::vector<std::string>* list : {&context.image.config.env, &context.env}) {
    for (const std::string& kv : *list) {
      std::string key = kv.substr(0, kv.find('='));
      auto [it, inserted] = index.emplace(key, out.process.env.size());
      if (inserted) {
        out.process.env.push_back(kv);
      } else {
        out.process.env[it->second] = kv;
      }
    }
  }
  if (index.find("HOSTNAME") == index.end()) {
    out.process.env.push_back("HOSTNAME=" + PodHostname(pod));
  }
  if (index.find("PATH") == index.end()) {
    out.process.env.insert(out.process.env.begin(),
                           "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  out.process.args = ContainerArgs(container, context.image, context.env);
  if (out.process.args.empty()) {
    return Status::Invalid("no command specified");
  }
  out.process.cwd = api::GetString(container, "workingDir", context.image.config.working_dir);
  if (out.process.cwd.empty()) out.process.cwd = "/";
  out.process.tty = api::GetBool(container, "tty");
  out.process.stdin_open = api::GetBool(container, "stdin");
  out.process.stdin_once = out.process.stdin_open && api::GetBool(container, "stdinOnce");
  RETURN_IF_ERROR(ApplyUser(pod, container, context.image, out.process.user));
  RETURN_IF_ERROR(ApplySecurity(pod, container, context, out.security));
  ApplyResources(container, context, out.resources, out.process);

  // The pod's /etc files (host-network pods keep the node's /etc/hosts, as upstream).
  bool host_network = api::GetBool(spec, "hostNetwork");
  if (!host_network) out.mounts.push_back({context.files.hosts, "/etc/hosts", false});
  out.mounts.push_back({context.files.hostname, "/etc/hostname", false});
  out.mounts.push_back({context.files.resolv_conf, "/etc/resolv.conf", false});
  std::string termination_path =
      api::GetString(container, "terminationMessagePath", "/dev/termination-log");
  std::string termination_file =
      fmt::format("{}/containers/{}/{}", context.pod_dir, name, context.id.substr(0, 8));
  out.mounts.push_back({termination_file, termination_path, false});

  if (const Json* sysctls = api::FindPath(spec, "securityContext.sysctls");
      sysctls && sysctls->is_array()) {
    for (const Json& s : *sysctls) {
      out.sysctls[api::GetString(s, "name")] = api::GetString(s, "value");
    }
  }
  out.log_path = context.log_path;
  if (!context.image.config.stop_signal.empty()) {
    Result<int> signal = runtime::ParseSignal(context.image.config.stop_signal);
    if (signal.ok()) out.stop_signal = *signal;
  }
  std::string uid = api::GetString(meta, "uid");
  out.labels = {{kPodUidLabel, uid},
                {kPodNameLabel, api::GetString(meta, "name")},
                {kPodNamespaceLabel, api::GetString(meta, "namespace")},
                {kContainerNameLabel, name}};
  out.annotations = {{kRestartCountAnnotation, std::to_string(context.restart_count)},
                     {kContainerHashAnnotation, ContainerHash(container)},
                     {kTerminationMessagePathAnnotation, termination_file}};
  if (context.init_container) out.annotations[kInitContainerAnnotation] = "true";
  return out;
}

}  // namespace sampan::kubelet
