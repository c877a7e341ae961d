// The Pod describer and the pod template printer (containers, volumes, probes,
// environment), in kubectl 1.33's layout.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "pkg/api/quantity.h"
#include "pkg/api/resource_list.h"
#include "pkg/kubectl/describe_util.h"
#include "pkg/kubectl/describers.h"

namespace sampan::kubectl {
namespace {

using api::GetString;
using api::Json;
using api::ObjectField;

std::string Str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return api::Dump(v);
}

std::string BoolText(bool b) { return b ? "true" : "false"; }

// Go's %v of a []string: "[a b c]".
std::string GoList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
  return out + "]";
}

std::string JoinPorts(const Json& ports, const char* field) {
  std::string out;
  for (const Json& p : ports) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}/{}", api::GetInt(p, field), GetString(p, "protocol"));
  }
  return out;
}

std::string Probe(const Json& probe) {
  std::string attrs =
      fmt::format("delay={}s timeout={}s period={}s #success={} #failure={}",
                  api::GetInt(probe, "initialDelaySeconds"), api::GetInt(probe, "timeoutSeconds"),
                  api::GetInt(probe, "periodSeconds"), api::GetInt(probe, "successThreshold"),
                  api::GetInt(probe, "failureThreshold"));
  if (const Json* exec = api::Find(probe, "exec")) {
    return fmt::format("exec {} {}", GoList(api::GetStrings(*exec, "command")), attrs);
  }
  if (const Json* get = api::Find(probe, "httpGet")) {
    std::string scheme = GetString(*get, "scheme", "HTTP");
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string port = get->contains("port") ? Str((*get)["port"]) : "";
    std::string host = GetString(*get, "host");
    if (!port.empty())
      host = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
    return fmt::format("http-get {}://{}{} {}", scheme, host, GetString(*get, "path"), attrs);
  }
  if (const Json* tcp = api::Find(probe, "tcpSocket")) {
    return fmt::format("tcp-socket {}:{} {}", GetString(*tcp, "host"),
                       tcp->contains("port") ? Str((*tcp)["port"]) : "", attrs);
  }
  if (const Json* grpc = api::Find(probe, "grpc")) {
    return fmt::format("grpc <pod>:{} {} {}", api::GetInt(*grpc, "port"),
                       GetString(*grpc, "service"), attrs);
  }
  return "unknown " + attrs;
}

// The value kubectl shows for a downward API field path: its scheme converts only the
// field labels every kind has (metadata.name, metadata.namespace); others show as "".
std::string FieldValue(const Json* pod, const std::string& path) {
  if (pod == nullptr) return "";
  const Json& meta = ObjectField(*pod, "metadata");
  if (path == "metadata.name") return GetString(meta, "name");
  if (path == "metadata.namespace") return GetString(meta, "namespace");
  return "";
}

// A resourceFieldRef's value for the container, as the downward API computes it.
std::string ResourceValue(const Json& ref, const Json& container) {
  std::string resource = GetString(ref, "resource");
  size_t dot = resource.find('.');
  if (dot == std::string::npos) return "";
  std::string kind = resource.substr(0, dot), name = resource.substr(dot + 1);
  const Json& list = ObjectField(ObjectField(container, "resources"), kind);
  Result<api::Quantity> value =
      list.contains(name) ? api::Quantity::FromJson(list[name]) : api::Quantity::Parse("0");
  Result<api::Quantity> divisor =
      ref.contains("divisor") ? api::Quantity::FromJson(ref["divisor"]) : api::Quantity::Parse("1");
  if (!value.ok() || !divisor.ok() || divisor->IsZero()) return "";
  if (name == "cpu") {
    double d =
        static_cast<double>(value->MilliValue()) / static_cast<double>(divisor->MilliValue());
    return fmt::format("{}", static_cast<int64_t>(std::ceil(d)));
  }
  double d = static_cast<double>(value->Value()) / static_cast<double>(divisor->Value());
  return fmt::format("{}", static_cast<int64_t>(std::ceil(d)));
}

