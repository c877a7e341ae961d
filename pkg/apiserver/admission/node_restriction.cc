#include "pkg/apiserver/admission/node_restriction.h"

#include <fmt/core.h>

#include <algorithm>

#include "pkg/api/object_names.h"

namespace sampan::apiserver::admission {
namespace {

constexpr std::string_view kNodeUserPrefix = "system:node:";
constexpr char kMirrorAnnotation[] = "kubernetes.io/config.mirror";
constexpr char kNodeLeaseNamespace[] = "kube-node-lease";

// The node a request comes from, or "" when it is not a node's.
std::string NodeOf(const Attributes& a) {
  if (!a.user.starts_with(kNodeUserPrefix)) return "";
  if (std::find(a.groups.begin(), a.groups.end(), "system:nodes") == a.groups.end()) return "";
  return a.user.substr(kNodeUserPrefix.size());
}

std::string NodeNameOf(const api::Json* pod) {
  return pod == nullptr ? "" : api::GetString(api::ObjectField(*pod, "spec"), "nodeName");
}

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kCreate: return "CREATE";
    case Operation::kUpdate: return "UPDATE";
    case Operation::kDelete: return "DELETE";
  }
  return "";
}

Verdict AdmitPod(const Attributes& a, const std::string& node) {
  switch (a.operation) {
    case Operation::kCreate: {
      const api::Json& annotations =
          api::ObjectField(api::ObjectField(*a.object, "metadata"), "annotations");
      if (api::Find(annotations, kMirrorAnnotation) == nullptr) {
        return ForbiddenFor(a, fmt::format("pod does not have \"{}\" annotation, node \"{}\" can "
                                           "only create mirror pods",
                                           kMirrorAnnotation, node));
      }
      if (NodeNameOf(a.object) != node) {
        return ForbiddenFor(
            a,
            fmt::format("node \"{}\" can only create pods with spec.nodeName set to itself", node));
      }
      return std::nullopt;
    }
    case Operation::kDelete:
      if (NodeNameOf(a.old_object) != node) {
        return ForbiddenFor(
            a,
            fmt::format("node \"{}\" can only delete pods with spec.nodeName set to itself", node));
      }
      return std::nullopt;
    case Operation::kUpdate: break;
  }
  return ForbiddenFor(a, fmt::format("unexpected operation \"{}\", node \"{}\" can only create "
                                     "and delete mirror pods",
                                     OperationName(a.operation), node));
}

}  // namespace

Verdict NodeRestriction::Validate(const Attributes& a) {
  std::string node = NodeOf(a);
  if (node.empty() || a.resource == nullptr) return std::nullopt;
  const std::string& group = a.resource->group;
  const std::string& resource = a.resource->resource;
  if (group.empty() && resource == "pods") return AdmitPod(a, node);
  if (group.empty() && resource == "nodes") {
    std::string name = a.name;
    if (name.empty() && a.object != nullptr) name = api::NameOf(*a.object);
    if (name != node) {
      return ForbiddenFor(
          a, fmt::format("node \"{}\" is not allowed to modify node \"{}\"", node, name));
    }
    return std::nullopt;
  }
  if (group == "coordination.k8s.io" && resource == "leases") {
    if (a.ns != kNodeLeaseNamespace) {
      return ForbiddenFor(a, fmt::format("can only access leases in the \"{}\" system namespace",
                                         kNodeLeaseNamespace));
    }
    std::string name = a.name;
    if (name.empty() && a.object != nullptr) name = api::NameOf(*a.object);
    if (name != node) {
      return ForbiddenFor(a,
                          "can only access node lease with the same name as the requesting node");
    }
  }
  return std::nullopt;
}

}  // namespace sampan::apiserver::admission
