#include "pkg/api/pod_defaults.h"

namespace sampan::api {

std::string DefaultPullPolicy(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void DefaultContainer(Json& c) {
  if (c.contains("image") && c["image"].is_string()) {
    SetIfMissing(c, "imagePullPolicy", DefaultPullPolicy(c["image"].get<std::string>()));
  }
  SetIfMissing(c, "terminationMessagePath", "/dev/termination-log");
  SetIfMissing(c, "terminationMessagePolicy", "File");
  SetIfMissing(c, "resources", Json::object());
  if (c.contains("ports") && c["ports"].is_array()) {
    for (auto& p : c["ports"]) {
      if (p.is_object()) SetIfMissing(p, "protocol", "TCP");
    }
  }
  // Limits without requests: requests default to the limits.
  Json& res = c["resources"];
  if (res.is_object() && res.contains("limits") && res["limits"].is_object()) {
    if (!res.contains("requests") || !res["requests"].is_object()) res["requests"] = Json::object();
    for (auto it = res["limits"].begin(); it != res["limits"].end(); ++it) {
      if (!res["requests"].contains(it.key())) res["requests"][it.key()] = it.value();
    }
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    if (!c.contains(probe) || !c[probe].is_object()) continue;
    Json& p = c[probe];
    SetIfMissing(p, "timeoutSeconds", 1);
    SetIfMissing(p, "periodSeconds", 10);
    SetIfMissing(p, "successThreshold", 1);
    SetIfMissing(p, "failureThreshold", 3);
    if (p.contains("httpGet") && p["httpGet"].is_object()) {
      SetIfMissing(p["httpGet"], "path", "/");
      SetIfMissing(p["httpGet"], "scheme", "HTTP");
    }
  }
}

void DefaultPodSpec(Json& spec) {
  if (!spec.is_object()) return;
  SetIfMissing(spec, "restartPolicy", "Always");
  SetIfMissing(spec, "terminationGracePeriodSeconds", 30);
  SetIfMissing(spec, "dnsPolicy", "ClusterFirst");
  SetIfMissing(spec, "securityContext", Json::object());
  SetIfMissing(spec, "schedulerName", "default-scheduler");
  SetIfMissing(spec, "enableServiceLinks", true);
  for (const char* list : {"containers", "initContainers"}) {
    if (spec.contains(list) && spec[list].is_array()) {
      for (auto& c : spec[list]) {
        if (c.is_object()) DefaultContainer(c);
      }
    }
  }
}

}  // namespace sampan::api