void ContainerState(const char* name, const Json& state, PrefixWriter& w) {
  if (const Json* r = api::Find(state, "running")) {
    w.Write(2, fmt::format("{}:\tRunning\n", name));
    w.Write(3, "Started:\t" + Rfc1123z(GetString(*r, "startedAt")) + "\n");
  } else if (const Json* wt = api::Find(state, "waiting")) {
    w.Write(2, fmt::format("{}:\tWaiting\n", name));
    if (!GetString(*wt, "reason").empty())
      w.Write(3, "Reason:\t" + GetString(*wt, "reason") + "\n");
  } else if (const Json* t = api::Find(state, "terminated")) {
    w.Write(2, fmt::format("{}:\tTerminated\n", name));
    if (!GetString(*t, "reason").empty()) w.Write(3, "Reason:\t" + GetString(*t, "reason") + "\n");
    if (!GetString(*t, "message").empty()) {
      w.Write(3, "Message:\t" + GetString(*t, "message") + "\n");
    }
    w.Write(3, fmt::format("Exit Code:\t{}\n", api::GetInt(*t, "exitCode")));
    if (api::GetInt(*t, "signal") > 0)
      w.Write(3, fmt::format("Signal:\t{}\n", api::GetInt(*t, "signal")));
    w.Write(3, "Started:\t" + Rfc1123z(GetString(*t, "startedAt")) + "\n");
    w.Write(3, "Finished:\t" + Rfc1123z(GetString(*t, "finishedAt")) + "\n");
  } else {
    w.Write(2, fmt::format("{}:\tWaiting\n", name));
  }
}

