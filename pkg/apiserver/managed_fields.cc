#include "pkg/apiserver/managed_fields.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <type_traits>

#include "pkg/api/schema.h"
#include "pkg/api/typed_fields.h"
#include "pkg/apiserver/rest_handler.h"

namespace sampan::apiserver {
namespace {

using api::FieldSet;
using api::Json;
using api::PathElement;

constexpr size_t kMaxManagerLength = 128;
constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// What the server owns and no manager records (upstream's stripped fields).
const FieldSet& ServerFields() {
  static const FieldSet kSet = [] {
    FieldSet s;
    s.Insert({PathElement::Field("apiVersion")});
    s.Insert({PathElement::Field("kind")});
    s.Insert({PathElement::Field("metadata")});
    for (const char* f : {"name", "namespace", "creationTimestamp", "selfLink", "uid",
                          "clusterName", "generation", "managedFields", "resourceVersion"}) {
      s.Insert({PathElement::Field("metadata"), PathElement::Field(f)});
    }
    return s;
  }();
  return kSet;
}

bool SameIdentity(const ManagerEntry& e, const std::string& manager, const std::string& operation,
                  const std::string& api_version, const std::string& subresource) {
  return e.manager == manager && e.operation == operation && e.subresource == subresource &&
         (operation == "Apply" || e.api_version == api_version);
}

const api::SchemaType* TypeOf(const api::ResourceInfo& r) {
  return api::Schema::BuiltIn().ForKind(r.GroupVersion(), r.kind);
}

api::Comparison Strip(api::Comparison c) {
  c.added.Subtract(ServerFields());
  c.modified.Subtract(ServerFields());
  c.removed.Subtract(ServerFields());
  return c;
}

// upstream's printManager: `"name"`, `"name" with subresource "s"`, `... using apps/v1`.
std::string Describe(const ManagerEntry& e) {
  std::string out = "\"" + e.manager + "\"";
  if (!e.subresource.empty()) out += " with subresource \"" + e.subresource + "\"";
  if (e.operation == "Update") out += " using " + e.api_version;
  return out;
}

ApiError ConflictError(const std::vector<std::pair<std::string, std::string>>& conflicts) {
  ApiError e;
  e.code = 409;
  e.reason = "Conflict";
  for (const auto& [who, path] : conflicts) {
    e.causes.push_back({"FieldManagerConflict", "conflict with " + who, path});
  }
  if (conflicts.size() == 1) {
    e.message = fmt::format("Apply failed with 1 conflict: conflict with {}: {}",
                            conflicts[0].first, conflicts[0].second);
    return e;
  }
  std::map<std::string, std::vector<std::string>> by_manager;
  for (const auto& [who, path] : conflicts) by_manager[who].push_back(path);
  std::string lines;
  for (const auto& [who, paths] : by_manager) {
    if (!lines.empty()) lines += "\n";
    lines += "conflicts with " + who + ":";
    for (const std::string& p : paths) lines += "\n- " + p;
  }
  e.message = fmt::format("Apply failed with {} conflicts: {}", conflicts.size(), lines);
  return e;
}

// The fields a client-side `kubectl apply` set that still hold the values it set: a
// server-side apply by "kubectl" may take them over without conflicts (as upstream's
// lastAppliedManager), so moving from client-side to server-side apply just works.
FieldSet FieldsFromLastApplied(const Json& live, const api::SchemaType* type) {
  const Json* annotations = api::FindPath(live, "metadata.annotations");
  std::string text = annotations ? api::GetString(*annotations, kLastApplied) : std::string();
  if (text.empty()) return {};
  Json last = Json::parse(text, nullptr, false);
  if (!last.is_object()) return {};
  api::Comparison c = api::CompareObjects(&last, &live, type);
  return api::ToFieldSet(last, type)
      .Difference(c.modified)
      .Difference(c.added)
      .Difference(c.removed);
}

Json WithoutManagedFields(const Json& object) {
  Json out = object;
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) {
    meta->erase("managedFields");
  }
  return out;
}

}  // namespace

