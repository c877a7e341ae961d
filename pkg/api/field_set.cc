#include "pkg/api/field_set.h"

#include <algorithm>
#include <charconv>

namespace sampan::api {
namespace {

int TypeRank(const Json& v) {
  if (v.is_number()) return 0;
  if (v.is_string()) return 1;
  if (v.is_boolean()) return 2;
  if (v.is_array()) return 3;
  if (v.is_object()) return 4;
  return 5;  // null
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareValues(const Json& a, const Json& b) {
  int ra = TypeRank(a), rb = TypeRank(b);
  if (ra != rb) return Cmp(ra, rb);
  switch (ra) {
    case 0:
      if (a.is_number_integer() && b.is_number_integer()) {
        return Cmp(a.get<int64_t>(), b.get<int64_t>());
      }
      return Cmp(a.get<double>(), b.get<double>());
    case 1: return Cmp(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
    case 2: return Cmp(a.get<bool>(), b.get<bool>());
    case 5: return 0;
    default: return Cmp(Dump(a), Dump(b));
  }
}

Json SortedObject(const Json& keys) {
  std::vector<std::string> names;
  for (auto it = keys.begin(); it != keys.end(); ++it) names.push_back(it.key());
  std::sort(names.begin(), names.end());
  Json out = Json::object();
  for (const std::string& n : names) out[n] = keys[n];
  return out;
}

}  // namespace

PathElement PathElement::Field(std::string name) {
  PathElement pe;
  pe.kind = Kind::kField;
  pe.name = std::move(name);
  return pe;
}

PathElement PathElement::Key(const Json& keys) {
  PathElement pe;
  pe.kind = Kind::kKey;
  pe.value = SortedObject(keys);
  return pe;
}

PathElement PathElement::Value(Json value) {
  PathElement pe;
  pe.kind = Kind::kValue;
  pe.value = std::move(value);
  return pe;
}

PathElement PathElement::Index(int64_t index) {
  PathElement pe;
  pe.kind = Kind::kIndex;
  pe.index = index;
  return pe;
}

Result<PathElement> PathElement::Parse(std::string_view text) {
  if (text.size() < 2 || text[1] != ':') {
    return Status::BadRequest("invalid path element: " + std::string(text));
  }
  std::string_view rest = text.substr(2);
  switch (text[0]) {
    case 'f': return Field(std::string(rest));
    case 'k': {
      Result<Json> keys = ParseJson(rest);
      if (!keys.ok() || !keys->is_object()) {
        return Status::BadRequest("invalid key: " + std::string(text));
      }
      return Key(*keys);
    }
    case 'v': {
      Result<Json> value = ParseJson(rest);
      if (!value.ok()) return Status::BadRequest("invalid value: " + std::string(text));
      return Value(std::move(*value));
    }
    case 'i': {
      int64_t index = 0;
      auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
      if (ec != std::errc() || ptr != rest.data() + rest.size()) {
        return Status::BadRequest("invalid index: " + std::string(text));
      }
      return Index(index);
    }
    default: return Status::BadRequest("invalid path element: " + std::string(text));
  }
}

std::string PathElement::Serialize() const {
  switch (kind) {
    case Kind::kField: return "f:" + name;
    case Kind::kKey: return "k:" + Dump(value);
    case Kind::kValue: return "v:" + Dump(value);
    case Kind::kIndex: return "i:" + std::to_string(index);
  }
  return "";
}

std::string PathElement::ToString() const {
  switch (kind) {
    case Kind::kField: return "." + name;
    case Kind::kKey: {
      std::string out = "[";
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ",";
        first = false;
        out += it.key() + "=" + Dump(it.value());
      }
      return out + "]";
    }
    case Kind::kValue: return "[=" + Dump(value) + "]";
    case Kind::kIndex: return "[" + std::to_string(index) + "]";
  }
  return "";
}

int ComparePathElements(const PathElement& a, const PathElement& b) {
  if (a.kind != b.kind) return Cmp(static_cast<int>(a.kind), static_cast<int>(b.kind));
  switch (a.kind) {
    case PathElement::Kind::kField:
      return a.name.compare(b.name) < 0 ? -1 : (a.name == b.name ? 0 : 1);
    case PathElement::Kind::kKey: {
      auto ia = a.value.begin(), ib = b.value.begin();
      for (;; ++ia, ++ib) {
        bool ea = ia == a.value.end(), eb = ib == b.value.end();
        if (ea && eb) return 0;
        if (ea) return -1;
        if (eb) return 1;
        if (int c = ia.key().compare(ib.key()); c != 0) return c < 0 ? -1 : 1;
        if (int c = CompareValues(ia.value(), ib.value()); c != 0) return c;
      }
    }
    case PathElement::Kind::kValue: return CompareValues(a.value, b.value);
    case PathElement::Kind::kIndex: return Cmp(a.index, b.index);
  }
  return 0;
}

std::string FieldPathString(const FieldPath& path) {
  std::string out;
  for (const PathElement& pe : path) out += pe.ToString();
  return out;
}

bool FieldSet::operator==(const FieldSet& other) const {
  if (children_.size() != other.children_.size()) return false;
  auto it = other.children_.begin();
  for (const auto& [pe, node] : children_) {
    if (ComparePathElements(pe, it->first) != 0 || node.first != it->second.first ||
        node.second != it->second.second) {
      return false;
    }
    ++it;
  }
  return true;
}

void FieldSet::Insert(const FieldPath& path) {
  FieldSet* set = this;
  for (size_t i = 0; i < path.size(); ++i) {
    auto& node = set->children_[path[i]];
    if (i + 1 == path.size()) node.first = true;
    set = &node.second;
  }
}

bool FieldSet::Has(const FieldPath& path) const {
  const FieldSet* set = this;
  for (size_t i = 0; i < path.size(); ++i) {
    auto it = set->children_.find(path[i]);
    if (it == set->children_.end()) return false;
    if (i + 1 == path.size()) return it->second.first;
    set = &it->second.second;
  }
  return false;
}

const FieldSet* FieldSet::Child(const PathElement& pe) const {
  auto it = children_.find(pe);
  return it == children_.end() ? nullptr : &it->second.second;
}

bool FieldSet::IsMember(const PathElement& pe) const {
  auto it = children_.find(pe);
  return it != children_.end() && it->second.first;
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  for (const auto& [pe, node] : other.children_) {
    auto& mine = out.children_[pe];
    mine.first = mine.first || node.first;
    mine.second = mine.second.Union(node.second);
  }
  return out;
}

void FieldSet::UnionWith(const FieldSet& other) {
  for (const auto& [pe, node] : other.children_) {
    auto& mine = children_[pe];
    mine.first = mine.first || node.first;
    mine.second.UnionWith(node.second);
  }
}

bool FieldSet::Subtract(const FieldSet& other) {
  bool changed = false;
  for (const auto& [pe, node] : other.children_) {
    auto it = children_.find(pe);
    if (it == children_.end()) continue;
    if (node.first && it->second.first) {
      it->second.first = false;
      changed = true;
    }
    changed = it->second.second.Subtract(node.second) || changed;
    if (!it->second.first && it->second.second.empty()) children_.erase(it);
  }
  return changed;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  static const FieldSet kEmpty;
  for (const auto& [pe, node] : children_) {
    auto it = other.children_.find(pe);
    bool member = node.first && (it == other.children_.end() || !it->second.first);
    FieldSet sub =
        it == other.children_.end() ? node.second : node.second.Difference(it->second.second);
    if (member || !sub.empty()) out.children_.emplace(pe, std::make_pair(member, std::move(sub)));
  }
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  for (const auto& [pe, node] : children_) {
    auto it = other.children_.find(pe);
    if (it == other.children_.end()) continue;
    bool member = node.first && it->second.first;
    FieldSet sub = node.second.Intersection(it->second.second);
    if (member || !sub.empty()) out.children_.emplace(pe, std::make_pair(member, std::move(sub)));
  }
  return out;
}

void FieldSet::ForEachMemberImpl(FieldPath& prefix,
                                 const std::function<void(const FieldPath&)>& fn) const {
  for (const auto& [pe, node] : children_) {
    prefix.push_back(pe);
    if (node.first) fn(prefix);
    node.second.ForEachMemberImpl(prefix, fn);
    prefix.pop_back();
  }
}

void FieldSet::ForEachMember(const std::function<void(const FieldPath&)>& fn) const {
  FieldPath prefix;
  ForEachMemberImpl(prefix, fn);
}

size_t FieldSet::MemberCount() const {
  size_t n = 0;
  for (const auto& [pe, node] : children_) n += (node.first ? 1 : 0) + node.second.MemberCount();
  return n;
}

Json FieldSet::ToJson() const {
  Json out = Json::object();
  AppendJson(out.get_ref<Json::object_t&>());
  return out;
}

void FieldSet::AppendJson(Json::object_t& out) const {
  // ordered_json's keys are const, so a growing object copies its subtrees: every level is
  // sized before it is filled.
  out.reserve(out.size() + children_.size());
  for (const auto& [pe, node] : children_) {
    out.emplace_back(pe.Serialize(), Json::object());
    Json::object_t& child = out.back().second.get_ref<Json::object_t&>();
    bool dot = node.first && !node.second.empty();
    child.reserve(node.second.children_.size() + (dot ? 1 : 0));
    if (dot) child.emplace_back(".", Json::object());
    node.second.AppendJson(child);
  }
}

Result<FieldSet> FieldSet::FromJson(const Json& fields_v1) {
  FieldSet out;
  if (fields_v1.is_null()) return out;
  if (!fields_v1.is_object()) return Status::BadRequest("fieldsV1 must be an object");
  for (auto it = fields_v1.begin(); it != fields_v1.end(); ++it) {
    if (it.key() == ".") continue;
    ASSIGN_OR_RETURN(PathElement pe, PathElement::Parse(it.key()));
    const Json& child = it.value();
    if (!child.is_object()) return Status::BadRequest("fieldsV1 entries must be objects");
    ASSIGN_OR_RETURN(FieldSet sub, FromJson(child));
    bool member = child.empty() || child.contains(".");
    // Written in the set's own order (ToJson), so each element usually goes last.
    out.children_.emplace_hint(out.children_.end(), std::move(pe),
                               std::make_pair(member, std::move(sub)));
  }
  return out;
}

bool JsonEqual(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_integer() && b.is_number_integer()) return a.get<int64_t>() == b.get<int64_t>();
    return a.get<double>() == b.get<double>();
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !JsonEqual(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEqual(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace sampan::api
