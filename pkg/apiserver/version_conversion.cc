#include "pkg/apiserver/version_conversion.h"

#include "pkg/apiserver/object_codec.h"

namespace sampan::apiserver {
namespace {

using api::Json;

// autoscaling/v2 -> v1: the CPU utilization metric becomes targetCPUUtilizationPercentage.
void HpaToV1(Json& obj) {
  Json& spec = obj["spec"];
  if (const Json* metrics = api::Find(spec, "metrics"); metrics && metrics->is_array()) {
    for (const auto& m : *metrics) {
      if (api::GetString(m, "type") == "Resource" &&
          api::GetString(m.value("resource", Json::object()), "name") == "cpu") {
        const Json* target = api::FindPath(m, "resource.target.averageUtilization");
        if (target) spec["targetCPUUtilizationPercentage"] = *target;
      }
    }
    spec.erase("metrics");
  }
  spec.erase("behavior");
  if (obj.contains("status") && obj["status"].is_object()) {
    Json& status = obj["status"];
    if (const Json* current = api::Find(status, "currentMetrics"); current && current->is_array()) {
      for (const auto& m : *current) {
        const Json* util = api::FindPath(m, "resource.current.averageUtilization");
        if (util && api::GetString(m.value("resource", Json::object()), "name") == "cpu") {
          status["currentCPUUtilizationPercentage"] = *util;
        }
      }
      status.erase("currentMetrics");
    }
    status.erase("conditions");
  }
}

// autoscaling/v1 -> v2.
void HpaToV2(Json& obj) {
  Json& spec = obj["spec"];
  if (spec.contains("targetCPUUtilizationPercentage")) {
    spec["metrics"] = Json::array(
        {{{"type", "Resource"},
          {"resource",
           {{"name", "cpu"},
            {"target", {{"type", "Utilization"},
                        {"averageUtilization", spec["targetCPUUtilizationPercentage"]}}}}}}});
    spec.erase("targetCPUUtilizationPercentage");
  }
  if (obj.contains("status") && obj["status"].is_object() &&
      obj["status"].contains("currentCPUUtilizationPercentage")) {
    Json& status = obj["status"];
    status["currentMetrics"] = Json::array(
        {{{"type", "Resource"},
          {"resource",
           {{"name", "cpu"},
            {"current", {{"averageUtilization", status["currentCPUUtilizationPercentage"]}}}}}}});
    status.erase("currentCPUUtilizationPercentage");
  }
}

}  // namespace

void ConvertToServedVersion(const api::ResourceInfo& r, Json& obj) {
  std::string stored = api::GetString(obj, "apiVersion");
  std::string served = r.GroupVersion();
  if (stored != served && r.storage_name == "autoscaling/horizontalpodautoscalers" &&
      obj.contains("spec") && obj["spec"].is_object()) {
    if (served == "autoscaling/v1") HpaToV1(obj);
    if (served == "autoscaling/v2") HpaToV2(obj);
  }
  obj["apiVersion"] = served;
}

Result<Json> DecodeServed(const api::ResourceInfo& r, std::string_view stored, int64_t rv) {
  ASSIGN_OR_RETURN(Json obj, DecodeStored(stored, rv));
  ConvertToServedVersion(r, obj);
  return obj;
}

}  // namespace sampan::apiserver
