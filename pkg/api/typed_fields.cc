#include "pkg/api/typed_fields.h"

#include <map>

namespace sampan::api {
namespace {

enum class NodeKind { kScalar, kStruct, kMap, kAssocList, kSetList, kAtomic, kDeduced };

struct NodeType {
  NodeKind kind = NodeKind::kDeduced;
  const SchemaType* message = nullptr;  // kStruct
  const SchemaField* field = nullptr;   // kMap and lists: the field that describes elements
};

// Types upstream marks `+structType=atomic` at the type level (the schema carries only the
// field-level markers).
bool IsAtomicStructType(const SchemaType& t) {
  static constexpr std::pair<std::string_view, std::string_view> kAtomic[] = {
      {"meta/v1", "LabelSelector"},
      {"core/v1", "ObjectReference"},
      {"core/v1", "LocalObjectReference"},
      {"core/v1", "TypedLocalObjectReference"},
      {"core/v1", "TypedObjectReference"},
      {"core/v1", "ConfigMapKeySelector"},
      {"core/v1", "SecretKeySelector"},
      {"core/v1", "ObjectFieldSelector"},
      {"core/v1", "ResourceFieldSelector"},
      {"core/v1", "NodeSelector"},
      {"core/v1", "NodeSelectorTerm"},
      {"core/v1", "TopologySelectorTerm"},
      {"autoscaling/v1", "CrossVersionObjectReference"},
      {"autoscaling/v2", "CrossVersionObjectReference"},
  };
  for (const auto& [package, name] : kAtomic) {
    if (t.package == package && t.name == name) return true;
  }
  return false;
}

NodeType ElementOf(const SchemaField& f) {
  switch (f.kind) {
    case ValueKind::kMessage:
      if (f.struct_type == "atomic" ||
          (f.struct_type != "granular" && f.message != nullptr && IsAtomicStructType(*f.message))) {
        return {NodeKind::kAtomic};
      }
      return {NodeKind::kStruct, f.message};
    case ValueKind::kRaw:
    case ValueKind::kStringList: return {NodeKind::kAtomic};
    default: return {NodeKind::kScalar};
  }
}

NodeType OfField(const SchemaField& f) {
  if (f.repeated) {
    if (f.list_type == "map" && !f.list_map_keys.empty())
      return {NodeKind::kAssocList, nullptr, &f};
    if (f.list_type == "set") return {NodeKind::kSetList, nullptr, &f};
    if (f.list_type.empty() && f.patch_strategy.find("merge") != std::string::npos) {
      if (f.kind == ValueKind::kMessage && !f.patch_merge_key.empty()) {
        return {NodeKind::kAssocList, nullptr, &f};
      }
      if (f.kind != ValueKind::kMessage) return {NodeKind::kSetList, nullptr, &f};
    }
    return {NodeKind::kAtomic};
  }
  if (f.map) {
    if (f.map_type == "atomic") return {NodeKind::kAtomic};
    return {NodeKind::kMap, nullptr, &f};
  }
  return ElementOf(f);
}

// The type of the value under `key` of a map-like node; `declared` tells whether it is a
// field of a struct (entries of maps and deduced objects are not).
NodeType ChildOf(const NodeType& parent, std::string_view key, bool* declared) {
  *declared = false;
  if (parent.kind == NodeKind::kStruct && parent.message != nullptr) {
    const SchemaField* f = parent.message->FieldByJsonName(key);
    if (f == nullptr) return {NodeKind::kDeduced};
    *declared = true;
    return OfField(*f);
  }
  if (parent.kind == NodeKind::kMap) return ElementOf(*parent.field);
  return {NodeKind::kDeduced};
}

NodeType ItemOf(const NodeType& list) { return ElementOf(*list.field); }

bool IsMapLike(NodeKind k, const Json* a, const Json* b) {
  if (k == NodeKind::kStruct || k == NodeKind::kMap) return true;
  if (k != NodeKind::kDeduced) return false;
  return (a && a->is_object()) || (b && b->is_object());
}

bool IsList(NodeKind k) { return k == NodeKind::kAssocList || k == NodeKind::kSetList; }

PathElement ItemElement(const NodeType& list, const Json& item, int64_t index) {
  if (list.kind == NodeKind::kSetList) return PathElement::Value(item);
  if (!item.is_object()) return PathElement::Index(index);
  const SchemaField& f = *list.field;
  Json keys = Json::object();
  auto add = [&](const std::string& name) {
    if (auto it = item.find(name); it != item.end() && !it->is_null()) {
      keys[name] = *it;
    } else if (name == "protocol") {
      keys[name] = "TCP";  // the schema default of the ports' key field
    }
  };
  if (!f.list_map_keys.empty()) {
    for (const std::string& k : f.list_map_keys) add(k);
  } else {
    add(f.patch_merge_key);
  }
  if (keys.empty()) return PathElement::Index(index);
  return PathElement::Key(keys);
}

bool IsEmptyValue(const Json* v) {
  return v == nullptr || v->is_null() || ((v->is_object() || v->is_array()) && v->empty());
}

// --- ToFieldSet ---

void ToSet(const Json& v, const NodeType& t, FieldPath& path, FieldSet& out) {
  NodeKind k = t.kind;
  if (IsMapLike(k, &v, nullptr)) {
    if (!v.is_object()) {
      if (!path.empty()) out.Insert(path);
      return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      bool declared = false;
      NodeType ct = ChildOf(t, it.key(), &declared);
      path.push_back(PathElement::Field(it.key()));
      ToSet(it.value(), ct, path, out);
      const Json& child = it.value();
      if (child.is_null() || (child.is_object() && child.empty()) || !declared) out.Insert(path);
      path.pop_back();
    }
    return;
  }
  if (IsList(k) && v.is_array()) {
    NodeType item_type = ItemOf(t);
    for (size_t i = 0; i < v.size(); ++i) {
      path.push_back(ItemElement(t, v[i], static_cast<int64_t>(i)));
      ToSet(v[i], item_type, path, out);
      out.Insert(path);
      path.pop_back();
    }
    return;
  }
  if (!path.empty()) out.Insert(path);
}

// --- Compare ---

const Json& NullJson() {
  static const Json kNull;
  return kNull;
}

// The value Go's encoding gives a field of a zero struct; nullptr when it is omitted.
const Json* ZeroOf(const SchemaField& f) {
  static const Json kEmptyObject = Json::object();
  static const Json kEmptyString = "";
  static const Json kZero = 0;
  static const Json kFalse = false;
  static const Json kZeroDuration = "0s";
  static const Json kZeroQuantity = "0";
  if (f.pointer) return nullptr;
  if (f.repeated || f.map) return f.omitempty ? nullptr : &NullJson();
  switch (f.kind) {
    case ValueKind::kMessage: return &kEmptyObject;
    case ValueKind::kString: return f.omitempty ? nullptr : &kEmptyString;
    case ValueKind::kInt32:
    case ValueKind::kInt64:
    case ValueKind::kDouble:
    case ValueKind::kIntOrString: return f.omitempty ? nullptr : &kZero;
    case ValueKind::kBool: return f.omitempty ? nullptr : &kFalse;
    case ValueKind::kDuration: return f.omitempty ? nullptr : &kZeroDuration;
    case ValueKind::kQuantity: return f.omitempty ? nullptr : &kZeroQuantity;
    default: return f.omitempty ? nullptr : &NullJson();
  }
}

// Calls fn(json_name, zero) for every field of `t` (through inlined structs) that has a zero
// value in Go's encoding.
template <typename Fn>
void ForEachZeroField(const SchemaType& t, const Fn& fn) {
  for (const SchemaField& f : t.fields) {
    if (f.inlined()) {
      if (f.message != nullptr) ForEachZeroField(*f.message, fn);
      continue;
    }
    if (const Json* zero = ZeroOf(f)) fn(f.json_name, *zero);
  }
}

class Comparer {
 public:
  Comparer(Comparison& c, const CompareOptions& options) : c_(c), options_(options) {}