namespace {

// The entries of a managedFields list. Given the list as an rvalue (one the caller gives
// up), each fieldsV1 is moved out rather than copied.
template <typename List>
std::vector<ManagerEntry> DecodeEntries(List&& list) {
  std::vector<ManagerEntry> out;
  if (!list.is_array()) return out;
  for (auto& item : list) {
    if (!item.is_object()) continue;
    ManagerEntry e;
    e.manager = api::GetString(item, "manager");
    e.operation = api::GetString(item, "operation");
    e.api_version = api::GetString(item, "apiVersion");
    e.subresource = api::GetString(item, "subresource");
    e.time = api::GetString(item, "time");
    auto fields = item.find("fieldsV1");
    if (fields != item.end()) {
      Result<FieldSet> set = FieldSet::FromJson(*fields);
      if (!set.ok()) continue;
      e.set = std::move(*set);
      if constexpr (std::is_lvalue_reference_v<List>) {
        e.fields_v1 = *fields;
      } else {
        e.fields_v1 = std::move(*fields);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::vector<ManagerEntry> DecodeManagedFields(const Json& object) {
  const Json* list = api::FindPath(object, "metadata.managedFields");
  return list ? DecodeEntries(*list) : std::vector<ManagerEntry>{};
}

void EncodeManagedFields(std::vector<ManagerEntry> managers, Json& object) {
  std::erase_if(managers, [](const ManagerEntry& e) { return e.set.empty(); });
  Json& meta = object["metadata"];
  if (managers.empty()) {
    meta.erase("managedFields");
    return;
  }
  std::stable_sort(managers.begin(), managers.end(),
                   [](const ManagerEntry& p, const ManagerEntry& q) {
                     // RFC 3339 UTC seconds sort as text; entries without a time come first.
                     return std::tie(p.operation, p.time, p.manager, p.api_version, p.subresource) <
                            std::tie(q.operation, q.time, q.manager, q.api_version, q.subresource);
                   });
  Json list = Json::array();
  for (ManagerEntry& e : managers) {
    Json entry = Json::object();
    entry["manager"] = e.manager;
    entry["operation"] = e.operation;
    entry["apiVersion"] = e.api_version;
    if (!e.time.empty()) entry["time"] = e.time;
    entry["fieldsType"] = "FieldsV1";
    entry["fieldsV1"] = e.dirty || e.fields_v1.is_null() ? e.set.ToJson() : std::move(e.fields_v1);
    if (!e.subresource.empty()) entry["subresource"] = e.subresource;
    list.push_back(std::move(entry));
  }
  meta["managedFields"] = std::move(list);
}

std::string FieldManagerOf(const RequestContext& ctx) {
  std::string manager = ctx.query.GetOr("fieldManager", "");
  if (manager.empty() && ctx.http != nullptr) {
    std::string_view agent = ctx.http->headers.Get("User-Agent");
    manager = std::string(agent.substr(0, agent.find('/')));
  }
  if (manager.size() > kMaxManagerLength) manager.resize(kMaxManagerLength);
  return manager;
}

void RecordUpdate(const Json* before, Json& after, Json provided, const api::ResourceInfo& r,
                  const std::string& subresource, const std::string& manager,
                  const std::string& now) {
  // The managers this update starts from: the client's when it sent some (main resource).
  bool use_provided = subresource.empty() && provided.is_array() && !provided.empty();
  if (use_provided && provided.size() == 1 && provided[0].is_object() && provided[0].empty()) {
    after["metadata"].erase("managedFields");  // `[{}]` resets ownership
    return;
  }
  const Json* base = use_provided ? &provided
                     : before     ? api::FindPath(*before, "metadata.managedFields")
                                  : nullptr;
  api::CompareOptions options;
  if (subresource == "status") {
    options.only_root_field = "status";
  } else if (subresource == "scale") {
    options.only_root_field = "spec";
  } else if (r.HasSubresource("status")) {
    options.skip_root_field = "status";
  }
  static const Json kEmpty = Json::object();
  api::Comparison c =
      Strip(api::CompareObjects(before ? before : &kEmpty, &after, TypeOf(r), options));
  if (c.same()) {
    if (base != nullptr && base->is_array() && !base->empty()) {
      after["metadata"]["managedFields"] = use_provided ? std::move(provided) : *base;
    } else {
      after["metadata"].erase("managedFields");
    }
    return;
  }
  std::vector<ManagerEntry> managers = use_provided ? DecodeEntries(std::move(provided))
                                       : base       ? DecodeEntries(*base)
                                                    : std::vector<ManagerEntry>{};
  FieldSet changed = std::move(c.added);
  changed.UnionWith(c.modified);
  std::string api_version = r.GroupVersion();
  ManagerEntry* mine = nullptr;
  for (ManagerEntry& e : managers) {
    if (SameIdentity(e, manager, "Update", api_version, subresource)) {
      mine = &e;
      continue;
    }
    bool taken = e.set.Subtract(changed);
    if (e.set.Subtract(c.removed) || taken) e.dirty = true;
  }
  if (mine == nullptr) {
    managers.push_back({manager, "Update", api_version, subresource});
    mine = &managers.back();
  }
  bool grew = !changed.Difference(mine->set).empty();
  bool shrank = mine->set.Subtract(c.removed);
  if (grew) mine->set.UnionWith(changed);
  // A manager updating fields it already owns changes only its time: its fieldsV1 stays as
  // decoded rather than being encoded again (a large set, for the creator of an object).
  mine->dirty = grew || shrank;
  mine->time = now;
  EncodeManagedFields(std::move(managers), after);
}

Result<Json> ApplyConfiguration(const Json* live, Json config, const ApplyRequest& request,
                                ApiError* conflict) {
  const api::ResourceInfo& r = *request.resource;
  const api::SchemaType* type = TypeOf(r);
  if (auto meta = config.find("metadata"); meta != config.end() && meta->is_object()) {
    meta->erase("managedFields");
  }
  // The status of a resource with a status subresource is not applied through it.
  if (r.HasSubresource("status")) config.erase("status");
  std::vector<ManagerEntry> managers =
      live ? DecodeManagedFields(*live) : std::vector<ManagerEntry>{};
  static const Json kEmpty = Json::object();
  Json before = live ? WithoutManagedFields(*live) : kEmpty;
  Json merged = live ? api::MergeApplied(before, config, type) : config;

  FieldSet applied = api::ToFieldSet(config, type).Difference(ServerFields());
  ManagerEntry* mine = nullptr;
  for (ManagerEntry& e : managers) {
    if (SameIdentity(e, request.manager, "Apply", "", "")) mine = &e;
  }
  if (mine == nullptr) {
    managers.push_back({request.manager, "Apply", r.GroupVersion(), ""});
    mine = &managers.back();
  }
  FieldSet previous = std::move(mine->set);
  mine->set = std::move(applied);
  mine->api_version = r.GroupVersion();
  mine->dirty = true;
  if (!previous.empty()) {
    FieldSet owned;
    for (const ManagerEntry& e : managers) owned = owned.Union(e.set);
    api::PruneFields(merged, previous, owned, type);
  }

  api::CompareOptions options;
  if (r.HasSubresource("status")) options.skip_root_field = "status";
  api::Comparison c = Strip(api::CompareObjects(&before, &merged, type, options));
  FieldSet changed = c.modified.Union(c.added);
  if (!request.force) {
    FieldSet in_conflict;
    for (ManagerEntry& e : managers) {
      if (&e != mine) in_conflict = in_conflict.Union(e.set.Intersection(changed));
    }
    if (!in_conflict.empty() && request.manager == "kubectl" && live != nullptr) {
      in_conflict = in_conflict.Difference(FieldsFromLastApplied(before, type));
    }
    if (!in_conflict.empty()) {
      std::vector<std::pair<std::string, std::string>> conflicts;
      for (ManagerEntry& e : managers) {
        if (&e == mine) continue;
        e.set.Intersection(in_conflict).ForEachMember([&](const api::FieldPath& p) {
          conflicts.emplace_back(Describe(e), api::FieldPathString(p));
        });
      }
      *conflict = ConflictError(conflicts);
      return Status::Conflict(conflict->message);
    }
  }
  for (ManagerEntry& e : managers) {
    if (&e == mine) continue;
    FieldSet next = e.set.Difference(changed).Difference(c.removed);
    if (next != e.set) {
      e.set = std::move(next);
      e.dirty = true;
    }
  }
  if (!c.same() || mine->time.empty()) mine->time = request.now;
  EncodeManagedFields(std::move(managers), merged);
  // As upstream's lastAppliedUpdater: kubectl's server-side apply keeps an existing
  // client-side apply annotation in step, so going back to client-side apply works.
  if (request.manager == "kubectl") {
    Json* annotations = nullptr;
    if (auto meta = merged.find("metadata"); meta != merged.end() && meta->is_object()) {
      if (auto a = meta->find("annotations"); a != meta->end() && a->is_object()) {
        annotations = &*a;
      }
    }
    if (annotations != nullptr && annotations->contains(kLastApplied)) {
      Json applied = config;
      if (auto meta = applied.find("metadata"); meta != applied.end() && meta->is_object()) {
        if (auto a = meta->find("annotations"); a != meta->end() && a->is_object()) {
          a->erase(kLastApplied);
        }
      }
      // Encoded with sorted keys, as Go encodes maps (and kubectl compares the text).
      (*annotations)[kLastApplied] = nlohmann::json::parse(api::Dump(applied)).dump();
    }
  }
  return merged;
}

}  // namespace sampan::apiserver
