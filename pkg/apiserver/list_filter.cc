#include "pkg/apiserver/list_filter.h"

#include <fmt/format.h>

#include <map>

#include "pkg/api/custom_resource.h"
#include "pkg/api/field_selector.h"
#include "pkg/api/label_selector.h"

namespace sampan::apiserver {
namespace {

// The fields a kind can be selected by beyond metadata.name and metadata.namespace, and
// how upstream words the refusal of another: each kind's field label conversion function
// has its own wording; kinds without one get the generic function's.
struct SelectableFields {
  std::vector<std::string_view> fields;
  std::string (*refusal)(std::string_view field);
  bool by_namespace = true;  // nodes' and namespaces' own functions refuse metadata.namespace
};

std::string CoreRefusal(std::string_view field) {
  return fmt::format("field label not supported: {}", field);
}

std::string JobRefusal(std::string_view field) {
  return fmt::format("field label \"{}\" not supported for batchv1.Job", field);
}

std::string GenericRefusal(std::string_view field) {
  return fmt::format(
      "\"{}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
      field);
}

const SelectableFields& SelectableFieldsOf(const std::string& type_key) {
  static const std::map<std::string, SelectableFields> kFields = {
      {"core/pods",
       {{"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
         "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
         "status.nominatedNodeName"},
        CoreRefusal}},
      {"core/events",
       {{"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
         "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
         "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
        CoreRefusal}},
      {"events.k8s.io/events",
       {{"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason",
         "reportingController", "type"},
        CoreRefusal}},
      {"core/secrets", {{"type"}, CoreRefusal}},
      {"core/services", {{"spec.clusterIP", "spec.type"}, CoreRefusal}},
      {"core/namespaces", {{"status.phase"}, CoreRefusal, false}},
      {"core/nodes", {{"spec.unschedulable"}, CoreRefusal, false}},
      {"core/replicationcontrollers", {{"status.replicas"}, CoreRefusal}},
      {"apps/replicasets", {{"status.replicas"}, CoreRefusal}},
      {"batch/jobs", {{"status.successful"}, JobRefusal}},
      {"certificates.k8s.io/certificatesigningrequests", {{"spec.signerName"}, CoreRefusal}},
  };
  static const SelectableFields kMetadataOnly{{}, GenericRefusal};
  auto it = kFields.find(type_key);
  return it == kFields.end() ? kMetadataOnly : it->second;
}

// Every field a list of `r` can select by, and the wording of a refusal of another.
struct SupportedFields {
  std::vector<std::string_view> fields;
  std::string (*refusal)(std::string_view field);
};

// A custom resource has its CRD's selectable fields, and metadata.namespace only when it is
// namespaced (upstream's conversion for custom resources).
SupportedFields SupportedFieldsOf(const api::ResourceInfo& r) {
  SupportedFields all{{"metadata.name"}, CoreRefusal};
  if (r.custom) {
    if (r.namespaced) all.fields.push_back("metadata.namespace");
    for (const std::string& f : r.custom->selectable_fields) all.fields.push_back(f);
    return all;
  }
  const SelectableFields& kind = SelectableFieldsOf(r.type_key);
  if (kind.by_namespace) all.fields.push_back("metadata.namespace");
  all.fields.insert(all.fields.end(), kind.fields.begin(), kind.fields.end());
  all.refusal = kind.refusal;
  return all;
}

// A custom resource's field as upstream's fmt.Sprint prints it; "" when absent.
std::optional<std::string> CustomFieldValue(const api::Json& obj, std::string_view field) {
  const api::Json* v = api::FindPath(obj, field);
  if (!v || v->is_null()) return std::string();
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  return api::Dump(*v);
}

std::optional<std::string> FieldValue(const api::Json& obj, std::string_view field) {
  if (field == "source") field = "source.component";
  if (field == "status.successful") field = "status.succeeded";
  if (field == "status.podIPs") return std::string();  // accepted, but not in the pod's set
  const api::Json* v = api::FindPath(obj, field);
  if (!v || v->is_null()) {
    // Upstream renders absent fields as their zero value.
    if (field == "spec.unschedulable" || field == "spec.hostNetwork") return "false";
    if (field == "status.replicas" || field == "status.succeeded") return "0";
    return std::string();
  }
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  return api::Dump(*v);
}

}  // namespace

struct ListFilter::Impl {
  api::LabelSelector labels;
  api::FieldSelector fields;
  bool custom = false;  // a custom resource's fields have no built-in defaults
};

Result<ListFilter> ListFilter::FromQuery(const api::ResourceInfo& r, const Query& query) {
  auto impl = std::make_shared<Impl>();
  if (auto ls = query.Get("labelSelector"); ls && !ls->empty()) {
    ASSIGN_OR_RETURN(impl->labels, api::LabelSelector::Parse(*ls));
  }
  if (auto fs = query.Get("fieldSelector"); fs && !fs->empty()) {
    ASSIGN_OR_RETURN(impl->fields, api::FieldSelector::Parse(*fs));
    SupportedFields supported = SupportedFieldsOf(r);
    if (std::optional<std::string> field = impl->fields.FirstUnsupported(supported.fields)) {
      return Status::BadRequest(supported.refusal(*field));
    }
    impl->custom = r.custom != nullptr;
  }
  ListFilter f;
  if (!impl->labels.Empty() || !impl->fields.Empty()) f.impl_ = std::move(impl);
  return f;
}

bool ListFilter::Matches(const api::Json& object) const {
  if (!impl_) return true;
  if (!impl_->labels.Empty()) {  // a field selector alone need not find the labels
    const api::Json* labels = api::FindPath(object, "metadata.labels");
    static const api::Json kNoLabels = api::Json::object();
    if (!impl_->labels.MatchesJson(labels ? *labels : kNoLabels)) return false;
  }
  auto value = impl_->custom ? &CustomFieldValue : &FieldValue;
  return impl_->fields.Matches([&](std::string_view field) { return value(object, field); });
}

}  // namespace sampan::apiserver