  void Node(const Json* l, const Json* r, const NodeType& t, FieldPath& path) {
    // An unchanged subtree holds no change: most of an updated object is. Comparing is far
    // cheaper than walking it field by field (the comparison is in key order, so a reordered
    // but equal object still takes the walk, which finds nothing).
    if (l && r && *l == *r) return;
    NodeKind k = t.kind;
    if (IsMapLike(k, l, r)) {
      bool l_ok = !l || l->is_null() || l->is_object();
      bool r_ok = !r || r->is_null() || r->is_object();
      if (!l_ok || !r_ok || (IsEmptyValue(l) && IsEmptyValue(r))) return Leaf(l, r, path);
      Children(l, r, t, path);
      Post(l, r, path);
      return;
    }
    if (IsList(k)) {
      bool l_ok = !l || l->is_null() || l->is_array();
      bool r_ok = !r || r->is_null() || r->is_array();
      if (!l_ok || !r_ok || (IsEmptyValue(l) && IsEmptyValue(r))) return Leaf(l, r, path);
      std::map<PathElement, std::pair<const Json*, const Json*>, PathElementLess> items;
      if (l && l->is_array()) {
        for (size_t i = 0; i < l->size(); ++i) {
          items.try_emplace(ItemElement(t, (*l)[i], static_cast<int64_t>(i)), &(*l)[i], nullptr);
        }
      }
      if (r && r->is_array()) {
        for (size_t i = 0; i < r->size(); ++i) {
          auto [it, inserted] = items.try_emplace(ItemElement(t, (*r)[i], static_cast<int64_t>(i)),
                                                  nullptr, &(*r)[i]);
          if (!inserted && it->second.second == nullptr) it->second.second = &(*r)[i];
        }
      }
      NodeType item_type = ItemOf(t);
      for (auto& [pe, sides] : items) {
        path.push_back(pe);
        Node(sides.first, sides.second, item_type, path);
        path.pop_back();
      }
      Post(l, r, path);
      return;
    }
    Leaf(l, r, path);
  }

