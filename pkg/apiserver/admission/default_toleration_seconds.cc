#include "pkg/apiserver/admission/default_toleration_seconds.h"

#include <string>

namespace sampan::apiserver {
namespace {

constexpr const char* kNotReadyTaint = "node.kubernetes.io/not-ready";
constexpr const char* kUnreachableTaint = "node.kubernetes.io/unreachable";

bool ToleratesNoExecute(const api::Json& tolerations, const std::string& key) {
  for (const api::Json& t : tolerations) {
    if (!t.is_object()) continue;
    std::string tkey = api::GetString(t, "key");
    std::string effect = api::GetString(t, "effect");
    if ((tkey.empty() || tkey == key) && (effect.empty() || effect == "NoExecute")) return true;
  }
  return false;
}

api::Json Toleration(const char* key, int64_t seconds) {
  return {{"key", key},
          {"operator", "Exists"},
          {"effect", "NoExecute"},
          {"tolerationSeconds", seconds}};
}

}  // namespace

void AddDefaultTolerations(const AdmissionOptions& options, const api::ResourceInfo& r,
                           api::Json& obj) {
  if (r.storage_name != "core/pods") return;
  if (!obj.contains("spec") || !obj["spec"].is_object()) return;
  api::Json& spec = obj["spec"];
  if (!spec.contains("tolerations") || !spec["tolerations"].is_array()) {
    if (spec.contains("tolerations") && !spec["tolerations"].is_null()) return;  // validation says
    spec["tolerations"] = api::Json::array();
  }
  api::Json& tolerations = spec["tolerations"];
  bool not_ready = ToleratesNoExecute(tolerations, kNotReadyTaint);
  bool unreachable = ToleratesNoExecute(tolerations, kUnreachableTaint);
  if (!not_ready) {
    tolerations.push_back(Toleration(kNotReadyTaint, options.default_not_ready_toleration_seconds));
  }
  if (!unreachable) {
    tolerations.push_back(
        Toleration(kUnreachableTaint, options.default_unreachable_toleration_seconds));
  }
}

namespace admission {

Verdict DefaultTolerationSeconds::Admit(Attributes& a) {
  // As upstream, on updates too: a PUT of a pod without them keeps them.
  if (a.object != nullptr && a.operation != Operation::kDelete) {
    AddDefaultTolerations(options_, *a.resource, *a.object);
  }
  return std::nullopt;
}

}  // namespace admission
}  // namespace sampan::apiserver
