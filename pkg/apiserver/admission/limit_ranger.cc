#include "pkg/apiserver/admission/limit_ranger.h"

#include "pkg/api/builtin_resources.h"
#include "pkg/apiserver/admission/limit_range_rules.h"
#include "pkg/apiserver/admission/stored_objects.h"

namespace sampan::apiserver::admission {
namespace {

using api::builtin::LimitRanges;

bool IsPod(const Attributes& a) { return a.resource->storage_name == "core/pods"; }
bool IsPvc(const Attributes& a) {
  return a.resource->storage_name == "core/persistentvolumeclaims";
}

// The namespace's LimitRanges, defaulted as upstream reads them.
Result<std::vector<api::Json>> LoadLimitRanges(storage::Store& store, const std::string& ns) {
  ASSIGN_OR_RETURN(std::vector<StoredObject> stored, ListStored(store, LimitRanges(), ns));
  std::vector<api::Json> out;
  out.reserve(stored.size());
  for (StoredObject& s : stored) {
    DefaultLimitRange(s.object);
    out.push_back(std::move(s.object));
  }
  return out;
}

}  // namespace

Verdict LimitRanger::Admit(Attributes& a) {
  if (a.operation != Operation::kCreate || !IsPod(a) || a.object == nullptr) return std::nullopt;
  Result<std::vector<api::Json>> ranges = LoadLimitRanges(store_, a.ns);
  if (!ranges.ok()) return FromStatus(ranges.status());
  for (const api::Json& range : *ranges) ApplyPodDefaults(range, *a.object);
  return std::nullopt;
}

Verdict LimitRanger::Validate(const Attributes& a) {
  if (a.object == nullptr) return std::nullopt;
  bool pod = IsPod(a) && a.operation == Operation::kCreate;
  bool pvc = IsPvc(a) && a.operation != Operation::kDelete;
  if (!pod && !pvc) return std::nullopt;
  Result<std::vector<api::Json>> ranges = LoadLimitRanges(store_, a.ns);
  if (!ranges.ok()) return FromStatus(ranges.status());
  std::vector<std::string> violations;
  for (const api::Json& range : *ranges) {
    std::vector<std::string> v =
        pod ? PodViolations(range, *a.object) : PvcViolations(range, *a.object);
    violations.insert(violations.end(), v.begin(), v.end());
  }
  if (violations.empty()) return std::nullopt;
  return ForbiddenFor(a, AggregateMessages(violations));
}

}  // namespace sampan::apiserver::admission
