#include "pkg/apiserver/object_meta.h"

#include "pkg/api/validation.h"
#include "pkg/util/random.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::Json;

void AddFieldErrors(const api::FieldErrors& errors, std::vector<Cause>& causes) {
  for (const auto& e : errors.errors()) {
    causes.push_back({std::string(e.Reason()), e.ErrorBody(), e.field});
  }
}

// Whether generation moves: anything but metadata and status (and the type) changed.
// Compared in place; copying both objects without those fields was most of the cost.
bool SpecPartChanged(const Json& obj, const Json& old) {
  if (!obj.is_object() || !old.is_object()) return obj != old;
  auto ignored = [](const std::string& key) {
    return key == "metadata" || key == "status" || key == "apiVersion" || key == "kind";
  };
  size_t fields = 0;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (ignored(it.key())) continue;
    ++fields;
    auto before = old.find(it.key());
    if (before == old.end() || *before != it.value()) return true;
  }
  size_t old_fields = 0;
  for (auto it = old.begin(); it != old.end(); ++it) old_fields += ignored(it.key()) ? 0 : 1;
  return fields != old_fields;
}

}  // namespace

void PrepareMetaForCreate(Json& obj, const Clock& clock) {
  Json& meta = obj["metadata"];
  std::string generate = api::GetString(meta, "generateName");
  if (api::GetString(meta, "name").empty() && !generate.empty()) {
    // Upstream keeps the prefix to 58 characters and adds 5 random ones.
    meta["name"] = generate.substr(0, 58) + RandomString(5, kNameSuffixAlphabet);
  }
  meta["uid"] = RandomUuid();
  meta["creationTimestamp"] = FormatRfc3339(clock.WallNow());
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  meta.erase("managedFields");
  if (obj.contains("spec")) {
    meta["generation"] = 1;
  } else {
    meta.erase("generation");
  }
}

void PrepareMetaForUpdate(Json& obj, const Json& old) {
  Json& meta = obj["metadata"];
  const Json& old_meta = old["metadata"];
  for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp",
                            "deletionGracePeriodSeconds", "generation", "name", "namespace"}) {
    if (old_meta.contains(field)) {
      meta[field] = old_meta[field];
    } else {
      meta.erase(field);
    }
  }
  meta.erase("selfLink");
  meta.erase("managedFields");
  if (old_meta.contains("generation") || obj.contains("spec")) {
    int64_t generation = api::GetInt(old_meta, "generation", 1);
    if (SpecPartChanged(obj, old)) ++generation;
    meta["generation"] = generation;
  }
}

void ValidateMeta(const Json& obj, const api::ResourceInfo& r, NameRule rule,
                  std::vector<Cause>& causes) {
  const Json* meta = api::Find(obj, "metadata");
  if (!meta || !meta->is_object()) {
    causes.push_back(Required("metadata"));
    return;
  }
  api::FieldErrors errors;
  api::FieldPath path("metadata");
  std::string name = api::GetString(*meta, "name");
  std::string generate = api::GetString(*meta, "generateName");
  if (name.empty()) {
    errors.Required(path.Child("name"), "name or generateName is required");
  } else {
    std::vector<std::string> problems;
    switch (rule) {
      case NameRule::kDnsSubdomain: problems = api::NameIsDNSSubdomain(name, false); break;
      case NameRule::kDnsLabel: problems = api::NameIsDNSLabel(name, false); break;
      case NameRule::kPathSegment: problems = api::IsValidPathSegmentName(name); break;
    }
    errors.InvalidEach(path.Child("name"), name, problems);
  }
  if (!generate.empty() && rule != NameRule::kPathSegment) {
    auto problems = rule == NameRule::kDnsLabel ? api::NameIsDNSLabel(generate, true)
                                                : api::NameIsDNSSubdomain(generate, true);
    errors.InvalidEach(path.Child("generateName"), generate, problems);
  }
  std::string ns = api::GetString(*meta, "namespace");
  if (r.namespaced) {
    if (ns.empty()) {
      errors.Required(path.Child("namespace"), "");
    } else {
      errors.InvalidEach(path.Child("namespace"), ns, api::NameIsDNSLabel(ns, false));
    }
  } else if (!ns.empty()) {
    errors.Forbidden(path.Child("namespace"), "not allowed on this type");
  }
  if (const Json* labels = api::Find(*meta, "labels")) {
    api::ValidateLabels(*labels, path.Child("labels"), &errors);
  }
  if (const Json* annotations = api::Find(*meta, "annotations")) {
    api::ValidateAnnotations(*annotations, path.Child("annotations"), &errors);
  }
  if (const Json* finalizers = api::Find(*meta, "finalizers"); finalizers) {
    if (!finalizers->is_array()) {
      errors.Invalid(path.Child("finalizers"), api::Dump(*finalizers), "must be a list");
    } else {
      for (size_t i = 0; i < finalizers->size(); ++i) {
        const Json& f = (*finalizers)[i];
        std::string value = f.is_string() ? f.get<std::string>() : api::Dump(f);
        errors.InvalidEach(path.Child("finalizers").Index(static_cast<int64_t>(i)), value,
                           api::IsQualifiedName(value));
      }
    }
  }
  AddFieldErrors(errors, causes);
}

void ValidateMetaUpdate(const Json& obj, const Json& old, std::vector<Cause>& causes) {
  const Json& meta = obj["metadata"];
  const Json& old_meta = old["metadata"];
  if (old_meta.contains("deletionTimestamp") && meta.contains("finalizers")) {
    // While deleting, finalizers may only be removed.
    const Json* olds = api::Find(old_meta, "finalizers");
    for (const auto& f : meta["finalizers"]) {
      bool had = false;
      if (olds && olds->is_array()) {
        for (const auto& o : *olds) had = had || o == f;
      }
      if (!had) {
        causes.push_back(ForbiddenField("metadata.finalizers",
                                        "no new finalizers can be added if the object is being "
                                        "deleted, found new finalizers " +
                                            api::Dump(Json::array({f}))));
        break;
      }
    }
  }
}

}  // namespace sampan::apiserver
