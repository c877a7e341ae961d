#include "pkg/api/strategic_patch.h"

#include <fmt/format.h>

#include <string_view>

#include "pkg/api/patch.h"

namespace sampan::api {
namespace {

constexpr std::string_view kPatchDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

// Each merge works on its target in place: a patch touches a few fields of a large object,
// and copying every level it passes through cost more than the merge. On an error the
// target is half merged; callers drop it.

// false: the patch deletes the value (`$patch: delete`).
Result<bool> MergeStruct(Json& target, const Json& patch, const SchemaType* type);

bool IsDirective(std::string_view key) { return !key.empty() && key[0] == '$'; }

Json WithoutDirectives(const Json& object) {
  Json out = Json::object();
  for (const auto& [k, v] : object.items()) {
    if (!IsDirective(k)) out[k] = v;
  }
  return out;
}

// The `$patch` directive of a patch map: "" when absent.
Result<std::string> PatchDirective(const Json& patch) {
  const Json* d = Find(patch, kPatchDirective);
  if (d == nullptr) return std::string();
  if (!d->is_string() || (*d != "replace" && *d != "delete" && *d != "merge")) {
    return Status::BadRequest(
        fmt::format("unknown patch type: {} in map: {}", Dump(*d), Dump(patch)));
  }
  return d->get<std::string>();
}

bool HasStrategy(const SchemaField& field, std::string_view strategy) {
  return field.patch_strategy.find(strategy) != std::string::npos;
}

// The value a list element is identified by: its merge key for maps, itself otherwise.
const Json* ElementKey(const Json& element, const SchemaField& field) {
  if (field.kind != ValueKind::kMessage) return &element;
  return element.is_object() ? Find(element, field.patch_merge_key) : nullptr;
}

Status MergeList(Json& target, const Json& patch, const SchemaField& field) {
  if (!HasStrategy(field, "merge")) {  // atomic: the patch replaces the list
    target = patch;
    return Status();
  }
  // An element {"$patch": "replace"} replaces the whole list with the other elements.
  for (const Json& e : patch) {
    if (e.is_object() && e.size() == 1 && api::GetString(e, kPatchDirective) == "replace") {
      Json replaced = Json::array();
      for (const Json& other : patch) {
        if (&other != &e) replaced.push_back(other);
      }
      target = std::move(replaced);
      return Status();
    }
  }
  if (!target.is_array()) target = Json::array();
  if (field.kind != ValueKind::kMessage) {  // a set of scalars: union
    for (const Json& e : patch) {
      if (std::find(target.begin(), target.end(), e) == target.end()) target.push_back(e);
    }
    return Status();
  }
  for (const Json& e : patch) {
    if (!e.is_object()) {
      return Status::BadRequest(
          fmt::format("{}: list element {} is not an object", field.json_name, Dump(e)));
    }
    const Json* key = Find(e, field.patch_merge_key);
    if (key == nullptr) {
      return Status::BadRequest(fmt::format("map: {} does not contain declared merge key: {}",
                                            Dump(e), field.patch_merge_key));
    }
    auto match = std::find_if(target.begin(), target.end(), [&](const Json& candidate) {
      const Json* k = ElementKey(candidate, field);
      return k != nullptr && *k == *key;
    });
    ASSIGN_OR_RETURN(std::string directive, PatchDirective(e));
    if (directive == "delete") {
      if (match != target.end()) target.erase(match);
      continue;
    }
    if (match != target.end()) {
      RETURN_IF_ERROR(MergeStruct(*match, e, field.message).status());
    } else {
      Json added;
      RETURN_IF_ERROR(MergeStruct(added, e, field.message).status());
      target.push_back(std::move(added));
    }
  }
  return Status();
}

// `$setElementOrder/<list>`: the listed elements first, in that order, then the others.
Json ApplyElementOrder(const Json& list, const Json& order, const SchemaField& field) {
  if (!list.is_array() || !order.is_array()) return list;
  Json ordered = Json::array();
  std::vector<bool> used(list.size(), false);
  for (const Json& o : order) {
    const Json* want = ElementKey(o, field);
    if (want == nullptr) continue;
    for (size_t i = 0; i < list.size(); ++i) {
      const Json* have = ElementKey(list[i], field);
      if (!used[i] && have != nullptr && *have == *want) {
        ordered.push_back(list[i]);
        used[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!used[i]) ordered.push_back(list[i]);
  }
  return ordered;
}

Status MergeMapValues(Json& target, const Json& patch, const SchemaField& field) {
  ASSIGN_OR_RETURN(std::string directive, PatchDirective(patch));
  if (directive == "replace") {
    target = WithoutDirectives(patch);
    return Status();
  }
  if (!target.is_object()) target = Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (IsDirective(key)) continue;
    if (value.is_null()) {
      target.erase(key);
    } else if (field.kind == ValueKind::kMessage && value.is_object()) {
      ASSIGN_OR_RETURN(bool keep, MergeStruct(target[key], value, field.message));
      if (!keep) target.erase(key);
    } else {
      target[key] = value;
    }
  }
  return Status();
}

Result<bool> MergeStruct(Json& target, const Json& patch, const SchemaType* type) {
  ASSIGN_OR_RETURN(std::string directive, PatchDirective(patch));
  if (directive == "delete") return false;
  if (directive == "replace") {
    target = WithoutDirectives(patch);
    return true;
  }
  if (!target.is_object()) target = Json::object();
  if (const Json* retain = Find(patch, kRetainKeys)) {
    if (!retain->is_array()) return Status::BadRequest("$retainKeys must be a list");
    for (auto it = target.begin(); it != target.end();) {
      if (std::find(retain->begin(), retain->end(), Json(it.key())) == retain->end()) {
        it = target.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& [key, value] : patch.items()) {
    if (IsDirective(key)) continue;
    if (value.is_null()) {
      target.erase(key);
      continue;
    }
    const SchemaField* field = type != nullptr ? type->FieldByJsonName(key) : nullptr;
    Json& slot = target[key];  // null when absent, as the merges expect
    if (field == nullptr) {  // not in the schema: merge-patch semantics
      slot = MergePatch(slot, value);
    } else if (field->map && value.is_object()) {
      RETURN_IF_ERROR(MergeMapValues(slot, value, *field));
    } else if (field->repeated && value.is_array()) {
      RETURN_IF_ERROR(MergeList(slot, value, *field));
    } else if (field->kind == ValueKind::kMessage && value.is_object()) {
      ASSIGN_OR_RETURN(bool keep, MergeStruct(slot, value, field->message));
      if (!keep) target.erase(key);
    } else {
      slot = value;
    }
  }
  // List directives run after the merge, on the merged lists.
  for (const auto& [key, value] : patch.items()) {
    std::string_view k = key;
    if (k.starts_with(kDeleteFromPrimitiveList)) {
      std::string list = key.substr(kDeleteFromPrimitiveList.size());
      if (!value.is_array()) return Status::BadRequest(fmt::format("{} must be a list", key));
      auto it = target.find(list);
      if (it != target.end() && it->is_array()) {
        Json kept = Json::array();
        for (const Json& item : *it) {
          if (std::find(value.begin(), value.end(), item) == value.end()) kept.push_back(item);
        }
        *it = std::move(kept);
      }
    } else if (k.starts_with(kSetElementOrder)) {
      std::string list = key.substr(kSetElementOrder.size());
      const SchemaField* field = type != nullptr ? type->FieldByJsonName(list) : nullptr;
      auto it = target.find(list);
      if (field != nullptr && it != target.end()) *it = ApplyElementOrder(*it, value, *field);
    }
  }
  return true;
}

}  // namespace

Result<Json> StrategicMergePatch(Json object, const Json& patch, const SchemaType& type) {
  if (!patch.is_object()) return Status::BadRequest("the patch must be a JSON object");
  ASSIGN_OR_RETURN(bool keep, MergeStruct(object, patch, &type));
  if (!keep) return Status::BadRequest("the patch deletes the whole object");
  return object;
}

}  // namespace sampan::api