 private:
  void Leaf(const Json* l, const Json* r, const FieldPath& path) {
    if (path.empty()) return;
    if (l == nullptr) {
      c_.added.Insert(path);
    } else if (r == nullptr) {
      c_.removed.Insert(path);
    } else if (!JsonEqual(*l, *r)) {
      c_.modified.Insert(path);
    }
  }

  void Post(const Json* l, const Json* r, const FieldPath& path) {
    if (path.empty()) return;
    if (l == nullptr) {
      c_.added.Insert(path);
    } else if (r == nullptr) {
      c_.removed.Insert(path);
    }
  }

  bool Skip(const FieldPath& path, std::string_view key) const {
    if (path.empty()) {
      if (!options_.only_root_field.empty()) return key != options_.only_root_field;
      return key == options_.skip_root_field;
    }
    return path.size() == 1 && key == "managedFields" && path[0].name == "metadata";
  }

  void Child(std::string_view key, const Json* l, const Json* r, const NodeType& t,
             FieldPath& path) {
    bool declared = false;
    NodeType ct = ChildOf(t, key, &declared);
    path.push_back(PathElement::Field(std::string(key)));
    Node(l, r, ct, path);
    path.pop_back();
  }

  void Children(const Json* l, const Json* r, const NodeType& t, FieldPath& path) {
    bool l_obj = l && l->is_object();
    bool r_obj = r && r->is_object();
    const SchemaType* message = t.kind == NodeKind::kStruct ? t.message : nullptr;
    // A missing field of a present struct reads as its Go zero value.
    auto side = [&](const Json* obj, bool is_obj, const std::string& key) -> const Json* {
      if (!is_obj) return nullptr;
      if (auto it = obj->find(key); it != obj->end()) return &*it;
      if (message == nullptr) return nullptr;
      const SchemaField* f = message->FieldByJsonName(key);
      return f ? ZeroOf(*f) : nullptr;
    };
    if (l_obj) {
      for (auto it = l->begin(); it != l->end(); ++it) {
        if (Skip(path, it.key())) continue;
        Child(it.key(), &it.value(), side(r, r_obj, it.key()), t, path);
      }
    }
    if (r_obj) {
      for (auto it = r->begin(); it != r->end(); ++it) {
        if (l_obj && l->contains(it.key())) continue;
        if (Skip(path, it.key())) continue;
        Child(it.key(), side(l, l_obj, it.key()), &it.value(), t, path);
      }
    }
    // Zero-valued fields present on one side only because the other side is absent.
    if (message != nullptr && l_obj != r_obj) {
      const Json* obj = l_obj ? l : r;
      ForEachZeroField(*message, [&](const std::string& name, const Json& zero) {
        if (obj->contains(name) || Skip(path, name)) return;
        if (l_obj) {
          Child(name, &zero, nullptr, t, path);
        } else {
          Child(name, nullptr, &zero, t, path);
        }
      });
    }
  }

