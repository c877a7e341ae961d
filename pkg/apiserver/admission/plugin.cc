#include "pkg/apiserver/admission/plugin.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <set>

namespace sampan::apiserver::admission {

std::string QualifiedResource(const api::ResourceInfo& r) {
  return r.group.empty() ? r.resource : r.resource + "." + r.group;
}

ApiError ForbiddenFor(const Attributes& a, const std::string& reason) {
  ApiError e = Forbidden(
      fmt::format("{} \"{}\" is forbidden: {}", QualifiedResource(*a.resource), a.name, reason));
  e.name = a.name;
  e.group = a.resource->group;
  e.kind = a.resource->resource;
  return e;
}

std::string AggregateMessages(const std::vector<std::string>& messages) {
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (const std::string& m : messages) {
    if (seen.insert(m).second) unique.push_back(m);
  }
  if (unique.empty()) return "";
  if (unique.size() == 1) return unique[0];
  return fmt::format("[{}]", fmt::join(unique, ", "));
}

}  // namespace sampan::apiserver::admission