void Lines(PrefixWriter& w, int level, const std::string& text) {
  size_t start = 0;
  for (;;) {
    size_t nl = text.find('\n', start);
    w.Write(level, text.substr(start, nl == std::string::npos ? nl : nl - start) + "\n");
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

void Env(const Json& c, const Json* pod, PrefixWriter& w) {
  if (!ArrayField(c, "envFrom").empty()) {
    w.Write(2, "Environment Variables from:\n");
    for (const Json& e : ArrayField(c, "envFrom")) {
      std::string from, name;
      bool optional = false;
      if (const Json* r = api::Find(e, "configMapRef")) {
        from = "ConfigMap", name = GetString(*r, "name"), optional = api::GetBool(*r, "optional");
      } else if (const Json* s = api::Find(e, "secretRef")) {
        from = "Secret", name = GetString(*s, "name"), optional = api::GetBool(*s, "optional");
      }
      std::string prefix = GetString(e, "prefix");
      w.Write(3, prefix.empty()
                     ? fmt::format("{}\t{}\tOptional: {}\n", name, from, BoolText(optional))
                     : fmt::format("{}\t{} with prefix '{}'\tOptional: {}\n", name, from, prefix,
                                   BoolText(optional)));
    }
  }
  const Json& env = ArrayField(c, "env");
  w.Write(2, env.empty() ? "Environment:\t<none>\n" : "Environment:\n");
  for (const Json& e : env) {
    std::string name = GetString(e, "name");
    const Json* from = api::Find(e, "valueFrom");
    if (from == nullptr) {
      std::string value = GetString(e, "value");
      size_t start = 0;
      for (bool first = true;; first = false) {
        size_t nl = value.find('\n', start);
        std::string line = value.substr(start, nl == std::string::npos ? nl : nl - start);
        w.Write(3, first ? name + ":\t" + line + "\n" : "\t" + line + "\n");
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      continue;
    }
    if (const Json* f = api::Find(*from, "fieldRef")) {
      std::string path = GetString(*f, "fieldPath");
      w.Write(3, fmt::format("{}:\t{} ({}:{})\n", name, FieldValue(pod, path),
                             GetString(*f, "apiVersion"), GetString(*f, "fieldPath")));
    } else if (const Json* r = api::Find(*from, "resourceFieldRef")) {
      std::string value = ResourceValue(*r, c);
      std::string resource = GetString(*r, "resource");
      if (value == "0" && (resource == "limits.cpu" || resource == "limits.memory")) {
        value = "node allocatable";
      }
      w.Write(3, fmt::format("{}:\t{} ({})\n", name, value, resource));
    } else if (const Json* s = api::Find(*from, "secretKeyRef")) {
      w.Write(3, fmt::format("{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n", name,
                             GetString(*s, "key"), GetString(*s, "name"),
                             BoolText(api::GetBool(*s, "optional"))));
    } else if (const Json* m = api::Find(*from, "configMapKeyRef")) {
      w.Write(3, fmt::format("{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n", name,
                             GetString(*m, "key"), GetString(*m, "name"),
                             BoolText(api::GetBool(*m, "optional"))));
    }
  }
}

void Containers(const std::string& label, const Json& containers, const Json& statuses,
                const Json* pod, PrefixWriter& w, const std::string& space) {
  w.Write(0, space + label + ":" + (containers.empty() ? " <none>" : "") + "\n");
  for (const Json& c : containers) {
    std::string name = GetString(c, "name");
    const Json* status = nullptr;
    for (const Json& s : statuses) {
      if (GetString(s, "name") == name) status = &s;
    }
    w.Write(1, (space.empty() ? "" : " ") + name + ":\n");
    if (status) w.Write(2, "Container ID:\t" + GetString(*status, "containerID") + "\n");
    w.Write(2, "Image:\t" + GetString(c, "image") + "\n");
    if (status) w.Write(2, "Image ID:\t" + GetString(*status, "imageID") + "\n");
    const Json& ports = ArrayField(c, "ports");
    std::string p = JoinPorts(ports, "containerPort"), hp = JoinPorts(ports, "hostPort");
    w.Write(2, p.find(',') != std::string::npos ? "Ports:\t" + p + "\n"
                                                : "Port:\t" + (p.empty() ? "<none>" : p) + "\n");
    w.Write(2, hp.find(',') != std::string::npos
                   ? "Host Ports:\t" + hp + "\n"
                   : "Host Port:\t" + (hp.empty() ? "<none>" : hp) + "\n");
    const Json& seccomp = ObjectField(ObjectField(c, "securityContext"), "seccompProfile");
    if (!seccomp.empty()) {
      w.Write(2, "SeccompProfile:\t" + GetString(seccomp, "type") + "\n");
      if (GetString(seccomp, "type") == "Localhost") {
        w.Write(3, "LocalhostProfile:\t" + GetString(seccomp, "localhostProfile") + "\n");
      }
    }
    if (!ArrayField(c, "command").empty()) {
      w.Write(2, "Command:\n");
      for (const std::string& s : api::GetStrings(c, "command")) Lines(w, 3, s);
    }
    if (!ArrayField(c, "args").empty()) {
      w.Write(2, "Args:\n");
      for (const std::string& s : api::GetStrings(c, "args")) Lines(w, 3, s);
    }
    if (status) {
      ContainerState("State", ObjectField(*status, "state"), w);
      const Json& last = ObjectField(*status, "lastState");
      if (last.contains("terminated")) ContainerState("Last State", last, w);
      w.Write(2,
              std::string("Ready:\t") + (api::GetBool(*status, "ready") ? "True" : "False") + "\n");
      w.Write(2, fmt::format("Restart Count:\t{}\n", api::GetInt(*status, "restartCount")));
    }
    const Json& resources = ObjectField(c, "resources");
    if (!ObjectField(resources, "limits").empty()) {
      w.Write(2, "Limits:\n");
      PrintResources(w, 3, ObjectField(resources, "limits"));
    }
    if (!ObjectField(resources, "requests").empty()) {
      w.Write(2, "Requests:\n");
      PrintResources(w, 3, ObjectField(resources, "requests"));
    }
    for (auto [field, title] : {std::pair{"livenessProbe", "Liveness"},
                                {"readinessProbe", "Readiness"},
                                {"startupProbe", "Startup"}}) {
      if (const Json* probe = api::Find(c, field)) {
        w.Write(2, std::string(title) + ":\t" + Probe(*probe) + "\n");
      }
    }
    Env(c, pod, w);
    std::vector<Json> mounts(ArrayField(c, "volumeMounts").begin(),
                             ArrayField(c, "volumeMounts").end());
    w.Write(2, mounts.empty() ? "Mounts:\t<none>\n" : "Mounts:\n");
    std::stable_sort(mounts.begin(), mounts.end(), [](const Json& a, const Json& b) {
      return GetString(a, "mountPath") < GetString(b, "mountPath");
    });
    for (const Json& m : mounts) {
      std::string flags = api::GetBool(m, "readOnly") ? "ro" : "rw";
      if (!GetString(m, "subPath").empty()) flags += ",path=\"" + GetString(m, "subPath") + "\"";
      w.Write(3, fmt::format("{} from {} ({})\n", GetString(m, "mountPath"), GetString(m, "name"),
                             flags));
    }
    std::vector<Json> devices(ArrayField(c, "volumeDevices").begin(),
                              ArrayField(c, "volumeDevices").end());
    if (!devices.empty()) {
      w.Write(2, "Devices:\n");
      std::stable_sort(devices.begin(), devices.end(), [](const Json& a, const Json& b) {
        return GetString(a, "devicePath") < GetString(b, "devicePath");
      });
      for (const Json& d : devices) {
        w.Write(3, GetString(d, "devicePath") + " from " + GetString(d, "name") + "\n");
      }
    }
  }
}

void Volumes(const Json& volumes, PrefixWriter& w, const std::string& space) {
  if (volumes.empty()) {
    w.Write(0, space + "Volumes:\t<none>\n");
    return;
  }
  w.Write(0, space + "Volumes:\n");
  for (const Json& v : volumes) {
    w.Write(1, (space.empty() ? "" : " ") + GetString(v, "name") + ":\n");
    if (const Json* h = api::Find(v, "hostPath")) {
      std::string type = GetString(*h, "type");
      w.Write(2, "Type:\tHostPath (bare host directory volume)\n    Path:\t" +
                     GetString(*h, "path") + "\n    HostPathType:\t" +
                     (h->contains("type") ? type : "<none>") + "\n");
    } else if (const Json* e = api::Find(v, "emptyDir")) {
      std::string limit = "<unset>";
      if (e->contains("sizeLimit")) {
        Result<api::Quantity> q = api::Quantity::FromJson((*e)["sizeLimit"]);
        if (q.ok() && q->Sign() > 0) limit = q->ToString();
      }
      w.Write(
          2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t" +
                 GetString(*e, "medium") + "\n    SizeLimit:\t" + limit + "\n");
    } else if (const Json* s = api::Find(v, "secret")) {
      w.Write(2, "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t" +
                     GetString(*s, "secretName") + "\n    Optional:\t" +
                     BoolText(api::GetBool(*s, "optional")) + "\n");
    } else if (const Json* m = api::Find(v, "configMap")) {
      w.Write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t" +
                     GetString(*m, "name") + "\n    Optional:\t" +
                     BoolText(api::GetBool(*m, "optional")) + "\n");
    } else if (const Json* n = api::Find(v, "nfs")) {
      w.Write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t" +
                     GetString(*n, "server") + "\n    Path:\t" + GetString(*n, "path") +
                     "\n    ReadOnly:\t" + BoolText(api::GetBool(*n, "readOnly")) + "\n");
    } else if (const Json* c = api::Find(v, "persistentVolumeClaim")) {
      w.Write(2,
              "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
              "namespace)\n    ClaimName:\t" +
                  GetString(*c, "claimName") + "\n    ReadOnly:\t" +
                  BoolText(api::GetBool(*c, "readOnly")) + "\n");
    } else if (const Json* d = api::Find(v, "downwardAPI")) {
      w.Write(2,
              "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
      for (const Json& item : ArrayField(*d, "items")) {
        if (const Json* f = api::Find(item, "fieldRef")) {
          w.Write(3, GetString(*f, "fieldPath") + " -> " + GetString(item, "path") + "\n");
        }
        if (const Json* r = api::Find(item, "resourceFieldRef")) {
          w.Write(3, GetString(*r, "resource") + " -> " + GetString(item, "path") + "\n");
        }
      }
    } else if (const Json* p = api::Find(v, "projected")) {
      w.Write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
      for (const Json& src : ArrayField(*p, "sources")) {
        if (const Json* s = api::Find(src, "secret")) {
          w.Write(2, "SecretName:\t" + GetString(*s, "name") + "\n    Optional:\t" +
                         BoolText(api::GetBool(*s, "optional")) + "\n");
        } else if (api::Find(src, "downwardAPI")) {
          w.Write(2, "DownwardAPI:\ttrue\n");
        } else if (const Json* m = api::Find(src, "configMap")) {
          w.Write(2, "ConfigMapName:\t" + GetString(*m, "name") + "\n    Optional:\t" +
                         BoolText(api::GetBool(*m, "optional")) + "\n");
        } else if (const Json* t = api::Find(src, "serviceAccountToken")) {
          w.Write(2, fmt::format("TokenExpirationSeconds:\t{}\n",
                                 api::GetInt(*t, "expirationSeconds")));
        }
      }
    } else {
      w.Write(1, "<unknown>\n");
    }
  }
}

// The QoS class: the pod's status.qosClass, else computed as upstream from its containers.
std::string QosClass(const Json& pod) {
  std::string set = GetString(ObjectField(pod, "status"), "qosClass");
  if (!set.empty()) return set;
  bool any = false, guaranteed = true;
  auto visit = [&](const Json& containers) {
    for (const Json& c : containers) {
      const Json& res = ObjectField(c, "resources");
      const Json& req = ObjectField(res, "requests");
      const Json& lim = ObjectField(res, "limits");
      for (const char* r : {"cpu", "memory"}) {
        bool has_req = req.contains(r), has_lim = lim.contains(r);
        any = any || has_req || has_lim;
        if (!has_lim) guaranteed = false;
        if (has_req && has_lim && CanonicalQuantity(req[r]) != CanonicalQuantity(lim[r])) {
          guaranteed = false;
        }
      }
    }
  };
  const Json& spec = ObjectField(pod, "spec");
  visit(ArrayField(spec, "initContainers"));
  visit(ArrayField(spec, "containers"));
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

}  // namespace

void DescribePodTemplate(const Json& tmpl, PrefixWriter& w) {
  w.Write(0, "Pod Template:\n");
  const Json& meta = ObjectField(tmpl, "metadata");
  const Json& spec = ObjectField(tmpl, "spec");
  PrintLabels(w, "  Labels", ObjectField(meta, "labels"));
  if (!ObjectField(meta, "annotations").empty()) {
    PrintAnnotations(w, "  Annotations", ObjectField(meta, "annotations"));
  }
  if (!GetString(spec, "serviceAccountName").empty()) {
    w.Write(1, "Service Account:\t" + GetString(spec, "serviceAccountName") + "\n");
  }
  if (!ArrayField(spec, "initContainers").empty()) {
    Containers("Init Containers", ArrayField(spec, "initContainers"), Json::array(), nullptr, w,
               "  ");
  }
  Containers("Containers", ArrayField(spec, "containers"), Json::array(), nullptr, w, "  ");
  Volumes(ArrayField(spec, "volumes"), w, "  ");
  if (!GetString(spec, "priorityClassName").empty()) {
    w.Write(1, "Priority Class Name:\t" + GetString(spec, "priorityClassName") + "\n");
  }
  PrintLabels(w, "  Node-Selectors", ObjectField(spec, "nodeSelector"));
  PrintTolerations(w, "  Tolerations", ArrayField(spec, "tolerations"));
}

std::string DescribePodTemplateText(const Json& tmpl) {
  TabWriter out;
  PrefixWriter w(out);
  DescribePodTemplate(tmpl, w);
  return out.raw();
}

std::string DescribePod(const Json& pod, const std::vector<Json>& events, Clock::time_point now) {
  TabWriter out;
  PrefixWriter w(out);
  const Json& meta = ObjectField(pod, "metadata");
  const Json& spec = ObjectField(pod, "spec");
  const Json& status = ObjectField(pod, "status");
  w.Write(0, "Name:\t" + GetString(meta, "name") + "\n");
  w.Write(0, "Namespace:\t" + GetString(meta, "namespace") + "\n");
  if (const Json* p = api::Find(spec, "priority"); p && p->is_number()) {
    w.Write(0, fmt::format("Priority:\t{}\n", p->get<int64_t>()));
  }
  if (!GetString(spec, "priorityClassName").empty()) {
    w.Write(0, "Priority Class Name:\t" + GetString(spec, "priorityClassName") + "\n");
  }
  if (!GetString(spec, "runtimeClassName").empty()) {
    w.Write(0, "Runtime Class Name:\t" + GetString(spec, "runtimeClassName") + "\n");
  }
  if (!GetString(spec, "serviceAccountName").empty()) {
    w.Write(0, "Service Account:\t" + GetString(spec, "serviceAccountName") + "\n");
  }
  if (GetString(spec, "nodeName").empty()) {
    w.Write(0, "Node:\t<none>\n");
  } else {
    w.Write(0, "Node:\t" + GetString(spec, "nodeName") + "/" + GetString(status, "hostIP") + "\n");
  }
  if (!GetString(status, "startTime").empty()) {
    w.Write(0, "Start Time:\t" + Rfc1123z(GetString(status, "startTime")) + "\n");
  }
  PrintLabels(w, "Labels", ObjectField(meta, "labels"));
  PrintAnnotations(w, "Annotations", ObjectField(meta, "annotations"));
  std::string phase = GetString(status, "phase");
  if (!GetString(meta, "deletionTimestamp").empty() && phase != "Failed" && phase != "Succeeded") {
    w.Write(0, "Status:\tTerminating (lasts " + Since(GetString(meta, "deletionTimestamp"), now) +
                   ")\n");
    w.Write(0, fmt::format("Termination Grace Period:\t{}s\n",
                           api::GetInt(meta, "deletionGracePeriodSeconds")));
  } else {
    w.Write(0, "Status:\t" + phase + "\n");
  }
  if (!GetString(status, "reason").empty())
    w.Write(0, "Reason:\t" + GetString(status, "reason") + "\n");
  if (!GetString(status, "message").empty()) {
    w.Write(0, "Message:\t" + GetString(status, "message") + "\n");
  }
  const Json& seccomp = ObjectField(ObjectField(spec, "securityContext"), "seccompProfile");
  if (!seccomp.empty()) {
    w.Write(0, "SeccompProfile:\t" + GetString(seccomp, "type") + "\n");
    if (GetString(seccomp, "type") == "Localhost") {
      w.Write(0, "LocalhostProfile:\t" + GetString(seccomp, "localhostProfile") + "\n");
    }
  }
  w.Write(0, "IP:\t" + GetString(status, "podIP") + "\n");
  if (ArrayField(status, "podIPs").empty()) {
    w.Write(0, "IPs:\t<none>\n");
  } else {
    w.Write(0, "IPs:\n");
    for (const Json& ip : ArrayField(status, "podIPs"))
      w.Write(1, "IP:\t" + GetString(ip, "ip") + "\n");
  }
  if (std::string by = ControllerOf(pod); !by.empty()) w.Write(0, "Controlled By:\t" + by + "\n");
  if (!GetString(status, "nominatedNodeName").empty()) {
    w.Write(0, "NominatedNodeName:\t" + GetString(status, "nominatedNodeName") + "\n");
  }
  if (const Json* res = api::Find(spec, "resources"); res && res->is_object()) {
    w.Write(0, "Resources:\n");
    if (!ObjectField(*res, "limits").empty()) {
      w.Write(1, "Limits:\n");
      PrintResources(w, 2, ObjectField(*res, "limits"));
    }
    if (!ObjectField(*res, "requests").empty()) {
      w.Write(1, "Requests:\n");
      PrintResources(w, 2, ObjectField(*res, "requests"));
    }
  }
  if (!ArrayField(spec, "initContainers").empty()) {
    Containers("Init Containers", ArrayField(spec, "initContainers"),
               ArrayField(status, "initContainerStatuses"), &pod, w, "");
  }
  Containers("Containers", ArrayField(spec, "containers"), ArrayField(status, "containerStatuses"),
             &pod, w, "");
  if (!ArrayField(spec, "ephemeralContainers").empty()) {
    Containers("Ephemeral Containers", ArrayField(spec, "ephemeralContainers"),
               ArrayField(status, "ephemeralContainerStatuses"), &pod, w, "");
  }
  if (!ArrayField(spec, "readinessGates").empty()) {
    w.Write(0, "Readiness Gates:\n  Type\tStatus\n");
    for (const Json& g : ArrayField(spec, "readinessGates")) {
      std::string st = "<none>";
      for (const Json& c : ArrayField(status, "conditions")) {
        if (GetString(c, "type") == GetString(g, "conditionType")) {
          st = GetString(c, "status");
          break;
        }
      }
      w.Write(1, GetString(g, "conditionType") + " \t" + st + " \n");
    }
  }
  if (!ArrayField(status, "conditions").empty()) {
    w.Write(0, "Conditions:\n  Type\tStatus\n");
    for (const Json& c : ArrayField(status, "conditions")) {
      w.Write(1, GetString(c, "type") + " \t" + GetString(c, "status") + " \n");
    }
  }
  Volumes(ArrayField(spec, "volumes"), w, "");
  w.Write(0, "QoS Class:\t" + QosClass(pod) + "\n");
  PrintLabels(w, "Node-Selectors", ObjectField(spec, "nodeSelector"));
  PrintTolerations(w, "Tolerations", ArrayField(spec, "tolerations"));
  PrintEvents(w, events, now);
  return out.Flush();
}

}  // namespace sampan::kubectl
