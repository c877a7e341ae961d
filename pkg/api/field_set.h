#pragma once
// FieldSet: a set of field paths inside an object, the unit of server-side apply's field
// ownership (upstream's structured-merge-diff fieldpath.Set) and its wire form `fieldsV1`.
//
// A path is a list of PathElements: a struct or map field (`f:name`), an item of an
// associative list by its key fields (`k:{"name":"nginx"}`), an item of a set of scalars
// (`v:"foo"`) or, for lists without keys, an index (`i:0`). The set is a tree: every node
// has children by path element and may itself be a member (`.` in fieldsV1 when it also has
// children). Serialization orders elements as upstream does (fields, keys, values, indexes;
// each in their natural order), so equal sets give byte-identical fieldsV1.
//
// Values are immutable-ish trees of small maps; copying is deep. Not thread-safe to mutate
// from several threads; const methods are safe.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/status.h"

namespace sampan::api {

struct PathElement {
  enum class Kind : uint8_t { kField, kKey, kValue, kIndex };
  Kind kind = Kind::kField;
  std::string name;   // kField
  Json value;         // kKey: an object of the key fields (sorted by name); kValue: a scalar
  int64_t index = 0;  // kIndex

  static PathElement Field(std::string name);
  // `keys` is an object {field: value}; its fields are sorted by name here.
  static PathElement Key(const Json& keys);
  static PathElement Value(Json value);
  static PathElement Index(int64_t index);
  // Parses the fieldsV1 form ("f:name", "k:{...}", "v:...", "i:3").
  static Result<PathElement> Parse(std::string_view text);

  // The fieldsV1 form.
  std::string Serialize() const;
  // The form of upstream's path strings in conflict messages: `.name`, `[name="x"]`,
  // `[=value]`, `[3]`.
  std::string ToString() const;
};

// Total order: fields < keys < values < indexes; within a kind by name, key fields (name,
// then value), value, index. Numbers compare numerically.
int ComparePathElements(const PathElement& a, const PathElement& b);
struct PathElementLess {
  bool operator()(const PathElement& a, const PathElement& b) const {
    return ComparePathElements(a, b) < 0;
  }
};

using FieldPath = std::vector<PathElement>;
// ".spec.template.spec.containers[name=\"nginx\"].image"
std::string FieldPathString(const FieldPath& path);

class FieldSet {
 public:
  bool empty() const { return children_.empty(); }
  bool operator==(const FieldSet& other) const;
  bool operator!=(const FieldSet& other) const { return !(*this == other); }

  // Adds `path` (non-empty) as a member.
  void Insert(const FieldPath& path);
  bool Has(const FieldPath& path) const;
  // The subtree under one element, or nullptr.
  const FieldSet* Child(const PathElement& pe) const;
  // Whether `pe` is itself a member at this level.
  bool IsMember(const PathElement& pe) const;

  FieldSet Union(const FieldSet& other) const;
  // In-place forms for the hot paths: they touch only the nodes of `other`. Subtract
  // returns whether anything was removed.
  void UnionWith(const FieldSet& other);
  bool Subtract(const FieldSet& other);
  FieldSet Difference(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;

  // Every member path, in serialization order.
  void ForEachMember(const std::function<void(const FieldPath&)>& fn) const;
  size_t MemberCount() const;

  // fieldsV1 (an object; `{}` for an empty set).
  Json ToJson() const;
  static Result<FieldSet> FromJson(const Json& fields_v1);

 private:
  void AppendJson(Json::object_t& out) const;
  void ForEachMemberImpl(FieldPath& prefix, const std::function<void(const FieldPath&)>& fn) const;
  // children_[pe] = (member, subtree)
  std::map<PathElement, std::pair<bool, FieldSet>, PathElementLess> children_;
};

// Deep equality of JSON values that ignores the order of object keys (ordered_json's own
// comparison does not) and compares numbers by value.
bool JsonEqual(const Json& a, const Json& b);

}  // namespace sampan::api
