#include "pkg/apiserver/list_filter.h"

#include <map>

#include "pkg/api/field_selector.h"
#include "pkg/api/label_selector.h"

namespace sampan::apiserver {
namespace {

// Fields each kind can be selected by, beyond metadata.name and metadata.namespace
// (upstream's field label conversion functions).
const std::map<std::string, std::vector<std::string_view>>& ExtraFields() {
  static const std::map<std::string, std::vector<std::string_view>> kFields = {
      {"core/pods",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"core/events",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}},
      {"events.k8s.io/events",
       {"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
        "reason", "reportingController", "type"}},
      {"core/secrets", {"type"}},
      {"core/namespaces", {"status.phase"}},
      {"core/nodes", {"spec.unschedulable"}},
      {"core/replicationcontrollers", {"status.replicas"}},
      {"apps/replicasets", {"status.replicas"}},
      {"batch/jobs", {"status.successful"}},
      {"certificates.k8s.io/certificatesigningrequests", {"spec.signerName"}},
  };
  return kFields;
}

std::optional<std::string> FieldValue(const api::Json& obj, std::string_view field) {
  if (field == "source") field = "source.component";
  if (field == "status.successful") field = "status.succeeded";
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
};

Result<ListFilter> ListFilter::FromQuery(const api::ResourceInfo& r, const Query& query) {
  auto impl = std::make_shared<Impl>();
  if (auto ls = query.Get("labelSelector"); ls && !ls->empty()) {
    ASSIGN_OR_RETURN(impl->labels, api::LabelSelector::Parse(*ls));
  }
  if (auto fs = query.Get("fieldSelector"); fs && !fs->empty()) {
    ASSIGN_OR_RETURN(impl->fields, api::FieldSelector::Parse(*fs));
    std::vector<std::string_view> supported = {"metadata.name", "metadata.namespace"};
    auto it = ExtraFields().find(r.type_key);
    if (it != ExtraFields().end()) supported.insert(supported.end(), it->second.begin(), it->second.end());
    RETURN_IF_ERROR(impl->fields.CheckSupported(supported));
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
  return impl_->fields.Matches(
      [&](std::string_view field) { return FieldValue(object, field); });
}

}  // namespace sampan::apiserver
