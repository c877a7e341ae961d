#pragma once
// ListFilter: the labelSelector and fieldSelector of a list or watch request, checked
// against objects. Field selectors support the fields upstream supports for each kind
// (metadata.name and metadata.namespace everywhere, spec.nodeName and status.phase on pods,
// involvedObject.* on events, type on secrets, ...); others are refused with 400.

#include <memory>
#include <string>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/apiserver/request_info.h"

namespace sampan::apiserver {

class ListFilter {
 public:
  static Result<ListFilter> FromQuery(const api::ResourceInfo& r, const Query& query);
  bool Empty() const { return !impl_; }
  bool Matches(const api::Json& object) const;

  ListFilter() = default;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sampan::apiserver
