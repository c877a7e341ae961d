#include "pkg/kubectl/rollout_history.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "pkg/kubectl/tab_writer.h"

namespace sampan::kubectl {
namespace {

using api::Json;

constexpr const char* kHashLabel = "pod-template-hash";

std::optional<int64_t> ParseRevision(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t used = 0;
  try {
    int64_t v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (...) {
  }
  return std::nullopt;
}

std::string Annotation(const Json& obj, const char* key) {
  return api::GetString(api::ObjectField(api::ObjectField(obj, "metadata"), "annotations"), key);
}

// nlohmann::json (sorted keys) without nulls and empty objects, for comparing.
nlohmann::json Canonical(const Json& v) {
  if (v.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.value().is_null()) continue;
      nlohmann::json c = Canonical(it.value());
      if (c.is_object() && c.empty()) continue;
      out[it.key()] = std::move(c);
    }
    return out;
  }
  if (v.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const Json& e : v) out.push_back(Canonical(e));
    return out;
  }
  return nlohmann::json::parse(v.dump());
}

Status RevisionNotFound(int64_t r) {
  return Status::NotFound(fmt::format("unable to find specified revision {} in history", r));
}

}  // namespace

std::vector<Json> ControlledBy(const std::vector<Json>& items, const std::string& uid) {
  std::vector<Json> out;
  for (const Json& item : items) {
    const Json* refs = api::Find(api::ObjectField(item, "metadata"), "ownerReferences");
    if (refs == nullptr || !refs->is_array()) continue;
    for (const Json& ref : *refs) {
      if (api::GetBool(ref, "controller") && api::GetString(ref, "uid") == uid) {
        out.push_back(item);
        break;
      }
    }
  }
  return out;
}

Result<int64_t> ReplicaSetRevision(const Json& rs) {
  const Json& annotations = api::ObjectField(api::ObjectField(rs, "metadata"), "annotations");
  if (!annotations.contains(kRevisionAnnotation)) return 0;
  std::optional<int64_t> v = ParseRevision(api::GetString(annotations, kRevisionAnnotation));
  if (!v) return Status::Invalid("invalid revision annotation");
  return *v;
}

std::map<int64_t, std::string> DeploymentHistory(const std::vector<Json>& replica_sets) {
  std::map<int64_t, std::string> out;
  for (const Json& rs : replica_sets) {
    Result<int64_t> r = ReplicaSetRevision(rs);
    if (!r.ok()) continue;
    out[*r] = Annotation(rs, kChangeCauseAnnotation);
  }
  return out;
}

std::map<int64_t, std::string> ControllerHistory(const std::vector<Json>& revisions) {
  std::map<int64_t, std::string> out;
  for (const Json& h : revisions) {
    out[api::GetInt(h, "revision")] = Annotation(h, kChangeCauseAnnotation);
  }
  return out;
}

std::string HistoryTable(const std::map<int64_t, std::string>& history) {
  if (history.empty()) return "No rollout history found.";
  std::string text = "REVISION\tCHANGE-CAUSE\n";
  for (const auto& [revision, cause] : history) {
    text += fmt::format("{}\t{}\n", revision, cause.empty() ? "<none>" : cause);
  }
  return AlignTabs(text);
}

Result<Json> DeploymentRollbackTarget(const std::string& name, const std::vector<Json>& rss,
                                      int64_t to_revision) {
  if (to_revision < 0) return RevisionNotFound(to_revision);
  const Json* latest = nullptr;
  const Json* previous = nullptr;
  int64_t latest_rev = -1, previous_rev = -1;
  for (const Json& rs : rss) {
    Result<int64_t> v = ReplicaSetRevision(rs);
    if (!v.ok()) continue;
    if (to_revision == 0) {
      if (latest_rev < *v) {
        previous_rev = latest_rev, previous = latest;
        latest_rev = *v, latest = &rs;
      } else if (previous_rev < *v) {
        previous_rev = *v, previous = &rs;
      }
    } else if (to_revision == *v) {
      return rs;
    }
  }
  if (to_revision > 0) return RevisionNotFound(to_revision);
  if (previous == nullptr) {
    return Status::NotFound(fmt::format("no rollout history found for deployment \"{}\"", name));
  }
  return *previous;
}

Result<Json> ControllerRollbackTarget(const std::vector<Json>& revisions, int64_t to_revision) {
  if (to_revision < 0) return RevisionNotFound(to_revision);
  if (to_revision == 0) {
    if (revisions.size() <= 1) return Status::NotFound("no last revision to roll back to");
    std::vector<const Json*> sorted;
    for (const Json& h : revisions) sorted.push_back(&h);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Json* a, const Json* b) {
      return api::GetInt(*a, "revision") < api::GetInt(*b, "revision");
    });
    return *sorted[sorted.size() - 2];
  }
  for (const Json& h : revisions) {
    if (api::GetInt(h, "revision") == to_revision) return h;
  }
  return RevisionNotFound(to_revision);
}

bool TemplatesEqualIgnoringHash(const Json& a, const Json& b) {
  auto strip = [](Json t) {
    if (auto meta = t.find("metadata"); meta != t.end() && meta->is_object()) {
      if (auto labels = meta->find("labels"); labels != meta->end() && labels->is_object()) {
        labels->erase(kHashLabel);
      }
    }
    return Canonical(t);
  };
  return strip(a) == strip(b);
}

Json DeploymentRollbackPatch(const Json& deployment, const Json& rs) {
  static const char* kSkip[] = {"kubectl.kubernetes.io/last-applied-configuration",
                                kRevisionAnnotation,
                                "deployment.kubernetes.io/revision-history",
                                "deployment.kubernetes.io/desired-replicas",
                                "deployment.kubernetes.io/max-replicas",
                                "deprecated.deployment.rollback.to"};
  auto skipped = [](const std::string& key) {
    for (const char* k : kSkip) {
      if (key == k) return true;
    }
    return false;
  };
  Json annotations = Json::object();
  const Json& own = api::ObjectField(api::ObjectField(deployment, "metadata"), "annotations");
  for (auto it = own.begin(); it != own.end(); ++it) {
    if (skipped(it.key())) annotations[it.key()] = it.value();
  }
  const Json& theirs = api::ObjectField(api::ObjectField(rs, "metadata"), "annotations");
  for (auto it = theirs.begin(); it != theirs.end(); ++it) {
    if (!skipped(it.key())) annotations[it.key()] = it.value();
  }
  Json tmpl = api::ObjectField(api::ObjectField(rs, "spec"), "template");
  if (auto meta = tmpl.find("metadata"); meta != tmpl.end() && meta->is_object()) {
    if (auto labels = meta->find("labels"); labels != meta->end() && labels->is_object()) {
      labels->erase(kHashLabel);
    }
  }
  return Json::array(
      {{{"op", "replace"}, {"path", "/spec/template"}, {"value", tmpl}},
       {{"op", "replace"}, {"path", "/metadata/annotations"}, {"value", annotations}}});
}

Json TemplatePatchOf(const Json& workload) {
  Json tmpl = api::ObjectField(api::ObjectField(workload, "spec"), "template");
  tmpl["$patch"] = "replace";
  return Json{{"spec", {{"template", tmpl}}}};
}

bool SameData(const Json& a, const Json& b) { return Canonical(a) == Canonical(b); }

}  // namespace sampan::kubectl
