#include "pkg/apiserver/version_conversion.h"

#include <utility>

#include "pkg/api/custom_resource.h"
#include "pkg/api/structural_schema.h"
#include "pkg/apiserver/object_codec.h"

namespace sampan::apiserver {
namespace {

using api::Json;

// autoscaling/v2 -> v1: the CPU utilization metric becomes targetCPUUtilizationPercentage.
void HpaToV1(Json& obj) {
  Json& spec = obj["spec"];
  // Values are copied out before a field is added: adding one may move the others.
  if (const Json* metrics = api::Find(spec, "metrics"); metrics && metrics->is_array()) {
    Json cpu_target;
    for (const auto& m : *metrics) {
      if (api::GetString(m, "type") == "Resource" &&
          api::GetString(m.value("resource", Json::object()), "name") == "cpu") {
        const Json* target = api::FindPath(m, "resource.target.averageUtilization");
        if (target) cpu_target = *target;
      }
    }
    spec.erase("metrics");
    if (!cpu_target.is_null()) spec["targetCPUUtilizationPercentage"] = std::move(cpu_target);
  }
  spec.erase("behavior");
  if (obj.contains("status") && obj["status"].is_object()) {
    Json& status = obj["status"];
    if (const Json* current = api::Find(status, "currentMetrics"); current && current->is_array()) {
      Json cpu_current;
      for (const auto& m : *current) {
        const Json* util = api::FindPath(m, "resource.current.averageUtilization");
        if (util && api::GetString(m.value("resource", Json::object()), "name") == "cpu") {
          cpu_current = *util;
        }
      }
      status.erase("currentMetrics");
      if (!cpu_current.is_null()) status["currentCPUUtilizationPercentage"] = std::move(cpu_current);
    }
    status.erase("conditions");
  }
}

// autoscaling/v1 -> v2.
void HpaToV2(Json& obj) {
  Json& spec = obj["spec"];
  if (spec.contains("targetCPUUtilizationPercentage")) {
    spec["metrics"] =
        Json::array({{{"type", "Resource"},
                      {"resource",
                       {{"name", "cpu"},
                        {"target",
                         {{"type", "Utilization"},
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

// core/v1 Event field names and their events.k8s.io/v1 names (the rest are shared).
constexpr std::pair<const char*, const char*> kEventRenames[] = {
    {"involvedObject", "regarding"},
    {"message", "note"},
    {"reportingComponent", "reportingController"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"},
};

void RenameEventFields(Json& obj, bool to_events_v1) {
  Json out = Json::object();
  for (auto& [key, value] : obj.items()) {
    std::string name = key;
    for (const auto& [core, events] : kEventRenames) {
      if (to_events_v1 && key == core) name = events;
      if (!to_events_v1 && key == events) name = core;
    }
    out[name] = std::move(value);
  }
  obj = std::move(out);
}

}  // namespace

void ConvertToServedVersion(const api::ResourceInfo& r, Json& obj) {
  std::string stored = api::GetString(obj, "apiVersion");
  std::string served = r.GroupVersion();
  if (r.custom) {  // conversion "None": only apiVersion changes; schema applied on read
    obj["apiVersion"] = served;
    if (r.custom->schema.is_object()) {
      api::PruneUnknownFields(obj, r.custom->schema);
      api::ApplySchemaDefaults(obj, r.custom->schema);
    }
    return;
  }
  if (stored != served && r.storage_name == "autoscaling/horizontalpodautoscalers" &&
      obj.contains("spec") && obj["spec"].is_object()) {
    if (served == "autoscaling/v1") HpaToV1(obj);
    if (served == "autoscaling/v2") HpaToV2(obj);
  }
  if (stored != served && r.storage_name == "core/events") {
    RenameEventFields(obj, served == "events.k8s.io/v1");
  }
  obj["apiVersion"] = served;
}

void ConvertToStorageVersion(const api::ResourceInfo& r, Json& obj) {
  if (r.custom && !r.custom->storage_version.empty()) {
    obj["apiVersion"] = r.group + "/" + r.custom->storage_version;
    return;
  }
  if (r.storage_name == "core/events" && r.group == "events.k8s.io") {
    RenameEventFields(obj, false);
    obj["apiVersion"] = "v1";
  }
}

Result<Json> DecodeServed(const api::ResourceInfo& r, std::string_view stored, int64_t rv) {
  ASSIGN_OR_RETURN(Json obj, DecodeStored(stored, rv));
  ConvertToServedVersion(r, obj);
  return obj;
}

}  // namespace sampan::apiserver