  Comparison& c_;
  const CompareOptions& options_;
};

// --- Merge ---

Json Merge(const Json* l, const Json& r, const NodeType& t) {
  if (l == nullptr || l->is_null()) return r;
  NodeKind k = t.kind;
  if (IsMapLike(k, l, &r) && l->is_object() && r.is_object()) {
    Json out = *l;
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (it.value().is_null()) {
        out.erase(it.key());
        continue;
      }
      bool declared = false;
      NodeType ct = ChildOf(t, it.key(), &declared);
      auto existing = out.find(it.key());
      if (existing == out.end()) {
        out[it.key()] = it.value();
      } else {
        Json merged = Merge(&*existing, it.value(), ct);
        *existing = std::move(merged);
      }
    }
    return out;
  }
  if (IsList(k) && l->is_array() && r.is_array()) {
    std::vector<PathElement> lpe, rpe;
    std::map<PathElement, size_t, PathElementLess> lidx, ridx;
    for (size_t i = 0; i < l->size(); ++i) {
      lpe.push_back(ItemElement(t, (*l)[i], static_cast<int64_t>(i)));
      lidx.try_emplace(lpe.back(), i);
    }
    for (size_t i = 0; i < r.size(); ++i) {
      rpe.push_back(ItemElement(t, r[i], static_cast<int64_t>(i)));
      ridx.try_emplace(rpe.back(), i);
    }
    NodeType item_type = ItemOf(t);
    Json out = Json::array();
    size_t cursor = 0;
    auto emit_live_only = [&](size_t until) {
      for (; cursor < until && cursor < l->size(); ++cursor) {
        if (!ridx.contains(lpe[cursor])) out.push_back((*l)[cursor]);
      }
    };
    for (size_t j = 0; j < r.size(); ++j) {
      if (ridx[rpe[j]] != j) continue;  // a repeated item
      auto li = lidx.find(rpe[j]);
      if (li == lidx.end()) {
        out.push_back(r[j]);
        continue;
      }
      if (li->second >= cursor) {
        emit_live_only(li->second);
        cursor = li->second + 1;
      }
      out.push_back(Merge(&(*l)[li->second], r[j], item_type));
    }
    emit_live_only(l->size());
    return out;
  }
  return r;
}

// --- Prune ---

bool OwnsAnything(const FieldSet* owned, const PathElement& pe) {
  if (owned == nullptr) return false;
  if (owned->IsMember(pe)) return true;
  const FieldSet* below = owned->Child(pe);
  return below != nullptr && !below->empty();
}

void Prune(Json& node, const FieldSet& previous, const FieldSet* owned, const NodeType& t) {
  NodeKind k = t.kind;
  // Returns whether the child value goes.
  auto visit = [&](const PathElement& pe, Json& child, const NodeType& ct) -> bool {
    bool was_member = previous.IsMember(pe);
    const FieldSet* below = previous.Child(pe);
    if (!was_member && (below == nullptr || below->empty())) return false;
    if (was_member && !OwnsAnything(owned, pe)) return true;
    if (below != nullptr && !below->empty()) {
      bool had_content = !IsEmptyValue(&child);
      Prune(child, *below, owned ? owned->Child(pe) : nullptr, ct);
      bool owned_itself = owned != nullptr && owned->IsMember(pe);
      if (had_content && IsEmptyValue(&child) && !owned_itself) return true;
    }
    return false;
  };
  if (IsMapLike(k, &node, nullptr) && node.is_object()) {
    std::vector<std::string> gone;
    for (auto it = node.begin(); it != node.end(); ++it) {
      bool declared = false;
      NodeType ct = ChildOf(t, it.key(), &declared);
      if (visit(PathElement::Field(it.key()), it.value(), ct)) gone.push_back(it.key());
    }
    for (const std::string& key : gone) node.erase(key);
    return;
  }
  if (IsList(k) && node.is_array()) {
    NodeType item_type = ItemOf(t);
    Json out = Json::array();
    for (size_t i = 0; i < node.size(); ++i) {
      if (!visit(ItemElement(t, node[i], static_cast<int64_t>(i)), node[i], item_type)) {
        out.push_back(std::move(node[i]));
      }
    }
    node = std::move(out);
  }
}

NodeType RootOf(const SchemaType* type) {
  if (type == nullptr) return {NodeKind::kDeduced};
  return {NodeKind::kStruct, type};
}

}  // namespace

FieldSet ToFieldSet(const Json& object, const SchemaType* type) {
  FieldSet out;
  FieldPath path;
  ToSet(object, RootOf(type), path, out);
  return out;
}

Comparison CompareObjects(const Json* before, const Json* after, const SchemaType* type,
                          const CompareOptions& options) {
  Comparison c;
  if (before == nullptr && after == nullptr) return c;
  Comparer comparer(c, options);
  FieldPath path;
  comparer.Node(before, after, RootOf(type), path);
  return c;
}

Json MergeApplied(const Json& live, const Json& config, const SchemaType* type) {
  return Merge(&live, config, RootOf(type));
}

void PruneFields(Json& object, const FieldSet& previous, const FieldSet& owned,
                 const SchemaType* type) {
  Prune(object, previous, &owned, RootOf(type));
}

}  // namespace sampan::api
