#pragma once
// What the server serves, from its aggregated discovery documents (one request for /api and
// one for /apis, as kubectl 1.33 does), and how kubectl's resource arguments resolve:
// "pods", "pod", "po", "Pod", "deployments.apps", "deploy.v1.apps", custom resources alike.
// Only the preferred (first) version of each group is used.

#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/registry.h"
#include "pkg/client/transport.h"
#include "pkg/util/status.h"

namespace sampan::kubectl {

class Discovery {
 public:
  static Result<Discovery> Load(client::Transport& transport);

  // The resource an argument names; NotFound with kubectl's wording otherwise:
  // `the server doesn't have a resource type "foo"`.
  Result<api::ResourceInfo> Resolve(std::string_view name) const;
  // The resource of an object's apiVersion and kind.
  Result<api::ResourceInfo> ForKind(std::string_view api_version, std::string_view kind) const;
  // Resources of a category ("all"), in discovery order.
  std::vector<api::ResourceInfo> Category(std::string_view category) const;
  // Top-level resources (no subresources), in discovery order.
  const std::vector<api::ResourceInfo>& resources() const { return resources_; }

 private:
  std::vector<api::ResourceInfo> resources_;
};

// "deployment.apps/web" as `kubectl get -o name` prints it.
std::string NameOf(const api::ResourceInfo& r, std::string_view name);

}  // namespace sampan::kubectl
