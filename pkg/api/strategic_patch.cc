#include "pkg/api/strategic_patch.h"

#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "pkg/api/patch.h"

namespace sampan::api {
namespace {

constexpr std::string_view kPatchDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

// nullopt: the patch deletes the value (`$patch: delete`).
using Merged = Result<std::optional<Json>>;

Merged MergeStruct(const Json& original, const Json& patch, const SchemaType* type);

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

Result<Json> MergeList(const Json& original, const Json& patch, const SchemaField& field) {
  if (!HasStrategy(field, "merge")) return patch;  // atomic: the patch replaces the list
  Json result = original.is_array() ? original : Json::array();
  // An element {"$patch": "replace"} replaces the whole list with the other elements.
  for (const Json& e : patch) {
    if (e.is_object() && e.size() == 1 && api::GetString(e, kPatchDirective) == "replace") {
      Json replaced = Json::array();
      for (const Json& other : patch) {
        if (&other != &e) replaced.push_back(other);
      }
      return replaced;
    }
  }
  if (field.kind != ValueKind::kMessage) {  // a set of scalars: union
    for (const Json& e : patch) {
      if (std::find(result.begin(), result.end(), e) == result.end()) result.push_back(e);
    }
    return result;
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
    auto match = std::find_if(result.begin(), result.end(), [&](const Json& candidate) {
      const Json* k = ElementKey(candidate, field);
      return k != nullptr && *k == *key;
    });
    ASSIGN_OR_RETURN(std::string directive, PatchDirective(e));
    if (directive == "delete") {
      if (match != result.end()) result.erase(match);
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<Json> merged,
                     MergeStruct(match != result.end() ? *match : Json(), e, field.message));
    if (!merged) continue;
    if (match != result.end()) {
      *match = std::move(*merged);
    } else {
      result.push_back(std::move(*merged));
    }
  }
  return result;
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

Result<Json> MergeMapValues(const Json& original, const Json& patch, const SchemaField& field) {
  ASSIGN_OR_RETURN(std::string directive, PatchDirective(patch));
  if (directive == "replace") return WithoutDirectives(patch);
  Json result = original.is_object() ? original : Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (IsDirective(key)) continue;
    if (value.is_null()) {
      result.erase(key);
    } else if (field.kind == ValueKind::kMessage && value.is_object()) {
      ASSIGN_OR_RETURN(
          std::optional<Json> merged,
          MergeStruct(result.contains(key) ? result[key] : Json(), value, field.message));
      if (merged) {
        result[key] = std::move(*merged);
      } else {
        result.erase(key);
      }
    } else {
      result[key] = value;
    }
  }
  return result;
}

Merged MergeStruct(const Json& original, const Json& patch, const SchemaType* type) {
  ASSIGN_OR_RETURN(std::string directive, PatchDirective(patch));
  if (directive == "delete") return std::optional<Json>();
  if (directive == "replace") return std::optional<Json>(WithoutDirectives(patch));
  Json result = original.is_object() ? original : Json::object();
  if (const Json* retain = Find(patch, kRetainKeys)) {
    if (!retain->is_array()) return Status::BadRequest("$retainKeys must be a list");
    Json kept = Json::object();
    for (const auto& [k, v] : result.items()) {
      if (std::find(retain->begin(), retain->end(), Json(k)) != retain->end()) kept[k] = v;
    }
    result = std::move(kept);
  }
  for (const auto& [key, value] : patch.items()) {
    if (IsDirective(key)) continue;
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    const SchemaField* field = type != nullptr ? type->FieldByJsonName(key) : nullptr;
    const Json current = result.contains(key) ? result[key] : Json();
    if (field == nullptr) {  // not in the schema: merge-patch semantics
      result[key] = MergePatch(current, value);
    } else if (field->map && value.is_object()) {
      ASSIGN_OR_RETURN(result[key], MergeMapValues(current, value, *field));
    } else if (field->repeated && value.is_array()) {
      ASSIGN_OR_RETURN(result[key], MergeList(current, value, *field));
    } else if (field->kind == ValueKind::kMessage && value.is_object()) {
      ASSIGN_OR_RETURN(std::optional<Json> merged, MergeStruct(current, value, field->message));
      if (merged) {
        result[key] = std::move(*merged);
      } else {
        result.erase(key);
      }
    } else {
      result[key] = value;
    }
  }
  // List directives run after the merge, on the merged lists.
  for (const auto& [key, value] : patch.items()) {
    std::string_view k = key;
    const SchemaField* field = nullptr;
    if (k.starts_with(kDeleteFromPrimitiveList)) {
      std::string list = key.substr(kDeleteFromPrimitiveList.size());
      if (!value.is_array()) return Status::BadRequest(fmt::format("{} must be a list", key));
      if (result.contains(list) && result[list].is_array()) {
        Json kept = Json::array();
        for (const Json& item : result[list]) {
          if (std::find(value.begin(), value.end(), item) == value.end()) kept.push_back(item);
        }
        result[list] = std::move(kept);
      }
    } else if (k.starts_with(kSetElementOrder)) {
      std::string list = key.substr(kSetElementOrder.size());
      field = type != nullptr ? type->FieldByJsonName(list) : nullptr;
      if (field != nullptr && result.contains(list)) {
        result[list] = ApplyElementOrder(result[list], value, *field);
      }
    }
  }
  return std::optional<Json>(std::move(result));
}

}  // namespace

Result<Json> StrategicMergePatch(const Json& original, const Json& patch, const SchemaType& type) {
  if (!patch.is_object()) return Status::BadRequest("the patch must be a JSON object");
  ASSIGN_OR_RETURN(std::optional<Json> merged, MergeStruct(original, patch, &type));
  if (!merged) return Status::BadRequest("the patch deletes the whole object");
  return std::move(*merged);
}

}  // namespace sampan::api
